"""The consoles' view of the hub: a small Protocol, and the hub↔console messages as typed records.

The websocket client lives in :mod:`kasuhara_live.hub`; a console only needs something that yields decoded hub
messages and accepts messages to send, so tests and the preview feed a :class:`MemoryLink` instead.
Decoding here is pure: a malformed message is a :class:`~kasuhara_live.errors.WireError`, never a crash.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

from kasuhara_live import wire
from kasuhara_live.errors import WireError
from kasuhara_live.events import Action, Event

PROTOCOL_VERSION = 1


class ConsoleLink(Protocol):
    """A console's connection to the hub (:class:`kasuhara_live.hub.client.ConsoleClient` is one).

    ``welcome`` is the hub's greeting, known once connected: ``{"user": "sato", "role": "agent"}`` or an object
    with ``user`` and ``role`` attributes (see :func:`welcome_user`).  Iterating yields decoded hub→console
    messages until the link is closed for good; a temporary loss of the hub shows up as a ``disconnected``
    message, its return as ``connected`` or a new ``welcome``.  ``send`` may raise while the hub is away; the
    consoles report that and carry on.
    """

    welcome: Any

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]: ...

    async def send(self, message: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class EventMessage:
    """A call event, with the agent and monitor (seat) it came from."""

    agent: str
    monitor: str
    event: Event


@dataclass(frozen=True)
class HistoryMessage:
    """A call as the hub holds it (sent on connecting, reconnecting and watching): its events in order."""

    call_id: str
    agent: str
    monitor: str
    events: tuple[Event, ...]


@dataclass(frozen=True)
class ForgetMessage:
    """The hub dropped an ended call: consoles drop it too."""

    call_id: str


@dataclass(frozen=True)
class ErrorMessage:
    """The hub refused something (``code`` is for programs, ``message`` for people)."""

    code: str
    message: str


@dataclass(frozen=True)
class ConnectionMessage:
    """The link lost (``connected=False``) or regained the hub; ``final`` when it will not come back."""

    connected: bool
    final: bool = False


Incoming = EventMessage | HistoryMessage | ForgetMessage | ErrorMessage | ConnectionMessage

def welcome_field(link: ConsoleLink, name: str) -> str:
    """``user`` or ``role`` from the link's welcome, whether it is a dict or an object ("" when unknown)."""
    welcome = link.welcome
    value = welcome.get(name, "") if isinstance(welcome, dict) else getattr(welcome, name, "")
    return str(getattr(value, "value", value) or "")  # a role may be an enum


def _str_field(message: dict[str, Any], name: str) -> str:
    value = message.get(name, "")
    if not isinstance(value, str):
        raise WireError(f"{message.get('kind')}: field {name!r} must be a string")
    return value


def decode(message: Any) -> Incoming | None:
    """Turn one hub message into a typed record; ``None`` for messages a console has no use for.

    Kinds this console does not know are ignored too, so a newer hub does not alarm people with errors.
    """
    if not isinstance(message, dict):
        raise WireError("hub message must be a JSON object")
    if message.get("v") != PROTOCOL_VERSION:
        raise WireError(f"unsupported hub protocol version {message.get('v')!r}: this console speaks "
                        f"v{PROTOCOL_VERSION}")
    kind = message.get("kind")
    if kind == "event":
        return EventMessage(_str_field(message, "agent"), _str_field(message, "monitor"),
                            wire.from_json(message.get("event")))
    if kind == "history":
        events = message.get("events")
        if not isinstance(events, list):
            raise WireError("history: field 'events' must be a list of events")
        return HistoryMessage(_str_field(message, "call_id"), _str_field(message, "agent"),
                              _str_field(message, "monitor"), tuple(wire.from_json(e) for e in events))
    if kind == "forget":
        return ForgetMessage(_str_field(message, "call_id"))
    if kind == "error":
        return ErrorMessage(_str_field(message, "code"), _str_field(message, "message"))
    if kind in ("connected", "welcome", "disconnected"):
        return ConnectionMessage(kind != "disconnected")
    if not isinstance(kind, str):
        raise WireError("hub message has no 'kind'")
    return None  # "ack", "unwatched", and kinds of a newer hub


def act_message(action: Action) -> dict[str, Any]:
    """The console→hub message recording a person's action (the hub fills in actor and role)."""
    return {"v": PROTOCOL_VERSION, "kind": "act", "event": wire.to_json(action)}


def watch_message(call_id: str) -> dict[str, Any]:
    """Ask the hub for a call's partial transcript too (a supervisor drilling into the call)."""
    return {"v": PROTOCOL_VERSION, "kind": "watch", "call_id": call_id}


def unwatch_message(call_id: str) -> dict[str, Any]:
    """Stop receiving a call's partials."""
    return {"v": PROTOCOL_VERSION, "kind": "unwatch", "call_id": call_id}


def event_message(event: Event, agent: str = "", monitor: str = "") -> dict[str, Any]:
    """Wrap a call event as the hub sends it (for fakes, the preview and tests)."""
    return {"v": PROTOCOL_VERSION, "kind": "event", "agent": agent, "monitor": monitor, "event": wire.to_json(event)}


class MemoryLink:
    """An in-memory :class:`ConsoleLink`: whoever holds it feeds hub messages in and reads what was sent.

    Used by the tests and by ``python -m kasuhara_live.console.preview``; it behaves like a hub that accepts
    everything and echoes nothing (feed the echo yourself when a test needs it).
    """

    def __init__(self, user: str = "demo", role: str = "agent") -> None:
        self.welcome: Any = {"user": user, "role": role}  # a dict here; the real client's is an object
        self.sent: list[dict[str, Any]] = []
        self.fail_sends = False  # a test sets this to see how the console copes with a hub that is away
        self.fed = 0  # messages fed so far: a test waits until the console has handled as many
        self._queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()

    def feed(self, *messages: dict[str, Any]) -> None:
        """Queue hub→console messages."""
        for message in messages:
            self._queue.put_nowait(message)
            self.fed += 1

    def close(self) -> None:
        """End the stream, as a hub that goes away for good."""
        self._queue.put_nowait(None)

    @property
    def pending(self) -> int:
        """Messages fed but not yet taken by the console."""
        return self._queue.qsize()

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self._messages()

    async def _messages(self) -> AsyncIterator[dict[str, Any]]:
        while (message := await self._queue.get()) is not None:
            yield message

    async def send(self, message: dict[str, Any]) -> None:
        if self.fail_sends:
            raise ConnectionError("the hub is not connected")
        self.sent.append(message)
