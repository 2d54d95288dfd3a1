"""The supervisor's console: every live call ranked by urgency, the alert feed, and one call's live screen.

Enter opens the selected call (the hub is asked for its partials with ``watch``; leaving sends ``unwatch``).
``a`` acknowledges the selected alert, ``m`` sends the call's agent a short message.
"""

from __future__ import annotations

import time
from pathlib import PurePath
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer

from kasuhara_live.config import CallConfig, Config
from kasuhara_live.console.base import Clock, ConsoleApp, localize_bindings
from kasuhara_live.console.calls import CallView, FeedItem, FeedKind, duration_level, format_duration
from kasuhara_live.console.link import ConsoleLink, unwatch_message, watch_message
from kasuhara_live.console.modals import ComposeMessage
from kasuhara_live.console.texts import text
from kasuhara_live.console.transcript import TranscriptView
from kasuhara_live.console.widgets import (
    AlertPanel,
    CallTimer,
    LevelBanner,
    ScriptPanel,
    StatusBar,
)
from kasuhara_live.events import ActionKind, Alert, Event, Level, UtteranceFinal, UtterancePartial
from kasuhara_live.judge import labels
from kasuhara_live.judge.scripts import Scripts
from kasuhara_live.printable import printable

# DataTable cells are Rich text, not CSS: the same colours as console.tcss, spelled as Rich styles.
LEVEL_STYLE = {Level.NONE: "", Level.CAUTION: "black on #d7af00", Level.WARNING: "black on #ff8700",
               Level.CRITICAL: "bold white on #d70000"}
FEED_STYLE = {FeedKind.JOIN: "bold white on #8700af", FeedKind.RED_CARD: "bold white on #d70000"}


def level_cell(lang: str, level: Level) -> Text:
    return Text(f" {labels.LEVEL[lang][level.value]} ", style=LEVEL_STYLE[level])


def wire_cell(value: str, style: str = "") -> Text:
    """A table cell of text from the wire (an agent's name, a call id): a DataTable reads a string cell as Rich
    markup, so ``[/]`` in a call id would take the console down; a :class:`Text` with its control characters
    made visible is shown as it is."""
    return Text(printable(value), style=style)


def evidence_text(lang: str, alert: Alert) -> str:
    """``category「words」`` in one line, for a table cell (control characters made visible)."""
    words = "".join(f"「{e}」" for e in alert.evidence) if lang == "ja" else " " + ", ".join(
        f'"{e}"' for e in alert.evidence)
    return printable(labels.category(lang, alert.category) + words)


def feed_alert_cell(lang: str, alert: Alert) -> Text:
    """The feed's cell for an alert: its words, then what raised it, dim. A :class:`Text`, not a string: a
    DataTable reads a string cell as Rich markup, and neither the caller's words nor the source are markup."""
    cell = Text(evidence_text(lang, alert))
    if alert.source:
        cell.append("  ")
        cell.append(printable(alert.source), style="dim")
    return cell


class BoardTable(DataTable[str | Text]):
    """A row-cursor table whose footer says what Enter and Tab do here."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "key.open"),
        Binding("tab", "app.focus_next", "key.switch"),
    ]

    def __init__(self, lang: str, *, id: str) -> None:
        super().__init__(id=id, cursor_type="row")
        localize_bindings(self, lang)


class CallScreen(Screen[None]):
    """One call, live: what the agent sees, for a supervisor who may step in."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "key.back"),
        Binding("a", "acknowledge", "key.acknowledge"),
        Binding("m", "message", "key.message"),
    ]

    class Act(Message):
        """Ask the app to act on this call (``acknowledge`` or ``message``)."""

        def __init__(self, call_id: str, what: str) -> None:
            super().__init__()
            self.call_id = call_id
            self.what = what

    def __init__(self, lang: str, call_id: str) -> None:
        super().__init__()
        self.lang = lang
        self.call_id = call_id
        localize_bindings(self, lang)

    def compose(self) -> ComposeResult:
        yield StatusBar(id="call-status")
        yield LevelBanner()
        with Horizontal(id="call-main"):
            yield TranscriptView(self.lang, id="transcript")
            with Vertical(id="side"):
                yield CallTimer()
                yield AlertPanel()
        yield ScriptPanel()
        yield Footer()

    def show(self, call: CallView, now: float, limits: CallConfig) -> None:
        """Draw the call; ``limits`` are the call-length thresholds for its timer."""
        alert = call.last_alert
        self.query_one(LevelBanner).show(self.lang, call.level, call.level_reason)
        self.query_one(TranscriptView).sync(call.lines)
        self.query_one(AlertPanel).show(self.lang, call)
        self.query_one(ScriptPanel).show(self.lang, alert, bool(alert and call.has_action(
            ActionKind.SCRIPT_USED, alert.alert_id)))
        self.query_one(CallTimer).show(self.lang, call, now, limits)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_acknowledge(self) -> None:
        self.post_message(self.Act(self.call_id, "acknowledge"))

    def action_message(self) -> None:
        self.post_message(self.Act(self.call_id, "message"))


