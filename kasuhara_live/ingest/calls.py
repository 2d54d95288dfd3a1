"""The call core of the call server: every call the phone system sends, each in its own pipeline, all of them
sharing one recogniser.

:class:`CallDesk` is the :class:`~kasuhara_live.ingest.sink.CallSink` the protocol adapters open calls on.  Each
call gets a thread that lines its channels up, runs the transcript pipeline and the judge, and hands every event
to ``publish(event, agent)`` (the hub client of an ``ingest`` user).  The threads block in the shared
transcriber, which batches the utterances of all calls (``asr/scheduler.py``); so a call's thread costs a stack,
not a model.  Adapters never wait on a call: ``audio`` only queues.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from kasuhara_live.asr.transcriber import Transcriber
from kasuhara_live.audio.frames import SAMPLE_RATE
from kasuhara_live.audio.vad import VoiceDetector, WebRtcDetector
from kasuhara_live.config import Config
from kasuhara_live.events import Event, UtteranceFinal
from kasuhara_live.ingest.agents import AgentDirectory
from kasuhara_live.ingest.align import ChannelAligner
from kasuhara_live.ingest.sink import CallMeta, CallRefused
from kasuhara_live.monitor import hash_caller, new_call_id
from kasuhara_live.pipeline import CallPipeline, EventHook, speakers_for

log = logging.getLogger(__name__)

Publish = Callable[[Event, str], None]  # (event, agent): thread-safe, never blocks long
HooksFor = Callable[[str], list[EventHook]]  # call id -> the judge's hooks for that call


@dataclass(frozen=True)
class _End:
    reason: str


_Item = tuple[int, np.ndarray, int] | _End


class IngestCall:
    """One live call: adapters push audio and end it; its own thread turns that into events."""

    def __init__(self, call_id: str, agent: str, meta: CallMeta, pipeline: CallPipeline, aligner: ChannelAligner,
                 publish: Publish, caller: str, config_version: str,
                 on_done: Callable[[IngestCall], None]) -> None:
        self._call_id = call_id
        self.agent = agent
        self.meta = meta
        self.pipeline = pipeline
        self.aligner = aligner
        self._publish = publish
        self._caller = caller
        self._config_version = config_version
        self._on_done = on_done
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._ended = threading.Event()
        self.end_reason = ""
        self.finals = 0
        self.thread = threading.Thread(target=self._run, name=f"call-{call_id}", daemon=True)

    @property
    def call_id(self) -> str:
        return self._call_id

    def audio(self, channel: int, samples: np.ndarray, rate: int = 8000) -> None:
        if self._ended.is_set():
            return
        self._queue.put((channel, samples, rate))

    def end(self, reason: str) -> None:
        if self._ended.is_set():
            return
        self._ended.set()
        self._queue.put(_End(reason))

    @property
    def ended(self) -> bool:
        return self._ended.is_set()

    def _emit(self, events: list[Event]) -> None:
        for event in events:
            self.finals += isinstance(event, UtteranceFinal)
            self._publish(event, self.agent)

    def _run(self) -> None:
        try:
            self._emit(self.pipeline.start(f"{self.meta.protocol}:{self.meta.peer}", time.time(), self._caller,
                                           self._config_version))
            while True:
                item = self._queue.get()
                if isinstance(item, _End):
                    self.end_reason = item.reason
                    for chunk in self.aligner.flush():
                        self._emit(self.pipeline.feed(chunk))
                    self._emit(self.pipeline.finish(item.reason))
                    return
                channel, samples, rate = item
                for chunk in self.aligner.push(channel, samples, rate):
                    self._emit(self.pipeline.feed(chunk))
        except Exception as exc:  # a bug or a failing recogniser ends this call, never the server
            log.error("call %s: ended by an error: %s: %s", self._call_id, type(exc).__name__, str(exc)[:200])
            self.end_reason = "error"
            self._ended.set()
            try:
                self._emit(self.pipeline.abort("error"))
            except Exception as again:
                log.error("call %s: could not be ended cleanly: %s", self._call_id, type(again).__name__)
        finally:
            self._on_done(self)


class CallDesk:
    """Opens calls for the adapters (the ``CallSink``), keeps the live ones, ends them all on shutdown."""

    def __init__(self, cfg: Config, transcriber: Transcriber, publish: Publish, hooks_for: HooksFor,
                 config_version: str = "", detector_factory: Callable[[], VoiceDetector] | None = None) -> None:
        self.cfg = cfg
        self.transcriber = transcriber
        self.publish = publish
        self.hooks_for = hooks_for
        self.config_version = config_version
        self.directory = AgentDirectory(cfg.ingest.agents, cfg.ingest.unknown_agent)
        self.detector_factory = detector_factory or (lambda: WebRtcDetector(cfg.vad.aggressiveness))
        self._lock = threading.Lock()
        self._live: dict[str, IngestCall] = {}
        self._closing = False
        self.opened = 0
        self.refused = 0
        self.ended: list[IngestCall] = []  # the most recent, for status and tests

    def open_call(self, meta: CallMeta) -> IngestCall:
        with self._lock:
            if self._closing:
                raise self._refuse(meta, "the call server is shutting down")
            if len(self._live) >= self.cfg.ingest.max_calls:
                raise self._refuse(meta, f"{len(self._live)} calls already (ingest.max_calls)")
            agent = self.directory.lookup(meta.agent_key)
            if not agent:
                raise self._refuse(meta, f"no agent for {meta.agent_key[:80]!r}: add it to ingest.agents "
                                         "(or set ingest.unknown_agent)")
            call = self._new_call(meta, agent)
            self._live[call.call_id] = call
            self.opened += 1
        log.info("call %s: %s from %s, agent %s", call.call_id, meta.protocol, meta.peer, agent)
        call.thread.start()
        return call

    def _refuse(self, meta: CallMeta, why: str) -> CallRefused:
        self.refused += 1
        log.warning("refused %s call %s from %s: %s", meta.protocol, meta.session[:80], meta.peer, why)
        return CallRefused(why)

    def _new_call(self, meta: CallMeta, agent: str) -> IngestCall:
        call_id = new_call_id(agent)
        cfg = self.cfg
        pipeline = CallPipeline(call_id, cfg, speakers_for(len(meta.channels), cfg), self.transcriber,
                                self.detector_factory, clock=time.monotonic, hooks=self.hooks_for(call_id),
                                partial_speakers=cfg.ingest.partial_speakers)
        block = SAMPLE_RATE * cfg.audio.chunk_ms // 1000
        aligner = ChannelAligner(len(meta.channels), block, int(cfg.ingest.max_lag_s * SAMPLE_RATE))
        return IngestCall(call_id, agent, meta, pipeline, aligner, self.publish,
                          hash_caller(meta.caller, cfg.monitor.caller_salt), self.config_version, self._done)

    def _done(self, call: IngestCall) -> None:
        with self._lock:
            self._live.pop(call.call_id, None)
            self.ended = [*self.ended[-99:], call]
        log.info("call %s: ended (%s), %d finals", call.call_id, call.end_reason or "?", call.finals)

    def live(self) -> list[IngestCall]:
        with self._lock:
            return list(self._live.values())

    def close(self, timeout: float = 30.0) -> bool:
        """Refuse new calls, end the live ones (``shutdown``), wait for their last events; False if some hang."""
        with self._lock:
            self._closing = True
            calls = list(self._live.values())
        for call in calls:
            call.end("shutdown")
        deadline = time.monotonic() + timeout
        for call in calls:
            call.thread.join(max(0.0, deadline - time.monotonic()))
        return not any(call.thread.is_alive() for call in calls)
