"""The hub's asyncio adapter: websockets connections in, :class:`HubState` decides, one writer task each out.

The broadcast path never awaits a socket: it appends the (shared) message text to each recipient's bounded
queue, and that connection's own writer task sends it.  A console that stops reading fills its queue and
is disconnected (close code 4008) instead of slowing everyone else.

The users file is read again on SIGHUP and whenever its modification time changes (checked every second), so
a revoked token stops working without a restart; a file that no longer validates is logged and ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import ssl
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

from kasuhara_live.config import HubConfig
from kasuhara_live.errors import ConfigError
from kasuhara_live.hub import HubError
from kasuhara_live.hub.protocol import (
    CLOSE_TOO_SLOW,
    Close,
    ConnId,
    EventSink,
    HubState,
    Output,
    Send,
)
from kasuhara_live.hub.users import User, Users, load_users

log = logging.getLogger(__name__)

HELLO_TIMEOUT_S = 10.0  # a connection that never says hello is closed, so it cannot hold a slot forever
CLOSE_TIMEOUT_S = 2.0  # a peer that does not answer the closing handshake (it stopped reading) is cut after this
EXPIRE_INTERVAL_S = 1.0  # how often ended calls are checked against hub.ended_call_linger_s
# Frames above this many times hub.max_message_bytes are refused by websockets itself (close code 1009)
# before they are buffered whole; smaller oversized messages get a "too_large" reply and the connection stays.
HARD_LIMIT_FACTOR = 4


def tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    """A server TLS context from a PEM certificate (chain) and its private key."""
    for key_name, path in (("hub.tls_cert", cert), ("hub.tls_key", key)):
        if not path.is_file():
            raise ConfigError(f"{key_name} = {str(path)!r}: file not found (give a PEM file; relative paths are "
                              "relative to the config file)")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(cert, key)
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError(f"cannot load hub.tls_cert {cert} / hub.tls_key {key}: {exc}: give a PEM certificate "
                          "and its private key") from None
    return context


def tls_from_config(cfg: HubConfig) -> ssl.SSLContext | None:
    """The TLS context hub.tls_cert/hub.tls_key ask for (paths as given), or None for plain ws://."""
    if not cfg.tls_cert and not cfg.tls_key:
        return None
    if not (cfg.tls_cert and cfg.tls_key):
        raise ConfigError("hub.tls_cert and hub.tls_key go together: set both for wss://, or neither for ws://")
    return tls_context(Path(cfg.tls_cert), Path(cfg.tls_key))


