"""Clients of the hub: :class:`Publisher` (a monitor's reconnecting, acked event stream) and
:class:`ConsoleClient` (what agent and supervisor consoles read and send).

Both speak the protocol of ``docs/hub-protocol.md`` over ``websockets``.  An ``unauthorized`` reply is fatal
(:class:`HubError`): retrying a token the hub does not know would only fill its log.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import ssl as ssl_module
from collections import Counter, OrderedDict, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from kasuhara_live import wire
from kasuhara_live.events import Action, Event, UtteranceFinal, UtterancePartial
from kasuhara_live.hub import HubError
from kasuhara_live.hub.protocol import PROTOCOL_VERSION

log = logging.getLogger(__name__)

MAX_REFUSALS_KEPT = 20  # refused events kept with their reason (all are counted)
FIRST_RETRY_S = 0.1  # the first reconnect comes quickly: most drops are a hub restart or a network blip
OPEN_TIMEOUT_S = 10.0

_Key = tuple[str, int]  # (call_id, seq)


@dataclass(frozen=True)
class Welcome:
    """Who the hub says we are."""

    user: str
    role: str


def _backoff(delay: float, ceiling: float) -> float:
    """The next reconnect delay: doubled, capped, with jitter so many clients do not reconnect in step."""
    return min(ceiling, delay * 2) * random.uniform(0.8, 1.0)


async def _open(url: str, token: str, ssl: ssl_module.SSLContext | None) -> tuple[ClientConnection, Welcome]:
    """Connect, say hello and wait for the welcome; HubError when refused, OSError-like when unreachable."""
    try:
        ws = await connect(url, ssl=ssl, open_timeout=OPEN_TIMEOUT_S, compression=None,
                           max_size=None)  # history replays may be large; the hub is trusted
    except InvalidURI as exc:
        raise HubError(f"{url!r} is not a websocket url: write ws://host:port or wss://host:port") from exc
    try:
        await ws.send(json.dumps({"v": PROTOCOL_VERSION, "kind": "hello", "token": token}))
        reply = json.loads(await asyncio.wait_for(ws.recv(), OPEN_TIMEOUT_S))
    except BaseException:
        await ws.close()
        raise
    if not isinstance(reply, dict):
        await ws.close()
        raise HubError(f"{url} answered hello with {reply!r}: is it a kasuhara-live hub?")
    if reply.get("kind") == "welcome":
        return ws, Welcome(str(reply.get("user")), str(reply.get("role")))
    await ws.close()
    if reply.get("kind") == "error" and reply.get("code") == "unauthorized":
        raise HubError(f"the hub at {url} refused the token: check KASUHARA_TOKEN / the token file, or ask the "
                       "hub admin for a new one (`kasuhara-live hub add-user`)")
    raise HubError(f"the hub at {url} did not welcome us: {reply.get('message', reply)}")


_UNREACHABLE = (OSError, TimeoutError, InvalidHandshake, ConnectionClosed, ValueError)


@dataclass(frozen=True)
class Refusal:
    """An event the hub refused (it will never accept it): which, and the hub's error."""

    call_id: str
    seq: int
    code: str
    message: str


@dataclass
class _Pending:
    data: bytes  # the whole publish message, encoded once (UTF-8 JSON, sent as a text frame)
    partial: tuple[str, str] | None  # (call_id, utterance_id) of a partial, which a later one supersedes


def _decode(raw: str | bytes) -> dict[str, Any] | None:
    """A hub message as a dict; None (logged) for anything else: a client never dies of one bad message."""
    try:
        message = json.loads(raw)
    except ValueError:
        log.warning("hub sent a message that is not json; ignored")
        return None
    return message if isinstance(message, dict) else None