class SupervisorConsole(ConsoleApp):
    """``kasuhara-live console --role supervisor``."""

    CSS_PATH: ClassVar[list[str | PurePath]] = ["console.tcss", "supervisor.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "acknowledge", "key.acknowledge"),
        Binding("m", "message", "key.message"),
    ]

    def __init__(self, cfg: Config, link: ConsoleLink, *, clock: Clock = time.monotonic,
                 scripts: Scripts | None = None) -> None:
        super().__init__(cfg, link, clock=clock, scripts=scripts)
        self.feed_rows: dict[str, FeedItem] = {}  # feed row key -> its item, rebuilt with the table

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield BoardTable(self.lang, id="calls")
        yield BoardTable(self.lang, id="feed")
        yield Footer()

    def on_mount(self) -> None:
        # No super() call: Textual runs ConsoleApp.on_mount itself (handlers run for every class in the MRO).
        self.title = text(self.lang, "supervisor.title")
        self.query_one("#calls", BoardTable).focus()
        self._columns()

    def on_resize(self, event: Resize) -> None:
        self._columns()

    @property
    def watching(self) -> CallScreen | None:
        screens = [s for s in self.screen_stack if isinstance(s, CallScreen)]
        return screens[-1] if screens else None

    def status_detail(self) -> str:
        watching = self.watching
        if watching is not None and (call := self.board.calls.get(watching.call_id)) is not None:
            return f"{self.user}  " + text(self.lang, "watching", agent=call.agent, call_id=call.call_id)
        return f"{self.user}  " + text(self.lang, "calls.count", live=self.board.live_count())

    # -- tables ---------------------------------------------------------------------------------------

    def _columns(self) -> None:
        """(Re)build the columns so the last one takes what the terminal's width leaves."""
        width = max(60, self.size.width) - 4  # borders and the scrollbar
        calls = self.query_one("#calls", BoardTable)
        calls.clear(columns=True)
        fixed = {"agent": 10, "call": 16, "duration": 8, "level": 6}
        for key, cells in fixed.items():
            calls.add_column(text(self.lang, f"col.{key}"), width=cells, key=key)
        calls.add_column(text(self.lang, "col.category"), width=width - sum(fixed.values()) - 2 * 5, key="category")
        feed = self.query_one("#feed", BoardTable)
        feed.clear(columns=True)
        fixed = {"state": 14, "agent": 10, "level": 6}
        for key, cells in fixed.items():
            feed.add_column(text(self.lang, f"col.{key}"), width=cells, key=key)
        feed.add_column(text(self.lang, "col.what"), width=width - sum(fixed.values()) - 2 * 4, key="what")
        calls.border_title = text(self.lang, "calls.title")
        feed.border_title = text(self.lang, "feed.title")
        self.redraw()

    def redraw(self) -> None:
        self._fill_calls()
        self._fill_feed()
        self.refresh_status()

    def _fill_calls(self) -> None:
        table = self.query_one("#calls", BoardTable)
        # On the top row the cursor stays on the most urgent call; moved down, it stays on the call chosen.
        selected = self._selected_key(table) if table.cursor_row > 0 else None
        now = self.clock()
        table.clear()
        for call in self.board.ranked(now):
            elapsed = call.elapsed(now)
            duration = Text(format_duration(elapsed), style=LEVEL_STYLE[duration_level(elapsed, self.cfg.call)])
            if call.ended:
                duration = Text(f"{text(self.lang, 'ended')} {format_duration(elapsed)}", style="dim")
            alert = call.last_alert
            table.add_row(wire_cell(call.agent), wire_cell(call.call_id), duration, level_cell(self.lang, call.level),
                          wire_cell(labels.category(self.lang, alert.category) if alert else ""), key=call.call_id)
        self._restore(table, selected)

    def _fill_feed(self) -> None:
        table = self.query_one("#feed", BoardTable)
        # On the newest row the cursor follows what comes in; moved down, it stays on the row chosen.
        selected = self._selected_key(table) if table.cursor_row > 0 else None
        table.clear()
        self.feed_rows = {}
        for item in self.board.newest_first():
            call = self.board.calls.get(item.call_id)
            key = str(item.seq)
            self.feed_rows[key] = item
            if item.alert is not None:
                seen = call.acknowledged_by(item.alert.alert_id) if call else ""
                state = Text(text(self.lang, "feed.acknowledged"), style="green") if seen else Text(
                    text(self.lang, "feed.new"), style="bold")
                table.add_row(state, wire_cell(item.agent), level_cell(self.lang, item.alert.severity),
                              feed_alert_cell(self.lang, item.alert), key=key)
            else:
                state = Text(text(self.lang, f"feed.{item.kind.value}"), style=FEED_STYLE.get(item.kind, "bold"))
                what = item.call_id
                if item.action is not None and item.action.detail:
                    what += "  " + labels.category(self.lang, item.action.detail)
                table.add_row(state, wire_cell(item.agent), level_cell(self.lang, call.level if call else Level.NONE),
                              wire_cell(what), key=key)
        self._restore(table, selected)

    @staticmethod
    def _selected_key(table: DataTable[str | Text]) -> str | None:
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    @staticmethod
    def _restore(table: DataTable[str | Text], key: str | None) -> None:
        # A rebuilt table keeps the row the supervisor had selected, wherever urgency moved it.
        if key is not None and key in table.rows:  # (a call may have left the board)
            table.move_cursor(row=table.get_row_index(key), animate=False)

    def selected_call(self) -> CallView | None:
        """The call of the selected feed row (when the feed has focus) or of the selected table row."""
        feed = self.query_one("#feed", BoardTable)
        if self.focused is feed:
            item = self.feed_rows.get(self._selected_key(feed) or "")
            return self.board.calls.get(item.call_id) if item else None
        return self.board.calls.get(self._selected_key(self.query_one("#calls", BoardTable)) or "")

    # -- events from the hub --------------------------------------------------------------------------

    def call_changed(self, call: CallView, event: Event, item: FeedItem | None) -> None:
        watching = self.watching
        if watching is not None and watching.call_id == call.call_id:
            watching.show(call, self.clock(), self.cfg.call)
        if isinstance(event, UtterancePartial | UtteranceFinal):
            return  # the board shows no words; only the watched call's screen does
        if item is not None and item.kind is not FeedKind.ALERT:
            key = "feed.join_toast" if item.kind is FeedKind.JOIN else "feed.red_card_toast"
            self.notify(text(self.lang, key, agent=printable(item.agent), call_id=printable(item.call_id)),
                        severity="error" if item.kind is FeedKind.RED_CARD else "warning", timeout=15, markup=False)
            self.bell()
        elif item is not None and item.alert is not None and item.alert.severity is Level.CRITICAL:
            self.bell()
        self.redraw()

    def call_loaded(self, call: CallView) -> None:
        watching = self.watching
        if watching is not None and watching.call_id == call.call_id:
            watching.show(call, self.clock(), self.cfg.call)
        self.redraw()

    def call_forgotten(self, call_id: str) -> None:
        watching = self.watching
        if watching is not None and watching.call_id == call_id:
            watching.dismiss(None)  # nothing left to watch; leaving sends the (harmless) unwatch
        self.redraw()

    def tick(self) -> None:
        self._fill_calls()
        watching = self.watching
        if watching is not None and (call := self.board.calls.get(watching.call_id)) is not None:
            watching.show(call, self.clock(), self.cfg.call)

    # -- keys -----------------------------------------------------------------------------------------

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_call()

    def action_open_call(self) -> None:
        call = self.selected_call()
        if call is None:
            self.flash(text(self.lang, "no_selection"))
            return
        self.run_worker(self._open(call), group="watch")

    async def _open(self, call: CallView) -> None:
        await self.send(watch_message(call.call_id), None)
        screen = CallScreen(self.lang, call.call_id)

        async def left(_: None) -> None:
            await self.send(unwatch_message(call.call_id), None)
            self.refresh_status()

        await self.push_screen(screen, left)
        screen.show(call, self.clock(), self.cfg.call)
        self.refresh_status()

    async def action_acknowledge(self) -> None:
        feed = self.query_one("#feed", BoardTable)
        call: CallView | None
        alert: Alert | None
        if self.focused is feed:
            item = self.feed_rows.get(self._selected_key(feed) or "")
            if item is None or item.alert is None:
                self.flash(text(self.lang, "feed.not_alert"))
                return
            call, alert = self.board.calls.get(item.call_id), item.alert
        else:
            call = self.selected_call()
            alert = call.last_alert if call else None
        await self.acknowledge(call, alert)

    async def acknowledge(self, call: CallView | None, alert: Alert | None) -> None:
        if call is None or alert is None:
            self.flash(text(self.lang, "feed.not_alert"))
            return
        await self.send_action(call, ActionKind.ALERT_ACKNOWLEDGED, text(self.lang, "feed.acknowledged"),
                               alert_id=alert.alert_id)

    def action_message(self) -> None:
        self.compose_message(self.selected_call())

    def compose_message(self, call: CallView | None) -> None:
        if call is None:
            self.flash(text(self.lang, "no_selection"))
            return

        async def chosen(message: str | None) -> None:
            if message:
                await self.send_action(call, ActionKind.MESSAGE, text(self.lang, "key.message"), detail=message)

        self.push_screen(ComposeMessage(self.lang, call.agent, self.cfg.console.supervisor_messages), chosen)

    async def on_call_screen_act(self, message: CallScreen.Act) -> None:
        call = self.board.calls.get(message.call_id)
        if message.what == "acknowledge":
            await self.acknowledge(call, call.last_alert if call else None)
        else:
            self.compose_message(call)
