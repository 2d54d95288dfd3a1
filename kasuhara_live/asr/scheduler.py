"""One recogniser for many calls: a batch scheduler at the edge, shared by every call's thread.

A call server runs each call's :class:`~kasuhara_live.pipeline.CallPipeline` in its own thread, and each calls
``transcribe(audios, final)`` synchronously.  :class:`BatchScheduler` is that ``Transcriber`` for all of them:
it queues their utterances and drives ONE engine from ONE worker thread, so utterances of different calls
are decoded together in one batched ``generate`` call (the batch lowers the cost per audio second, and two
batches at once on the same cores or GPU only slow each other down).

Policy, in the order the worker applies it:

* Finals first, up to ``asr.max_batch`` per call; finals and partials never share a batch (finals use beam
  search, partials are greedy).  Finals are never dropped: beyond ``asr.max_queued_finals`` the caller waits.
* Then partials, oldest first, batched with others of the same encoder window (``asr.partial_windows_s``:
  a short partial padded to a short fixed bucket costs far less than a full ``asr.window_s`` window).
* A partial that waited longer than ``asr.partial_max_wait_s``, that a newer partial of the same stream
  replaced, or that overflowed ``asr.max_queued_partials`` comes back as :data:`DROPPED` (empty text,
  no-speech probability 1.0), which the pipeline's hallucination filter discards.
* There is no batching delay: an idle worker decodes a lone request at once; requests that arrive while the
  engine is busy form the next batch by themselves.

Nothing here is CPU-specific: the same scheduler drives a CUDA engine (``asr.device = "cuda"``).
"""

from __future__ import annotations

import inspect
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Protocol, cast

import numpy as np

from kasuhara_live.asr.transcriber import Transcriber, Transcript
from kasuhara_live.audio.frames import SAMPLE_RATE
from kasuhara_live.config import AsrConfig

# What a dropped partial returns: no text, and Whisper's own "this is silence" figures, so any filter drops it.
DROPPED = Transcript(text="", no_speech_prob=1.0, avg_logprob=float("-inf"))

# Speech that runs to the very end of the encoder window makes the decoder loop (a 5 s partial in a 5 s window
# repeats its last phrase: bench/RESULTS.md); a second of padded floor is enough to stop it.
MIN_PADDING_S = 1.0
_WAITS_KEPT = 10_000  # queue waits kept for the percentiles: recent enough to show the current load


class SchedulerClosedError(RuntimeError):
    """A request reached a scheduler that was closed (the server is shutting down)."""


class WindowedTranscriber(Protocol):
    """A recogniser that takes the encoder window per batch (the embedded :class:`WhisperEngine` does)."""

    def transcribe(self, audios: Sequence[np.ndarray], final: bool = False, *,
                   window_s: float | None = None) -> list[Transcript]: ...


def accepts_window(engine: Transcriber) -> bool:
    """True if ``engine.transcribe`` takes a ``window_s`` keyword (so partial buckets can be used)."""
    try:
        parameters = inspect.signature(engine.transcribe).parameters
    except (TypeError, ValueError):  # builtins and C extensions may have no signature
        return False
    kind = parameters["window_s"].kind if "window_s" in parameters else None
    return kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def window_for(seconds: float, buckets: Sequence[float], default: float) -> float:
    """The encoder window for a partial of ``seconds``: the smallest bucket that holds it with at least
    :data:`MIN_PADDING_S` of padding, else ``default``."""
    fitting = [w for w in buckets if seconds + MIN_PADDING_S <= w < default]
    return min(fitting) if fitting else default


@dataclass(frozen=True)
class SchedulerStats:
    """Counters since the scheduler started, for benchmarks and the server's health page."""

    batches: int
    final_batches: int
    items: int
    batch_sizes: dict[int, int]  # items per batch -> how many batches had that many
    dropped_stale: int
    dropped_superseded: int
    dropped_overflow: int
    failed: int  # requests whose batch raised
    wait_p50_s: float  # queue wait, enqueue to start of decoding, over recent requests
    wait_p95_s: float
    final_wait_p95_s: float
    busy_fraction: float  # share of the time since start that the engine was decoding
    queued_finals: int
    queued_partials: int

    @property
    def mean_batch(self) -> float:
        return self.items / self.batches if self.batches else 0.0

    @property
    def dropped_partials(self) -> int:
        return self.dropped_stale + self.dropped_superseded + self.dropped_overflow


@dataclass(eq=False)  # identity equality: a request is removed from its queue by identity
class _Request:
    audio: np.ndarray
    final: bool
    window: float
    stream: Hashable | None
    enqueued: float
    future: Future[Transcript] = field(default_factory=Future)


