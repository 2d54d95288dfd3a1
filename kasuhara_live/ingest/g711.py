"""G.711 μ-law and A-law (ITU-T G.711) to 16-bit PCM, and 8 kHz → 16 kHz upsampling that carries state
across packets.

Phone systems send 20 ms packets of 160 bytes; decoding is a 256-entry table lookup.  Upsampling is a windowed
sinc low-pass over zero-stuffed input, with the filter's history carried from packet to packet so packet edges
leave no click (Whisper hears 8 kHz of band; images above 4 kHz would be noise to it).
"""

from __future__ import annotations

import numpy as np


def _ulaw_table() -> np.ndarray:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


def _alaw_table() -> np.ndarray:
    codes = np.arange(256, dtype=np.int32) ^ 0x55
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = np.where(exponent == 0, (mantissa << 4) + 8, ((mantissa << 4) + 0x108) << np.maximum(exponent - 1, 0))
    return np.where(sign != 0, magnitude, -magnitude).astype(np.int16)


ULAW = _ulaw_table()
ALAW = _alaw_table()


def decode_ulaw(payload: bytes) -> np.ndarray:
    """μ-law bytes (RTP payload type 0, PCMU) → int16 samples."""
    return ULAW[np.frombuffer(payload, dtype=np.uint8)]


def decode_alaw(payload: bytes) -> np.ndarray:
    """A-law bytes (RTP payload type 8, PCMA) → int16 samples."""
    return ALAW[np.frombuffer(payload, dtype=np.uint8)]


def encode_ulaw(samples: np.ndarray) -> bytes:
    """int16 samples → μ-law bytes (for test senders and benchmarks; the nearest code by table search)."""
    order = np.argsort(ULAW)
    idx = np.searchsorted(ULAW[order], np.asarray(samples, dtype=np.int16), side="left").clip(0, 255)
    lower = order[np.maximum(idx - 1, 0)]
    upper = order[idx]
    pick = np.where(np.abs(ULAW[lower].astype(np.int32) - samples) <= np.abs(ULAW[upper].astype(np.int32) - samples),
                    lower, upper)
    encoded: bytes = pick.astype(np.uint8).tobytes()
    return encoded


def _lowpass(taps: int = 47) -> np.ndarray:
    n = np.arange(taps) - (taps - 1) / 2
    kernel = np.sinc(n / 2) * np.hamming(taps)  # cut-off at the old Nyquist (4 kHz of 16 kHz)
    out: np.ndarray = (kernel / kernel.sum() * 2).astype(np.float64)  # ×2: zero-stuffing halves the level
    return out


class Upsampler:
    """8 kHz → 16 kHz for one channel, fed packet by packet."""

    def __init__(self) -> None:
        self._kernel = _lowpass()
        self._history = np.zeros(len(self._kernel) - 1, dtype=np.float64)

    def push(self, samples: np.ndarray) -> np.ndarray:
        """Twice as many int16 samples, delayed by the filter's half length (1.4 ms) and continuous across calls."""
        if samples.size == 0:
            return np.zeros(0, dtype=np.int16)
        stuffed = np.zeros(2 * samples.size, dtype=np.float64)
        stuffed[::2] = samples
        joined = np.concatenate([self._history, stuffed])
        out = np.convolve(joined, self._kernel, mode="valid")
        self._history = joined[-(len(self._kernel) - 1):]
        return np.clip(np.rint(out), -32768, 32767).astype(np.int16)
