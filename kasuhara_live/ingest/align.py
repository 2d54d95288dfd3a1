"""Lining up a call's channels: streams that arrive apart become one block of audio with a row per channel.

The two streams of a recorded call (SIPREC: two RTP streams; AudioHook: one interleaved stream) reach us with
their own timing: packets bunch, a stream pauses (silence suppression, a leg on hold) or ends before the other.
The pipeline wants blocks of equal length per channel, in call time.  So each channel is buffered; a block goes
out when every channel holds one; and a channel that falls more than ``max_lag`` behind the furthest one is
taken to have been silent for the difference (audio that never came), so the other side is not held back.
"""

from __future__ import annotations

import numpy as np

from kasuhara_live.audio.frames import SAMPLE_RATE, AudioChunk
from kasuhara_live.ingest.g711 import Upsampler


class ChannelAligner:
    """Per-channel 8/16 kHz samples in, 16 kHz :class:`AudioChunk` blocks out (pure: no clock, no thread)."""

    def __init__(self, channels: int, block: int, max_lag: int) -> None:
        if channels < 1 or block < 1:
            raise ValueError("a call needs at least one channel and a positive block size")
        self.block = block
        self.max_lag = max(max_lag, block)
        self._buffers: list[list[np.ndarray]] = [[] for _ in range(channels)]
        self._lengths = [0] * channels
        self._upsamplers = [Upsampler() for _ in range(channels)]
        self._position = 0  # samples already handed out per channel
        self.filled = 0  # samples of silence put in for audio that never came (all channels together)

    @property
    def channels(self) -> int:
        return len(self._buffers)

    def push(self, channel: int, samples: np.ndarray, rate: int) -> list[AudioChunk]:
        """Add one channel's next samples (int16, ``rate`` 8000 or 16000); return the blocks now complete."""
        if not 0 <= channel < self.channels:
            raise ValueError(f"channel {channel} is not one of this call's {self.channels}")
        if rate == 8000:
            samples = self._upsamplers[channel].push(samples)
        elif rate != SAMPLE_RATE:
            raise ValueError(f"sample rate {rate} Hz is not supported (8000 or 16000)")
        if samples.size:
            self._buffers[channel].append(np.asarray(samples, dtype=np.int16))
            self._lengths[channel] += int(samples.size)
        return self._ready(final=False)

    def flush(self) -> list[AudioChunk]:
        """The call ended: every channel padded to the longest, and all of it out (the last block may be short)."""
        return self._ready(final=True)

    def _ready(self, final: bool) -> list[AudioChunk]:
        longest = max(self._lengths)
        for channel, length in enumerate(self._lengths):
            if final or longest - length > self.max_lag:
                self._pad(channel, longest - length if final else longest - length - self.max_lag + self.block)
        out: list[AudioChunk] = []
        while min(self._lengths) >= self.block:
            out.append(self._take(self.block))
        if final and min(self._lengths) > 0:
            out.append(self._take(min(self._lengths)))
        return out

    def _pad(self, channel: int, count: int) -> None:
        if count > 0:
            self._buffers[channel].append(np.zeros(count, dtype=np.int16))
            self._lengths[channel] += count
            self.filled += count

    def _take(self, n: int) -> AudioChunk:
        rows = []
        for channel, parts in enumerate(self._buffers):
            joined = np.concatenate(parts) if len(parts) > 1 else parts[0]
            rows.append(joined[:n])
            rest = joined[n:]
            self._buffers[channel] = [rest] if rest.size else []
            self._lengths[channel] -= n
        chunk = AudioChunk(np.stack(rows), self._position)
        self._position += n
        return chunk
