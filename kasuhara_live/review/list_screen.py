"""The review app's first screen: a filterable list of stored calls; Enter opens one for review.

The filter line takes words in any order (days, a level floor, a category, an agent: see
:func:`~kasuhara_live.review.filters.parse_filter`); ``/`` goes to it, Enter applies it, Esc leaves it.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label, Static

from kasuhara_live.errors import KasuharaError
from kasuhara_live.judge import labels
from kasuhara_live.printable import printable
from kasuhara_live.review.call_screen import CallReviewScreen
from kasuhara_live.review.filters import CallFilter, format_time, parse_filter
from kasuhara_live.review.keys import localize_bindings
from kasuhara_live.review.listing import ListRow, list_rows, state_text
from kasuhara_live.review.playback import Which
from kasuhara_live.review.render import SEVERITY_STYLE, categories, started
from kasuhara_live.review.texts import text
from kasuhara_live.store.store import CallStore

# Fixed columns of the call list in terminal cells; the categories take what the width leaves.
COLUMNS = {"call": 14, "start": 11, "agent": 8, "duration": 5, "level": 4, "labelled": 6, "verdict": 4}


class CallTable(DataTable[str | Text]):
    """The calls, one row each; the footer says what Enter does."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select_cursor", "key.open")]

    def __init__(self, lang: str, *, id: str) -> None:
        super().__init__(id=id, cursor_type="row")
        localize_bindings(self, lang)


class CallListScreen(Screen[None]):
    """The calls of the store that match the filter, newest first, with how far each has been reviewed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "key.filter"),
        Binding("r", "reload", "key.reload"),
        Binding("escape", "to_list", show=False),
    ]

    def __init__(self, lang: str, store: CallStore, reviewer: str, which: Which) -> None:
        super().__init__()
        self.lang = lang
        self.store = store
        self.reviewer = reviewer
        self.which = which
        self.query_filter = CallFilter()
        self.rows: dict[str, ListRow] = {}
        localize_bindings(self, self.lang)

    def compose(self) -> ComposeResult:
        yield Static(classes="status", id="list-status")
        with Horizontal(id="filter-bar"):
            yield Label(text(self.lang, "filter.label"))
            yield Input(placeholder=text(self.lang, "filter.placeholder"), id="filter")
        yield CallTable(self.lang, id="calls")
        yield Static(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self._columns()
        self.query_one("#calls", CallTable).focus()

    def on_resize(self, event: Resize) -> None:
        self._columns()

    def _columns(self) -> None:
        table = self.query_one("#calls", CallTable)
        table.clear(columns=True)
        widths = {key: max(width, cell_len(text(self.lang, f"col.{key}"))) for key, width in COLUMNS.items()}
        widths["level"] = max(widths["level"], *(cell_len(name) for name in labels.LEVEL[self.lang].values()))
        for key, width in widths.items():
            table.add_column(text(self.lang, f"col.{key}"), width=width, key=key)
        rest = max(10, self.size.width - 1 - sum(widths.values()) - 2 * (len(widths) + 1))  # 1: the scrollbar
        table.add_column(text(self.lang, "col.categories"), width=rest, key="categories")
        self.reload()

    # -- the list ---------------------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the calls matching the filter again (labels and reviews may have changed)."""
        table = self.query_one("#calls", CallTable)
        selected = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value if table.row_count else None
        found = list_rows(self.store, self.query_filter)
        self.rows = {row.summary.call_id: row for row in found}
        table.clear()
        lang = self.lang
        for row in found:
            summary, state = row.summary, row.state
            level = Text(labels.LEVEL[lang][summary.max_level.value],
                         style=SEVERITY_STYLE.get(summary.max_level.value, ""))
            labelled = f"{state.labelled}/{summary.alerts}" if summary.alerts else "-"
            # The reviewer's own verdict, as on the call's screen (how many others judged it: the line below).
            own = dict(state.verdicts).get(self.reviewer)
            verdict = "" if own is None else text(lang, f"verdict.{'yes' if own else 'no'}")
            # Text cells: a DataTable reads a string as Rich markup, and ids and names are the wire's.
            table.add_row(Text(printable(summary.call_id)), started(summary, with_year=False),
                          Text(printable(summary.agent) or "-"), format_time(summary.duration or 0.0, tenths=False),
                          level, labelled, Text(verdict, style="bold red" if own else ""),
                          Text(categories(lang, summary.categories)), key=summary.call_id)
        if selected in self.rows:
            table.move_cursor(row=table.get_row_index(selected))
        self._status()
        self._detail()

    def _status(self, message: str = "", error: bool = False) -> None:
        status = self.query_one("#list-status", Static)
        status.set_class(error, "-error")
        described = self.query_filter.describe() or text(self.lang, "filter.all")
        line = Text(text(self.lang, "list.count", count=len(self.rows)) + f"  [{described}]  ")
        line.append(text(self.lang, "reviewer", reviewer=self.reviewer), style="dim")
        if message:
            line = Text(message, style="bold") + Text("  ") + line
        status.update(line)

    def _detail(self) -> None:
        """Below the table: the selected call in full (the table's columns cut long category names)."""
        detail = self.query_one("#detail", Static)
        row = self.selected_row()
        if row is None:
            detail.update(Text(text(self.lang, "list.empty") if not self.rows else "", style="italic"))
            return
        summary = row.summary
        first = f"{printable(summary.call_id)}  {started(summary)}  {state_text(self.lang, row)}"
        detail.update(Text(first + "\n" + (categories(self.lang, summary.categories) or "-"), no_wrap=True,
                           overflow="ellipsis"))

    def selected_row(self) -> ListRow | None:
        table = self.query_one("#calls", CallTable)
        if not table.row_count:
            return None
        return self.rows.get(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or "")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = self.selected_row()
        if row is not None:
            screen = CallReviewScreen(self.lang, self.store, row.summary.call_id, self.reviewer, self.which)
            self.app.push_screen(screen, lambda _: self.reload())  # back on the list: labels and verdicts changed

    # -- the filter -------------------------------------------------------------------------------------------

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_to_list(self) -> None:
        self.query_one("#calls", CallTable).focus()

    def action_reload(self) -> None:
        self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "filter":
            return
        try:
            self.query_filter = parse_filter(event.value)
        except KasuharaError as exc:
            self._status(text(self.lang, "filter.bad", error=exc), error=True)
            self.app.bell()
            return
        self.reload()
        self.query_one("#calls", CallTable).focus()
