from __future__ import annotations

import dataclasses

import numpy as np

from kasuhara_live.audio.vad import Segmenter
from kasuhara_live.config import Config
from tests.conftest import LoudnessDetector, quiet, tone

RATE = 16000


def run(cfg: Config, audio: np.ndarray, block: int = 1600, **vad: object) -> list:
    seg = Segmenter(dataclasses.replace(cfg.vad, **vad), LoudnessDetector())
    out = []
    for i in range(0, len(audio), block):
        out.extend(seg.push(audio[i : i + block]))
    return out + seg.flush()


def test_one_utterance_with_frame_exact_bounds(cfg: Config) -> None:
    audio = np.concatenate([quiet(0.99), tone(1.5), quiet(1.5)])
    [seg] = run(cfg, audio, trigger_ms=90, trigger_ratio=0.6, pre_roll_ms=240, tail_ms=150, hangover_ms=450)
    speech_start = int(0.99 * RATE)  # 15840 = frame 33 exactly (480-sample frames)
    assert seg.start == speech_start - int(0.24 * RATE)
    assert seg.end == speech_start + int(1.5 * RATE) + int(0.15 * RATE)
    assert seg.final and len(seg.audio) == seg.end - seg.start
    offset = int(0.24 * RATE)
    assert np.array_equal(seg.audio[offset : offset + 100], audio[speech_start : speech_start + 100])


def test_short_pause_inside_speech_is_kept_long_pause_splits(cfg: Config) -> None:
    audio = np.concatenate([quiet(0.5), tone(1.0), quiet(0.3), tone(1.0), quiet(1.2), tone(1.0), quiet(1.0)])
    segments = run(cfg, audio, hangover_ms=450)
    assert len(segments) == 2
    assert segments[0].end < segments[1].start  # never overlapping


def test_block_size_does_not_change_the_result(cfg: Config) -> None:
    audio = np.concatenate([quiet(0.5), tone(1.0), quiet(1.0), tone(0.7), quiet(1.0)])
    a = [(s.start, s.end) for s in run(cfg, audio, block=1600)]
    b = [(s.start, s.end) for s in run(cfg, audio, block=333)]
    assert a == b and len(a) == 2


def test_cough_shorter_than_min_speech_is_dropped(cfg: Config) -> None:
    audio = np.concatenate([quiet(0.5), tone(0.15), quiet(1.0), tone(1.0), quiet(1.0)])
    segments = run(cfg, audio, min_speech_ms=240, trigger_ms=60, trigger_ratio=0.5)
    assert len(segments) == 1 and segments[0].start > int(0.6 * RATE)


def test_long_monologue_is_cut_at_max_and_continues_seamlessly(cfg: Config) -> None:
    audio = np.concatenate([quiet(0.3), tone(7.0), quiet(1.0)])
    segments = run(cfg, audio, max_utterance_s=3.0)
    assert len(segments) == 3
    assert all(s.end - s.start <= 3 * RATE for s in segments)
    assert segments[0].end == segments[1].start and segments[1].end == segments[2].start


def _talk_with_pauses() -> np.ndarray:
    # Pauses of 0.15 s and 0.3 s, both shorter than the hangover: one utterance until the 5 s limit.
    return np.concatenate([quiet(0.3), tone(2.0), quiet(0.15), tone(1.5), quiet(0.3), tone(3.0), quiet(1.0)])


def test_long_monologue_is_cut_in_its_longest_recent_pause_not_mid_word(cfg: Config) -> None:
    segments = run(cfg, _talk_with_pauses(), max_utterance_s=5.0, cut_search_s=3.0, hangover_ms=450)
    assert len(segments) == 2
    assert int(3.95 * RATE) < segments[0].end < int(4.25 * RATE)  # inside the 0.3 s pause
    assert segments[0].end == segments[1].start  # seamless: nothing lost, nothing twice
    assert segments[1].end > int(7.3 * RATE)
    assert all(s.end - s.start <= 5 * RATE for s in segments)


def test_without_a_search_window_the_cut_is_on_the_limit(cfg: Config) -> None:
    segments = run(cfg, _talk_with_pauses(), max_utterance_s=5.0, cut_search_s=0.0, hangover_ms=450)
    assert 5 * RATE <= segments[0].end - segments[0].start < 5 * RATE + 480  # the first frame end past it
    assert segments[0].end == segments[1].start


def test_snapshot_of_open_utterance_and_flush_at_end_of_audio(cfg: Config) -> None:
    seg = Segmenter(cfg.vad, LoudnessDetector())
    assert seg.push(np.concatenate([quiet(0.5), tone(1.2)])) == []
    snap = seg.snapshot()
    assert snap is not None and not snap.final and snap.end == int(1.68 * RATE)
    [final] = seg.flush()
    assert final.final and final.start == snap.start
    assert seg.snapshot() is None and seg.flush() == []


def test_silence_only_gives_nothing(cfg: Config) -> None:
    assert run(cfg, quiet(5.0)) == []
