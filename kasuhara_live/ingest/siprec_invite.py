"""SIPREC INVITEs: from a recording session's offer to a call opened in the core and an SDP answer.

Decides the response (100/200, 400 unreadable body, 420 unknown Require, 486 busy or refused by the core, 488 no
usable audio or not SIPREC, 503 no RTP ports), keeps the dialog so retransmissions get the same answer and
re-INVITEs keep the same ports.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, overload

from kasuhara_live.config import IngestConfig
from kasuhara_live.errors import KasuharaError
from kasuhara_live.ingest.agents import AgentDirectory
from kasuhara_live.ingest.rtp import STATIC_DECODERS, Decoder
from kasuhara_live.ingest.sdp import AnswerStream, SdpError, SdpOffer, build_answer, parse_sdp
from kasuhara_live.ingest.sink import CallMeta, CallRefused, CallSink
from kasuhara_live.ingest.sip import SipError, SipMessage, build_response, new_tag, split_multipart
from kasuhara_live.ingest.siprec_call import PortPool, RecordedCall
from kasuhara_live.ingest.siprec_metadata import (
    MetadataError,
    Roles,
    choose_roles,
    default_roles,
    parse_metadata,
)

log = logging.getLogger("kasuhara_live.ingest.siprec")
Reply = Callable[[bytes], None]
_SUPPORTED = {"siprec"}
_LINGER_S = 32.0  # RFC 3261 Timer H: how long a refused INVITE's answer is kept for its retransmissions


class _Refuse(KasuharaError):
    """An INVITE we answer with an error status; the message is the log line and the Warning text."""

    def __init__(self, status: int, reason: str, why: str, extra: list[tuple[str, str]] | None = None) -> None:
        super().__init__(why)
        self.status, self.reason, self.extra = status, reason, extra or []


@dataclass
class Dialog:
    """One Call-ID: its To tag, the last INVITE answered and, once accepted, the recorded call."""

    call_id: str
    tag: str
    invite_cseq: int
    response: bytes = b""  # the final answer to that INVITE, sent again for a retransmission
    call: RecordedCall | None = None
    channel_of: dict[str, int] = field(default_factory=dict)  # SDP label → channel
    channel_at: dict[int, int] = field(default_factory=dict)  # m-line index → channel (unlabelled offers)
    codecs: dict[int, tuple[int, str]] = field(default_factory=dict)  # channel → (payload type, encoding)
    session_id: int = 0
    version: int = 1
    acked: bool = False
    answer: str = ""  # our last SDP: re-sent as the offer of a 200 to a re-INVITE without one

    @property
    def active(self) -> bool:
        return self.response == b"" or (self.call is not None and not self.call.ended)


@dataclass(frozen=True)
class Origin:
    """Where a request came from and on which of our addresses it arrived."""

    host: str
    port: int
    transport: str  # "udp" | "tcp"
    local: str

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True)
class _Offer:
    sdp: SdpOffer
    metadata: bytes


class InviteHandler:
    """INVITE, re-INVITE/UPDATE and ACK for :class:`~kasuhara_live.ingest.siprec.SiprecServer`."""

    def __init__(self, cfg: IngestConfig, sink: CallSink, pool: PortPool, dialogs: dict[str, Dialog],
                 contact: Callable[[str, str], str], on_end: Callable[[RecordedCall, str], None]) -> None:
        self.cfg, self.sink, self.pool, self.dialogs = cfg, sink, pool, dialogs
        self.contact, self.on_end = contact, on_end
        self.agents = AgentDirectory(cfg.agents, cfg.unknown_agent)

    async def invite(self, request: SipMessage, peer: Origin, reply: Reply) -> None:
        """A new call, a retransmission of one, or a re-INVITE."""
        number, _ = request.cseq()
        dialog = self.dialogs.get(request.call_id)
        if dialog is not None:
            if number == dialog.invite_cseq:
                reply(dialog.response or build_response(request, 100, "Trying").serialise())
            elif number > dialog.invite_cseq:
                await self.reinvite(request, peer, reply)
            return
        dialog = Dialog(request.call_id, new_tag(), number, session_id=secrets.randbelow(2**31))
        self.dialogs[request.call_id] = dialog
        reply(build_response(request, 100, "Trying").serialise())
        try:
            dialog.answer = await self._accept(request, dialog, peer)
            response = self._ok(request, dialog, peer, dialog.answer)
        except _Refuse as refused:
            log.warning("siprec: refused call %s from %s: %s", request.call_id[:64], peer, refused)
            response = build_response(request, refused.status, refused.reason, dialog.tag,
                                      extra=[*refused.extra, ("warning", f'399 kasuhara "{refused}"')])
        except Exception as err:  # a bug or a failing core costs this call only, answered 500
            log.error("siprec: call %s from %s failed: %s: %s", request.call_id[:64], peer, type(err).__name__, err)
            response = build_response(request, 500, "Server Internal Error", dialog.tag)
        dialog.response = response.serialise()
        reply(dialog.response)
        if dialog.call is None:  # refused: answer retransmissions for a while, then forget it
            asyncio.get_running_loop().call_later(_LINGER_S, self._forget, dialog)
        elif peer.transport == "udp":
            await _until_acked(dialog, number, reply)

    def _forget(self, dialog: Dialog) -> None:
        if self.dialogs.get(dialog.call_id) is dialog:
            del self.dialogs[dialog.call_id]

    async def reinvite(self, request: SipMessage, peer: Origin, reply: Reply) -> None:
        """Same ports for the same streams; a new offer's c= address is heard too."""
        dialog = self.dialogs.get(request.call_id)
        call = dialog.call if dialog else None
        if dialog is None or call is None or call.ended:
            reply(build_response(request, 481, "Call/Transaction Does Not Exist").serialise())
            return
        number, _ = request.cseq()
        if request.method == "INVITE":
            dialog.invite_cseq, dialog.acked = number, False
        try:
            offer = self._read_offer(request, need_sdp=False)
        except _Refuse as refused:
            reply(build_response(request, refused.status, refused.reason, dialog.tag).serialise())
            return
        if offer is None:  # no SDP: a metadata update, or a re-INVITE asking for our offer
            response = self._ok(request, dialog, peer, dialog.answer if request.method == "INVITE" else "")
        else:
            call.media_hosts |= {m.host for m in offer.sdp.media if m.host and m.host not in ("0.0.0.0", "::")}
            streams = [self._same_stream(dialog, i, m.label) for i, m in enumerate(offer.sdp.media)]
            dialog.version += 1
            dialog.answer = build_answer(offer.sdp, streams, _answer_host(peer), dialog.session_id, dialog.version)
            response = self._ok(request, dialog, peer, dialog.answer)
        if request.method == "INVITE":
            dialog.response = response.serialise()
        reply(response.serialise())
        if request.method == "INVITE" and peer.transport == "udp":
            await _until_acked(dialog, number, reply)

    def ack(self, request: SipMessage, number: int) -> None:
        """ACKs need no answer; one for our 200 stops its retransmissions."""
        dialog = self.dialogs.get(request.call_id)
        if dialog is not None and number == dialog.invite_cseq:
            dialog.acked = True

    def _same_stream(self, dialog: Dialog, index: int, label: str) -> AnswerStream:
        channel = dialog.channel_of.get(label) if label else dialog.channel_at.get(index)
        if channel is None or dialog.call is None:
            return AnswerStream(0)
        pt, encoding = dialog.codecs[channel]
        return AnswerStream(dialog.call.ports[channel], pt, encoding)

    def _ok(self, request: SipMessage, dialog: Dialog, peer: Origin, answer: str) -> SipMessage:
        """200 OK with our SDP (none when ``answer`` is empty)."""
        extra = [("contact", self.contact(peer.local, peer.transport)), ("supported", "siprec")]
        return build_response(request, 200, "OK", dialog.tag, extra=extra, body=answer.encode(),
                              content_type="application/sdp")

    async def _accept(self, request: SipMessage, dialog: Dialog, peer: Origin) -> str:
        _check_siprec(request)
        if sum(1 for d in self.dialogs.values() if d.active) > self.cfg.max_calls:
            raise _Refuse(486, "Busy Here", f"already {self.cfg.max_calls} calls (ingest.max_calls)")
        offer = self._read_offer(request, need_sdp=True)
        roles = _roles(offer.metadata, self.agents)
        usable = [i for i, m in enumerate(offer.sdp.media) if m.codec() is not None]
        if not usable:
            raise _Refuse(488, "Not Acceptable Here", "no m=audio stream with PCMU or PCMA over RTP/AVP")
        order = _channel_order(offer.sdp, usable, roles)
        call = RecordedCall(request.call_id, _media_hosts(peer.host, offer.sdp, order), [],
                            self.cfg.no_media_timeout_s, self.on_end)
        for channel, index in enumerate(order):
            pt, encoding = offer.sdp.media[index].codec() or (0, "PCMU/8000")
            dialog.codecs[channel] = (pt, encoding)
            dialog.channel_at[index] = channel
            if offer.sdp.media[index].label:
                dialog.channel_of[offer.sdp.media[index].label] = channel
            call.decoders.append(_decoders(pt, encoding))
        slots = [sorted(order).index(index) for index in order]  # ports follow the m-lines' order, not the channels'
        if not await call.open(self.pool, _bind_host(peer.local), slots):
            raise _Refuse(503, "Service Unavailable", "no free rtp ports (ingest.rtp_port_min..rtp_port_max)")
        self._open_in_core(request, call, peer, roles, len(order))
        dialog.call = call
        streams = [self._same_stream(dialog, i, "") for i in range(len(offer.sdp.media))]
        return build_answer(offer.sdp, streams, _answer_host(peer), dialog.session_id)

    def _open_in_core(self, request: SipMessage, call: RecordedCall, peer: Origin, roles: Roles, channels: int) -> None:
        meta = CallMeta(protocol="siprec", session=request.call_id, peer=str(peer), agent_key=roles.agent_key,
                        caller=roles.caller, channels=("agent", "customer") if channels == 2 else ("mixed",))
        try:
            handle = self.sink.open_call(meta)
        except Exception as err:
            call.close()
            self.pool.give_back(call.base, len(call.ports))
            if isinstance(err, CallRefused):
                raise _Refuse(486, "Busy Here", f"the call core refused it: {err}") from None
            raise
        call.start(handle)
        log.info("siprec: call %s from %s recording on ports %s", request.call_id[:64], peer, call.ports)

    @overload
    def _read_offer(self, request: SipMessage, need_sdp: Literal[True]) -> _Offer: ...

    @overload
    def _read_offer(self, request: SipMessage, need_sdp: bool) -> _Offer | None: ...

    def _read_offer(self, request: SipMessage, need_sdp: bool) -> _Offer | None:
        content_type = request.get("content-type").split(";", 1)[0].strip().lower()
        try:
            parts = _parts(content_type, request) if request.body else []
            sdp = next((body for kind, body in parts if kind == "application/sdp"), None)
            if sdp is None and not need_sdp:
                return None
            if sdp is None:
                raise _Refuse(488, "Not Acceptable Here", "no application/sdp offer in the INVITE")
            metadata = next((body for kind, body in parts if kind == "application/rs-metadata+xml"), b"")
            return _Offer(parse_sdp(sdp.decode("utf-8")), metadata)
        except (SipError, SdpError, UnicodeDecodeError) as err:
            raise _Refuse(400, "Bad Request", str(err).splitlines()[0][:200]) from None


