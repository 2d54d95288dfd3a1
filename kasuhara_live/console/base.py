"""What the agent and supervisor consoles share: reading the hub link, the board of calls, sending actions.

A worker iterates the :class:`~kasuhara_live.console.link.ConsoleLink` and posts one :class:`HubMessage` per
hub message, so every change to the board happens on the app's message loop, in order.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.css.query import NoMatches
from textual.dom import DOMNode
from textual.message import Message
from textual.timer import Timer

from kasuhara_live.config import Config, resolve_config_file
from kasuhara_live.console.calls import Board, CallView, FeedItem
from kasuhara_live.console.link import (
    ConnectionMessage,
    ConsoleLink,
    ErrorMessage,
    EventMessage,
    ForgetMessage,
    HistoryMessage,
    Incoming,
    act_message,
    decode,
    welcome_field,
)
from kasuhara_live.console.texts import text
from kasuhara_live.console.widgets import StatusBar
from kasuhara_live.errors import ConfigError, WireError
from kasuhara_live.events import Action, ActionKind, Event
from kasuhara_live.judge.scripts import Scripts, load_scripts

Clock = Callable[[], float]


def localize_bindings(node: DOMNode, lang: str) -> None:
    """Replace binding descriptions (text keys such as ``key.red_card``) with words in ``lang``.

    Textual reads ``BINDINGS`` once per class, but the footer must follow ``ui.language``, which is only known
    per instance; so the instance's own copy of the bindings is rewritten.
    """
    table = node._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [dataclasses.replace(b, description=text(lang, b.description)) if b.description else b
                      for b in bindings]


def load_console_scripts(cfg: Config) -> Scripts | None:
    """The scripts the detector uses, to name the step of a script the agent read (None if unreadable)."""
    try:
        return load_scripts(resolve_config_file(cfg, cfg.judge.scripts_file, "judge.scripts_file"))
    except ConfigError:
        return None  # the action is still recorded, with the category alone


class HubMessage(Message):
    """One message from the hub, decoded (``None`` for messages without use here, such as acks)."""

    def __init__(self, incoming: Incoming | None) -> None:
        super().__init__()
        self.incoming = incoming


class ConsoleApp(App[int]):
    """Base of both consoles: owns the link, the board and the status line."""

    ENABLE_COMMAND_PALETTE = False  # an agent under stress needs the footer's keys, not a palette

    def __init__(self, cfg: Config, link: ConsoleLink, *, clock: Clock = time.monotonic,
                 scripts: Scripts | None = None) -> None:
        super().__init__()
        self.cfg = cfg
        self.link = link
        self.clock = clock
        self.lang = cfg.ui.language
        self.board = Board(cfg.console.transcript_lines)
        self.scripts = scripts if scripts is not None else load_console_scripts(cfg)
        self.connected = True
        self.link_closed = False
        self.last_error = ""
        self.notice = ""  # a passing word on the status line ("sent: …"); see flash()
        self._notice_timer: Timer | None = None
        self.handled = 0  # hub messages handled so far: tests wait on it instead of sleeping
        localize_bindings(self, self.lang)

    @property
    def user(self) -> str:
        return welcome_field(self.link, "user")

    def on_mount(self) -> None:
        # One reader only: a link (a websocket) cannot be read by two coroutines at once.
        if not any(worker.name == "hub-link" for worker in self.workers):
            self.run_worker(self._read_link(), name="hub-link", group="hub-link", exit_on_error=False)
            self.set_interval(1.0, self._tick)
        self.refresh_status()

    async def _read_link(self) -> None:
        try:
            async for raw in self.link:
                try:
                    incoming = decode(raw)
                except WireError as exc:
                    incoming = ErrorMessage("bad_message", f"{text(self.lang, 'bad_message')}: {exc}")
                self.post_message(HubMessage(incoming))
        except Exception as exc:  # the hub client gave up: keep the screen, say why, show the link as gone
            self.post_message(HubMessage(ErrorMessage("link_failed", str(exc) or type(exc).__name__)))
        self.post_message(HubMessage(ConnectionMessage(False, final=True)))

    def on_hub_message(self, message: HubMessage) -> None:
        try:
            self._handle(message.incoming)
        except NoMatches:
            if not self._closing_down():
                raise
        self.handled += 1

    def _closing_down(self) -> bool:
        # While the app shuts down its screens are emptied before its timers and workers stop: a message or a
        # tick that arrives then finds no widgets to draw on, which is no error.
        return not self.screen_stack or not self.screen.is_attached or not self.screen.children

    def _handle(self, incoming: Incoming | None) -> None:
        if isinstance(incoming, EventMessage):
            call, item = self.board.apply(incoming.event, self.clock(), incoming.agent, incoming.monitor)
            self.call_changed(call, incoming.event, item)
        elif isinstance(incoming, HistoryMessage):
            # Known events are recognised and skipped, so a history after a reconnect only fills the gap.
            for event in incoming.events:
                self.board.apply(event, self.clock(), incoming.agent, incoming.monitor)
            if incoming.call_id in self.board.calls:
                self.call_loaded(self.board.calls[incoming.call_id])
        elif isinstance(incoming, ForgetMessage):
            if self.board.forget(incoming.call_id):
                self.call_forgotten(incoming.call_id)
        elif isinstance(incoming, ErrorMessage):
            self.show_error(incoming.message or incoming.code)
        elif isinstance(incoming, ConnectionMessage):
            if incoming.connected and not self.connected:
                self.last_error = ""  # what went wrong while the hub was away is over
            self.connected = incoming.connected
            self.link_closed = incoming.final
            self.refresh_status()

    def call_changed(self, call: CallView, event: Event, item: FeedItem | None) -> None:
        """React to a live event already applied to the board (each console draws what it shows)."""

    def call_loaded(self, call: CallView) -> None:
        """Redraw after a call's history was applied (no toasts or bells for what happened before)."""

    def call_forgotten(self, call_id: str) -> None:
        """Redraw after the hub dropped an ended call."""

    def status_detail(self) -> str:
        """What the status line says after the connection state."""
        return self.user

    def refresh_status(self) -> None:
        detail = self.status_detail()
        if self.notice:
            detail = f"{self.notice}  {detail}"
        if self.last_error:  # first, so a narrow terminal cuts the user's name rather than the problem
            detail = f"{text(self.lang, 'error')}: {self.last_error}  {detail}"
        for screen in self.screen_stack:  # a drilled-in call screen has its own status line
            for bar in screen.query(StatusBar):
                bar.show(self.lang, self.connected, self.link_closed, detail)

    def show_error(self, message: str) -> None:
        """Keep a problem on the status line until the hub is back."""
        self.last_error = message
        self.bell()
        self.refresh_status()

    def flash(self, message: str, seconds: float = 5.0) -> None:
        """Say something on the status line for a few seconds.

        The status line rather than a toast: a toast covers the transcript or the script, and Textual splits a
        wide (Japanese) character where a toast crosses the edge of a widget beneath it.
        """
        self.notice = message
        self.refresh_status()
        if self._notice_timer is not None:
            self._notice_timer.stop()
        self._notice_timer = self.set_timer(seconds, self._end_notice)

    def _end_notice(self) -> None:
        self.notice = ""
        try:
            self.refresh_status()
        except NoMatches:
            if not self._closing_down():
                raise

    def _tick(self) -> None:
        try:
            # The hub forgets ended calls after the same linger time; this covers a hub that never says so.
            for call_id in self.board.prune(self.clock(), self.cfg.hub.ended_call_linger_s):
                self.call_forgotten(call_id)
            if len(self.screen_stack) > 1:
                return  # a dialog is open over the console: its clock is not on screen, the next tick catches up
            self.tick()
        except NoMatches:
            if not self._closing_down():
                raise

    def tick(self) -> None:
        """Once a second: redraw what moves with the clock (call timers)."""

    async def send(self, message: dict[str, Any], what: str | None) -> bool:
        """Send to the hub; a failure is told to the person and never takes the screen down.

        ``what`` names the message in the confirmation toast; ``None`` sends quietly (watching a call).
        """
        try:
            await self.link.send(message)
        except Exception as exc:  # the link's errors are its own (socket, closed connection): report them all
            self.show_error(text(self.lang, "send_failed", error=str(exc) or type(exc).__name__))
            return False
        if what is not None:
            self.flash(text(self.lang, "sent", what=what))
        return True

    async def send_action(self, call: CallView, kind: ActionKind, what: str, *, detail: str = "",
                          alert_id: str = "") -> bool:
        """Record an action on ``call`` at the latest audio time this console has seen for it."""
        action = Action(call.call_id, call.latest_time, kind, detail=detail, alert_id=alert_id)
        if not await self.send(act_message(action), what):
            return False
        # Show it at once; the hub's echo of the same action (with actor, role and wall) is recognised as known.
        mine = dataclasses.replace(action, actor=self.user, role=welcome_field(self.link, "role"))
        call, item = self.board.apply(mine, self.clock(), call.agent, call.monitor)
        self.call_changed(call, mine, item)
        return True