class _Client:
    """One connection's outgoing side: a bounded queue and the task that drains it into the socket."""

    def __init__(self, ws: ServerConnection, limit: int) -> None:
        self.ws = ws
        self.limit = limit
        self.queue: deque[bytes] = deque()  # UTF-8 JSON, sent as text frames
        self.wakeup = asyncio.Event()
        self.close_request: tuple[int, str] | None = None
        self.too_slow = False
        self.room = asyncio.Event()
        self.writer = asyncio.create_task(self._write_loop())

    def enqueue(self, data: bytes, *, force: bool = False) -> bool:
        """Queue a message; False when the queue is full (the peer stopped reading).

        ``force``: replies to the peer's own messages (acks, the welcome's history replay) always fit; they are
        bounded instead by not reading the peer's next message until its queue has room again.
        """
        if self.close_request is not None or self.too_slow:
            return True
        if len(self.queue) >= self.limit and not force:
            return False
        self.queue.append(data)
        self.wakeup.set()
        return True

    def request_close(self, code: int, reason: str) -> None:
        """Close after the messages already queued (an error reply goes out before the close)."""
        if self.close_request is None:
            self.close_request = (code, reason)
            self.wakeup.set()

    async def wait_for_room(self) -> None:
        """Yield to the event loop, and return once the queue is under the limit (or the connection is done)."""
        # websockets hands over every message of one network read without yielding; without this, one
        # publisher's burst would fill a console's queue before its writer ever ran, and drop it as too slow.
        await asyncio.sleep(0)
        while len(self.queue) >= self.limit and not self.writer.done():
            self.room.clear()
            await self.room.wait()

    async def _write_loop(self) -> None:
        try:
            await self._write()
        finally:
            self.room.set()

    async def _write(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            while not self.too_slow:
                if self.queue:
                    await self.ws.send(self.queue.popleft(), text=True)
                    if len(self.queue) < self.limit:
                        self.room.set()
                elif self.close_request is not None:
                    await self.ws.close(*self.close_request)
                    return
                else:
                    self.wakeup.clear()
                    await self.wakeup.wait()


class Hub:
    """A running hub: the websockets server plus its :class:`HubState`.  Start it with :func:`run_hub`."""

    def __init__(self, cfg: HubConfig, users: Users, *, sink: EventSink | None = None,
                 clock: Callable[[], float] = time.time, ssl_context: ssl.SSLContext | None = None,
                 users_file: Path | None = None) -> None:
        self.cfg = cfg
        self.state = HubState(cfg, users, clock=clock, sink=sink)
        self.users_file = users_file
        self._users_stamp = _stamp(users_file)
        self.ssl_context = ssl_context
        self._clients: dict[ConnId, _Client] = {}
        self._server: Server | None = None
        self._expiry: asyncio.Task[None] | None = None
        self._closers: set[asyncio.Task[None]] = set()
        self.host = ""
        self.port = 0
        self.hello_timeout_s = HELLO_TIMEOUT_S

    @property
    def url(self) -> str:
        """``ws://host:port`` (``wss://`` with TLS) where clients reach this hub."""
        scheme = "wss" if self.ssl_context is not None else "ws"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    @property
    def connections(self) -> int:
        """How many connections are open now."""
        return len(self._clients)

    async def start(self, host: str, port: int) -> None:
        """Listen on ``host:port`` (port 0: any free port, then read :attr:`port`)."""
        try:
            self._server = await serve(
                self._handle, host, port, ssl=self.ssl_context,
                max_size=HARD_LIMIT_FACTOR * self.cfg.max_message_bytes,
                # Compression would cost a deflate per recipient of every broadcast; calls stay on a LAN.
                compression=None, close_timeout=CLOSE_TIMEOUT_S,
            )
        except OSError as exc:
            raise HubError(f"cannot listen on {host}:{port}: {exc.strerror}: choose another hub.host/hub.port "
                           "or stop what uses it") from None
        sockname = self._server.sockets[0].getsockname()
        self.host, self.port = sockname[0], sockname[1]
        self._expiry = asyncio.create_task(self._expire_loop())
        log.info("hub listening on %s (%d users)", self.url, len(self.state.users))

    async def close(self) -> None:
        """Stop listening and close every connection."""
        if self._expiry is not None:
            self._expiry.cancel()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for task in list(self._closers):
            task.cancel()

    async def _expire_loop(self) -> None:
        while True:
            await asyncio.sleep(EXPIRE_INTERVAL_S)
            self._dispatch(self.state.expire())
            if self.users_file is not None and _stamp(self.users_file) != self._users_stamp:
                self.reload_users()

    def reload_users(self) -> bool:
        """Read the users file again (SIGHUP, or it changed); connections of revoked users are closed (4001).

        A file that does not validate is logged in one line and the users loaded before stay; returns whether
        the new file was taken.
        """
        if self.users_file is None:
            return False
        self._users_stamp = _stamp(self.users_file)
        try:
            users = load_users(self.users_file)
        except ConfigError as exc:
            log.warning("users file not reloaded, the previous users stay: %s", exc)
            return False
        self._dispatch(self.state.replace_users(users))
        log.info("users file %s reloaded (%d users)", self.users_file, len(users))
        return True

    async def _handle(self, ws: ServerConnection) -> None:
        conn = self.state.connect()
        client = _Client(ws, self.cfg.client_queue_limit)
        self._clients[conn] = client
        peer = _peer(ws)
        user: User | None = None
        hello_timer = asyncio.get_running_loop().call_later(self.hello_timeout_s, self._hello_timeout, conn)
        try:
            async for data in ws:
                try:
                    outputs = self.state.receive(conn, data)
                except Exception:
                    # A bug or a failing sink: this message was not acked, so its publisher will resend it.
                    log.exception("internal error on a message from %s; closing that connection", peer)
                    client.request_close(1011, "internal error")
                    break
                if user is None and (user := self.state.user_of(conn)) is not None:
                    hello_timer.cancel()
                    log.info("connection %d from %s: %s (%s)", conn, peer, user.name, user.role.value)
                self._dispatch(outputs, requester=conn)
                if client.too_slow:
                    break
                # The recipients' writers run before the next message; and a peer that sends faster than it
                # reads our replies (a publisher resending its buffer) is slowed down, not dropped.
                await client.wait_for_room()
        except ConnectionClosed:
            pass
        finally:
            hello_timer.cancel()
            self.state.disconnect(conn)
            del self._clients[conn]
            if ws.state is not State.CLOSED and not client.writer.done():
                # Let the writer finish a requested close (an error reply, then the close frame).
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(client.writer), CLOSE_TIMEOUT_S + 1)
            client.writer.cancel()
            code = ws.close_code if ws.close_code is not None else 1006
            who = f"{user.name} ({user.role.value})" if user else "unauthenticated"
            reason = f" ({ws.close_reason})" if ws.close_reason else ""
            log.info("connection %d from %s closed: %s, code %d%s", conn, peer, who, code, reason)

    def _dispatch(self, outputs: list[Output], requester: ConnId | None = None) -> None:
        text, data = "", b""
        for output in outputs:
            client = self._clients.get(output.conn)
            if client is None:
                continue
            if isinstance(output, Send):
                # The recipients of a broadcast share one text object: encode it once, not per recipient.
                if output.text is not text:
                    text, data = output.text, output.text.encode()
                if not client.enqueue(data, force=output.conn == requester):
                    self._drop_slow(output.conn, client)
            elif isinstance(output, Close):
                client.request_close(output.code, output.reason)

    def _drop_slow(self, conn: ConnId, client: _Client) -> None:
        client.too_slow = True
        client.queue.clear()
        client.wakeup.set()
        user = self.state.user_of(conn)
        log.warning("connection %d (%s) is %d messages behind: disconnecting it (close code %d)", conn,
                    user.name if user else "?", self.cfg.client_queue_limit, CLOSE_TOO_SLOW)
        self.state.disconnect(conn)
        # The close handshake waits for a peer that may never read; it must not hold up the broadcast.
        task = asyncio.create_task(client.ws.close(CLOSE_TOO_SLOW, "too slow: stopped reading"))
        self._closers.add(task)
        task.add_done_callback(self._closers.discard)

    def _hello_timeout(self, conn: ConnId) -> None:
        self._dispatch(self.state.hello_timeout(conn, self.hello_timeout_s))


