"""Small modal screens: confirm the red card, the post-call check, compose a supervisor message.

Each dismisses with its answer (``None`` when cancelled); the app decides what to send.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, OptionList
from textual.widgets.option_list import Option

from kasuhara_live.console.base import localize_bindings
from kasuhara_live.console.texts import FEELINGS, text
from kasuhara_live.printable import printable


class ConfirmRedCard(ModalScreen[bool]):
    """Ask before recording a red card: it is part of the call's evidence."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "key.yes"),
        Binding("n,escape", "answer(False)", "key.no"),
    ]

    def __init__(self, lang: str, reason: str) -> None:
        super().__init__()
        self.lang = lang
        self.reason = reason
        localize_bindings(self, lang)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog -critical"):
            yield Label(text(self.lang, "red_card.question"), classes="question")
            reason = printable(self.reason) or text(self.lang, "red_card.no_reason")
            # markup=False: the reason is an alert's category as the wire gave it, not markup
            yield Label(text(self.lang, "red_card.explain", reason=reason), markup=False)
            with Horizontal(classes="buttons"):
                yield Button(f"{text(self.lang, 'yes')} (y)", id="yes", variant="error")
                yield Button(f"{text(self.lang, 'no')} (n)", id="no", variant="default")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()  # the safe answer is where Enter lands

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class PostCallCheck(ModalScreen[dict[str, Any] | None]):
    """Two questions after a call: how the agent feels, and whether they want to talk to someone."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "skip", "key.skip")]

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang
        self.feeling: str | None = None
        localize_bindings(self, lang)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Label(text(self.lang, "post_call.title"), classes="question")
            yield Label(text(self.lang, "post_call.feeling"))
            yield OptionList(*(Option(f"{n}. {text(self.lang, 'feeling.' + f)}", id=f)
                               for n, f in enumerate(FEELINGS, 1)), id="feeling")
            yield Label(text(self.lang, "post_call.talk"))
            yield OptionList(Option(text(self.lang, "talk.yes"), id="yes"), Option(text(self.lang, "talk.no"), id="no"),
                             id="talk")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#feeling", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id == "feeling":
            self.feeling = event.option.id
            self.query_one("#talk", OptionList).focus()
        elif self.feeling is not None:
            self.dismiss({"feeling": self.feeling, "talk": event.option.id == "yes"})
        else:
            self.query_one("#feeling", OptionList).focus()  # answer the first question first

    def action_skip(self) -> None:
        self.dismiss(None)


class ComposeMessage(ModalScreen[str | None]):
    """A supervisor's short message to an agent: one of the configured phrases, or typed."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "key.cancel")]

    def __init__(self, lang: str, agent: str, phrases: Sequence[str]) -> None:
        super().__init__()
        self.lang = lang
        self.agent = agent
        self.phrases = tuple(phrases)
        localize_bindings(self, lang)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Label(text(self.lang, "message.compose", agent=printable(self.agent)), classes="question",
                        markup=False)
            yield OptionList(*(Option(f"{n}. {p}", id=str(n - 1)) for n, p in enumerate(self.phrases, 1)),
                             id="phrases")
            yield Input(placeholder=text(self.lang, "message.placeholder"), id="typed")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#phrases" if self.phrases else "#typed").focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.phrases[int(event.option.id or 0)])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
