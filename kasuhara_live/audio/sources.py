"""Audio sources at the edge: recorded files through PyAV, live devices through sounddevice.

Every source yields :class:`AudioChunk` blocks of 16 kHz int16 audio with one row per channel.  Files of
any format PyAV decodes are resampled to 16 kHz; a stereo file keeps its two channels (agent/customer by
config), anything with more channels is rejected, mono stays one mixed channel.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from kasuhara_live.audio.frames import SAMPLE_RATE, AudioChunk
from kasuhara_live.errors import AudioError

MIN_INPUT_RATE = 8_000
AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".webm", ".mka")


class AudioSource(Protocol):
    """Anything that yields a call's audio in order."""

    @property
    def channels(self) -> int: ...

    @property
    def name(self) -> str: ...

    def chunks(self) -> Iterator[AudioChunk]: ...


def _describe(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


class FileSource:
    """A recorded call decoded with PyAV and resampled to 16 kHz s16, in chunks of ``chunk_ms``."""

    def __init__(self, path: Path, chunk_ms: int = 100) -> None:
        self.path = path
        self.chunk_samples = SAMPLE_RATE * chunk_ms // 1000
        self._channels, self.input_rate, self.duration = self._probe()

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def channels(self) -> int:
        return self._channels

    def _open(self) -> Any:
        import av  # PyAV comes with faster-whisper; imported here to keep the core free of it

        if not self.path.exists():
            raise AudioError(f"audio file not found: {self.path}")
        if self.path.is_dir():
            raise AudioError(f"{self.path} is a directory, not an audio file")
        if self.path.stat().st_size == 0:
            raise AudioError(f"cannot read audio {self.path}: the file is empty")
        try:
            return av.open(str(self.path), mode="r", metadata_errors="ignore")
        except Exception as exc:  # PyAV raises many error types for unreadable input
            raise AudioError(f"cannot read audio {self.path}: {_describe(exc)}") from None

    def _probe(self) -> tuple[int, int, float]:
        """Channels, sample rate and duration in seconds (0.0 where the container does not say)."""
        container = self._open()
        try:
            if not container.streams.audio:
                raise AudioError(f"cannot read audio {self.path}: the file has no audio stream")
            stream = container.streams.audio[0]
            channels = int(stream.codec_context.channels or 0)
            rate = int(stream.codec_context.sample_rate or 0)
            duration = float(container.duration) / 1_000_000 if container.duration else 0.0
        finally:
            container.close()
        if channels not in (1, 2):
            raise AudioError(f"{self.path} has {channels} channels: expected mono (mixed) or stereo "
                             "(agent left, customer right)")
        if rate < MIN_INPUT_RATE:
            raise AudioError(f"{self.path} has a sample rate of {rate} Hz: speech recognition needs at least "
                             f"{MIN_INPUT_RATE} Hz")
        return channels, rate, duration

    def chunks(self) -> Iterator[AudioChunk]:
        import av

        layout = "mono" if self._channels == 1 else "stereo"
        resampler = av.AudioResampler(format="s16", layout=layout, rate=SAMPLE_RATE)
        container = self._open()
        pending = np.zeros((self._channels, 0), dtype=np.int16)
        position = 0
        try:
            stream = container.streams.audio[0]
            for frame in self._decode(container, stream):
                for out in resampler.resample(frame):
                    pending = np.concatenate([pending, self._planar(out)], axis=1)
                while pending.shape[1] >= self.chunk_samples:
                    block, pending = pending[:, : self.chunk_samples], pending[:, self.chunk_samples :]
                    yield AudioChunk(np.ascontiguousarray(block), position)
                    position += block.shape[1]
            for out in resampler.resample(None):
                pending = np.concatenate([pending, self._planar(out)], axis=1)
        finally:
            container.close()
        if pending.shape[1]:
            yield AudioChunk(np.ascontiguousarray(pending), position)
            position += pending.shape[1]
        if position == 0:
            raise AudioError(f"{self.path} contains no audio samples")

    def _decode(self, container: Any, stream: Any) -> Iterator[Any]:
        try:
            yield from container.decode(stream)
        except Exception as exc:
            raise AudioError(f"cannot decode audio {self.path}: {_describe(exc)}") from None

    def _planar(self, frame: Any) -> np.ndarray:
        # Packed s16 comes back as shape (1, n * channels): de-interleave into one row per channel.
        data: np.ndarray = frame.to_ndarray().reshape(-1)
        return data.reshape(-1, self._channels).T.astype(np.int16, copy=False)


def paced(chunks: Iterable[AudioChunk], clock: Callable[[], float] = time.monotonic,
          sleep: Callable[[float], None] = time.sleep, speed: float = 1.0) -> Iterator[AudioChunk]:
    """Release each chunk no earlier than its end time in real time, as if it were being spoken now.

    ``speed`` > 1 plays the call faster than it was spoken (demos and tests).
    """
    origin = clock()
    for chunk in chunks:
        due = origin + chunk.end / SAMPLE_RATE / speed
        delay = due - clock()
        if delay > 0:
            sleep(delay)
        yield chunk


def expand_audio_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given; a directory stands for the audio files directly inside it, sorted by name."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in AUDIO_SUFFIXES and p.is_file())
            if not found:
                raise AudioError(f"no audio files ({', '.join(AUDIO_SUFFIXES)}) in directory {path}")
            out.extend(found)
        else:
            out.append(path)
    return out
