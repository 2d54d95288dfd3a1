from __future__ import annotations

import dataclasses

from kasuhara_live.asr.streaming import HallucinationFilter, PartialSchedule, collapse_repeats, stable_prefix
from kasuhara_live.asr.transcriber import Transcript
from kasuhara_live.config import Config


def test_stable_prefix_is_what_two_hypotheses_agree_on() -> None:
    assert stable_prefix("", "お客様の") == ""
    assert stable_prefix("お客様の注文が", "お客様の注文は") == "お客様の注文"
    assert stable_prefix("ふざけるな", "ふざけるなよ") == "ふざけるな"


def test_collapse_repeats_cuts_decoder_loops_only() -> None:
    assert collapse_repeats("返金して返金して返金して返金して") == "返金して返金して"
    assert collapse_repeats("どうなってるんですかどうなってるんですか") == "どうなってるんですかどうなってるんですか"
    assert collapse_repeats("ありがとうございます") == "ありがとうございます"


def test_hallucination_filter(cfg: Config) -> None:
    filt = HallucinationFilter.from_config(cfg.asr)
    assert filt.clean(Transcript("ご視聴ありがとうございました。", 0.1, -0.3)) == ""
    assert filt.clean(Transcript("ご視聴ありがとうございました ご視聴ありがとうございました", 0.1, -0.3)) == ""
    assert filt.clean(Transcript("注文した商品が届きません", 0.9, -1.5)) == ""  # Whisper's own silence test
    assert filt.clean(Transcript("注文した商品が届きません", 0.9, -0.2)) == "注文した商品が届きません"
    assert filt.clean(Transcript("ご視聴ありがとうございました、じゃねえよ", 0.1, -0.3)) != ""


def test_partial_schedule(cfg: Config) -> None:
    sched = PartialSchedule(dataclasses.replace(cfg.asr, partial_interval_s=1.0, min_partial_s=0.8))
    assert not sched.due("a", 8000)  # 0.5 s: too short
    assert sched.due("a", 16000)
    assert not sched.due("a", 24000)  # only 0.5 s new
    assert sched.due("a", 32000)
    assert not sched.due("b", 48000, behind=True)  # overload: partials skipped
    sched.forget("a")
    assert sched.due("a", 16000)
