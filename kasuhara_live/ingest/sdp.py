"""SDP (RFC 4566) as a SIPREC recording server needs it: read the SBC's offer, write the answer.

A SIPREC offer has one ``m=audio`` per recorded stream, ``a=sendonly`` and ``a=label:N`` (the label ties the stream
to the metadata's ``<stream>``).  The answer keeps every m-line in order (RFC 3264): an audio stream we record gets
a port of ours, ``a=recvonly`` and the same label; anything else gets port 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kasuhara_live.errors import KasuharaError

MAX_SDP = 16 * 1024
_CODECS = {"PCMU/8000": 0, "PCMA/8000": 8}  # encoding → static payload type (RFC 3551)
_STATIC_NAMES = {0: "PCMU/8000", 8: "PCMA/8000"}
_RECORDABLE_PROTOS = ("RTP/AVP", "RTP/AVPF")
_TOKEN = re.compile(r"[A-Za-z0-9/._+*:\-]{1,64}")  # what we echo back into the answer: nothing that breaks a line


class SdpError(KasuharaError):
    """The SDP is not something we can read (one-line message)."""


@dataclass
class MediaOffer:
    """One m-line of the offer."""

    media: str
    port: int
    proto: str
    formats: tuple[str, ...]
    host: str = ""  # media-level c=, else the session's
    label: str = ""
    direction: str = "sendrecv"
    rtpmap: dict[int, str] = field(default_factory=dict)  # payload type → "PCMU/8000"

    def codec(self) -> tuple[int, str] | None:
        """(payload type, "PCMU/8000" or "PCMA/8000") we would record with, PCMU first; None when unusable."""
        if self.media != "audio" or self.port == 0 or self.proto not in _RECORDABLE_PROTOS:
            return None
        if self.direction == "recvonly":
            return None  # the SBC wants to hear from us: not a stream to record
        named = {pt: self.rtpmap.get(pt, _STATIC_NAMES.get(pt, "")).upper() for pt in self._payload_types()}
        for wanted in _CODECS:
            for pt, name in named.items():
                if name == wanted:
                    return pt, wanted
        return None

    def _payload_types(self) -> list[int]:
        return [int(f) for f in self.formats if f.isdigit() and int(f) < 128]


@dataclass
class SdpOffer:
    """The offer: the session's connection address and its m-lines in order."""

    host: str
    media: list[MediaOffer]


def parse_sdp(text: str) -> SdpOffer:
    """Read an offer; :class:`SdpError` for anything malformed."""
    if len(text) > MAX_SDP:
        raise SdpError(f"sdp: {len(text)} characters is over the {MAX_SDP} limit")
    lines = [line.rstrip("\r") for line in text.split("\n") if line.strip()]
    if not lines or lines[0].strip() != "v=0":
        raise SdpError("sdp: does not start with v=0")
    session_host = ""
    media: list[MediaOffer] = []
    for line in lines[1:]:
        if len(line) < 2 or line[1] != "=":
            raise SdpError(f"sdp: {line[:40]!r} is not a type=value line")
        kind, value = line[0], line[2:]
        if kind == "c":
            host = _connection_host(value)
            if media:
                media[-1].host = host
            else:
                session_host = host
        elif kind == "m":
            media.append(_media_line(value))
        elif kind == "a" and media:
            _attribute(media[-1], value)
    for m in media:
        m.host = m.host or session_host
    if not media:
        raise SdpError("sdp: no m= line")
    return SdpOffer(session_host, media)


def _connection_host(value: str) -> str:
    parts = value.split()
    if len(parts) != 3 or parts[0] != "IN" or parts[1] not in ("IP4", "IP6"):
        raise SdpError(f"sdp: c={value[:60]!r} is not 'IN IP4 address'")
    return parts[2].split("/", 1)[0]  # a multicast TTL suffix is not an address


def _media_line(value: str) -> MediaOffer:
    parts = value.split()
    if len(parts) < 4:
        raise SdpError(f"sdp: m={value[:60]!r} needs media, port, proto and formats")
    bad = next((p for p in parts if not _TOKEN.fullmatch(p)), None)
    if bad is not None:
        raise SdpError(f"sdp: m= field {bad[:20]!r} has characters an m-line cannot have")
    port_text = parts[1].split("/", 1)[0]
    if not port_text.isdigit() or int(port_text) > 65535:
        raise SdpError(f"sdp: m= port {parts[1][:20]!r} is not a port number")
    return MediaOffer(parts[0], int(port_text), parts[2], tuple(parts[3:]))


def _attribute(media: MediaOffer, value: str) -> None:
    name, _, rest = value.partition(":")
    if name in ("sendonly", "recvonly", "sendrecv", "inactive"):
        media.direction = name
    elif name == "label":
        label = rest.strip()
        if not _TOKEN.fullmatch(label):
            raise SdpError(f"sdp: a=label:{label[:20]!r} is not a short token")
        media.label = label
    elif name == "rtpmap":
        pt_text, _, encoding = rest.strip().partition(" ")
        if not pt_text.isdigit() or not encoding:
            raise SdpError(f"sdp: a=rtpmap:{rest[:40]!r} is not 'payload-type encoding/rate'")
        media.rtpmap[int(pt_text)] = "/".join(encoding.strip().split("/")[:2])


@dataclass(frozen=True)
class AnswerStream:
    """How we answer one m-line: ``port`` 0 rejects it."""

    port: int
    payload_type: int = 0
    encoding: str = "PCMU/8000"


def build_answer(offer: SdpOffer, streams: list[AnswerStream], host: str, session_id: int, version: int = 1) -> str:
    """The answer: one m-line per offered one, in order, ``a=recvonly`` and the offer's label on those we record."""
    family = "IP6" if ":" in host else "IP4"
    lines = ["v=0", f"o=kasuhara {session_id} {version} IN {family} {host}", "s=kasuhara-live",
             f"c=IN {family} {host}", "t=0 0"]
    for offered, stream in zip(offer.media, streams, strict=True):
        if stream.port == 0:
            lines.append(f"m={offered.media} 0 {offered.proto} {' '.join(offered.formats)}")
        else:
            direction = "inactive" if offered.direction == "inactive" else "recvonly"
            lines += [f"m=audio {stream.port} {offered.proto} {stream.payload_type}",
                      f"a=rtpmap:{stream.payload_type} {stream.encoding}", f"a={direction}"]
        if offered.label:
            lines.append(f"a=label:{offered.label}")
    return "\r\n".join(lines) + "\r\n"
