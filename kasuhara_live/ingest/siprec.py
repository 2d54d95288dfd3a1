"""The SIPREC recording server (RFC 7866 protocol, RFC 7865 metadata): SIP over UDP and TCP, RTP G.711 per stream,
each call handed to the call core through :class:`~kasuhara_live.ingest.sink.CallSink`.

Pointing a site's SBC at it
---------------------------
1. ``[ingest] sip_listen = "ADDRESS:5060"`` on an address the SBC reaches (UDP and TCP, same port; no TLS yet).
   ``rtp_port_min``/``rtp_port_max``: a UDP range the firewall opens from the SBC's media address; a call takes
   one block of four ports (two streams at base and base+2, each with its RTCP neighbour kept free).
2. ``allow = ["SBC signalling address or network"]``: every other peer gets 403 Forbidden.  RTP is heard only from
   the call's signalling address or the ``c=`` address of its SDP offer.
3. On the SBC, add a SIPREC recording server (Cisco CUBE: a recorder dial-peer whose session target is
   ADDRESS:5060, used by a media class; Avaya SBCE and Oracle/Acme: a session recording server / SRS profile):
   transport UDP or TCP, RTP/AVP without SRTP, G.711 μ-law or A-law, and rs-metadata on.  OPTIONS pings get 200.
4. ``agents = ["sip:2001@pbx.example = sato", "2002 = suzuki"]``: the agent's AOR or extension as the metadata
   names it (``CallMeta.agent_key`` is the key that matched).  Calls with no listed participant take the
   caller-first convention of :mod:`siprec_metadata` (the second participant is the agent).

Each INVITE (``Require: siprec`` or ``+sip.src``) with a multipart SDP + rs-metadata body gets 100 Trying and 200 OK
with one ``a=recvonly`` m-line per stream (re-INVITEs keep the ports); BYE ends the call ("bye"), so does
``no_media_timeout_s`` without RTP ("no_media") and server shutdown ("shutdown").  Malformed input is logged in one
line and dropped, or answered 400 when the request is readable enough to answer.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

from kasuhara_live.config import IngestConfig
from kasuhara_live.errors import KasuharaError
from kasuhara_live.ingest.peers import PeerAllowlist
from kasuhara_live.ingest.sink import CallSink
from kasuhara_live.ingest.sip import (
    MAX_MESSAGE,
    SipError,
    SipFramer,
    SipMessage,
    build_response,
    canonical_name,
    parse_message,
)
from kasuhara_live.ingest.siprec_call import PortPool, RecordedCall
from kasuhara_live.ingest.siprec_invite import Dialog, InviteHandler, Origin, Reply

log = logging.getLogger("kasuhara_live.ingest.siprec")
_ALLOW = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE"
_LINGER_S = 32.0  # RFC 3261 Timer H/J: how long a finished dialog still answers retransmissions


class SiprecServer:
    """``async with SiprecServer(cfg, sink):`` listens on ``cfg.sip_listen`` (UDP and TCP, same port)."""

    def __init__(self, cfg: IngestConfig, sink: CallSink) -> None:
        host, _, port = cfg.sip_listen.rpartition(":")
        if not host or not port.isdigit():
            raise KasuharaError(f"ingest.sip_listen: {cfg.sip_listen!r} is not host:port (e.g. 0.0.0.0:5060)")
        self.host = host.strip("[]")
        self.port = int(port)
        self.cfg = cfg
        self.allow = PeerAllowlist(cfg.allow)
        self.pool = PortPool(cfg.rtp_port_min, cfg.rtp_port_max)
        self.dialogs: dict[str, Dialog] = {}
        self.invites = InviteHandler(cfg, sink, self.pool, self.dialogs, self._contact, self._call_ended)
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> SiprecServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        """Bind UDP, then TCP on the same port (port 0: whatever UDP got)."""
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self._udp, _ = await loop.create_datagram_endpoint(
            lambda: _UdpSip(self), local_addr=(self.host, self.port), family=family)
        self.port = int(self._udp.get_extra_info("sockname")[1])
        self._tcp = await asyncio.start_server(self._serve_tcp, self.host, self.port, family=family,
                                               reuse_address=True)
        log.info("siprec: listening on %s:%d (udp, tcp)", self.host, self.port)

    async def close(self) -> None:
        """End every call with "shutdown" and stop listening."""
        for dialog in list(self.dialogs.values()):
            if dialog.call is not None:
                dialog.call.end("shutdown")
        for task in list(self._tasks):
            task.cancel()
        if self._udp is not None:
            self._udp.close()
        if self._tcp is not None:
            self._tcp.close()
        for writer in list(self._writers):
            writer.close()
        if self._tcp is not None:
            await self._tcp.wait_closed()

    @property
    def active_calls(self) -> int:
        return sum(1 for d in self.dialogs.values() if d.active)

    # -- transports ---------------------------------------------------------------------------------------

    def datagram(self, data: bytes, addr: tuple[Any, ...], local: str) -> None:
        peer = Origin(str(addr[0]), int(addr[1]), "udp", local)
        udp = self._udp

        def reply(payload: bytes) -> None:
            if udp is not None and not udp.is_closing():
                udp.sendto(payload, addr)

        self._spawn(self.handle(data, peer, reply))

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        addr = writer.get_extra_info("peername")
        local = str(writer.get_extra_info("sockname")[0])
        peer = Origin(str(addr[0]), int(addr[1]), "tcp", local)
        self._writers.add(writer)
        framer = SipFramer()
        try:
            while data := await reader.read(MAX_MESSAGE):
                for frame in framer.feed(data):
                    await self.handle(frame, peer, writer.write, stream=True)
        except SipError as err:
            log.warning("siprec: closed the tcp connection of %s: %s", peer, err)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- requests -----------------------------------------------------------------------------------------

    async def handle(self, data: bytes, peer: Origin, reply: Reply, stream: bool = False) -> None:
        """One message from a peer; whatever goes wrong stays with this message."""
        try:
            message = parse_message(data, stream=stream)
            if message.method:
                await self._request(message, peer, reply)
        except SipError as err:
            log.warning("siprec: dropped a message from %s: %s", peer, err)
            bad = err.message
            if bad is not None and bad.method and bad.method != "ACK" and bad.get("via"):
                reply(build_response(bad, 400, "Bad Request", extra=[("warning", f'399 kasuhara "{err}"')])
                      .serialise())
        except Exception as err:  # a bug must cost one message, not the server
            log.error("siprec: failed on a message from %s: %s: %s", peer, type(err).__name__, err)

    async def _request(self, request: SipMessage, peer: Origin, reply: Reply) -> None:
        method = request.method
        for name in ("via", "from", "to", "call-id"):
            if not request.get(name):
                raise SipError(f"sip: {method} without {canonical_name(name)}", request)
        number, cseq_method = request.cseq()
        if cseq_method != method and method not in ("ACK", "CANCEL"):
            raise SipError(f"sip: CSeq method {cseq_method} does not match {method}", request)
        if not self.allow.allowed(peer.host):
            log.warning("siprec: refused %s from %s: not in ingest.allow", method, peer)
            if method != "ACK":
                reply(build_response(request, 403, "Forbidden").serialise())
            return
        if method == "INVITE":
            await self.invites.invite(request, peer, reply)
        elif method == "UPDATE":
            await self.invites.reinvite(request, peer, reply)
        elif method == "ACK":
            self.invites.ack(request, number)
        else:
            reply(self._simple(request).serialise())

    def _simple(self, request: SipMessage) -> SipMessage:
        dialog = self.dialogs.get(request.call_id)
        tag = dialog.tag if dialog else ""
        if request.method == "OPTIONS":
            return build_response(request, 200, "OK", extra=_capabilities())
        if dialog is None:
            return build_response(request, 481, "Call/Transaction Does Not Exist")
        if request.method == "BYE":
            if dialog.call is not None:
                dialog.call.end("bye")
            return build_response(request, 200, "OK", tag)
        if request.method in ("CANCEL", "INFO"):
            return build_response(request, 200, "OK", tag)  # CANCEL after our final answer changes nothing
        return build_response(request, 405, "Method Not Allowed", tag, extra=[("allow", _ALLOW)])

    def _contact(self, local: str, transport: str = "udp") -> str:
        host = f"[{local}]" if ":" in local else local
        return f"<sip:kasuhara@{host}:{self.port};transport={transport}>;+sip.srs"

    def _call_ended(self, call: RecordedCall, reason: str) -> None:
        self.pool.give_back(call.base, len(call.ports))
        log.info("siprec: call %s ended: %s", call.call_id[:64], reason)
        loop = asyncio.get_running_loop()
        loop.call_later(_LINGER_S, lambda: self._forget(call.call_id, call))

    def _forget(self, call_id: str, call: RecordedCall) -> None:
        dialog = self.dialogs.get(call_id)
        if dialog is not None and dialog.call is call:
            del self.dialogs[call_id]


def _capabilities() -> list[tuple[str, str]]:
    return [("allow", _ALLOW), ("accept", "application/sdp, application/rs-metadata+xml, multipart/mixed"),
            ("supported", "siprec")]


class _UdpSip(asyncio.DatagramProtocol):
    def __init__(self, server: SiprecServer) -> None:
        self.server = server
        self.local = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.local = str(transport.get_extra_info("sockname")[0])

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        self.server.datagram(data, addr, self.local)

    def error_received(self, exc: Exception) -> None:
        log.debug("siprec: udp error: %s", exc)  # ICMP unreachable for a reply to a peer that has gone
