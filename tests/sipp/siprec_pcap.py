"""Two RTP streams in one pcap, for SIPp's ``play_pcap_audio`` to send to a SIPREC recording server.

SIPp replays a pcap's UDP packets to the first ``m=audio`` port of the answer plus each packet's offset from the
lowest destination port in the file (src/send_packets.c: ``port_diff = dport - pkts->base``).  So stream *k* goes
in the file with destination port ``6000 + 2*k``, and reaches the answer's port ``first + 2*k``: the recording
server gives a call's m-lines the ports ``base, base+2, …`` (one block per call), so every stream lands on its
own m-line's port.

Usage: ``python tests/sipp/siprec_pcap.py IN.flac OUT.pcap SECONDS [START]`` writes the left channel (the agent)
as the *second* m-line's stream and the right channel (the customer) as the first: the scenario's metadata says
label 1 is the customer's and label 2 the agent's, so the server must use the metadata to get channel 0 right.
"""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import numpy as np

from kasuhara_live.ingest.g711 import encode_ulaw
from kasuhara_live.ingest.rtp import build_rtp

BASE_PORT = 6000
PACKET = 160  # 20 ms at 8 kHz


def source_pcm(flac: Path, seconds: float, start: float = 0.0) -> np.ndarray:
    """(samples, 2) int16 at 8 kHz from an audio file, through sox (band-limited as a phone line would be)."""
    raw = subprocess.run(["sox", str(flac), "-t", "raw", "-r", "8000", "-e", "signed", "-b", "16", "-c", "2", "-",
                          "trim", str(start), str(seconds)], check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype="<i2").reshape(-1, 2)


def rtp_packets(pcm: np.ndarray, ssrc: int) -> list[bytes]:
    """μ-law RTP packets of 20 ms, timestamps in samples."""
    count = len(pcm) // PACKET
    return [build_rtp(0, 4000 + i, 160_000 + i * PACKET, ssrc, encode_ulaw(pcm[i * PACKET:(i + 1) * PACKET]),
                      marker=i == 0) for i in range(count)]


def _ipv4_udp(payload: bytes, sport: int, dport: int) -> bytes:
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                         bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
    words = struct.unpack("!10H", header)
    total = sum(words)
    checksum = ~((total & 0xFFFF) + (total >> 16)) & 0xFFFF
    header = header[:10] + struct.pack("!H", checksum) + header[12:]
    ethernet = b"\x00" * 12 + b"\x08\x00"
    return ethernet + header + udp


def write_pcap(path: Path, streams: list[list[bytes]]) -> None:
    """Stream *k*'s packets to port ``6000 + 2*k``, all streams' packets *i* at 20·i ms (Ethernet link type)."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for i in range(max(len(s) for s in streams)):
        usec = i * 20_000
        for k, stream in enumerate(streams):
            if i < len(stream):
                frame = _ipv4_udp(stream[i], BASE_PORT + 2 * k, BASE_PORT + 2 * k)
                out.append(struct.pack("<IIII", 1_700_000_000 + usec // 1_000_000, usec % 1_000_000,
                                       len(frame), len(frame)) + frame)
    path.write_bytes(b"".join(out))


def siprec_pcap(flac: Path, out: Path, seconds: float, start: float = 0.0) -> np.ndarray:
    """Write the pcap (first m-line: right channel, the customer; second: left, the agent); the source PCM back."""
    pcm = source_pcm(flac, seconds, start)
    write_pcap(out, [rtp_packets(pcm[:, 1], 0x0C057), rtp_packets(pcm[:, 0], 0xA6E47)])
    return pcm


if __name__ == "__main__":
    start_s = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
    siprec_pcap(Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3]), start_s)