@dataclass
class _Counters:
    batches: int = 0
    final_batches: int = 0
    items: int = 0
    sizes: Counter[int] = field(default_factory=Counter)
    stale: int = 0
    superseded: int = 0
    overflow: int = 0
    failed: int = 0
    busy: float = 0.0
    waits: deque[float] = field(default_factory=lambda: deque(maxlen=_WAITS_KEPT))
    final_waits: deque[float] = field(default_factory=lambda: deque(maxlen=_WAITS_KEPT))


class BatchScheduler:
    """A thread-safe :class:`Transcriber` that batches the requests of many calls onto one engine."""

    def __init__(self, engine: Transcriber, cfg: AsrConfig, *, clock: Callable[[], float] = time.monotonic,
                 name: str = "asr-scheduler") -> None:
        self.engine = engine
        self.max_batch = cfg.max_batch
        self.max_wait = cfg.partial_max_wait_s
        self.max_partials = cfg.max_queued_partials
        self.max_finals = cfg.max_queued_finals
        self.window = cfg.window_s
        # Buckets only where the engine can take them; any other Transcriber gets plain calls.
        self._windowed = accepts_window(engine)
        self.buckets = tuple(sorted(cfg.partial_windows_s)) if self._windowed else ()
        self._clock = clock
        self._started = clock()
        self._cond = threading.Condition()
        self._finals: deque[_Request] = deque()
        self._partials: deque[_Request] = deque()  # in arrival order: the oldest is the most overdue
        self._streams: dict[Hashable, _Request] = {}  # stream -> its queued partial
        self._counters = _Counters()
        self._closed = False
        # asr.workers batches may run at once: CTranslate2 runs that many (its inter_threads, asr.cpu_threads each)
        # side by side, which keeps the cores busy when the batches are small (beam search steps on a few items
        # use one core however many threads a batch has).
        self._workers = [threading.Thread(target=self._run, name=f"{name}-{i}", daemon=True)
                         for i in range(max(1, cfg.workers))]
        for worker in self._workers:
            worker.start()

    # -- callers' side ---------------------------------------------------------------------------------------

    def transcribe(self, audios: Sequence[np.ndarray], final: bool = False) -> list[Transcript]:
        """Decode ``audios`` as part of shared batches; blocks until all are done. Results in input order;
        an engine error in one of their batches is raised here."""
        return [future.result() for future in self.submit(audios, final)]

    def submit(self, audios: Sequence[np.ndarray], final: bool = False,
               streams: Sequence[Hashable] | None = None) -> list[Future[Transcript]]:
        """Queue ``audios`` and return their futures at once (finals may wait for room in the queue).

        ``streams`` names the open utterance each partial belongs to (say ``(call_id, channel)``): a queued
        partial of the same stream is superseded by the new one.  Without it, partials never supersede.
        """
        keys: Sequence[Hashable | None] = streams if streams is not None else [None] * len(audios)
        if len(keys) != len(audios):
            raise ValueError(f"{len(audios)} audios but {len(keys)} streams")
        dropped: list[_Request] = []
        futures: list[Future[Transcript]] = []
        with self._cond:
            for audio, stream in zip(audios, keys, strict=True):
                request = self._request(audio, final, stream)
                if final:
                    self._put_final(request)
                else:
                    dropped += self._put_partial(request)
                futures.append(request.future)
            self._cond.notify_all()
        _resolve_dropped(dropped)
        return futures

    def _request(self, audio: np.ndarray, final: bool, stream: Hashable | None) -> _Request:
        if self._closed:
            raise SchedulerClosedError("the transcription scheduler is closed: no more requests are taken")
        seconds = len(audio) / SAMPLE_RATE
        window = self.window if final else window_for(seconds, self.buckets, self.window)
        return _Request(audio, final, window, None if final else stream, self._clock())

    def _put_final(self, request: _Request) -> None:
        # Back-pressure instead of dropping: a final is the transcript of record.
        while len(self._finals) >= self.max_finals and not self._closed:
            # Wake the worker for what this call queued so far, or it may sleep while we wait for room.
            self._cond.notify_all()
            self._cond.wait()
        if self._closed:
            raise SchedulerClosedError("the transcription scheduler closed while a final waited for room")
        self._finals.append(request)

    def _put_partial(self, request: _Request) -> list[_Request]:
        dropped: list[_Request] = []
        if request.stream is not None:
            older = self._streams.pop(request.stream, None)
            if older is not None:
                self._partials.remove(older)
                self._counters.superseded += 1
                dropped.append(older)
            self._streams[request.stream] = request
        self._partials.append(request)
        while len(self._partials) > self.max_partials:
            dropped.append(self._unqueue(self._partials[0]))
            self._counters.overflow += 1
        return dropped

    def _unqueue(self, request: _Request) -> _Request:
        self._partials.remove(request)
        if request.stream is not None and self._streams.get(request.stream) is request:
            del self._streams[request.stream]
        return request

    # -- the worker ----------------------------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._finals and not self._partials and not self._closed:
                    self._cond.wait()
                if not self._finals and not self._partials:
                    return  # closed and drained
                batch, dropped = self._take()
                self._cond.notify_all()  # room for callers waiting to queue a final
            _resolve_dropped(dropped)
            if batch:
                self._decode(batch)

    def _take(self) -> tuple[list[_Request], list[_Request]]:
        """The next batch (finals first, else the oldest partials of one window) and the partials dropped as
        stale, or all queued partials once closed. Called with the lock held."""
        now = self._clock()
        stale = [r for r in self._partials if self._closed or now - r.enqueued > self.max_wait]
        for request in stale:
            self._unqueue(request)
        self._counters.stale += len(stale)
        if self._finals:
            batch = [self._finals.popleft() for _ in range(min(self.max_batch, len(self._finals)))]
        elif self._partials:
            window = self._partials[0].window
            batch = [r for r in self._partials if r.window == window][: self.max_batch]
            for request in batch:
                self._unqueue(request)
        else:
            batch = []
        # A caller may have cancelled a future it no longer wants; claiming the rest makes cancel() a no-op.
        batch = [r for r in batch if r.future.set_running_or_notify_cancel()]
        waits = [now - r.enqueued for r in batch]
        self._counters.waits.extend(waits)
        if batch and batch[0].final:
            self._counters.final_waits.extend(waits)
        return batch, stale

    def _decode(self, batch: list[_Request]) -> None:
        """Run one batch on the engine and settle its futures; an engine error settles them with that error."""
        final, window = batch[0].final, batch[0].window
        audios = [r.audio for r in batch]
        started = self._clock()
        try:
            if self._windowed and not final:
                results = cast(WindowedTranscriber, self.engine).transcribe(audios, False, window_s=window)
            else:
                results = self.engine.transcribe(audios, final)
            if len(results) != len(batch):
                raise RuntimeError(f"the recogniser returned {len(results)} results for {len(batch)} utterances")
        except Exception as exc:  # the engine's failure is this batch's, not the worker's: the others go on
            self._count(batch, started, failed=True)
            for request in batch:
                request.future.set_exception(exc)
            return
        self._count(batch, started, failed=False)
        for request, result in zip(batch, results, strict=True):
            request.future.set_result(result)

    def _count(self, batch: list[_Request], started: float, failed: bool) -> None:
        with self._cond:
            c = self._counters
            c.busy += self._clock() - started
            c.batches += 1
            c.final_batches += batch[0].final
            c.items += len(batch)
            c.sizes[len(batch)] += 1
            c.failed += len(batch) if failed else 0

    # -- reporting and shutdown ------------------------------------------------------------------------------------

    def stats(self) -> SchedulerStats:
        """A snapshot of the counters."""
        with self._cond:
            c = self._counters
            elapsed = max(self._clock() - self._started, 1e-9)
            return SchedulerStats(
                batches=c.batches, final_batches=c.final_batches, items=c.items, batch_sizes=dict(c.sizes),
                dropped_stale=c.stale, dropped_superseded=c.superseded, dropped_overflow=c.overflow,
                failed=c.failed, wait_p50_s=_percentile(c.waits, 50), wait_p95_s=_percentile(c.waits, 95),
                final_wait_p95_s=_percentile(c.final_waits, 95), busy_fraction=min(1.0, c.busy / elapsed),
                queued_finals=len(self._finals), queued_partials=len(self._partials))

    def close(self, timeout: float | None = None) -> bool:
        """Take no more requests, decode the queued finals, drop the queued partials and stop the worker.

        Returns False if the worker was still decoding after ``timeout`` seconds."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        deadline = None if timeout is None else time.monotonic() + timeout
        for worker in self._workers:
            if worker is not threading.current_thread():
                worker.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return not any(worker.is_alive() for worker in self._workers)

    def __enter__(self) -> BatchScheduler:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _resolve_dropped(requests: Sequence[_Request]) -> None:
    # Outside the lock: a future's waiter wakes up and may submit again at once.
    for request in requests:
        if request.future.set_running_or_notify_cancel():
            request.future.set_result(DROPPED)


def _percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else 0.0
