"""The review app's two dialogs: a missed range (start, end, category, note) and the call's two-axis judgement.

Each checks what was typed before it closes (a bad time or a missing choice is said inside the dialog) and
dismisses with a plain record, or ``None`` when cancelled; the call screen writes it to the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, OptionList, RadioButton, RadioSet
from textual.widgets.option_list import Option

from kasuhara_live.errors import KasuharaError
from kasuhara_live.judge import labels
from kasuhara_live.review.filters import HARASSMENT_CATEGORIES, format_time, time_range
from kasuhara_live.review.keys import localize_bindings
from kasuhara_live.review.texts import text
from kasuhara_live.store.store import CONDUCT, DEMAND, CallReview


@dataclass(frozen=True)
class MissedRange:
    """What the missed-range dialog answers."""

    start: float
    end: float
    category: str
    note: str


@dataclass(frozen=True)
class Judgement:
    """What the judgement dialog answers."""

    conduct: str
    demand: str
    harassment: bool
    notes: str
    lessons: str


_Answer = TypeVar("_Answer")


class _Dialog(ModalScreen[_Answer | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "key.save"),
        Binding("escape", "cancel", "key.cancel"),
    ]

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang
        localize_bindings(self, lang)

    def buttons(self) -> ComposeResult:
        yield Label("", id="error", classes="error")
        with Horizontal(classes="buttons"):
            yield Button(f"{text(self.lang, 'key.save')} (ctrl+s)", id="save", variant="primary")
            yield Button(f"{text(self.lang, 'key.cancel')} (esc)", id="cancel")

    def complain(self, message: str) -> None:
        self.query_one("#error", Label).update(message)
        self.app.bell()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    def action_save(self) -> None:
        raise NotImplementedError

    def action_cancel(self) -> None:
        self.dismiss(None)


class MissedDialog(_Dialog[MissedRange]):
    """Harassment the detector missed: a time range (prefilled from the selected line), a category, a note."""

    def __init__(self, lang: str, start: float | None, end: float | None, duration: float | None) -> None:
        super().__init__(lang)
        self.start = start
        self.end = end
        self.duration = duration
        self.category: str | None = None

    def compose(self) -> ComposeResult:
        lang = self.lang
        with Vertical(classes="dialog"):
            yield Label(text(lang, "missed.title"), classes="question")
            with Horizontal(classes="field"):
                yield Label(text(lang, "missed.start"), classes="name")
                yield Input(format_time(self.start) if self.start is not None else "", id="start",
                            placeholder=text(lang, "missed.time_hint"))
                yield Label(text(lang, "missed.end"), classes="name")
                yield Input(format_time(self.end) if self.end is not None else "", id="end",
                            placeholder=text(lang, "missed.time_hint"))
            yield Label(text(lang, "missed.category"), id="category-label")
            yield OptionList(*(Option(labels.category(lang, c), id=c) for c in HARASSMENT_CATEGORIES), id="category")
            with Horizontal(classes="field"):
                yield Label(text(lang, "note"), classes="name")
                yield Input(id="note")
            yield from self.buttons()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#start" if self.start is None else "#category").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "note":
            self.action_save()
        else:
            self.focus_next()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.category = event.option.id
        name = labels.category(self.lang, self.category or "")
        self.query_one("#category-label", Label).update(f"{text(self.lang, 'missed.category')}：{name}")
        self.query_one("#note", Input).focus()

    def action_save(self) -> None:
        try:
            start, end = time_range(self.query_one("#start", Input).value, self.query_one("#end", Input).value,
                                    self.duration)
        except KasuharaError as exc:
            self.complain(str(exc))
            return
        if self.category is None:
            self.complain(text(self.lang, "missed.choose"))
            self.query_one("#category", OptionList).focus()
            return
        self.dismiss(MissedRange(start, end, self.category, self.query_one("#note", Input).value.strip()))


class JudgeDialog(_Dialog[Judgement]):
    """The reviewer's judgement: conduct × demand, the verdict, notes and lessons (prefilled from a past review)."""

    def __init__(self, lang: str, review: CallReview | None) -> None:
        super().__init__(lang)
        self.review = review

    def _choices(self, axis: str, values: tuple[str, ...], chosen: str | None) -> ComposeResult:
        with Horizontal(classes="field"):
            yield Label(text(self.lang, axis), classes="name")
            with RadioSet(id=axis):
                for value in values:
                    yield RadioButton(text(self.lang, f"{axis}.{value}"), value=value == chosen, id=f"{axis}-{value}")

    def compose(self) -> ComposeResult:
        lang, review = self.lang, self.review
        with Vertical(classes="dialog"):
            yield Label(text(lang, "judge.title"), classes="question")
            yield from self._choices("conduct", CONDUCT, review.conduct if review else None)
            yield from self._choices("demand", DEMAND, review.demand if review else None)
            verdict = None if review is None else "yes" if review.harassment else "no"
            yield from self._choices("harassment", ("yes", "no"), verdict)
            with Horizontal(classes="field"):
                yield Label(text(lang, "notes"), classes="name")
                yield Input(review.notes if review else "", id="notes")
            with Horizontal(classes="field"):
                yield Label(text(lang, "lessons"), classes="name")
                yield Input(review.lessons if review else "", id="lessons")
            yield from self.buttons()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#conduct", RadioSet).focus()

    def _chosen(self, axis: str) -> str | None:
        button = self.query_one(f"#{axis}", RadioSet).pressed_button
        return None if button is None or button.id is None else button.id.removeprefix(f"{axis}-")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "lessons":
            self.action_save()
        else:
            self.focus_next()

    def action_save(self) -> None:
        conduct, demand, verdict = self._chosen("conduct"), self._chosen("demand"), self._chosen("harassment")
        if conduct is None or demand is None or verdict is None:
            self.complain(text(self.lang, "judge.choose"))
            return
        self.dismiss(Judgement(conduct, demand, verdict == "yes", self.query_one("#notes", Input).value.strip(),
                               self.query_one("#lessons", Input).value.strip()))
