"""SIP messages (RFC 3261) for a recording server: parse and serialise, split multipart bodies, frame a TCP
stream, and build a response from its request.  Sans-I/O: bytes in, messages out.

Lenient where real SBCs differ (bare LF line ends, compact header names, folded lines, a missing Content-Length
on UDP), strict where a mistake would hurt (sizes, header counts, Content-Length that does not fit).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from kasuhara_live.errors import KasuharaError

MAX_MESSAGE = 64 * 1024
MAX_HEADERS = 128
_COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact", "l": "content-length",
            "c": "content-type", "k": "supported", "s": "subject", "e": "content-encoding", "o": "event",
            "r": "refer-to", "b": "referred-by", "u": "allow-events", "x": "session-expires", "y": "identity"}
_CANONICAL = {"via": "Via", "from": "From", "to": "To", "call-id": "Call-ID", "cseq": "CSeq",
              "content-length": "Content-Length", "content-type": "Content-Type"}
_TOKEN = re.compile(r"[A-Za-z0-9.!%*_+`'~\-]+")
_REQUEST_LINE = re.compile(r"([A-Za-z0-9.!%*_+`'~\-]+) (\S+) SIP/2\.0")
_STATUS_LINE = re.compile(r"SIP/2\.0 ([1-6]\d\d) ?(.*)")
_CSEQ = re.compile(r"(\d{1,10})\s+([A-Za-z0-9.!%*_+`'~\-]+)")


class SipError(KasuharaError):
    """A message we cannot read; ``message`` is set when the head was readable enough to answer 400."""

    def __init__(self, reason: str, message: SipMessage | None = None) -> None:
        super().__init__(reason)
        self.message = message


@dataclass
class SipMessage:
    """A request (``method`` set) or a response (``status`` set); headers keep their order and repeats."""

    method: str = ""
    uri: str = ""
    status: int = 0
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)  # (lower-case full name, value)
    body: bytes = b""

    def get(self, name: str, default: str = "") -> str:
        """The first value of a header (full lower-case name)."""
        return next((value for key, value in self.headers if key == name), default)

    def get_all(self, name: str) -> list[str]:
        """Every value of a header, in order."""
        return [value for key, value in self.headers if key == name]

    @property
    def call_id(self) -> str:
        return self.get("call-id")

    def cseq(self) -> tuple[int, str]:
        """(number, method) of CSeq; :class:`SipError` when it is missing or malformed."""
        match = _CSEQ.fullmatch(self.get("cseq").strip())
        if match is None:
            raise SipError(f"sip: CSeq {self.get('cseq')[:40]!r} is not 'number METHOD'", self)
        return int(match.group(1)), match.group(2).upper()

    def serialise(self) -> bytes:
        """The message on the wire, with Content-Length set from the body."""
        start = f"{self.method} {self.uri} SIP/2.0" if self.method else f"SIP/2.0 {self.status} {self.reason}"
        lines = [start] + [f"{canonical_name(k)}: {v}" for k, v in self.headers if k != "content-length"]
        lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + self.body


def canonical_name(name: str) -> str:
    """``call-id`` → ``Call-ID``: how a header name is written on the wire."""
    return _CANONICAL.get(name) or "-".join(part.capitalize() for part in name.split("-"))


def parse_message(data: bytes, stream: bool = False) -> SipMessage:
    """One whole message (a UDP datagram, or a frame cut by :class:`SipFramer`) → :class:`SipMessage`.

    ``stream``: Content-Length is required (TCP).  :class:`SipError` for anything malformed.
    """
    if len(data) > MAX_MESSAGE:
        raise SipError(f"sip: {len(data)} bytes is over the {MAX_MESSAGE}-byte limit")
    head, body = _split_head(data)
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        raise SipError("sip: the header is not UTF-8") from None
    lines = _unfold(text.replace("\r\n", "\n").split("\n"))
    message = _start_line(lines[0])
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        name = name.strip().lower()
        if not sep or not _TOKEN.fullmatch(name):
            raise SipError(f"sip: {line[:40]!r} is not a 'Name: value' header", message)
        message.headers.append((_COMPACT.get(name, name), value.strip()))
    if len(message.headers) > MAX_HEADERS:
        raise SipError(f"sip: {len(message.headers)} headers is over the {MAX_HEADERS} limit", message)
    message.body = _body(message, body, stream)
    return message


def _split_head(data: bytes) -> tuple[bytes, bytes]:
    data = data.lstrip(b"\r\n")  # RFC 3261 §7.5: empty lines before the start line are ignored
    for separator in (b"\r\n\r\n", b"\n\n"):
        head, found, body = data.partition(separator)
        if found:
            return head, body
    if not data:
        raise SipError("sip: an empty message")
    return data.rstrip(b"\r\n"), b""


def _unfold(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if line[:1] in (" ", "\t") and out:
            out[-1] += " " + line.strip()  # a folded line continues the header above
        else:
            out.append(line)
    return out


def _start_line(line: str) -> SipMessage:
    request = _REQUEST_LINE.fullmatch(line.strip())
    if request is not None:
        return SipMessage(method=request.group(1).upper(), uri=request.group(2))
    status = _STATUS_LINE.fullmatch(line.strip())
    if status is not None:
        return SipMessage(status=int(status.group(1)), reason=status.group(2))
    raise SipError(f"sip: {line[:60]!r} is not a SIP/2.0 request or status line")


def _body(message: SipMessage, body: bytes, stream: bool) -> bytes:
    lengths = message.get_all("content-length")
    if not lengths:
        if stream:
            raise SipError("sip: no Content-Length on a stream transport", message)
        return body
    if len(set(lengths)) > 1 or not lengths[0].isdigit():
        raise SipError(f"sip: Content-Length {lengths[0][:20]!r} is not one number", message)
    length = int(lengths[0])
    if length > len(body):
        raise SipError(f"sip: Content-Length {length} but only {len(body)} body bytes", message)
    return body[:length]


class SipFramer:
    """Cuts a TCP byte stream into whole messages by Content-Length (RFC 3261 §18.3)."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[bytes]:
        """The whole messages now complete; :class:`SipError` when the stream can no longer be framed."""
        self._buffer += data
        out: list[bytes] = []
        while True:
            self._buffer = self._buffer.lstrip(b"\r\n")  # keep-alive CRLFs (RFC 5626 §4.4.1)
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > MAX_MESSAGE:
                    raise SipError(f"sip: no end of header in {len(self._buffer)} bytes")
                return out
            length = _stream_length(self._buffer[:end])
            total = end + 4 + length
            if total > MAX_MESSAGE:
                raise SipError(f"sip: a {total}-byte message is over the {MAX_MESSAGE}-byte limit")
            if len(self._buffer) < total:
                return out
            out.append(self._buffer[:total])
            self._buffer = self._buffer[total:]