class Publisher:
    """A monitor's connection to the hub: ordered, acked, buffered while the hub is away.

    ``publish`` never blocks: it numbers the event (``seq`` per call), keeps it until the hub acks it and
    wakes the sender.  After a disconnect the publisher reconnects with capped exponential back-off and
    sends again everything not acked, in order; the hub acks duplicates without broadcasting them again.

    Buffer policy while the hub is away: a new partial replaces the buffered partial of the same utterance
    (and a final replaces it too); when more than ``buffer_events`` events are waiting, the oldest partials
    are dropped.  Finals, alerts, level changes and call start/end are never dropped, so the bound applies to
    partials only.

    An event the hub refuses (an error naming its call and seq: another seat's call, a conflict, too many
    calls…) is not sent again; :meth:`refused` counts them per call and :attr:`refusals` keeps the first few,
    so the monitor can say that not everything was delivered.
    """

    def __init__(self, url: str, token: str, buffer_events: int = 10000, reconnect_max_s: float = 5.0, *,
                 ssl: ssl_module.SSLContext | None = None, role: str = "monitor") -> None:
        self.url = url
        self.role = role  # the role the token must have: "monitor", or "ingest" for a call server
        self.token = token
        self.buffer_events = buffer_events
        self.reconnect_max_s = reconnect_max_s
        self.ssl = ssl
        self.dropped_partials = 0
        self.connects = 0  # successful connections so far: more than one means it reconnected
        self.failure: HubError | None = None
        self.refusals: list[Refusal] = []  # the first MAX_REFUSALS_KEPT, in the order the hub refused them
        self._refused: Counter[str] = Counter()
        self._buffer: OrderedDict[_Key, _Pending] = OrderedDict()
        # (call_id, utterance_id) -> key of its buffered partial; dict order is age, oldest first.
        self._partials: dict[tuple[str, str], _Key] = {}
        self._unsent: deque[_Key] = deque()
        self._seq: dict[str, int] = {}
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._connected = asyncio.Event()
        self._failed = asyncio.Event()
        self._closing = False
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ws: ClientConnection | None = None

    async def __aenter__(self) -> Publisher:
        self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    @property
    def connected(self) -> bool:
        """True while the hub has welcomed us on a live connection."""
        return self._connected.is_set()

    @property
    def pending(self) -> int:
        """Events published but not acked yet."""
        return len(self._buffer)

    def refused(self, call_id: str | None = None) -> int:
        """How many events (of ``call_id``, or of every call) the hub refused."""
        return self._refused[call_id] if call_id is not None else sum(self._refused.values())

    def refusal(self, call_id: str) -> str:
        """The hub's reason for the first kept refusal of an event of ``call_id`` ("code: message"), or ""."""
        first = next((r for r in self.refusals if r.call_id == call_id), None)
        return f"{first.code}: {first.message}" if first else ""

    def start(self) -> None:
        """Start connecting in the background (call from the event loop that will run the publisher)."""
        if self._task is None:
            self._loop = asyncio.get_running_loop()
            self._task = self._loop.create_task(self._run())

    def publish(self, event: Event, agent: str = "") -> None:
        """Queue an event for the hub; returns at once.  Call from the publisher's event loop.

        ``agent``: a call server (role ``ingest``) names the agent who takes the call on each event; a monitor's
        agent is fixed by its user and it leaves this empty."""
        if self.failure is not None:
            raise self.failure
        if isinstance(event, Action):
            raise HubError("a monitor cannot publish actions: actions are sent by consoles")
        seq = self._seq.get(event.call_id, 0) + 1
        self._seq[event.call_id] = seq
        key = (event.call_id, seq)
        partial: tuple[str, str] | None = None
        if isinstance(event, UtterancePartial | UtteranceFinal):
            utterance = (event.call_id, event.utterance_id)
            superseded = self._partials.pop(utterance, None)
            if superseded is not None:
                self._buffer.pop(superseded, None)
            if isinstance(event, UtterancePartial):
                partial = utterance
                self._partials[utterance] = key
        named = f',"agent":{json.dumps(agent)}' if agent else ""
        text = f'{{"v":{PROTOCOL_VERSION},"kind":"publish","seq":{seq}{named},"event":{wire.dumps(event)}}}'
        # "replace": a lone surrogate in some text must not become an event that can never be sent.
        self._buffer[key] = _Pending(text.encode("utf-8", "replace"), partial)
        self._unsent.append(key)
        while len(self._buffer) > self.buffer_events and self._partials:
            oldest = next(iter(self._partials))
            self._buffer.pop(self._partials.pop(oldest), None)
            self.dropped_partials += 1
        self._idle.clear()
        self._wakeup.set()

    def publish_threadsafe(self, event: Event, agent: str = "") -> None:
        """:meth:`publish` from another thread (the monitor's audio/ASR thread)."""
        if self._loop is None:
            raise HubError("the publisher is not started: call start() in its event loop first")
        self._loop.call_soon_threadsafe(self.publish, event, agent)

    async def wait_connected(self, timeout: float) -> bool:
        """Wait until the hub has welcomed us; False after ``timeout`` seconds, HubError if it refused us."""
        waiters = [asyncio.ensure_future(self._connected.wait()), asyncio.ensure_future(self._failed.wait())]
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        if self.failure is not None:
            raise self.failure
        return self.connected

    async def drain(self, timeout: float) -> bool:
        """Wait until every published event is acked; False if some are still pending after ``timeout`` s.

        Raises :class:`HubError` if the hub refused us (bad token).
        """
        if self.failure is not None:
            raise self.failure
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        if self.failure is not None:
            raise self.failure
        return not self._buffer

    async def close(self) -> None:
        """Stop (without waiting for acks: call :meth:`drain` first to deliver everything)."""
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._ws is not None:
            await self._ws.close()

    async def _run(self) -> None:
        delay = FIRST_RETRY_S
        while not self._closing:
            try:
                ws, welcome = await _open(self.url, self.token, self.ssl)
            except HubError as exc:
                self._fail(exc)
                return
            except _UNREACHABLE as exc:
                log.info("hub %s unreachable (%s); retrying in %.1f s", self.url, type(exc).__name__, delay)
                await asyncio.sleep(delay)
                delay = _backoff(delay, self.reconnect_max_s)
                continue
            if welcome.role != self.role:
                await ws.close()
                self._fail(HubError(f"the token belongs to {welcome.user!r}, a {welcome.role}: this needs a "
                                    f"{self.role} user's token (`kasuhara-live hub add-user NAME --role {self.role}`)"))
                return
            delay = FIRST_RETRY_S
            self.connects += 1
            log.info("connected to hub %s as %s; %d events to send", self.url, welcome.user, len(self._buffer))
            self._ws = ws
            self._connected.set()
            try:
                await self._session(ws)
            except Exception:
                # A bug must not end publishing for the rest of the shift: log it and reconnect.
                log.exception("publisher session failed; reconnecting")
            finally:
                self._connected.clear()
                self._ws = None
            log.info("hub connection lost (code %s); reconnecting", ws.close_code)
            await asyncio.sleep(delay)
            delay = _backoff(delay, self.reconnect_max_s)

    async def _session(self, ws: ClientConnection) -> None:
        # Everything not acked goes again, in publish order; the hub ignores what it already had.
        self._unsent = deque(self._buffer)
        reader = asyncio.create_task(self._read(ws))
        try:
            while not reader.done():
                while self._unsent:
                    pending = self._buffer.get(self._unsent[0])
                    if pending is not None:
                        await ws.send(pending.data, text=True)
                    self._unsent.popleft()  # only once sent: a send cut by a disconnect is retried
                self._wakeup.clear()
                await self._wakeup.wait()
        except ConnectionClosed:
            pass
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await reader
            await ws.close()

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                message = _decode(raw)
                if message is not None:
                    self._on_message(message)
        finally:
            self._wakeup.set()  # the sender notices the reader has stopped

    def _on_message(self, message: dict[str, Any]) -> None:
        kind = message.get("kind")
        call_id, seq = message.get("call_id"), message.get("seq")
        key = (call_id, seq) if isinstance(call_id, str) and isinstance(seq, int) else None
        if kind == "ack":
            if key is not None:
                self._forget(key)
        elif kind == "error":
            if key is not None and key in self._buffer:
                # The hub will never accept this event; keeping it would block drain() forever.
                log.warning("hub refused event seq %s of call %s: %s (%s)", seq, call_id, message.get("code"),
                            message.get("message"))
                self._refused[key[0]] += 1
                if len(self.refusals) < MAX_REFUSALS_KEPT:
                    self.refusals.append(Refusal(key[0], key[1], str(message.get("code")),
                                                 str(message.get("message"))))
                self._forget(key)
            else:
                log.warning("hub error: %s (%s)", message.get("code"), message.get("message"))

    def _forget(self, key: _Key) -> None:
        pending = self._buffer.pop(key, None)
        if pending is not None and pending.partial is not None and self._partials.get(pending.partial) == key:
            del self._partials[pending.partial]
        if not self._buffer:
            self._idle.set()

    def _fail(self, error: HubError) -> None:
        log.error("%s", error)
        self.failure = error
        self._failed.set()
        self._idle.set()  # wake drain() so it raises


