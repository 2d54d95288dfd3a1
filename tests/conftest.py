"""Shared fixtures: fakes for the pure core and helpers to write real audio files."""

from __future__ import annotations

import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from kasuhara_live.asr.transcriber import Transcript
from kasuhara_live.config import Config, load_config

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"


@pytest.fixture(scope="session")
def cfg() -> Config:
    return load_config()


class LoudnessDetector:
    """A scripted VAD: a frame is speech when its peak is above a threshold (tests write tones or silence)."""

    def __init__(self, threshold: int = 1000) -> None:
        self.threshold = threshold

    def is_speech(self, frame: np.ndarray) -> bool:
        return bool(np.abs(frame.astype(np.int32)).max() > self.threshold)


class ScriptedTranscriber:
    """A fake transcriber: the text says how long the audio was, so tests can check what was decoded."""

    def __init__(self, no_speech: float = 0.0, alternatives: tuple[str, ...] = ()) -> None:
        self.batches: list[int] = []
        self.finals: list[bool] = []  # per batch: decoded as finished utterances?
        self.no_speech = no_speech
        self.alternatives = alternatives  # other readings offered for finals
        self.previous: list[list[str] | None] = []  # per batch: the previous texts it was given

    def transcribe(self, audios: Sequence[np.ndarray], final: bool = False,
                   previous: Sequence[str] | None = None) -> list[Transcript]:
        self.batches.append(len(audios))
        self.finals.append(final)
        self.previous.append(None if previous is None else list(previous))
        return [Transcript(f"{len(a) / 16000:.2f}秒の発話", self.no_speech, -0.2,
                           self.alternatives if final else ()) for a in audios]


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def tone(seconds: float, rate: int = 16000, amplitude: int = 8000, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def quiet(seconds: float, rate: int = 16000) -> np.ndarray:
    return np.zeros(int(seconds * rate), dtype=np.int16)


def write_wav(path: Path, channels: list[np.ndarray], rate: int = 16000) -> Path:
    data = np.stack(channels, axis=1).astype(np.int16)
    with wave.open(str(path), "wb") as fh:
        fh.setnchannels(len(channels))
        fh.setsampwidth(2)
        fh.setframerate(rate)
        fh.writeframes(data.tobytes())
    return path
