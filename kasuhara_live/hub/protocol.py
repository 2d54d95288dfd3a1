"""The hub's sans-I/O core: authentication, roles, routing and call history; no sockets, no clock of its own.

The server adapter tells :class:`HubState` that a connection opened (:meth:`~HubState.connect`), hands it
every message received (:meth:`~HubState.receive`) and that a connection closed
(:meth:`~HubState.disconnect`); each call returns :data:`Output` instructions: :class:`Send` this text to
that connection, or :class:`Close` it.  The wall clock is injected.  The protocol itself is documented in
``docs/hub-protocol.md``.

Every broadcast message is serialised once and the same text is handed to every recipient: with hundreds
of calls and tens of consoles, per-recipient encoding would dominate the hub's CPU time.

Nothing is acked that was not recorded: a publish is checked (bounds, ranges, owner, seq, caps) and recorded
by the sink first; whatever is refused gets an error reply, naming its ``call_id`` and ``seq``, and one log
line, never an ack.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple, Protocol

from kasuhara_live import wire
from kasuhara_live.config import HubConfig
from kasuhara_live.errors import ConflictError, WireError
from kasuhara_live.events import (
    AGENT_ACTIONS,
    SUPERVISOR_ACTIONS,
    Action,
    CallEnded,
    Event,
    UtteranceFinal,
    UtterancePartial,
)
from kasuhara_live.hub.sequence import SeqWindow, Verdict, fingerprint
from kasuhara_live.hub.users import Role, User, Users

log = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
ConnId = int

MAX_SEQ = 2**53  # the largest integer every JSON reader keeps exact
# Per monitor (one seat takes one call at a time; a few more cover a call that was never ended properly):
MAX_LIVE_CALLS_PER_MONITOR = 4  # calls not ended; a publish that would open another is refused
MAX_ENDED_CALLS_PER_MONITOR = 16  # ended calls kept on the board; beyond it the oldest is forgotten early
# The history the hub keeps for one monitor's calls, in bytes of event text; beyond it the oldest is dropped
# (ended calls first), never the new event: the store has everything, the history only serves late consoles.
HISTORY_BYTES_PER_MONITOR = 16 * 1024 * 1024
LOGGED_REFUSALS_PER_CONNECTION = 20  # then they are only counted: a broken client must not flood the log

# Close codes of the application range (4000-4999); websockets itself uses 1009 (too big) and 1011.
CLOSE_UNAUTHORIZED = 4001
CLOSE_HELLO_REQUIRED = 4002
CLOSE_TOO_SLOW = 4008

# A JSON escape of a UTF-16 surrogate: json.loads turns a lone one into a str that cannot be encoded as UTF-8,
# so it could never be sent on; messages with one are checked (the rest skip the check).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_ESCAPE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")

# What a supervisor receives of every call; utterance.partial only of the calls it watches.
SUMMARY_KINDS = frozenset({"call.started", "utterance.final", "alert", "level.changed", "call.ended", "action"})


class ErrorCode(StrEnum):
    """The ``code`` of an error message; only the first two close the connection."""

    UNAUTHORIZED = "unauthorized"
    HELLO_REQUIRED = "hello_required"
    BAD_JSON = "bad_json"
    BAD_MESSAGE = "bad_message"
    BAD_EVENT = "bad_event"
    FORBIDDEN = "forbidden"
    TOO_LARGE = "too_large"
    UNKNOWN_CALL = "unknown_call"
    CONFLICT = "conflict"
    TOO_MANY_CALLS = "too_many_calls"


@dataclass(frozen=True)
class Send:
    """Send ``text`` (one JSON message) to connection ``conn``; recipients of a broadcast share one text."""

    conn: ConnId
    text: str

    @property
    def message(self) -> dict[str, Any]:
        """The message decoded again (for tests and logs; the adapter sends ``text``)."""
        decoded: dict[str, Any] = json.loads(self.text)
        return decoded


@dataclass(frozen=True)
class Close:
    """Close connection ``conn`` with a websocket close code, after the messages already sent to it."""

    conn: ConnId
    code: int
    reason: str


Output = Send | Close


class EventSink(Protocol):
    """Where accepted events go before they are broadcast and acked (a store writes them to disk).

    ``record`` runs before the ack: if it raises, the event is neither broadcast nor acked, and the server
    closes that connection so the publisher sends it again.
    """

    def record(self, event: Event, agent: str, monitor: str = "", team: str = "") -> None:
        """Keep ``event`` of a call taken by ``agent`` at the seat ``monitor`` (the agent's ``team``)."""


class NullSink:
    """The default sink: keeps nothing (the hub holds only the bounded history of live calls)."""

    def record(self, event: Event, agent: str, monitor: str = "", team: str = "") -> None:
        return None


@dataclass(frozen=True)
class CallInfo:
    """What the hub knows of one call (for the server's logs, tests and the benchmark)."""

    call_id: str
    agent: str
    monitor: str
    max_seq: int
    history_events: int
    ended: bool


class _Entry(NamedTuple):
    kind: str
    text: str  # the wire event as JSON, encoded once
    utterance_id: str  # of partials, so an evicted partial leaves the index too
    size: int  # UTF-8 bytes of text: what counts against the monitor's history budget


@dataclass
class _Call:
    call_id: str
    agent: str
    monitor: str
    team: str
    # '{"v":1,"kind":"event","agent":…,"monitor":…,"event":' — the envelope of every broadcast of this call.
    envelope: str
    # Whose caps the call counts against: the monitor; for a call server, the server and the call's agent, so one
    # agent's calls are capped as a seat's are and the server as a whole is not.
    seat: str = ""
    seqs: SeqWindow = field(default_factory=SeqWindow)
    history: OrderedDict[int, _Entry] = field(default_factory=OrderedDict)
    history_bytes: int = 0
    # utterance_id -> history key of its latest partial: a newer partial or the final supersedes it.
    partials: dict[str, int] = field(default_factory=dict)
    next_key: int = 0
    truncated: bool = False
    ended_at: float | None = None
    last_event_at: float = 0.0


@dataclass
class _Conn:
    user: User | None = None
    closed: bool = False
    watching: set[str] = field(default_factory=set)
    refusals: int = 0


def _dumps(obj: Mapping[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


class _Refused(Exception):
    """An error reply to the current message; the connection stays open."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class HubState:
    """Every connection and live call of one hub; fed messages, returns what to send and what to close."""

    def __init__(self, cfg: HubConfig, users: Users, *, clock: Callable[[], float],
                 sink: EventSink | None = None) -> None:
        self.users = users
        self.history_limit = cfg.history_events_per_call
        self.linger_s = cfg.ended_call_linger_s
        self.silent_s = cfg.silent_call_forget_s
        self.max_message_bytes = cfg.max_message_bytes
        self.clock = clock
        self.sink: EventSink = sink if sink is not None else NullSink()
        self.duplicates = 0  # publishes received again after a reconnect (acked, not broadcast)
        self.max_live_calls = MAX_LIVE_CALLS_PER_MONITOR
        self.max_ended_calls = MAX_ENDED_CALLS_PER_MONITOR
        self.history_bytes_per_monitor = HISTORY_BYTES_PER_MONITOR
        self._conns: dict[ConnId, _Conn] = {}
        self._next_conn = 0
        self._calls: dict[str, _Call] = {}
        self._seats: dict[str, dict[str, _Call]] = {}  # monitor name -> its calls held now, oldest first
        self._agent_conns: dict[str, set[ConnId]] = {}
        self._supervisors: set[ConnId] = set()
        self._watchers: dict[str, set[ConnId]] = {}
        self._handlers: dict[str, Callable[[ConnId, User, dict[str, Any]], list[Output]]] = {
            "hello": self._second_hello,
            "publish": self._publish,
            "act": self._act,
            "watch": self._watch,
            "unwatch": self._unwatch,
        }

    # -- connections -------------------------------------------------------------------------------------

    def connect(self) -> ConnId:
        """A connection opened; returns its id (it must say hello before anything else)."""
        self._next_conn += 1
        self._conns[self._next_conn] = _Conn()
        return self._next_conn

    def user_of(self, conn: ConnId) -> User | None:
        """The authenticated user of a connection, or None before its hello."""
        state = self._conns.get(conn)
        return state.user if state else None

    def disconnect(self, conn: ConnId) -> None:
        """A connection closed (by either side): it receives nothing more."""
        state = self._conns.pop(conn, None)
        if state is None or state.user is None:
            return
        if state.user.role is Role.AGENT:
            conns = self._agent_conns.get(state.user.name)
            if conns is not None:
                conns.discard(conn)
                if not conns:
                    del self._agent_conns[state.user.name]
        self._supervisors.discard(conn)
        for call_id in state.watching:
            self._unregister_watch(conn, call_id)

    def receive(self, conn: ConnId, data: str | bytes) -> list[Output]:
        """Handle one message from ``conn``; returns what to send (and whether to close it)."""
        state = self._conns.get(conn)
        if state is None or state.closed:
            return []  # closed by the hub (refused, too slow): what it still sends is ignored
        too_large = self._byte_length(data) > self.max_message_bytes
        if state.user is None:
            return self._hello(conn, state, None if too_large else data)
        if too_large:
            return self._error(conn, ErrorCode.TOO_LARGE, f"message larger than {self.max_message_bytes} bytes "
                               "(hub.max_message_bytes): send smaller messages", {})
        try:
            obj = wire.parse(data)
        except WireError as exc:
            return self._error(conn, ErrorCode.BAD_JSON, f"{str(exc).lower()} (send one json object per "
                               "websocket text message)", {})
        if not isinstance(obj, dict):
            return self._error(conn, ErrorCode.BAD_MESSAGE, "message must be a json object with \"v\" and "
                               "\"kind\"", {})
        if _has_surrogate_escape(data) and not _encodable(obj):
            return self._error(conn, ErrorCode.BAD_JSON, "message has a lone utf-16 surrogate escape (\\udxxx): "
                               "send valid unicode text", {})
        echo = _echo(obj)
        try:
            if obj.get("v") != PROTOCOL_VERSION:
                raise _Refused(ErrorCode.BAD_MESSAGE, f"unsupported protocol version {obj.get('v')!r}: this hub "
                               f"speaks \"v\": {PROTOCOL_VERSION}")
            if "id" in obj and (isinstance(obj["id"], bool) or not isinstance(obj["id"], str | int)):
                raise _Refused(ErrorCode.BAD_MESSAGE, "\"id\" must be a string or an integer")
            kind = obj.get("kind")
            handler = self._handlers.get(kind) if isinstance(kind, str) else None
            if handler is None:
                raise _Refused(ErrorCode.BAD_MESSAGE, f"unknown message kind {kind!r}: expected one of "
                               f"{', '.join(self._handlers)}")
            return handler(conn, state.user, obj)
        except _Refused as refused:
            return self._error(conn, refused.code, refused.message, echo)

    def hello_timeout(self, conn: ConnId, waited_s: float) -> list[Output]:
        """The adapter's hello timer ran out: refuse ``conn`` unless it has authenticated meanwhile."""
        state = self._conns.get(conn)
        if state is None or state.user is not None or state.closed:
            return []
        return self._refuse(conn, state, ErrorCode.HELLO_REQUIRED, CLOSE_HELLO_REQUIRED,
                            f"no hello within {waited_s:g} s: send {{\"v\": 1, \"kind\": \"hello\", "
                            "\"token\": \"...\"} first")

    def expire(self) -> list[Output]:
        """Forget calls that ended more than ``ended_call_linger_s`` ago, and calls silent for
        ``silent_call_forget_s`` (their monitor died without ending them); tells the consoles that saw them."""
        now = self.clock()
        out: list[Output] = []
        gone = [c for c in self._calls.values()
                if (c.ended_at is not None and now - c.ended_at >= self.linger_s)
                or (c.ended_at is None and c.last_event_at and now - c.last_event_at >= self.silent_s)]
        for call in gone:
            out.extend(self._forget(call))
        return out

    def _forget(self, call: _Call) -> list[Output]:
        del self._calls[call.call_id]
        seat = self._seats.get(call.seat, {})
        seat.pop(call.call_id, None)
        if not seat:
            self._seats.pop(call.seat, None)
        for conn in list(self._watchers.get(call.call_id, ())):
            self._unregister_watch(conn, call.call_id)
        text = _dumps({"v": PROTOCOL_VERSION, "kind": "forget", "call_id": call.call_id})
        return [Send(c, text) for c in self._call_audience(call, summary=True)]

    def replace_users(self, users: Users) -> list[Output]:
        """Use a reloaded users file from now on; connections whose user was removed, or whose token, role or
        agent changed, are refused (``unauthorized``, close 4001) so a revoked token stops working at once."""
        self.users = users
        out: list[Output] = []
        for conn, state in list(self._conns.items()):
            user = state.user
            if user is None or state.closed:
                continue
            current = users.by_name.get(user.name)
            if current is None or (current.token_sha256, current.role, current.agent) != (
                    user.token_sha256, user.role, user.agent):
                out += self._refuse(conn, state, ErrorCode.UNAUTHORIZED, CLOSE_UNAUTHORIZED,
                                    f"the token of {user.name!r} was revoked or changed in the users file: ask "
                                    "the hub admin for a new one")
                self.disconnect(conn)
        return out

    @property
    def calls(self) -> dict[str, CallInfo]:
        """The calls the hub holds now (live ones and ended ones still lingering)."""
        return {c.call_id: CallInfo(c.call_id, c.agent, c.monitor, c.seqs.newest, len(c.history),
                                    c.ended_at is not None)
                for c in self._calls.values()}

    # -- hello -------------------------------------------------------------------------------------------

    def _hello(self, conn: ConnId, state: _Conn, data: str | bytes | None) -> list[Output]:
        obj: Any = None
        if data is not None:
            try:
                obj = wire.parse(data)
            except WireError:
                obj = None
        if not isinstance(obj, dict) or obj.get("kind") != "hello" or obj.get("v") != PROTOCOL_VERSION:
            return self._refuse(conn, state, ErrorCode.HELLO_REQUIRED, CLOSE_HELLO_REQUIRED,
                                "the first message must be {\"v\": 1, \"kind\": \"hello\", \"token\": \"...\"}")
        token = obj.get("token")
        user = self.users.authenticate(token) if isinstance(token, str) and token else None
        if user is None:
            return self._refuse(conn, state, ErrorCode.UNAUTHORIZED, CLOSE_UNAUTHORIZED,
                                "unknown or missing token: ask the hub admin for a token "
                                "(`kasuhara-live hub add-user`)")
        state.user = user
        if user.role is Role.AGENT:
            self._agent_conns.setdefault(user.name, set()).add(conn)
        elif user.role is Role.SUPERVISOR:
            self._supervisors.add(conn)
        out: list[Output] = [Send(conn, _dumps({"v": PROTOCOL_VERSION, "kind": "welcome", "user": user.name,
                                                "role": user.role.value}))]
        # A console that starts mid-call sees the calls it may see as they stand.
        for call in self._calls.values():
            if user.role is Role.AGENT and call.agent == user.name:
                out.append(Send(conn, self._history_text(call, full=True)))
            elif user.role is Role.SUPERVISOR:
                out.append(Send(conn, self._history_text(call, full=False)))
        return out

    def _refuse(self, conn: ConnId, state: _Conn, code: ErrorCode, close_code: int, message: str) -> list[Output]:
        state.closed = True
        return [*self._error(conn, code, message, {}), Close(conn, close_code, code.value)]

    def _second_hello(self, conn: ConnId, user: User, obj: dict[str, Any]) -> list[Output]:
        raise _Refused(ErrorCode.BAD_MESSAGE, f"already authenticated as {user.name!r}: send hello only once "
                       "per connection")

    # -- publish (monitors) ------------------------------------------------------------------------------

    def _publish(self, conn: ConnId, user: User, obj: dict[str, Any]) -> list[Output]:
        if user.role not in (Role.MONITOR, Role.INGEST):
            raise _Refused(ErrorCode.FORBIDDEN, f"a {user.role.value} cannot publish events: only monitors "
                           "and call servers publish; consoles send \"act\"")
        seq = obj.get("seq")
        if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq <= MAX_SEQ:
            raise _Refused(ErrorCode.BAD_MESSAGE, f"publish needs \"seq\": an integer from 1 to {MAX_SEQ}, "
                           "increasing per call")
        event = _decode_event(obj.get("event"))
        if isinstance(event, Action):
            raise _Refused(ErrorCode.FORBIDDEN, "monitors cannot publish actions: actions come from consoles "
                           "(\"act\")")
        call = self._calls.get(event.call_id)
        if call is None:
            # Held only once its first event is recorded.
            call = self._new_call(event.call_id, user, self._agent_of(user, obj))
        elif call.monitor != user.name:
            raise _Refused(ErrorCode.FORBIDDEN, f"call {event.call_id!r} is published by monitor "
                           f"{call.monitor!r}: use a call_id unique to this seat")
        print_ = fingerprint(event)
        verdict = call.seqs.classify(seq, print_)
        out: list[Output] = []
        if verdict is Verdict.CONFLICT:
            raise _Refused(ErrorCode.CONFLICT, f"seq {seq} of call {event.call_id!r} was already used for another "
                           "event: give each event of a call its own seq")
        if verdict is Verdict.RESENT:
            # A resend after a reconnect: acked again so the publisher forgets it, never broadcast twice.
            self.duplicates += 1
        else:
            try:
                self.sink.record(event, call.agent, call.monitor, call.team)
            except ConflictError as exc:
                raise _Refused(ErrorCode.FORBIDDEN if exc.owned else ErrorCode.CONFLICT, str(exc)) from None
            if call.call_id not in self._calls:
                self._hold(call)
            call.seqs.accept(seq, print_)
            if verdict is Verdict.NEW:
                out = self._broadcast(call, event)
        out.append(Send(conn, _dumps({"v": PROTOCOL_VERSION, "kind": "ack", "call_id": call.call_id, "seq": seq})))
        return out

    def _agent_of(self, user: User, obj: dict[str, Any]) -> str:
        """The agent who takes a new call: a monitor's own; a call server names it per call (``"agent"``)."""
        if user.role is Role.MONITOR:
            return user.agent
        name = obj.get("agent")
        agent = self.users.by_name.get(name) if isinstance(name, str) else None
        if agent is None or agent.role is not Role.AGENT:
            raise _Refused(ErrorCode.FORBIDDEN, f"a call server must name the call's agent: \"agent\" = "
                           f"{str(name)[:64]!r} is not an agent user of this hub")
        return agent.name

    def _new_call(self, call_id: str, monitor: User, agent_name: str) -> _Call:
        seat_key = monitor.name if monitor.role is Role.MONITOR else f"{monitor.name}/{agent_name}"
        seat = self._seats.get(seat_key, {})
        live = [c.call_id for c in seat.values() if c.ended_at is None]
        if len(live) >= self.max_live_calls:
            raise _Refused(ErrorCode.TOO_MANY_CALLS, f"seat {seat_key!r} already has {len(live)} live calls "
                           f"({', '.join(live)}), the most a seat may have: end one (call.ended) before "
                           "starting another")
        envelope = (f'{{"v":{PROTOCOL_VERSION},"kind":"event","agent":{_dumps_str(agent_name)},'
                    f'"monitor":{_dumps_str(monitor.name)},"event":')
        agent = self.users.by_name.get(agent_name)
        return _Call(call_id=call_id, agent=agent_name, monitor=monitor.name, team=agent.team if agent else "",
                     envelope=envelope, seat=seat_key)

    def _hold(self, call: _Call) -> None:
        self._calls[call.call_id] = call
        self._seats.setdefault(call.seat, {})[call.call_id] = call

    # -- act (consoles) ----------------------------------------------------------------------------------

    def _act(self, conn: ConnId, user: User, obj: dict[str, Any]) -> list[Output]:
        if user.role in (Role.MONITOR, Role.INGEST):
            raise _Refused(ErrorCode.FORBIDDEN, "monitors cannot act: actions come from agent and supervisor "
                           "consoles")
        event = _decode_event(obj.get("event"))
        if not isinstance(event, Action):
            raise _Refused(ErrorCode.BAD_EVENT, f"act carries an \"action\" event, not {wire.kind_of(event)!r}")
        call = self._call_for(user, event.call_id)
        allowed = AGENT_ACTIONS if user.role is Role.AGENT else SUPERVISOR_ACTIONS
        if event.action not in allowed:
            names = ", ".join(sorted(a.value for a in allowed))
            raise _Refused(ErrorCode.FORBIDDEN, f"a {user.role.value} cannot send action {event.action.value!r}: "
                           f"allowed are {names}")
        # Who did it and when comes from the connection and the hub's clock, never from the client.
        event = dataclasses.replace(event, actor=user.name, role=user.role.value, wall=self.clock())
        self.sink.record(event, call.agent, call.monitor, call.team)
        out = self._broadcast(call, event)
        ack: dict[str, Any] = {"v": PROTOCOL_VERSION, "kind": "ack", "call_id": call.call_id}
        if "id" in obj:
            ack["id"] = obj["id"]
        out.append(Send(conn, _dumps(ack)))
        return out

    def _call_for(self, user: User, call_id: str) -> _Call:
        """The call a console names, if it exists and this user may see it."""
        call = self._calls.get(call_id)
        if call is None:
            raise _Refused(ErrorCode.UNKNOWN_CALL, f"no live call {call_id!r} on this hub: it never started or "
                           "ended and was forgotten")
        if user.role is Role.AGENT and call.agent != user.name:
            raise _Refused(ErrorCode.FORBIDDEN, f"call {call_id!r} is not yours: agents see only their own calls")
        return call

    # -- watch / unwatch (consoles) ----------------------------------------------------------------------

    def _watch(self, conn: ConnId, user: User, obj: dict[str, Any]) -> list[Output]:
        call_id = _call_id(obj)
        if user.role in (Role.MONITOR, Role.INGEST):
            raise _Refused(ErrorCode.FORBIDDEN, "monitors cannot watch calls")
        call = self._call_for(user, call_id)
        if user.role is Role.SUPERVISOR:
            self._watchers.setdefault(call_id, set()).add(conn)
            self._conns[conn].watching.add(call_id)
        # An agent already receives everything of its own calls: the reply just refreshes its view.
        return [Send(conn, self._history_text(call, full=True))]

    def _unwatch(self, conn: ConnId, user: User, obj: dict[str, Any]) -> list[Output]:
        call_id = _call_id(obj)
        if user.role in (Role.MONITOR, Role.INGEST):
            raise _Refused(ErrorCode.FORBIDDEN, "monitors cannot watch calls")
        # Idempotent, also for a call already forgotten: the console's wish is met either way.
        state = self._conns[conn]
        if call_id in state.watching:
            state.watching.discard(call_id)
            self._unregister_watch(conn, call_id)
        return [Send(conn, _dumps({"v": PROTOCOL_VERSION, "kind": "unwatched", "call_id": call_id}))]

    def _unregister_watch(self, conn: ConnId, call_id: str) -> None:
        watchers = self._watchers.get(call_id)
        if watchers is not None:
            watchers.discard(conn)
            if not watchers:
                del self._watchers[call_id]
        state = self._conns.get(conn)
        if state is not None:
            state.watching.discard(call_id)

    # -- routing and history -----------------------------------------------------------------------------

    def _call_audience(self, call: _Call, *, summary: bool) -> set[ConnId]:
        audience = set(self._agent_conns.get(call.agent, ()))
        audience |= self._supervisors if summary else self._watchers.get(call.call_id, set())
        return audience

    def _broadcast(self, call: _Call, event: Event) -> list[Output]:
        kind = wire.kind_of(event)
        event_text = _dumps(wire.to_json(event))
        self._remember(call, kind, event, event_text)
        text = call.envelope + event_text + "}"
        out: list[Output] = [Send(c, text) for c in self._call_audience(call, summary=kind in SUMMARY_KINDS)]
        seat = self._seats.get(call.seat)
        if seat is not None:
            out += self._fit_seat(seat, call)
        return out

    def _remember(self, call: _Call, kind: str, event: Event, text: str) -> None:
        utterance_id = ""
        if isinstance(event, UtterancePartial | UtteranceFinal):
            # A newer partial or the final makes older partials of the utterance worthless to a late console.
            old = call.partials.pop(event.utterance_id, None)
            if old is not None:
                call.history_bytes -= call.history.pop(old).size
            if isinstance(event, UtterancePartial):
                utterance_id = event.utterance_id
                call.partials[utterance_id] = call.next_key
        elif isinstance(event, CallEnded):
            call.ended_at = self.clock()
        call.last_event_at = self.clock()
        entry = _Entry(kind, text, utterance_id, len(text.encode("utf-8", "surrogatepass")))
        call.history[call.next_key] = entry
        call.history_bytes += entry.size
        call.next_key += 1
        while len(call.history) > self.history_limit:
            self._drop_oldest(call)

    def _drop_oldest(self, call: _Call) -> None:
        _, evicted = call.history.popitem(last=False)
        call.history_bytes -= evicted.size
        call.truncated = True
        if evicted.utterance_id:
            call.partials.pop(evicted.utterance_id, None)

    def _fit_seat(self, seat: dict[str, _Call], current: _Call) -> list[Output]:
        """Keep one monitor's calls within its caps: the oldest ended calls are forgotten first, then the oldest
        history of its biggest call is dropped; the event just published always stays."""
        out: list[Output] = []
        while True:
            others = [c for c in seat.values() if c.ended_at is not None and c is not current]
            ended = len(others) + (current.ended_at is not None)
            over = sum(c.history_bytes for c in seat.values()) > self.history_bytes_per_monitor
            if others and (over or ended > self.max_ended_calls):
                out += self._forget(others[0])
                continue
            if not over:
                return out
            biggest = max(seat.values(), key=lambda c: c.history_bytes)
            if biggest is current and len(current.history) <= 1:
                return out
            self._drop_oldest(biggest)

    def _history_text(self, call: _Call, *, full: bool) -> str:
        entries: Iterable[_Entry] = call.history.values()
        if not full:
            entries = (e for e in entries if e.kind in SUMMARY_KINDS)
        head = _dumps({"v": PROTOCOL_VERSION, "kind": "history", "call_id": call.call_id, "agent": call.agent,
                       "monitor": call.monitor, "scope": "full" if full else "summary",
                       "ended": call.ended_at is not None, "truncated": call.truncated})
        # The stored event texts are spliced in as they are: no decoding and re-encoding per console.
        return head[:-1] + ',"events":[' + ",".join(e.text for e in entries) + "]}"

    # -- helpers -----------------------------------------------------------------------------------------

    def _byte_length(self, data: str | bytes) -> int:
        if isinstance(data, bytes):
            return len(data)
        # At most 4 bytes per character: most messages are surely small enough without encoding them.
        if len(data) * 4 <= self.max_message_bytes:
            return len(data)
        return len(data.encode("utf-8", "surrogatepass"))

    def _error(self, conn: ConnId, code: ErrorCode, message: str, echo: dict[str, Any]) -> list[Output]:
        state = self._conns.get(conn)
        if state is not None and state.user is not None:  # before hello, the server logs the close instead
            state.refusals += 1
            if state.refusals <= LOGGED_REFUSALS_PER_CONNECTION:
                # The message names fields and ids, never transcript text.
                log.info("refused a message from %s (connection %d): %s: %.300s%s", state.user.name, conn,
                         code.value, message, "; further refusals on this connection are not logged"
                         if state.refusals == LOGGED_REFUSALS_PER_CONNECTION else "")
        return [Send(conn, _dumps({"v": PROTOCOL_VERSION, "kind": "error", "code": code.value, "message": message,
                                   **echo}))]


def _has_surrogate_escape(data: str | bytes) -> bool:
    if isinstance(data, bytes):
        return _SURROGATE_ESCAPE_BYTES.search(data) is not None
    return _SURROGATE_ESCAPE.search(data) is not None


def _encodable(obj: Any) -> bool:
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _dumps_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _echo(obj: dict[str, Any]) -> dict[str, Any]:
    """The fields of a client message copied into an error reply, so the client knows which one failed."""
    echo: dict[str, Any] = {}
    if isinstance(obj.get("id"), str | int) and not isinstance(obj.get("id"), bool):
        echo["id"] = obj["id"]
    event = obj.get("event")
    call_id = event.get("call_id") if isinstance(event, dict) else obj.get("call_id")
    if isinstance(call_id, str):
        echo["call_id"] = call_id
    if obj.get("kind") == "publish" and isinstance(obj.get("seq"), int) and not isinstance(obj.get("seq"), bool):
        echo["seq"] = obj["seq"]
    return echo


def _decode_event(obj: Any) -> Event:
    if not isinstance(obj, dict):
        raise _Refused(ErrorCode.BAD_MESSAGE, "missing \"event\": a wire event object")
    try:
        return wire.from_json(obj)
    except WireError as exc:
        raise _Refused(ErrorCode.BAD_EVENT, f"event rejected: {exc}") from None


def _call_id(obj: dict[str, Any]) -> str:
    call_id = obj.get("call_id")
    if not isinstance(call_id, str) or not call_id:
        raise _Refused(ErrorCode.BAD_MESSAGE, f"{obj.get('kind')} needs \"call_id\": the call's id string")
    return call_id