class ConsoleClient:
    """A console's connection to the hub.

    ``async with ConsoleClient(url, token) as client`` connects and waits for the welcome
    (:attr:`welcome`); ``async for message in client`` yields every hub message as a dict (``event``,
    ``history``, ``ack``, ``error``, ``forget``, ``unwatched``).  When the connection drops it yields
    ``{"kind": "disconnected", "code": …, "reason": …}``, reconnects with back-off (hello again) and yields
    the new ``welcome`` followed by fresh ``history`` messages: a console rebuilds each call from its history.
    """

    def __init__(self, url: str, token: str, *, ssl: ssl_module.SSLContext | None = None,
                 reconnect_max_s: float = 5.0) -> None:
        self.url = url
        self.token = token
        self.ssl = ssl
        self.reconnect_max_s = reconnect_max_s
        self.welcome: Welcome | None = None
        self._ws: ClientConnection | None = None
        self._closed = False
        self._delay = FIRST_RETRY_S

    async def __aenter__(self) -> ConsoleClient:
        await self.connect()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    async def connect(self) -> Welcome:
        """Connect and authenticate once; :class:`HubError` if the hub is unreachable or refuses the token."""
        try:
            self._ws, self.welcome = await _open(self.url, self.token, self.ssl)
        except _UNREACHABLE as exc:
            raise HubError(f"cannot reach the hub at {self.url}: {exc}: check console.hub_url and that "
                           "`kasuhara-live hub` is running") from None
        return self.welcome

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self

    async def __anext__(self) -> dict[str, Any]:
        while not self._closed:
            if self._ws is None:
                await asyncio.sleep(self._delay)
                try:
                    self._ws, self.welcome = await _open(self.url, self.token, self.ssl)
                except _UNREACHABLE as exc:
                    log.info("hub %s unreachable (%s); retrying", self.url, type(exc).__name__)
                    self._delay = _backoff(self._delay, self.reconnect_max_s)
                    continue
                self._delay = FIRST_RETRY_S
                return {"v": PROTOCOL_VERSION, "kind": "welcome", "user": self.welcome.user,
                        "role": self.welcome.role}
            try:
                raw = await self._ws.recv()
            except ConnectionClosed as exc:
                self._ws = None
                if self._closed:
                    break
                return {"v": PROTOCOL_VERSION, "kind": "disconnected",
                        "code": exc.rcvd.code if exc.rcvd else 1006, "reason": exc.rcvd.reason if exc.rcvd else ""}
            message = _decode(raw)
            if message is not None:
                return message
        raise StopAsyncIteration

    @property
    def connected(self) -> bool:
        """True while a connection is up (between a welcome and a disconnect)."""
        return self._ws is not None

    async def send(self, message: dict[str, Any]) -> None:
        """Send one message (``act``, ``watch``, ``unwatch``); ``"v": 1`` is added when missing.

        Raises :class:`HubError` while disconnected: the console may tell the user and try again.
        """
        if self._ws is None:
            raise HubError("not connected to the hub (reconnecting): try again in a moment")
        try:
            data = json.dumps({"v": PROTOCOL_VERSION, **message}, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise HubError("the message has text that is not valid unicode: it was not sent") from None
        try:
            await self._ws.send(data, text=True)
        except ConnectionClosed:
            raise HubError("the hub connection dropped while sending: try again once reconnected") from None

    async def act(self, action: Action, request_id: str | None = None) -> None:
        """Send an action on a call; the hub fills in actor, role and wall, and acks with ``request_id``."""
        message: dict[str, Any] = {"kind": "act", "event": wire.to_json(action)}
        if request_id is not None:
            message["id"] = request_id
        await self.send(message)

    async def watch(self, call_id: str) -> None:
        """Ask for a call's partials too (supervisors); the hub answers with the call's full history."""
        await self.send({"kind": "watch", "call_id": call_id})

    async def unwatch(self, call_id: str) -> None:
        """Stop receiving a call's partials."""
        await self.send({"kind": "unwatch", "call_id": call_id})

    async def close(self) -> None:
        """Close the connection; iteration ends."""
        self._closed = True
        if self._ws is not None:
            await self._ws.close()
            self._ws = None
