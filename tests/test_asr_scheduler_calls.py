"""Whole calls through the batch scheduler: call pipelines in threads, and the real model from several threads."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pytest

from kasuhara_live.asr.scheduler import BatchScheduler, window_for
from kasuhara_live.asr.transcriber import Transcript
from kasuhara_live.config import Config
from tests.conftest import ScriptedTranscriber
from tests.test_asr_scheduler import asr


def test_call_pipelines_in_threads_get_the_events_they_get_alone(cfg: Config) -> None:
    from kasuhara_live.audio.frames import AudioChunk
    from kasuhara_live.pipeline import CallPipeline, run_call
    from tests.conftest import LoudnessDetector, quiet, tone

    def call_audio(n: int) -> list[AudioChunk]:
        # Each call's utterances have their own lengths, so the scripted texts tell the calls apart.
        agent = np.concatenate([quiet(0.3), tone(1.0 + 0.3 * n), quiet(4.0)])
        customer = np.concatenate([quiet(2.0 + 0.1 * n), tone(2.5), quiet(6.0)])[: len(agent)]
        data = np.stack([agent, customer])
        return [AudioChunk(data[:, i : i + 1600], i) for i in range(0, data.shape[1], 1600)]

    def run(n: int, transcriber: object) -> list[object]:
        pipe = CallPipeline(f"c{n}", cfg, ("agent", "customer"), transcriber, LoudnessDetector)  # type: ignore[arg-type]
        return list(run_call(pipe, call_audio(n), "test"))

    alone = {n: run(n, ScriptedTranscriber()) for n in range(6)}
    shared: dict[int, list[object]] = {}
    engine = ScriptedTranscriber()
    with BatchScheduler(engine, asr(cfg, partial_max_wait_s=60.0)) as scheduler:
        threads = [threading.Thread(target=lambda n=n: shared.__setitem__(n, run(n, scheduler))) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert shared == alone
    assert all(sum(type(e).__name__ == "UtteranceFinal" for e in alone[n]) == 2 for n in alone)
    assert sum(engine.batches) == scheduler.stats().items > 6 * 4


# -- the real model ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_utterances(cfg: Config) -> list[np.ndarray]:
    """Eight scripted lines of the stereo sample, each from its speaker's channel with 0.2 s of margin."""
    import csv

    from kasuhara_live.audio.sources import FileSource
    from tests.conftest import SAMPLES

    source = FileSource(SAMPLES / "harassment_call.flac", cfg.audio.chunk_ms)
    audio = np.concatenate([c.samples for c in source.chunks()], axis=1)
    with (SAMPLES / "harassment_call.tsv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))[:8]
    channel = {name: i for i, name in enumerate(cfg.audio.stereo_speakers)}
    return [audio[channel[r["speaker"]], int((float(r["start"]) - 0.2) * 16000): int((float(r["end"]) + 0.2) * 16000)]
            for r in rows]


@pytest.mark.model
def test_the_real_engine_through_the_scheduler_gives_what_it_gives_alone(
        cfg: Config, sample_utterances: list[np.ndarray]) -> None:
    from kasuhara_live.asr.engine import load_engine
    from kasuhara_live.metrics import cer

    engine = load_engine(cfg.asr)
    # Each of four calls: a partial (the first 2 s of a line) and then two finished lines as finals.
    work = [(sample_utterances[2 * n][:32000], [sample_utterances[2 * n], sample_utterances[2 * n + 1]])
            for n in range(4)]
    alone_partials = [engine.transcribe([p], window_s=window_for(2.0, cfg.asr.partial_windows_s, cfg.asr.window_s))[0]
                      for p, _ in work]
    alone_finals = [[engine.transcribe([a], final=True)[0] for a in finals] for _, finals in work]
    got: dict[int, tuple[Transcript, list[Transcript]]] = {}
    start = threading.Barrier(4)

    def call(n: int) -> None:
        start.wait()
        partial = scheduler.transcribe([work[n][0]])[0]
        got[n] = (partial, scheduler.transcribe(work[n][1], final=True))

    with BatchScheduler(engine, dataclasses.replace(cfg.asr, partial_max_wait_s=60.0)) as scheduler:
        threads = [threading.Thread(target=call, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        stats = scheduler.stats()
    assert sorted(got) == [0, 1, 2, 3]
    assert stats.items == 12 and stats.batches < 12 and stats.dropped_partials == 0  # calls shared batches
    pairs = [(alone_partials[n], got[n][0]) for n in range(4)]
    pairs += [(a, b) for n in range(4) for a, b in zip(alone_finals[n], got[n][1], strict=True)]
    for alone, shared in pairs:
        assert shared.text.strip(), "an utterance of real speech came back empty"
        # Batching pads nothing more (every input has the same window), so the text is the engine's own.
        assert cer(alone.text, shared.text) <= 0.1, (alone.text, shared.text)
    same = sum(a.text == b.text for a, b in pairs)
    print(f"{same} of {len(pairs)} identical; batches {stats.batch_sizes}")
    assert same >= len(pairs) - 1
