"""One seat's monitor: the agent's headset (or a recording paced in real time) → pipeline + judge → hub.

The pipeline is blocking, CPU-bound work, so it runs in a worker thread; each event it produces is handed
to the publisher on the asyncio loop (``call_soon_threadsafe``), which delivers it to the hub in order and
keeps it until the hub has acknowledged it.  When the hub is away the monitor goes on transcribing and
judging: the publisher buffers, and finals and alerts are delivered when the hub is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import secrets
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

from kasuhara_live import wire
from kasuhara_live.asr.transcriber import Transcriber, Transcript
from kasuhara_live.audio.sources import AudioSource
from kasuhara_live.config import Config
from kasuhara_live.events import Event
from kasuhara_live.pipeline import EventHook
from kasuhara_live.replay import stream_call

if TYPE_CHECKING:
    from kasuhara_live.hub.client import Publisher
    from kasuhara_live.judge.detector import Detector


class EventPublisher(Protocol):
    """Where a monitor's events go (the hub client); called on the event loop's thread."""

    def publish(self, event: Event) -> None: ...

    async def drain(self, timeout: float) -> bool: ...

    def refused(self, call_id: str | None = None) -> int: ...

    def refusal(self, call_id: str) -> str: ...


class SharedTranscriber:
    """One engine shared by the calls of one process (the demo's two seats): one batch at a time.

    CTranslate2 uses all its threads for a batch; two batches at once on two cores only slow each other.
    """

    def __init__(self, engine: Transcriber) -> None:
        self.engine = engine
        self._lock = threading.Lock()

    def transcribe(self, audios: Sequence[np.ndarray], final: bool = False,
                   previous: Sequence[str] | None = None) -> list[Transcript]:
        with self._lock:
            if previous is None:  # engines that predate the keyword keep working
                return self.engine.transcribe(audios, final)
            return self.engine.transcribe(audios, final, previous=previous)


@dataclass
class MonitorResult:
    """What a monitored call produced and whether the hub has all of it (``refused``: events it refused)."""

    call_id: str
    counts: Counter[str] = field(default_factory=Counter)
    delivered: bool = False
    seconds: float = 0.0
    refused: int = 0
    refusal: str = ""  # the hub's reason for the first refused event

    def summary(self) -> str:
        parts = ", ".join(f"{self.counts[kind]} {kind}" for kind in ("utterance.final", "alert", "level.changed"))
        if self.refused:
            state = f"{self.refused} events REFUSED by the hub, not stored ({self.refusal})"
        elif self.delivered:
            state = "all delivered to the hub"
        else:
            state = "NOT all delivered (hub unreachable)"
        return f"call {self.call_id}: {parts}; {state}"


def new_call_id(seat: str, clock: float | None = None) -> str:
    """A call id readable by people, short enough for a console column: ``seat-1123-101500-3fa9c2d1``.

    The random part keeps ids apart where seat and second are the same (two hosts with one short name, a
    monitor started twice), and makes a seat's next id impossible to guess and claim first.
    """
    stamp = time.strftime("%m%d-%H%M%S", time.localtime(time.time() if clock is None else clock))
    return f"{seat}-{stamp}-{secrets.token_hex(4)}"


async def monitor_call(source: AudioSource, call_id: str, cfg: Config, transcriber: Transcriber,
                       hooks: Sequence[EventHook], publisher: EventPublisher, *, realtime: bool = True,
                       live: bool = False, speed: float = 1.0, stop: threading.Event | None = None,
                       drain_timeout: float = 30.0, caller: str = "", config_version: str = "") -> MonitorResult:
    """Run one call through the pipeline in a worker thread, publishing every event as it is produced."""
    loop = asyncio.get_running_loop()
    result = MonitorResult(call_id)
    stop = stop or threading.Event()
    started = time.monotonic()

    def sink(event: Event) -> None:
        result.counts[wire.kind_of(event)] += 1
        loop.call_soon_threadsafe(publisher.publish, event)

    await asyncio.to_thread(stream_call, source, call_id, cfg, transcriber, sink, realtime, hooks, speed,
                            stop.is_set, live, caller, config_version)
    drained = await publisher.drain(drain_timeout)
    result.refused = publisher.refused(call_id)
    result.delivered = drained and not result.refused
    result.refusal = publisher.refusal(call_id)
    result.seconds = time.monotonic() - started
    return result


def hash_caller(caller_id: str, salt: str) -> str:
    """The caller's id as stored: a keyed hash, so repeat callers are recognised but the number is not kept."""
    if not caller_id:
        return ""
    return hmac.new(salt.encode("utf-8"), caller_id.strip().encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def open_publisher(cfg: Config, url: str, token: str) -> Publisher:
    """The hub client for one seat, bounded and backing off as ``[monitor]`` says."""
    from kasuhara_live.hub.client import Publisher

    return Publisher(url, token, buffer_events=cfg.monitor.buffer_events, reconnect_max_s=cfg.monitor.reconnect_max_s)


def run_monitor(cfg: Config, source: AudioSource, transcriber: Transcriber, detector: Detector, *, url: str,
                token: str, seat: str, live: bool, speed: float = 1.0, caller_id: str = "") -> MonitorResult:
    """The ``monitor`` command: one call from ``source`` to the hub; Ctrl-C ends the call cleanly."""
    call_id = new_call_id(seat)
    stop = threading.Event()

    async def main() -> MonitorResult:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            # The call ends properly (open utterances flushed, call.ended sent) instead of dying mid-utterance.
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        async with open_publisher(cfg, url, token) as publisher:
            if not await publisher.wait_connected(5.0):
                print(f"kasuhara-live monitor: the hub at {url} is not reachable yet; events are kept until it is",
                      file=sys.stderr)
            print(f"kasuhara-live monitor: call {call_id} from {source.name}", file=sys.stderr)
            return await monitor_call(source, call_id, cfg, transcriber, [detector.for_call(call_id)], publisher,
                                      realtime=True, live=live, speed=speed, stop=stop,
                                      caller=hash_caller(caller_id, cfg.monitor.caller_salt),
                                      config_version=detector.config_version)

    return asyncio.run(main())
