"""The embedded Whisper engine's previous-text prompts on real audio (model: loads Whisper, a few seconds)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from kasuhara_live.asr.engine import load_engine
from kasuhara_live.audio.sources import FileSource
from kasuhara_live.config import Config
from tests.conftest import SAMPLES

pytestmark = pytest.mark.model


def customer_lines(path: Path) -> list[np.ndarray]:
    audio = np.concatenate([c.samples for c in FileSource(path, 100).chunks()], axis=1)[1]
    # The customer's first two lines (samples/harassment_call.tsv: 6.3–10.9 s and 17.0–19.3 s).
    return [audio[int(6.2 * 16000) : int(11.0 * 16000)], audio[int(16.9 * 16000) : int(19.4 * 16000)]]


def test_previous_texts_of_different_lengths_decode_in_one_batch(cfg: Config) -> None:
    asr = dataclasses.replace(cfg.asr, previous_tokens=24)
    engine = load_engine(asr)
    previous = ["", "もしもし、先週注文した商品が、まだ届かないんですけど。"]
    prompts = engine.prompts(2, previous)
    # CTranslate2 batches only prompts whose start of transcript is at one position.
    assert len(prompts[0]) == len(prompts[1]) > len(engine.prompts(2, None)[0])
    results = engine.transcribe(customer_lines(SAMPLES / "harassment_call.flac"), final=True, previous=previous)
    assert len(results) == 2 and all(r.text for r in results)
    with pytest.raises(ValueError):
        engine.prompts(2, ["only one"])


def test_without_previous_text_the_prompt_is_the_fixed_one(cfg: Config) -> None:
    engine = load_engine(dataclasses.replace(cfg.asr, previous_tokens=24))
    assert engine.prompts(3, ["", "", " "]) == engine.prompts(3, None)
