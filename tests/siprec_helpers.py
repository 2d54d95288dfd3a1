"""Shared by the SIPREC tests: a recording fake of the call core, and a SIPREC INVITE as an SBC writes it."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np

from kasuhara_live.config import IngestConfig, load_config
from kasuhara_live.ingest.sink import CallMeta, CallRefused


class FakeHandle:
    """Records each channel's audio and the end reasons."""

    def __init__(self, meta: CallMeta) -> None:
        self.meta = meta
        self.chunks: dict[int, list[np.ndarray]] = {}
        self.rates: set[int] = set()
        self.ends: list[str] = []
        self.ended = threading.Event()

    @property
    def call_id(self) -> str:
        return self.meta.session

    def audio(self, channel: int, samples: np.ndarray, rate: int = 8000) -> None:
        assert samples.dtype == np.int16
        self.rates.add(rate)
        self.chunks.setdefault(channel, []).append(samples)

    def end(self, reason: str) -> None:
        self.ends.append(reason)
        self.ended.set()

    def channel(self, channel: int) -> np.ndarray:
        return np.concatenate(self.chunks.get(channel, [np.zeros(0, dtype=np.int16)]))


class FakeSink:
    """The call core's stand-in: opens a :class:`FakeHandle` per call, or refuses when told to."""

    def __init__(self, refuse: str = "") -> None:
        self.calls: list[FakeHandle] = []
        self.refuse = refuse

    def open_call(self, meta: CallMeta) -> FakeHandle:
        if self.refuse:
            raise CallRefused(self.refuse)
        handle = FakeHandle(meta)
        self.calls.append(handle)
        return handle

    def by_session(self, session: str) -> FakeHandle:
        return next(c for c in self.calls if c.meta.session == session)


def ingest_cfg(**changes: object) -> IngestConfig:
    base = dataclasses.replace(load_config().ingest, sip_listen="127.0.0.1:0", allow=("127.0.0.1",),
                               no_media_timeout_s=30.0)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


METADATA = """<?xml version="1.0" encoding="UTF-8"?>
<recording xmlns="urn:ietf:params:xml:ns:recording:1">
  <datamode>complete</datamode>
  <session session_id="c2Vzc2lvbjE=">
    <sipSessionID>ab30317f1a784dc48ff824d0d3715d86;remote=47755a9de7794ba387653f2099600ef2</sipSessionID>
  </session>
  <participant participant_id="cGFydGljaXBhbnQx">
    <nameID aor="sip:0312345678@carrier.example"><name xml:lang="ja">お客様</name></nameID>
  </participant>
  <participant participant_id="cGFydGljaXBhbnQy">
    <nameID aor="sip:2001@pbx.example"><name xml:lang="ja">佐藤</name></nameID>
  </participant>
  <stream stream_id="c3RyZWFtMQ==" session_id="c2Vzc2lvbjE="><label>{customer_label}</label></stream>
  <stream stream_id="c3RyZWFtMg==" session_id="c2Vzc2lvbjE="><label>{agent_label}</label></stream>
  <participantstreamassoc participant_id="cGFydGljaXBhbnQx">
    <send>c3RyZWFtMQ==</send><recv>c3RyZWFtMg==</recv>
  </participantstreamassoc>
  <participantstreamassoc participant_id="cGFydGljaXBhbnQy">
    <send>c3RyZWFtMg==</send><recv>c3RyZWFtMQ==</recv>
  </participantstreamassoc>
</recording>
"""


def offer_sdp(host: str = "127.0.0.1", ports: tuple[int, int] = (6000, 6002), labels: tuple[str, str] = ("1", "2"),
              formats: str = "0 8") -> str:
    lines = ["v=0", f"o=sbc 1 1 IN IP4 {host}", "s=-", f"c=IN IP4 {host}", "t=0 0"]
    for port, label in zip(ports, labels, strict=True):
        lines += [f"m=audio {port} RTP/AVP {formats}", "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000",
                  f"a=label:{label}", "a=sendonly"]
    return "\r\n".join(lines) + "\r\n"


def invite(call_id: str = "call-1@sbc", cseq: int = 1, sdp: str | None = None, metadata: str | None = None,
           branch: str = "z9hG4bK-1", peer: str = "127.0.0.1:5070", to_tag: str = "") -> bytes:
    """A SIPREC INVITE with a multipart/mixed body: SDP (customer on label 1, agent on label 2) and metadata."""
    sdp = offer_sdp() if sdp is None else sdp
    metadata = METADATA.format(customer_label="1", agent_label="2") if metadata is None else metadata
    boundary = "OSS-unique-boundary-42"
    body = (f"--{boundary}\r\nContent-Type: application/sdp\r\n\r\n{sdp}\r\n"
            f"--{boundary}\r\nContent-Type: application/rs-metadata+xml\r\nContent-Disposition: recording-session"
            f"\r\n\r\n{metadata}\r\n--{boundary}--\r\n").encode()
    to = "<sip:srs@127.0.0.1>" + (f";tag={to_tag}" if to_tag else "")
    head = (f"INVITE sip:srs@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {peer};branch={branch}\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:src@sbc.example>;tag=src1\r\nTo: {to}\r\n"
            f"Call-ID: {call_id}\r\nCSeq: {cseq} INVITE\r\nContact: <sip:src@{peer}>;+sip.src\r\n"
            f"Require: siprec\r\nContent-Type: multipart/mixed;boundary={boundary}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


def request(method: str, call_id: str = "call-1@sbc", cseq: int = 2, peer: str = "127.0.0.1:5070",
            to_tag: str = "") -> bytes:
    to = "<sip:srs@127.0.0.1>" + (f";tag={to_tag}" if to_tag else "")
    return (f"{method} sip:srs@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {peer};branch=z9hG4bK-{method}{cseq}\r\n"
            f"From: <sip:src@sbc.example>;tag=src1\r\nTo: {to}\r\nCall-ID: {call_id}\r\n"
            f"CSeq: {cseq} {method}\r\nContent-Length: 0\r\n\r\n").encode()
