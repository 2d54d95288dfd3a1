from __future__ import annotations

import dataclasses

import numpy as np

from kasuhara_live.audio.frames import AudioChunk
from kasuhara_live.config import Config
from kasuhara_live.events import CallEnded, CallStarted, UtteranceFinal, UtterancePartial
from kasuhara_live.pipeline import CallPipeline, run_call
from tests.conftest import FakeClock, LoudnessDetector, ScriptedTranscriber, quiet, tone


def chunks(channels: list[np.ndarray], block: int = 1600) -> list[AudioChunk]:
    data = np.stack(channels)
    return [AudioChunk(data[:, i : i + block], i) for i in range(0, data.shape[1], block)]


def stereo_call() -> list[np.ndarray]:
    agent = np.concatenate([quiet(0.5), tone(2.0), quiet(4.5)])
    customer = np.concatenate([quiet(3.0), tone(3.0), quiet(1.0)])
    return [agent, customer]


def test_stereo_call_gives_partials_before_finals_with_the_right_speakers(cfg: Config) -> None:
    asr = ScriptedTranscriber()
    pipe = CallPipeline("c1", cfg, ("agent", "customer"), asr, LoudnessDetector)
    events = list(run_call(pipe, chunks(stereo_call()), "test"))
    assert isinstance(events[0], CallStarted) and isinstance(events[-1], CallEnded)
    finals = [e for e in events if isinstance(e, UtteranceFinal)]
    assert [f.speaker for f in finals] == ["agent", "customer"]
    assert abs(finals[1].start - (3.0 - 0.24)) < 0.031 and finals[1].end > 6.0
    for final in finals:
        partials = [e for e in events if isinstance(e, UtterancePartial) and e.utterance_id == final.utterance_id]
        assert partials, "each utterance of 2 s or more has partials"
        assert events.index(partials[-1]) < events.index(final)
        assert all(p.speaker == final.speaker and p.end <= final.end for p in partials)
        assert final.time >= final.end  # emitted after the audio that closed it
    assert finals[0].loudness_db > -20.0
    assert events[-1].time == 7.0 and all(e.wall is None for e in events)


def test_clock_adds_wall_and_overload_skips_partials_never_finals(cfg: Config) -> None:
    clock = FakeClock()
    asr = ScriptedTranscriber()
    pipe = CallPipeline("c1", cfg, ("agent", "customer"), asr, LoudnessDetector, clock=clock)
    events = pipe.start()
    for chunk in chunks(stereo_call()):
        clock.now += 5.0  # each 0.1 s of audio takes 5 s to process: far behind
        events += pipe.feed(chunk)
    events += pipe.finish()
    assert all(e.wall is not None for e in events)
    assert not [e for e in events if isinstance(e, UtterancePartial)]
    assert len([e for e in events if isinstance(e, UtteranceFinal)]) == 2


def test_dropped_hallucinations_and_hooks(cfg: Config) -> None:
    seen: list[str] = []

    def hook(event: object) -> list:
        seen.append(type(event).__name__)
        return []

    asr = ScriptedTranscriber(no_speech=0.99)  # and avg_logprob -0.2: kept, Whisper's test needs both
    pipe = CallPipeline("c1", cfg, ("mixed",), asr, LoudnessDetector, hooks=[hook])
    events = list(run_call(pipe, chunks([np.concatenate([quiet(0.5), tone(1.5), quiet(1.0)])])))
    assert [type(e).__name__ for e in events] == seen
    assert any(isinstance(e, UtteranceFinal) for e in events)


def test_finals_of_both_channels_closing_together_are_one_batch(cfg: Config) -> None:
    asr = ScriptedTranscriber()
    both = np.concatenate([quiet(0.5), tone(0.6), quiet(1.0)])
    pipe = CallPipeline("c1", cfg, ("agent", "customer"), asr, LoudnessDetector)
    events = list(run_call(pipe, chunks([both, both.copy()])))
    assert len([e for e in events if isinstance(e, UtteranceFinal)]) == 2
    assert 2 in asr.batches


