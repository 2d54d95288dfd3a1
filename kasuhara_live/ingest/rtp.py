"""RTP (RFC 3550) for the recording server: strict header parsing, and one stream's receiver that puts packets
back in order, turns losses and timestamp gaps into silence, and decodes G.711 to int16 at 8 kHz.

Sans-I/O: the receiver is fed datagrams and returns sample blocks; the socket lives in :mod:`siprec_call`.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from kasuhara_live.ingest.g711 import decode_alaw, decode_ulaw

RATE = 8000
PCMU = 0
PCMA = 8
Decoder = Callable[[bytes], np.ndarray]
STATIC_DECODERS: dict[int, Decoder] = {PCMU: decode_ulaw, PCMA: decode_alaw}

_HEADER = struct.Struct("!BBHII")
_MAX_PAYLOAD = 1500  # more than one Ethernet frame of audio is not a phone system's 20 ms packet
_RTCP_TYPES = range(200, 205)  # SR, RR, SDES, BYE, APP: the second byte of an RTCP packet (RFC 5761 §4)


@dataclass(frozen=True)
class RtpPacket:
    """The parts of one RTP packet the receiver uses."""

    payload_type: int
    seq: int
    timestamp: int
    ssrc: int
    payload: bytes
    marker: bool = False


def is_rtcp(data: bytes) -> bool:
    """True for an RTCP packet multiplexed on the RTP port: version 2 and a packet type of 200..204."""
    return len(data) >= 2 and data[0] >> 6 == 2 and data[1] in _RTCP_TYPES


def parse_rtp(data: bytes) -> RtpPacket | str:
    """One datagram → :class:`RtpPacket`, or a one-line reason why it is not a usable RTP packet."""
    if len(data) < _HEADER.size:
        return f"rtp: {len(data)} bytes is shorter than the 12-byte header"
    first, second, seq, timestamp, ssrc = _HEADER.unpack_from(data)
    if first >> 6 != 2:
        return f"rtp: version {first >> 6}, not 2"
    if is_rtcp(data):
        return "rtp: an rtcp packet"
    offset = _HEADER.size + 4 * (first & 0x0F)
    if offset > len(data):
        return f"rtp: csrc count {first & 0x0F} runs past the end of a {len(data)}-byte packet"
    if first & 0x10:
        if offset + 4 > len(data):
            return "rtp: the header extension runs past the end of the packet"
        words = struct.unpack_from("!H", data, offset + 2)[0]
        offset += 4 + 4 * words
        if offset > len(data):
            return f"rtp: a header extension of {words} words runs past the end of the packet"
    end = len(data)
    if first & 0x20:
        padding = data[-1]
        if padding == 0 or offset + padding > end:
            return f"rtp: padding of {padding} bytes does not fit the packet"
        end -= padding
    if end - offset > _MAX_PAYLOAD:
        return f"rtp: a payload of {end - offset} bytes is too long"
    return RtpPacket(second & 0x7F, seq, timestamp, ssrc, bytes(data[offset:end]), bool(second & 0x80))


def build_rtp(pt: int, seq: int, timestamp: int, ssrc: int, payload: bytes, marker: bool = False) -> bytes:
    """A plain RTP packet (no CSRC, extension or padding): for test senders and pcap writers."""
    second = (0x80 if marker else 0) | (pt & 0x7F)
    return _HEADER.pack(0x80, second, seq & 0xFFFF, timestamp & 0xFFFFFFFF, ssrc) + payload


def _signed(delta: int, bits: int) -> int:
    """A wrapped sequence or timestamp difference as a signed number (RFC 3550 serial arithmetic)."""
    half = 1 << (bits - 1)
    return ((delta + half) % (1 << bits)) - half


class RtpReceiver:
    """One stream: packets in, decoded int16 8 kHz blocks out, with the call's timing kept.

    - Packets wait in a reorder window of ``window`` packets for a missing one; past that it is counted lost.
    - The output follows RTP timestamps, so a lost packet or a silence-suppression gap comes out as zeros.
    - Only one SSRC is heard; another takes over after ``takeover`` of its packets arrive with none from the
      current one (an SBC that re-originates the stream after a transfer).
    - Payload types not in ``decoders`` (comfort noise, DTMF events) keep their place in the sequence but give
      no audio; their time is filled by the next audio packet's timestamp gap.
    """

    def __init__(self, decoders: Mapping[int, Decoder] | None = None, window: int = 5,
                 max_gap_s: float = 10.0, takeover: int = 50) -> None:
        self.decoders = dict(STATIC_DECODERS if decoders is None else decoders)
        self.window = window
        self.max_gap = int(max_gap_s * RATE)
        self.takeover = takeover
        self.ssrc: int | None = None
        self.lost = 0
        self.ignored = 0
        self._next_seq = 0
        self._next_ts: int | None = None
        self._pending: dict[int, RtpPacket] = {}
        self._other_ssrc: int | None = None
        self._other_count = 0

    def push(self, packet: RtpPacket) -> list[np.ndarray]:
        """The blocks of samples this packet releases (none while it waits for an earlier one)."""
        if not self._hear(packet):
            return []
        delta = _signed(packet.seq - self._next_seq, 16)
        if delta < 0 or packet.seq in self._pending:
            self.ignored += 1  # late after we gave up on it, or a duplicate
            return []
        if delta > 1000:  # a jump no reordering explains: the sender restarted its sequence
            out = self.flush()
            self._next_seq = packet.seq
            self._next_ts = None
            return out + self._accept(packet)
        return self._accept(packet)

    def flush(self) -> list[np.ndarray]:
        """Everything still waiting, in order, treating the holes as lost (the stream has ended)."""
        out: list[np.ndarray] = []
        while self._pending:
            out += self._skip_to_earliest()
        return out

    def _hear(self, packet: RtpPacket) -> bool:
        if self.ssrc is None:
            self.ssrc = packet.ssrc
            self._next_seq = packet.seq
            return True
        if packet.ssrc == self.ssrc:
            self._other_count = 0
            return True
        if packet.ssrc != self._other_ssrc:
            self._other_ssrc, self._other_count = packet.ssrc, 0
        self._other_count += 1
        if self._other_count < self.takeover:
            self.ignored += 1
            return False
        self.flush()
        self.ssrc, self._next_seq, self._next_ts = packet.ssrc, packet.seq, None
        self._other_ssrc, self._other_count = None, 0
        return True

    def _accept(self, packet: RtpPacket) -> list[np.ndarray]:
        self._pending[packet.seq] = packet
        out = self._drain()
        while len(self._pending) > self.window:
            out += self._skip_to_earliest()
        return out

    def _drain(self) -> list[np.ndarray]:
        out: list[np.ndarray] = []
        while self._next_seq in self._pending:
            packet = self._pending.pop(self._next_seq)
            self._next_seq = (self._next_seq + 1) & 0xFFFF
            out += self._decode(packet)
        return out

    def _skip_to_earliest(self) -> list[np.ndarray]:
        earliest = min(self._pending, key=lambda seq: _signed(seq - self._next_seq, 16))
        self.lost += _signed(earliest - self._next_seq, 16)
        self._next_seq = earliest
        return self._drain()

    def _decode(self, packet: RtpPacket) -> list[np.ndarray]:
        decoder = self.decoders.get(packet.payload_type)
        if decoder is None or not packet.payload:
            self.ignored += 1
            return []
        samples = decoder(packet.payload)
        length = samples.size
        out: list[np.ndarray] = []
        if self._next_ts is not None:
            gap = _signed(packet.timestamp - self._next_ts, 32)
            if 0 < gap <= self.max_gap:
                out.append(np.zeros(gap, dtype=np.int16))
            elif -samples.size < gap < 0:
                samples = samples[-gap:]  # overlaps what we already gave: keep only the new part
            elif gap != 0 and abs(gap) > self.max_gap:
                pass  # the sender restarted its clock: carry on from here without a fill
            elif gap < 0:
                return []  # wholly inside audio already given
        self._next_ts = (packet.timestamp + length) & 0xFFFFFFFF
        out.append(samples)
        return out
