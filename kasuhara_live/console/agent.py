"""The agent's console: the live transcript, the level, the latest alert and the words to read now.

One call is on screen at a time: the agent's current one, which stays (with its post-call check) until the
next call starts.  Every key records an action on that call through the hub.
"""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Static

from kasuhara_live.console.base import ConsoleApp
from kasuhara_live.console.calls import CallView, FeedItem, script_detail
from kasuhara_live.console.modals import ConfirmRedCard, PostCallCheck
from kasuhara_live.console.texts import text
from kasuhara_live.console.transcript import TranscriptView
from kasuhara_live.console.widgets import (
    AlertPanel,
    CallTimer,
    LevelBanner,
    ScriptPanel,
    StatusBar,
)
from kasuhara_live.events import (
    Action,
    ActionKind,
    CallEnded,
    CallStarted,
    Event,
    Level,
    UtteranceFinal,
    UtterancePartial,
)
from kasuhara_live.judge import labels
from kasuhara_live.printable import printable


class MessagePanel(Static):
    """The supervisor's latest message to this agent; hidden until there is one."""

    def show(self, lang: str, message: Action | None) -> None:
        self.set_class(message is None, "-empty")
        self.border_title = text(lang, "message.title")
        if message is not None:
            self.update(Text(text(lang, "message.from", actor=printable(message.actor or "?"),
                                  text=printable(message.detail)), style="bold"))


class AgentConsole(ConsoleApp):
    """``kasuhara-live console --role agent``."""

    CSS_PATH: ClassVar[list[str | PurePath]] = ["console.tcss", "agent.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "script_used", "key.script_used"),
        Binding("j", "join", "key.join"),
        Binding("r", "red_card", "key.red_card"),
        Binding("p", "post_call", "key.post_call"),
    ]

    call_id: str | None = None
    """The call on screen."""

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield LevelBanner(id="banner")
        with Horizontal(id="main"):
            yield TranscriptView(self.lang, id="transcript")
            with Vertical(id="side"):
                yield CallTimer(id="timer")
                yield AlertPanel(id="alert")
        yield MessagePanel(id="message", classes="-empty")
        yield ScriptPanel(id="script")
        yield Footer()

    def on_mount(self) -> None:
        # No super() call: Textual runs ConsoleApp.on_mount itself (handlers run for every class in the MRO).
        self.title = text(self.lang, "agent.title")
        self.redraw()

    @property
    def call(self) -> CallView | None:
        return self.board.calls.get(self.call_id) if self.call_id else None

    def status_detail(self) -> str:
        call = self.call
        parts = [self.user]
        if call is not None:
            parts.append(text(self.lang, "call", call_id=call.call_id))
        return "  ".join(p for p in parts if p)

    # -- events from the hub --------------------------------------------------------------------------

    def _on_screen(self, call: CallView, starts: bool) -> bool:
        """Whether ``call`` is the call on screen, switching to it if it ``starts`` or nothing else is on."""
        current = self.call
        if call is current:
            return True
        # An agent takes one call at a time: a call that starts is the one on the line, even when the end of the
        # previous one never arrived (its monitor died).  Events of older calls never push the current one away.
        if current is not None and not (starts and not call.ended):
            return False
        self.call_id = call.call_id
        self.query_one(TranscriptView).clear()
        self.refresh_status()
        self.refresh_bindings()
        return True

    def call_loaded(self, call: CallView) -> None:
        if self._on_screen(call, starts=not call.ended):
            self.redraw()

    def call_forgotten(self, call_id: str) -> None:
        if call_id == self.call_id:
            self.call_id = None
            self.query_one(TranscriptView).clear()
            self.refresh_status()
            self.redraw()

    def call_changed(self, call: CallView, event: Event, item: FeedItem | None) -> None:
        if not self._on_screen(call, starts=isinstance(event, CallStarted)):
            return
        if isinstance(event, UtterancePartial | UtteranceFinal):
            self.query_one(TranscriptView).sync(call.lines)  # words come often: redraw only what they change
            self.tick()
            return
        if isinstance(event, Action) and event.action is ActionKind.MESSAGE:
            self.bell()  # the message panel shows it; the bell makes the agent look
        if isinstance(event, Action) and event.action is ActionKind.POST_CALL_CHECK and isinstance(
                self.screen, PostCallCheck):
            self.screen.dismiss(None)  # answered already (another console of this agent, or a replayed history)
        self.redraw()
        if isinstance(event, CallEnded) and not call.has_action(ActionKind.POST_CALL_CHECK):
            self.action_post_call()

    def redraw(self) -> None:
        """Push the current call's state down to every panel."""
        call = self.call
        alert = call.last_alert if call else None
        banner = self.query_one(LevelBanner)
        banner.show(self.lang, call.level if call else Level.NONE, call.level_reason if call else "")
        self.query_one(AlertPanel).show(self.lang, call)
        self.query_one(ScriptPanel).show(self.lang, alert, bool(call and alert and call.has_action(
            ActionKind.SCRIPT_USED, alert.alert_id)))
        messages = call.messages if call else []
        self.query_one(MessagePanel).show(self.lang, messages[-1] if messages else None)
        self.query_one(TranscriptView).sync(call.lines if call else [])
        self.tick()

    def tick(self) -> None:
        self.query_one(CallTimer).show(self.lang, self.call, self.clock(), self.cfg.call)

    # -- keys -----------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("script_used", "join", "red_card", "post_call") and self.call is None:
            return None  # shown but greyed: there is no call to act on yet
        return True

    async def action_script_used(self) -> None:
        call = self.call
        alert = call.last_alert if call else None
        if call is None or alert is None or not alert.script:
            self.flash(text(self.lang, "no_alert_for_script"))
            return
        await self.send_action(call, ActionKind.SCRIPT_USED, text(self.lang, "key.script_used"),
                               detail=script_detail(self.scripts, self.lang, alert), alert_id=alert.alert_id)

    async def action_join(self) -> None:
        if (call := self.call) is not None:
            await self.send_action(call, ActionKind.JOIN_REQUESTED, text(self.lang, "join.requested"))

    def action_red_card(self) -> None:
        call = self.call
        if call is None:
            return
        alert = call.last_alert
        reason = labels.category(self.lang, alert.category) if alert else ""

        async def answered(confirmed: bool | None) -> None:
            if confirmed:
                await self.send_action(call, ActionKind.RED_CARD, text(self.lang, "red_card.recorded"),
                                       detail=alert.category if alert else "",
                                       alert_id=alert.alert_id if alert else "")

        self.push_screen(ConfirmRedCard(self.lang, reason), answered)

    def action_post_call(self) -> None:
        call = self.call
        if call is None or isinstance(self.screen, PostCallCheck):
            return

        async def answered(answers: dict[str, Any] | None) -> None:
            if answers is not None:
                await self.send_action(call, ActionKind.POST_CALL_CHECK, text(self.lang, "post_call.thanks"),
                                       detail=json.dumps(answers, separators=(",", ":"), ensure_ascii=False))

        self.push_screen(PostCallCheck(self.lang), answered)