async def _until_acked(dialog: Dialog, number: int, reply: Reply) -> None:
    """Send the 200 again at 0.5, 1, 2, 4, 4… s until its ACK, for at most 32 s (RFC 3261 §13.3.1.4)."""
    interval, waited = 0.5, 0.0
    while waited < _LINGER_S:
        await asyncio.sleep(interval)
        waited += interval
        call = dialog.call
        if dialog.acked or dialog.invite_cseq != number or call is None or call.ended:
            return
        reply(dialog.response)
        interval = min(interval * 2, 4.0)
    log.warning("siprec: call %s: no ACK for our 200 OK in %.0f s", dialog.call_id[:64], _LINGER_S)


def _parts(content_type: str, request: SipMessage) -> list[tuple[str, bytes]]:
    if content_type.startswith("multipart/"):
        parts = split_multipart(request.get("content-type"), request.body)
        return [(kind.split(";", 1)[0].strip().lower(), body) for kind, body in parts]
    return [(content_type, request.body)]


def _check_siprec(request: SipMessage) -> None:
    required = {t.strip().lower() for value in request.get_all("require") for t in value.split(",") if t.strip()}
    unknown = sorted(required - _SUPPORTED)
    if unknown:
        raise _Refuse(420, "Bad Extension", f"unsupported Require: {', '.join(unknown)}",
                      [("unsupported", ", ".join(unknown))])
    supported = {t.strip().lower() for value in request.get_all("supported") for t in value.split(",")}
    if "siprec" not in required | supported and "+sip.src" not in request.get("contact").lower():
        raise _Refuse(488, "Not Acceptable Here", "not a SIPREC session (no Require: siprec, no +sip.src)")


