"""The batch scheduler: many calls' threads, one engine, shared batches, and what is dropped under overload.

The fake engine records each batch (final or partial, which utterances, which window) and can be held at a
gate, so a test fills the queue while the engine is "busy" and then checks what the next batch holds.
Every utterance carries its id in its samples, and the fake's text names it, so results can be traced.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np
import pytest

from kasuhara_live.asr.scheduler import DROPPED, BatchScheduler, SchedulerClosedError, window_for
from kasuhara_live.asr.streaming import HallucinationFilter
from kasuhara_live.asr.transcriber import Transcript
from kasuhara_live.config import AsrConfig, Config
from tests.conftest import FakeClock, ScriptedTranscriber


@dataclass(frozen=True)
class Batch:
    final: bool
    ids: tuple[int, ...]
    window: float | None


class FakeEngine:
    """Records batches; ``hold()`` makes the next batch wait at a gate until ``release()``."""

    def __init__(self, fail_id: int = -1, delay: float = 0.0) -> None:
        self.batches: list[Batch] = []
        self.fail_id = fail_id
        self.delay = delay
        self.entered = threading.Event()
        self._gate = threading.Event()
        self._gate.set()

    def hold(self) -> None:
        self._gate.clear()
        self.entered.clear()

    def release(self) -> None:
        self._gate.set()

    def transcribe(self, audios: Sequence[np.ndarray], final: bool = False, *,
                   window_s: float | None = None) -> list[Transcript]:
        ids = tuple(int(a[0]) for a in audios)
        self.batches.append(Batch(final, ids, window_s))
        self.entered.set()
        assert self._gate.wait(10), "the test never released the engine"
        time.sleep(self.delay)
        if self.fail_id in ids:
            raise ValueError(f"engine failure on {self.fail_id}")
        return [Transcript(f"{'F' if final else 'P'}{i}") for i in ids]


def utterance(uid: int, seconds: float = 1.0) -> np.ndarray:
    return np.full(int(seconds * 16000), uid, dtype=np.int16)


def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never became true"
        time.sleep(0.005)


def asr(cfg: Config, **changes: object) -> AsrConfig:
    base = {"max_batch": 8, "partial_max_wait_s": 1.0, "max_queued_partials": 64, "max_queued_finals": 64,
            "partial_windows_s": (5.0,), "window_s": 10.0}
    return dataclasses.replace(cfg.asr, **(base | changes))  # type: ignore[arg-type]


def busy(scheduler: BatchScheduler, engine: FakeEngine) -> Future[Transcript]:
    """Occupy the engine with one final (id 0) held at the gate; returns its future."""
    engine.hold()
    (future,) = scheduler.submit([utterance(0)], final=True)
    assert engine.entered.wait(10)
    return future


def test_requests_of_eight_threads_share_one_batch(cfg: Config) -> None:
    engine = FakeEngine()
    with BatchScheduler(engine, asr(cfg)) as scheduler:
        busy(scheduler, engine)
        results: dict[int, list[Transcript]] = {}
        threads = [threading.Thread(target=lambda i=i: results.__setitem__(
            i, scheduler.transcribe([utterance(i)], final=True))) for i in range(1, 9)]
        for thread in threads:
            thread.start()
        until(lambda: scheduler.stats().queued_finals == 8)
        engine.release()
        for thread in threads:
            thread.join(10)
    assert engine.batches[1].final and engine.batches[1].window is None
    assert sorted(engine.batches[1].ids) == list(range(1, 9))
    assert {i: [r.text for r in results[i]] for i in results} == {i: [f"F{i}"] for i in range(1, 9)}
    stats = scheduler.stats()
    assert stats.batches == 2 and stats.batch_sizes == {1: 1, 8: 1} and stats.mean_batch == 4.5


def test_a_lone_request_is_decoded_without_waiting_for_company(cfg: Config) -> None:
    engine = FakeEngine()
    with BatchScheduler(engine, asr(cfg)) as scheduler:
        started = time.monotonic()
        for i in range(20):
            assert scheduler.transcribe([utterance(i)], final=i % 2 == 0)[0].text.endswith(str(i))
        elapsed = time.monotonic() - started
    # Twenty round trips through an instant engine: a batching delay of 75 ms or more would show, while a
    # loaded machine's thread hand-offs (a few ms each) would not.
    assert elapsed < 1.5
    assert [len(b.ids) for b in engine.batches] == [1] * 20


def test_finals_go_first_and_are_never_batched_with_partials(cfg: Config) -> None:
    engine = FakeEngine()
    with BatchScheduler(engine, asr(cfg, max_batch=3)) as scheduler:
        busy(scheduler, engine)
        partials = scheduler.submit([utterance(i) for i in (11, 12)])  # queued before the finals
        finals = scheduler.submit([utterance(i) for i in (21, 22, 23, 24)], final=True)
        engine.release()
        assert [f.result(10).text for f in finals] == ["F21", "F22", "F23", "F24"]
        assert [f.result(10).text for f in partials] == ["P11", "P12"]
    assert [(b.final, b.ids) for b in engine.batches[1:]] == [(True, (21, 22, 23)), (True, (24,)), (False, (11, 12))]


def test_partials_go_oldest_first_in_batches_of_one_window(cfg: Config) -> None:
    engine = FakeEngine()
    with BatchScheduler(engine, asr(cfg, max_batch=2)) as scheduler:
        busy(scheduler, engine)
        futures = scheduler.submit([utterance(1, 2.0), utterance(2, 7.0), utterance(3, 3.0), utterance(4, 3.9)])
        engine.release()
        assert all(f.result(10) != DROPPED for f in futures)
    assert [(b.ids, b.window) for b in engine.batches[1:]] == [((1, 3), 5.0), ((2,), 10.0), ((4,), 5.0)]


def test_a_stale_partial_is_dropped_and_a_fresh_one_decoded(cfg: Config) -> None:
    engine, clock = FakeEngine(), FakeClock()
    with BatchScheduler(engine, asr(cfg, partial_max_wait_s=1.0), clock=clock) as scheduler:
        busy(scheduler, engine)
        (old,) = scheduler.submit([utterance(1)])
        clock.now += 1.5
        (fresh,) = scheduler.submit([utterance(2)])
        engine.release()
        assert old.result(10) == DROPPED
        assert fresh.result(10).text == "P2"
        stats = scheduler.stats()
    assert stats.dropped_stale == 1 and stats.dropped_partials == 1
    assert all(1 not in b.ids for b in engine.batches)
    # What a dropped partial returns is discarded by the pipeline's own filter.
    assert HallucinationFilter.from_config(cfg.asr).clean(DROPPED) == ""


def test_a_newer_partial_of_the_same_stream_supersedes_the_queued_one(cfg: Config) -> None:
    engine = FakeEngine()
    with BatchScheduler(engine, asr(cfg)) as scheduler:
        busy(scheduler, engine)
        (first,) = scheduler.submit([utterance(1)], streams=[("call-a", 0)])
        (other,) = scheduler.submit([utterance(2)], streams=[("call-b", 0)])
        (second,) = scheduler.submit([utterance(3)], streams=[("call-a", 0)])
        assert first.done() and first.result() == DROPPED  # at once, not when the engine is free
        engine.release()
        assert (other.result(10).text, second.result(10).text) == ("P2", "P3")
        assert scheduler.stats().dropped_superseded == 1
    assert engine.batches[1].ids == (2, 3)


def test_the_partial_queue_is_bounded_by_dropping_the_oldest(cfg: Config) -> None:
    engine = FakeEngine()
    with BatchScheduler(engine, asr(cfg, max_queued_partials=2)) as scheduler:
        busy(scheduler, engine)
        futures = scheduler.submit([utterance(i) for i in (1, 2, 3)])
        assert futures[0].result(0) == DROPPED
        engine.release()
        assert [f.result(10).text for f in futures[1:]] == ["P2", "P3"]
        assert scheduler.stats().dropped_overflow == 1


def test_finals_are_never_dropped_the_caller_waits_instead(cfg: Config) -> None:
    engine, clock = FakeEngine(), FakeClock()
    with BatchScheduler(engine, asr(cfg, max_queued_finals=2, max_batch=2), clock=clock) as scheduler:
        busy(scheduler, engine)
        results: list[Transcript] = []
        caller = threading.Thread(target=lambda: results.extend(
            scheduler.transcribe([utterance(i) for i in range(1, 6)], final=True)))
        caller.start()
        until(lambda: scheduler.stats().queued_finals == 2)
        time.sleep(0.05)
        assert caller.is_alive() and scheduler.stats().queued_finals == 2  # blocked, not dropped
        clock.now += 3600  # however long they wait
        engine.release()
        caller.join(10)
    assert [r.text for r in results] == [f"F{i}" for i in range(1, 6)]
    assert scheduler.stats().dropped_partials == 0


def test_each_caller_gets_its_own_results_in_order(cfg: Config) -> None:
    engine = FakeEngine(delay=0.01)
    got: dict[int, list[str]] = {}
    want: dict[int, list[str]] = {}

    def call(n: int) -> None:
        rng = np.random.default_rng(n)
        out: list[str] = []
        for turn in range(6):
            ids = [n * 100 + turn * 10 + k for k in range(int(rng.integers(1, 4)))]
            final = bool(rng.integers(0, 2))
            out += [r.text for r in scheduler.transcribe([utterance(i, 0.5 + k) for k, i in enumerate(ids)], final)]
            want.setdefault(n, []).extend(f"{'F' if final else 'P'}{i}" for i in ids)
        got[n] = out

    with BatchScheduler(engine, asr(cfg, partial_max_wait_s=60.0)) as scheduler:
        threads = [threading.Thread(target=call, args=(n,)) for n in range(1, 9)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert got == want
    assert any(len({i // 100 for i in b.ids}) > 1 for b in engine.batches)  # calls did share batches
    assert all(not b.final or b.window is None for b in engine.batches)


def test_an_engine_error_fails_only_the_requests_of_its_batch(cfg: Config) -> None:
    engine = FakeEngine(fail_id=666)
    with BatchScheduler(engine, asr(cfg)) as scheduler:
        with pytest.raises(ValueError, match="engine failure on 666"):
            scheduler.transcribe([utterance(666)], final=True)
        busy(scheduler, engine)
        bad = scheduler.submit([utterance(666), utterance(7)])
        good = scheduler.submit([utterance(8)], final=True)
        engine.release()
        assert good[0].result(10).text == "F8"
        for future in bad:
            with pytest.raises(ValueError):
                future.result(10)
        assert scheduler.transcribe([utterance(9)])[0].text == "P9"  # the worker goes on
        stats = scheduler.stats()
    assert stats.failed == 3 and stats.batches == 5


def test_a_cancelled_request_is_skipped_and_the_worker_goes_on(cfg: Config) -> None:
    engine = FakeEngine()
    with BatchScheduler(engine, asr(cfg)) as scheduler:
        busy(scheduler, engine)
        unwanted, wanted = scheduler.submit([utterance(1), utterance(2)])
        assert unwanted.cancel()
        engine.release()
        assert wanted.result(10).text == "P2"
        assert scheduler.transcribe([utterance(3)], final=True)[0].text == "F3"
    assert all(1 not in b.ids for b in engine.batches)


def test_close_decodes_queued_finals_drops_partials_and_refuses_more(cfg: Config) -> None:
    engine = FakeEngine()
    scheduler = BatchScheduler(engine, asr(cfg))
    held = busy(scheduler, engine)
    partials = scheduler.submit([utterance(1)])
    finals = scheduler.submit([utterance(2)], final=True)
    closer = threading.Thread(target=scheduler.close)
    closer.start()
    until(lambda: scheduler._closed)
    with pytest.raises(SchedulerClosedError):
        scheduler.transcribe([utterance(3)], final=True)
    engine.release()
    closer.join(10)
    assert not closer.is_alive()
    assert (held.result(0).text, finals[0].result(0).text) == ("F0", "F2")
    assert partials[0].result() == DROPPED
    assert all(1 not in b.ids for b in engine.batches)
    assert scheduler.close(timeout=1.0)  # a second close is harmless


def test_a_caller_waiting_for_room_is_told_when_the_scheduler_closes(cfg: Config) -> None:
    engine = FakeEngine()
    scheduler = BatchScheduler(engine, asr(cfg, max_queued_finals=1))
    busy(scheduler, engine)
    errors: list[BaseException] = []

    def caller() -> None:
        try:
            scheduler.transcribe([utterance(1), utterance(2)], final=True)
        except SchedulerClosedError as exc:
            errors.append(exc)

    thread = threading.Thread(target=caller)
    thread.start()
    until(lambda: scheduler.stats().queued_finals == 1)
    closer = threading.Thread(target=scheduler.close)
    closer.start()
    thread.join(10)
    engine.release()
    closer.join(10)
    assert len(errors) == 1 and not thread.is_alive() and not closer.is_alive()


def test_an_engine_without_windows_gets_plain_calls(cfg: Config) -> None:
    engine = ScriptedTranscriber()  # transcribe(audios, final): no window keyword
    with BatchScheduler(engine, asr(cfg)) as scheduler:
        assert scheduler.buckets == ()
        assert scheduler.transcribe([np.zeros(16000, np.int16)])[0].text == "1.00秒の発話"
        assert scheduler.transcribe([np.zeros(8000, np.int16)], final=True)[0].text == "0.50秒の発話"
    assert engine.finals == [False, True]


def test_stats_report_waits_and_busy_time(cfg: Config) -> None:
    engine, clock = FakeEngine(), FakeClock()
    with BatchScheduler(engine, asr(cfg), clock=clock) as scheduler:
        busy(scheduler, engine)
        queued = scheduler.submit([utterance(1)], final=True)
        clock.now += 0.5
        engine.release()
        queued[0].result(10)
        clock.now += 0.5
        stats = scheduler.stats()
    assert stats.wait_p95_s == pytest.approx(0.5 * 0.95, abs=0.03) and stats.wait_p50_s == pytest.approx(0.25)
    assert stats.final_wait_p95_s == stats.wait_p95_s
    assert stats.busy_fraction == pytest.approx(0.5)  # the held batch "took" 0.5 s of the 1.0 s


@pytest.mark.parametrize(("seconds", "want"),
                         [(1.0, 5.0), (4.0, 5.0), (4.01, 10.0), (5.0, 10.0), (9.5, 10.0), (20.0, 10.0)])
def test_window_for_picks_the_smallest_bucket_with_a_second_of_padding(seconds: float, want: float) -> None:
    assert window_for(seconds, (5.0, 10.0, 30.0), 10.0) == want
    assert window_for(seconds, (), 10.0) == 10.0


def test_with_two_workers_two_batches_run_at_once_and_finals_still_come_first(cfg: Config) -> None:
    engine = FakeEngine()
    engine.hold()
    scheduler = BatchScheduler(engine, asr(cfg, workers=2, max_batch=1))
    first = scheduler.submit([utterance(1)], final=True)
    until(lambda: len(engine.batches) == 1)
    # The first worker is held inside the engine; the second still takes the next batch, a final before a partial.
    partial = scheduler.submit([utterance(2)], final=False)
    second = scheduler.submit([utterance(3)], final=True)
    until(lambda: len(engine.batches) == 2)
    assert engine.batches[1] == Batch(True, (3,), None)
    engine.release()
    assert [f.result(5).text for f in (*first, *second, *partial)] == ["F1", "F3", "P2"]
    assert scheduler.close(timeout=5)
