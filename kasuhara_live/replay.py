"""Replaying recorded calls through the full pipeline, writing events as JSON lines or a transcript."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TextIO

from rich.cells import cell_len

from kasuhara_live import wire
from kasuhara_live.asr.transcriber import Transcriber
from kasuhara_live.audio.frames import SAMPLE_RATE, AudioChunk
from kasuhara_live.audio.sources import AudioSource, FileSource, paced
from kasuhara_live.audio.vad import WebRtcDetector
from kasuhara_live.config import Config
from kasuhara_live.events import Alert, CallEnded, CallStarted, Event, UtteranceFinal
from kasuhara_live.judge import labels
from kasuhara_live.pipeline import CallPipeline, EventHook, run_call, speakers_for
from kasuhara_live.printable import printable

EventSink = Callable[[Event], None]


def format_clock(seconds: float) -> str:
    """``mm:ss.s`` for transcripts."""
    minutes, rest = divmod(max(0.0, seconds), 60.0)
    return f"{int(minutes):02d}:{rest:04.1f}"


def alert_headline(alert: Alert, language: str) -> str:
    """``!! [警告] 威圧的な言動: ふざけるな / なめてんのか``: an alert as one line of a transcript or feed."""
    level = labels.LEVEL[language][alert.severity.value]
    return f"!! [{level}] {labels.category(language, alert.category)}: {' / '.join(alert.evidence)}"


class TranscriptWriter:
    """A readable transcript: finals and alerts, one line each (partials are for live screens).

    Alerts are written in the UI language (``ui.language``): level and category names, evidence, script.
    """

    def __init__(self, out: TextIO, language: str = "ja") -> None:
        self.out = out
        self.language = language
        self._held: list[Alert] = []  # alerts raised on a partial wait for their utterance's line
        self._written: set[str] = set()

    def __call__(self, event: Event) -> None:
        if isinstance(event, Alert) and event.utterance_id and event.utterance_id not in self._written:
            self._held.append(event)
            return
        self._write(event)
        if isinstance(event, UtteranceFinal):
            self._written.add(event.utterance_id)
            for alert in [a for a in self._held if a.utterance_id == event.utterance_id]:
                self._held.remove(alert)
                self._write(alert)
        elif isinstance(event, CallEnded):
            self._written.clear()

    def _write(self, event: Event) -> None:
        # file names, call ids and transcripts are data: no terminal escape reaches the screen (printable)
        if isinstance(event, CallStarted):
            self._line(f"== {event.call_id} ({event.source}, {'/'.join(event.speakers)})")
        elif isinstance(event, UtteranceFinal):
            self._line(f"[{format_clock(event.start)}-{format_clock(event.end)}] {event.speaker}: {event.text}")
        elif isinstance(event, Alert):
            self._line(f"  {alert_headline(event, self.language)}")
            if event.script:
                self._line(f"     → {event.script}")
        elif isinstance(event, CallEnded):
            for alert in self._held:  # an utterance whose final never came (dropped as noise)
                self._write(alert)
            self._held.clear()
            self._line(f"== end of {event.call_id} ({format_clock(event.time)})")
        self.out.flush()

    def _line(self, text: str) -> None:
        self.out.write(printable(text) + "\n")


class JsonlWriter:
    """One JSON object per line, flushed per event so a reader sees it as soon as it exists."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def __call__(self, event: Event) -> None:
        self.out.write(wire.dumps(event) + "\n")
        self.out.flush()


