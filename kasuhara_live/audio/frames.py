"""The unit of audio that flows through the pipeline."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class AudioChunk:
    """A block of 16 kHz int16 audio, one row per channel, starting at sample ``start`` of the call."""

    samples: np.ndarray  # shape (channels, n), dtype int16
    start: int

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def length(self) -> int:
        return int(self.samples.shape[1])

    @property
    def end(self) -> int:
        return self.start + self.length


def loudness_db(samples: np.ndarray) -> float:
    """RMS level of int16 samples in dBFS (-99 for silence)."""
    if samples.size == 0:
        return -99.0
    rms = float(np.sqrt(np.mean(np.square(samples.astype(np.float64) / 32768.0))))
    return max(-99.0, 20.0 * float(np.log10(rms))) if rms > 0 else -99.0
