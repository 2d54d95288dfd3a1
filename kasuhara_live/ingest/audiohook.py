"""The AudioHook server: Genesys Cloud's websockets in, calls out through the :class:`CallSink`.

:class:`~kasuhara_live.ingest.audiohook_protocol.AudioHookSession` decides what each message means (and documents
the protocol, the media we take and which field names the agent); this module only carries its actions out.

Who may connect is settled in the HTTP handshake, before any session exists: the peer's address must be in
``ingest.allow`` (else 403), the path must be ``ingest.audiohook_path`` (else 404), and when
``ingest.api_key_sha256`` is not empty the ``X-API-KEY`` header must hash to one of its entries (else 401).  Each
refusal is one log line.  With ``ingest.tls_cert``/``tls_key`` the server speaks wss://.

A session ends its call once, with the reason: ``closed`` (the client's close), ``sender_lost`` (the socket went
without one), ``no_media`` (no audio for ``ingest.no_media_timeout_s``; a paused session counts any message as life,
since Genesys keeps pinging through a pause), ``protocol_error`` (hostile or broken input: that session is
disconnected, no other) or ``shutdown``.  Beyond ``ingest.max_calls`` live calls a new session is answered with a
``disconnect``, as is one the sink refuses.  Every session ends with one log line.  The core may ask a session to
pause and resume (:meth:`AudioHookServer.pause`); what Genesys discards meanwhile becomes silence on the call.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from kasuhara_live.config import IngestConfig
from kasuhara_live.errors import ConfigError, KasuharaError
from kasuhara_live.ingest.audiohook_protocol import (
    MAX_FRAME_BYTES,
    RATE,
    Action,
    Audio,
    AudioHookSession,
    EndCall,
    Hangup,
    OpenCall,
    Send,
    State,
)
from kasuhara_live.ingest.peers import PeerAllowlist
from kasuhara_live.ingest.sink import CallHandle, CallRefused, CallSink

log = logging.getLogger(__name__)
# websockets logs every connection's opening and closing at INFO; each session already ends with one line of ours.
_ws_log = logging.getLogger(f"{__name__}.websockets")
_ws_log.setLevel(logging.WARNING)

CLOSE_GRACE_S = 5.0  # after our disconnect or closed, the client has this long to close the socket itself
CLOSE_TIMEOUT_S = 2.0  # a client that does not answer our close frame is cut after this
# Frames above this are cut by websockets itself (close code 1009) before they are buffered whole; smaller
# oversized ones reach the session, which answers with a disconnect that says what was wrong.
HARD_LIMIT_BYTES = 4 * MAX_FRAME_BYTES


class AudioHookError(KasuharaError):
    """The AudioHook server cannot start (address in use, bad listen address)."""


def tls_from_config(cfg: IngestConfig) -> ssl.SSLContext | None:
    """The TLS context ingest.tls_cert/ingest.tls_key ask for (paths as given), or None for plain ws://."""
    if not cfg.tls_cert and not cfg.tls_key:
        return None
    if not (cfg.tls_cert and cfg.tls_key):
        raise ConfigError("ingest.tls_cert and ingest.tls_key go together: set both for wss://, or neither for ws://")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(cfg.tls_cert, cfg.tls_key)
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError(f"cannot load ingest.tls_cert {cfg.tls_cert} / ingest.tls_key {cfg.tls_key}: {exc}: give "
                          "a PEM certificate and its private key") from None
    return context


def split_listen(listen: str) -> tuple[str, int]:
    """``host:port`` or ``[v6]:port`` → (host, port)."""
    host, sep, port = listen.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise ConfigError(f"ingest.audiohook_listen = {listen!r}: give host:port, e.g. 0.0.0.0:9443 or [::]:9443")
    return host.strip("[]"), int(port)


@dataclass
class _Link:
    """One websocket's session and, once the sink took it, its call."""

    ws: ServerConnection
    session: AudioHookSession
    handle: CallHandle | None = None