def _stamp(path: Path | None) -> tuple[int, int, int] | None:
    """What tells that a file changed: inode, size and modification time (None when it cannot be read)."""
    if path is None:
        return None
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_ino, info.st_size, info.st_mtime_ns


def _peer(ws: ServerConnection) -> str:
    address = ws.remote_address
    if isinstance(address, tuple) and len(address) >= 2:
        return f"{address[0]}:{address[1]}"
    return str(address)


@contextlib.asynccontextmanager
async def run_hub(cfg: HubConfig, users: Users, *, sink: EventSink | None = None, host: str | None = None,
                  port: int | None = None, ssl_context: ssl.SSLContext | None = None,
                  clock: Callable[[], float] = time.time, users_file: Path | None = None) -> AsyncIterator[Hub]:
    """Run a hub for the duration of the ``async with`` block; ``hub.port`` is the port it got.

    ``host``/``port`` default to hub.host/hub.port; TLS comes from ``ssl_context`` or else from
    hub.tls_cert/hub.tls_key.  With ``users_file`` (where ``users`` came from) the hub reloads it when it
    changes.
    """
    hub = Hub(cfg, users, sink=sink, clock=clock,
              ssl_context=ssl_context if ssl_context is not None else tls_from_config(cfg), users_file=users_file)
    await hub.start(cfg.host if host is None else host, cfg.port if port is None else port)
    try:
        yield hub
    finally:
        await hub.close()


async def serve_forever(cfg: HubConfig, users: Users, *, sink: EventSink | None = None,
                        ready: Callable[[Hub], None] | None = None, users_file: Path | None = None) -> None:
    """Run the hub until SIGINT or SIGTERM (the ``kasuhara-live hub`` command); ``ready`` is told its URL.

    SIGHUP reloads ``users_file`` (it is also reloaded when it changes)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    async with run_hub(cfg, users, sink=sink, users_file=users_file) as hub:
        with contextlib.suppress(NotImplementedError, RuntimeError, AttributeError):  # no SIGHUP on Windows
            loop.add_signal_handler(signal.SIGHUP, hub.reload_users)
        if ready is not None:
            ready(hub)
        await stop.wait()
    log.info("hub stopped")