def _roles(metadata: bytes, agents: AgentDirectory) -> Roles:
    if not metadata:
        return default_roles()
    try:
        return choose_roles(parse_metadata(metadata), agents)
    except MetadataError as err:
        raise _Refuse(400, "Bad Request", str(err)) from None


def _channel_order(sdp: SdpOffer, usable: list[int], roles: Roles) -> list[int]:
    """m-line indices for channel 0 (agent) and 1 (customer): by metadata labels, then in offer order."""
    by_label = {sdp.media[i].label: i for i in usable if sdp.media[i].label}
    order: list[int | None] = [by_label.get(label) if label else None for label in roles.labels]
    rest = [i for i in usable if i not in order]
    filled = [slot if slot is not None else (rest.pop(0) if rest else None) for slot in order]
    return [i for i in filled if i is not None]


def _decoders(pt: int, encoding: str) -> dict[int, Decoder]:
    decoders = dict(STATIC_DECODERS)
    decoders[pt] = STATIC_DECODERS[0 if encoding == "PCMU/8000" else 8]
    return decoders


def _media_hosts(peer: str, sdp: SdpOffer, order: list[int]) -> set[str]:
    hosts = {peer.removeprefix("::ffff:") if "." in peer else peer}
    hosts |= {sdp.media[i].host for i in order if sdp.media[i].host not in ("", "0.0.0.0", "::")}
    return hosts


def _bind_host(local: str) -> str:
    return local.removeprefix("::ffff:") if "." in local else local


def _answer_host(peer: Origin) -> str:
    """The address the SBC should send RTP to: ours as seen from the peer when we listen on a wildcard."""
    host = _bind_host(peer.local)
    if host not in ("0.0.0.0", "::"):
        return host
    family = socket.AF_INET6 if ":" in peer.host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as probe:
        probe.connect((peer.host, 9))  # no packet is sent: this only asks the kernel for the route's source address
        return str(probe.getsockname()[0])