class AudioHookServer:
    """A running AudioHook server; start it with :func:`run_audiohook`."""

    def __init__(self, cfg: IngestConfig, sink: CallSink, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self.cfg = cfg
        self.sink = sink
        self.ssl_context = ssl_context
        self.allow = PeerAllowlist(cfg.allow)
        self.key_hashes = tuple(key.strip().lower() for key in cfg.api_key_sha256)
        self.no_media_timeout_s = cfg.no_media_timeout_s
        self.close_grace_s = CLOSE_GRACE_S
        self.calls = 0  # calls the sink holds open now
        self.host = ""
        self.port = 0
        self._links: dict[ServerConnection, _Link] = {}
        self._server: Server | None = None
        self._stopping = False

    @property
    def url(self) -> str:
        """``ws://host:port/path`` (``wss://`` with TLS) where Genesys reaches this server."""
        scheme = "wss" if self.ssl_context is not None else "ws"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}{self.cfg.audiohook_path}"

    async def start(self, host: str, port: int) -> None:
        """Listen on ``host:port`` (port 0: any free port, then read :attr:`port`)."""
        try:
            self._server = await serve(
                self._handle, host, port, ssl=self.ssl_context, process_request=self._check_request,
                max_size=HARD_LIMIT_BYTES, compression=None, close_timeout=CLOSE_TIMEOUT_S, logger=_ws_log,
                # Genesys pings in the protocol itself; a websocket ping it ignored would cut a healthy call.
                ping_interval=None,
            )
        except OSError as exc:
            raise AudioHookError(f"cannot listen on {host}:{port}: {exc.strerror}: choose another "
                                 "ingest.audiohook_listen or stop what uses it") from None
        sockname = self._server.sockets[0].getsockname()
        self.host, self.port = sockname[0], sockname[1]
        log.info("audiohook listening on %s", self.url)

    async def close(self) -> None:
        """End every call (reason ``shutdown``), tell each client, and stop listening."""
        self._stopping = True
        for link in list(self._links.values()):
            with contextlib.suppress(ConnectionClosed):
                await self._run(link, link.session.shutdown())
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def pause(self, session_id: str) -> bool:
        """Ask the client of this session to pause its audio (it answers paused); False if there is no such session.

        The audio it discards meanwhile comes back as silence when it resumes, so the call's clock goes on."""
        return await self._ask(session_id, pause=True)

    async def resume(self, session_id: str) -> bool:
        """Ask the client of this session to resume after :meth:`pause`."""
        return await self._ask(session_id, pause=False)

    async def _ask(self, session_id: str, *, pause: bool) -> bool:
        link = next((link for link in self._links.values() if link.session.id == session_id), None)
        if link is None:
            return False
        with contextlib.suppress(ConnectionClosed):
            await self._run(link, link.session.pause() if pause else link.session.resume())
        return True

    def _check_request(self, connection: ServerConnection, request: Request) -> Response | None:
        host = _host(connection)
        if self._stopping:
            return _refuse(connection, HTTPStatus.SERVICE_UNAVAILABLE, "the server is shutting down")
        if not self.allow.allowed(host):
            return _refuse(connection, HTTPStatus.FORBIDDEN, f"peer {host} is not in ingest.allow")
        path = urlsplit(request.path).path
        if path != self.cfg.audiohook_path:
            return _refuse(connection, HTTPStatus.NOT_FOUND,
                           f"path {path[:80]!r} is not ingest.audiohook_path {self.cfg.audiohook_path!r}")
        if self.key_hashes:
            key = request.headers.get("X-API-KEY")
            digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest() if key is not None else ""
            if not any(hmac.compare_digest(digest, known) for known in self.key_hashes):
                why = "no X-API-KEY header" if key is None else "X-API-KEY not in ingest.api_key_sha256"
                return _refuse(connection, HTTPStatus.UNAUTHORIZED, why)
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        header = ws.request.headers.get("Audiohook-Session-Id", "") if ws.request is not None else ""
        link = _Link(ws, AudioHookSession(_peer(ws), header.strip()[:64]))
        self._links[ws] = link
        lost = "sender_lost"
        try:
            await self._serve(link)
        except ConnectionClosed as exc:
            if exc.sent is not None and exc.sent.code == 1009:  # websockets cut a frame over HARD_LIMIT_BYTES
                link.session.failure, lost = f"message over {HARD_LIMIT_BYTES} bytes", "protocol_error"
        except Exception:
            # A bug here or in the sink: this call ends, the server and the other calls go on.
            log.exception("internal error in audiohook session %s from %s", link.session.id, link.session.peer)
            link.session.failure, lost = "internal error", "error"
        finally:
            self._execute_sync(link, link.session.lost(lost))
            del self._links[ws]
            code = {"error": 1011, "protocol_error": 1008}.get(lost, 1000)
            await ws.close(code, link.session.failure.encode()[:120].decode(errors="ignore"))
            _log_end(link.session, ws)

    async def _serve(self, link: _Link) -> None:
        """Read the client's messages until the session ends, with the no-media and closing deadlines."""
        loop = asyncio.get_running_loop()
        session = link.session
        deadline = loop.time() + self.no_media_timeout_s
        while True:
            closing = session.state in (State.DISCONNECTING, State.CLOSED)
            try:
                async with asyncio.timeout_at(deadline):
                    data = await link.ws.recv()
            except TimeoutError:
                if closing:
                    return  # the client did not close after our disconnect or closed; _handle closes
                await self._run(link, session.timed_out(self.no_media_timeout_s))
                return
            paused = session.state is State.PAUSED
            actions = session.receive_text(data) if isinstance(data, str) else session.receive_binary(data)
            if session.state in (State.DISCONNECTING, State.CLOSED):
                if not closing:
                    deadline = loop.time() + self.close_grace_s
            elif not isinstance(data, str) or paused or session.state is State.PAUSED:
                deadline = loop.time() + self.no_media_timeout_s  # audio, or a paused client's sign of life
            if await self._run(link, actions):
                return

    async def _run(self, link: _Link, actions: list[Action]) -> bool:
        """Carry out a session's actions in order; True once the socket was hung up."""
        for action in actions:
            if isinstance(action, Send):
                await link.ws.send(action.text)
            elif isinstance(action, Hangup):
                await link.ws.close(action.code, action.reason)
                return True
            elif isinstance(action, OpenCall):
                await self._run(link, self._open(link, action))
            else:
                self._execute_sync(link, [action])
        return False

    def _open(self, link: _Link, action: OpenCall) -> list[Action]:
        if self.calls >= self.cfg.max_calls:
            return link.session.refuse(f"too many calls (ingest.max_calls = {self.cfg.max_calls})")
        try:
            link.handle = self.sink.open_call(action.meta)
        except CallRefused as exc:
            return link.session.refuse(str(exc) or "refused")
        self.calls += 1
        return link.session.accept()

    def _execute_sync(self, link: _Link, actions: list[Action]) -> None:
        """Audio and EndCall: the handle's side, which never awaits."""
        for action in actions:
            if link.handle is None:
                return
            if isinstance(action, Audio):
                link.handle.audio(action.channel, action.samples, RATE)
            elif isinstance(action, EndCall):
                handle, link.handle = link.handle, None
                self.calls -= 1
                handle.end(action.reason)