def test_finals_are_decoded_carefully_and_carry_their_alternative_readings(cfg: Config) -> None:
    # the second reading repeats the first (dropped) and the third is a blocklisted hallucination (dropped)
    asr = ScriptedTranscriber(alternatives=("土下座しろ", "土下座しろ", "ご視聴ありがとうございました"))
    pipe = CallPipeline("c1", cfg, ("agent", "customer"), asr, LoudnessDetector)
    events = list(run_call(pipe, chunks(stereo_call())))
    finals = [e for e in events if isinstance(e, UtteranceFinal)]
    assert finals and all(f.alternatives == ("土下座しろ",) for f in finals)
    assert True in asr.finals and False in asr.finals  # partials greedy, finals careful
    assert len(asr.finals) == len(asr.batches)


def _with_previous(cfg: Config, tokens: int) -> Config:
    return dataclasses.replace(cfg, asr=dataclasses.replace(cfg.asr, previous_tokens=tokens))


def _final_batches(asr: ScriptedTranscriber) -> list[list[str] | None]:
    return [prev for prev, final in zip(asr.previous, asr.finals, strict=True) if final]


def test_each_final_gets_its_own_speakers_previous_finals_as_context(cfg: Config) -> None:
    asr = ScriptedTranscriber()
    agent = np.concatenate([quiet(0.5), tone(1.0), quiet(1.5), tone(2.0), quiet(3.0)])
    customer = np.concatenate([quiet(5.5), tone(1.5), quiet(1.0)])
    pipe = CallPipeline("c1", _with_previous(cfg, 16), ("agent", "customer"), asr, LoudnessDetector)
    finals = [e for e in run_call(pipe, chunks([agent, customer])) if isinstance(e, UtteranceFinal)]
    assert [f.speaker for f in finals] == ["agent", "agent", "customer"]
    given = [prev for batch in _final_batches(asr) for prev in batch or []]
    # The agent's second final follows its first; the customer's first has no context, not the agent's words.
    assert given == ["", finals[0].text, ""]
    assert all(prev is None for prev, final in zip(asr.previous, asr.finals, strict=True) if not final)


def test_previous_text_is_reset_per_call_and_bounded(cfg: Config) -> None:
    asr = ScriptedTranscriber()
    many = np.concatenate([np.concatenate([tone(0.6), quiet(0.8)]) for _ in range(12)])
    call = _with_previous(cfg, 4)
    for call_id in ("c1", "c2"):
        before = len(asr.previous)
        pipe = CallPipeline(call_id, call, ("mixed",), asr, LoudnessDetector)
        finals = [e for e in run_call(pipe, chunks([many])) if isinstance(e, UtteranceFinal)]
        given = [prev for batch, final in zip(asr.previous[before:], asr.finals[before:], strict=True)
                 if final and batch for prev in batch]
        assert len(finals) == len(given) == 12
        assert given[0] == ""  # a new call starts without the last call's words
        # At most 4 characters per token of context are kept: the end of what the speaker said.
        assert given[-1] == "".join(f.text for f in finals[:-1])[-16:]


def test_two_finals_of_one_speaker_closing_together_are_decoded_in_order(cfg: Config) -> None:
    asr = ScriptedTranscriber()
    pipe = CallPipeline("c1", _with_previous(cfg, 16), ("mixed",), asr, LoudnessDetector)
    pipe.start()
    # Both utterances close in one feed: the second must wait for the first's text.
    events = pipe.feed(AudioChunk(np.concatenate([tone(0.6), quiet(0.8), tone(0.9), quiet(0.8)])[None, :], 0))
    finals = [e for e in events if isinstance(e, UtteranceFinal)]
    assert len(finals) == 2 and _final_batches(asr) == [[""], [finals[0].text]]


def test_without_previous_tokens_the_transcriber_is_called_as_before(cfg: Config) -> None:
    asr = ScriptedTranscriber()
    pipe = CallPipeline("c1", _with_previous(cfg, 0), ("agent", "customer"), asr, LoudnessDetector)
    list(run_call(pipe, chunks(stereo_call())))
    assert asr.previous and all(prev is None for prev in asr.previous)