class Progress:
    """A one-line progress bar on a terminal's stderr; silent when stderr is not a terminal.

    ``status``, given the seconds done in this file, says where a whole batch stands (「3/40件・残り約8分」);
    it goes before the file's own bar.
    """

    def __init__(self, name: str, duration: float, stream: TextIO = sys.stderr,
                 status: Callable[[float], str] | None = None) -> None:
        self.name, self.duration, self.stream, self.status = name, duration, stream, status
        self.enabled = stream.isatty() and duration > 0
        self._last = -1
        self._seconds = 0.0
        self._width = 0  # of the line last drawn: a shorter one is padded to cover it

    @property
    def seconds(self) -> float:
        """How far into the file the audio has been read."""
        return self._seconds

    def update(self, seconds: float) -> None:
        self._seconds = seconds
        if not self.enabled:
            return
        percent = min(100, int(100 * seconds / self.duration))
        if percent != self._last:
            self._last = percent
            self._draw()

    def _draw(self) -> None:
        percent = max(0, self._last)
        if self.status is None:
            line = f"{self.name[:30]:30s} [{'#' * (percent // 4):25s}] {percent:3d}%"
        else:
            line = f"{self.status(self._seconds)}  {self.name[:20]:20s} [{'#' * (percent // 5):20s}] {percent:3d}%"
        width = cell_len(line)
        self.stream.write("\r" + line + " " * max(0, self._width - width))
        self._width = width
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            if self.status is not None:
                self._draw()  # the batch's count has moved on with this file's end
            self.stream.write("\n")
            self.stream.flush()


class _TrackedSource:
    """A file source that moves a progress bar as its chunks are read."""

    def __init__(self, source: FileSource, progress: Progress) -> None:
        self.source, self.progress = source, progress

    @property
    def channels(self) -> int:
        return self.source.channels

    @property
    def name(self) -> str:
        # Absolute: the call store keeps it as the audio reference, and QA plays it from anywhere.
        return str(self.source.path.resolve())

    def chunks(self) -> Iterator[AudioChunk]:
        for chunk in self.source.chunks():
            yield chunk
            self.progress.update(chunk.end / SAMPLE_RATE)


def stream_call(source: AudioSource, call_id: str, cfg: Config, transcriber: Transcriber, sink: EventSink,
                realtime: bool = False, hooks: Sequence[EventHook] = (), speed: float = 1.0,
                should_stop: Callable[[], bool] = lambda: False, live: bool = False, caller: str = "",
                config_version: str = "") -> None:
    """Run one call from any audio source through the pipeline, sending every event to ``sink``.

    ``realtime`` paces a recorded source as if spoken now (``speed`` times faster) and stamps ``wall``;
    a ``live`` source (a device) is real time by nature and is not paced.  ``should_stop`` is polled per
    chunk: a monitor being stopped still ends the call properly (open utterances flushed, ``call.ended``
    with reason ``stopped``).
    """
    # Wall time in audio seconds, so the pipeline's "behind real time" test holds at any speed.
    clock = (lambda: time.monotonic() * speed) if realtime else None
    # A live source starts its device here; the pipeline's clock starts after, so the time a device takes to
    # open (a second for two devices on a sound server) is not taken for lag, which would cost the partials.
    chunks = source.chunks()
    pipeline = CallPipeline(call_id, cfg, speakers_for(source.channels, cfg), transcriber,
                            lambda: WebRtcDetector(cfg.vad.aggressiveness), clock=clock, hooks=hooks)
    if realtime and not live:
        chunks = paced(chunks, speed=speed)
    for event in run_call(pipeline, chunks, source.name, started_at=time.time(), caller=caller,
                          config_version=config_version, should_stop=should_stop):
        sink(event)


def replay_file(path: Path, cfg: Config, transcriber: Transcriber, sink: EventSink, realtime: bool = False,
                hooks: Callable[[str], list[EventHook]] | None = None, config_version: str = "") -> None:
    """Run one recorded call through the pipeline, sending every event to ``sink``; the call id is the stem."""
    replay_source(FileSource(path, cfg.audio.chunk_ms), path.stem, cfg, transcriber, sink, realtime, hooks,
                  config_version)


def replay_source(source: FileSource, call_id: str, cfg: Config, transcriber: Transcriber, sink: EventSink,
                  realtime: bool = False, hooks: Callable[[str], list[EventHook]] | None = None,
                  config_version: str = "", progress: Progress | None = None) -> None:
    """Run one opened recording through the pipeline as call ``call_id``, moving ``progress`` as its audio is
    read: a given one is the caller's to close; by default a bar of its own on a terminal."""
    own = progress is None
    progress = progress or Progress(source.path.name, source.duration)
    tracked = _TrackedSource(source, progress)
    try:
        stream_call(tracked, call_id, cfg, transcriber, sink, realtime, hooks(call_id) if hooks else (),
                    config_version=config_version)
    finally:
        if own:
            progress.close()