def _host(ws: ServerConnection) -> str:
    address = ws.remote_address
    return str(address[0]) if isinstance(address, tuple) and address else str(address)


def _peer(ws: ServerConnection) -> str:
    address = ws.remote_address
    if isinstance(address, tuple) and len(address) >= 2:
        return f"{address[0]}:{address[1]}"
    return str(address)


def _refuse(connection: ServerConnection, status: HTTPStatus, why: str) -> Response:
    log.warning("audiohook connection from %s refused (%d %s): %s", _peer(connection), status.value, status.phrase,
                why)
    return connection.respond(status, f"{status.phrase}\n")


def _log_end(session: AudioHookSession, ws: ServerConnection) -> None:
    seconds = session.samples / RATE
    where = f"audiohook session {session.id or '(not opened)'} from {session.peer}"
    if session.failure:
        log.warning("%s ended after %.1f s: %s", where, seconds, session.failure)
    elif session.client_closed:
        extra = f" (client error {session.client_error})" if session.client_error else ""
        log.info("%s closed after %.1f s%s", where, seconds, extra)
    else:
        log.warning("%s lost after %.1f s: the socket closed without a close message (code %s)", where, seconds,
                    ws.close_code)


@contextlib.asynccontextmanager
async def run_audiohook(cfg: IngestConfig, sink: CallSink, *, host: str | None = None, port: int | None = None,
                        ssl_context: ssl.SSLContext | None = None) -> AsyncIterator[AudioHookServer]:
    """Run an AudioHook server for the ``async with`` block; ``server.port`` is the port it got.

    ``host``/``port`` default to ingest.audiohook_listen; TLS comes from ``ssl_context`` or else from
    ingest.tls_cert/ingest.tls_key.
    """
    listen_host, listen_port = split_listen(cfg.audiohook_listen) if host is None or port is None else (host, port)
    server = AudioHookServer(cfg, sink, ssl_context=ssl_context if ssl_context is not None else tls_from_config(cfg))
    await server.start(listen_host if host is None else host, listen_port if port is None else port)
    try:
        yield server
    finally:
        await server.close()
