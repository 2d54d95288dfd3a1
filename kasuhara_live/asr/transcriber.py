"""The transcriber interface: what the pipeline needs from any speech recogniser.

The embedded faster-whisper engine implements it; so can a GPU worker or a remote ASR service later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class Transcript:
    """One decoded utterance with Whisper's own confidence figures."""

    text: str
    no_speech_prob: float = 0.0
    avg_logprob: float = 0.0
    alternatives: tuple[str, ...] = ()  # other readings of the same audio, most likely first (finals only)


class Transcriber(Protocol):
    """Turns utterances (16 kHz int16 or float32 arrays) into transcripts, in order, as one batch.

    ``final`` asks for the careful decoding of finished utterances (and their alternative readings, where the
    recogniser has them); partials are decoded for speed. ``previous`` (optional, one per audio): what the same
    speaker said before it in the call, as context; a recogniser without context ignores it.
    """

    def transcribe(self, audios: Sequence[np.ndarray], final: bool = False,
                   previous: Sequence[str] | None = None) -> list[Transcript]: ...


def as_float(audio: np.ndarray) -> np.ndarray:
    """int16 PCM to float32 in [-1, 1]; float input is passed through."""
    if audio.dtype == np.int16:
        return audio.astype(np.float32) / 32768.0
    return audio.astype(np.float32, copy=False)