def _stream_length(head: bytes) -> int:
    for raw in head.split(b"\r\n")[1:]:
        name, sep, value = raw.partition(b":")
        if sep and name.strip().lower() in (b"content-length", b"l"):
            if not value.strip().isdigit():
                raise SipError(f"sip: Content-Length {value.strip()[:20]!r} is not a number")
            return int(value.strip())
    raise SipError("sip: no Content-Length on a stream transport")


def new_tag() -> str:
    """A To/From tag: 64 random bits in hex."""
    return secrets.token_hex(8)


def build_response(request: SipMessage, status: int, reason: str, to_tag: str = "",
                   extra: list[tuple[str, str]] | None = None, body: bytes = b"",
                   content_type: str = "") -> SipMessage:
    """A response with Via, From, Call-ID and CSeq copied and To given ``to_tag`` when it has none yet."""
    headers = [(k, v) for k, v in request.headers if k == "via"]
    headers += [("from", request.get("from")), ("to", _with_tag(request.get("to"), to_tag)),
                ("call-id", request.call_id), ("cseq", request.get("cseq"))]
    headers += extra or []
    if body:
        headers.append(("content-type", content_type))
    return SipMessage(status=status, reason=reason, headers=headers, body=body)


def _with_tag(to: str, tag: str) -> str:
    if not tag or not to or re.search(r";\s*tag=", to, re.IGNORECASE):
        return to
    return f"{to};tag={tag}"


def header_param(value: str, name: str) -> str:
    """A ``;name=value`` parameter of a header value ("" when absent)."""
    match = re.search(rf";\s*{re.escape(name)}\s*=\s*\"?([^;\",\s]+)", value, re.IGNORECASE)
    return match.group(1) if match else ""


def split_multipart(content_type: str, body: bytes) -> list[tuple[str, bytes]]:
    """A multipart/mixed body → [(part's content type, part's body)]; :class:`SipError` when malformed."""
    boundary = header_param(content_type, "boundary")
    if not boundary:
        raise SipError(f"sip: multipart Content-Type {content_type[:60]!r} has no boundary")
    delimiter = b"--" + boundary.encode("utf-8")
    chunks = body.split(delimiter)
    if len(chunks) < 3:
        raise SipError("sip: the multipart body has no parts between its boundaries")
    parts: list[tuple[str, bytes]] = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            return parts  # the close delimiter
        part = chunk.removeprefix(b"\r\n").removeprefix(b"\n").removesuffix(b"\n").removesuffix(b"\r")
        parts.append(_part(part))
    raise SipError("sip: the multipart body has no closing boundary")


def _part(part: bytes) -> tuple[str, bytes]:
    if part.startswith((b"\r\n", b"\n")):
        return "text/plain", part.lstrip(b"\r\n")  # RFC 2046: no headers means text/plain
    head, body = _split_head(part)
    content_type = "text/plain"
    for line in head.decode("latin-1").replace("\r\n", "\n").split("\n"):
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() in ("content-type", "c"):
            content_type = value.strip()
    return content_type, body
