"""Replaying many recorded calls in one run (``kasuhara-live replay folder/``).

Three things a single replay does not need: call ids that never collide (the file name is the id, so a file
named like a call already in the store, or two files of one name in different folders, get ``-2``, ``-3``…
rather than being written into one record); files that cannot be read are skipped and listed at the end
rather than ending the batch; and the batch's overall progress (「12/40件・残り約8分」). Progress and the
summary are in the UI language (``ui.language``), like every screen.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from kasuhara_live.asr.transcriber import Transcriber
from kasuhara_live.audio.sources import FileSource
from kasuhara_live.config import Config
from kasuhara_live.errors import AudioError
from kasuhara_live.pipeline import EventHook
from kasuhara_live.replay import EventSink, Progress, replay_source

TEXT: dict[str, dict[str, str]] = {
    "ja": {
        "progress": "{done}/{total}件",
        "progress.left": "{done}/{total}件・残り{left}",
        "left.minutes": "約{minutes}分",
        "left.hours": "約{hours}時間{minutes}分",
        "left.under_minute": "1分未満",
        "file.done": "{status}　{name}",
        "file.failed": "{status}　{name}：読めないため飛ばしました",
        "summary": "kasuhara-live replay: {total}件中{replayed}件を再生しました",
        "summary.failed": "読めなかったため飛ばしたファイル {n}件：",
        "summary.partial": "（{call_id} として途中まで再生）",
        "summary.renamed": "通話IDが既に使われているため、別のIDで再生したファイル {n}件：",
    },
    "en": {
        "progress": "{done}/{total} calls",
        "progress.left": "{done}/{total} calls, {left} left",
        "left.minutes": "about {minutes} min",
        "left.hours": "about {hours} h {minutes} min",
        "left.under_minute": "under a minute",
        "file.done": "{status}  {name}",
        "file.failed": "{status}  {name}: unreadable, skipped",
        "summary": "kasuhara-live replay: replayed {replayed} of {total} files",
        "summary.failed": "{n} file(s) could not be read and were skipped:",
        "summary.partial": " (partly replayed as {call_id})",
        "summary.renamed": "{n} file(s) replayed under another call id (theirs was taken):",
    },
}


def text(lang: str, key: str, **values: object) -> str:
    """The string ``key`` in ``lang`` with ``values`` filled in; an unknown key shows itself (never crashes)."""
    template = TEXT.get(lang, TEXT["en"]).get(key, key)
    return template.format(**values) if values else template


def free_call_id(stem: str, taken: Callable[[str], bool]) -> str:
    """``stem`` when no call has it, else the first of ``stem-2``, ``stem-3``… that is free."""
    candidate, number = stem, 1
    while taken(candidate):
        number += 1
        candidate = f"{stem}-{number}"
    return candidate


def time_left(lang: str, seconds: float) -> str:
    """``約8分`` / ``about 8 min``: a rough figure, as a person would say it."""
    if seconds < 60:
        return text(lang, "left.under_minute")
    hours, minutes = divmod(round(seconds / 60), 60)
    return text(lang, "left.hours", hours=hours, minutes=minutes) if hours else \
        text(lang, "left.minutes", minutes=minutes)


class BatchProgress:
    """Where a batch stands: files done of all, and the time left from the pace so far (wall seconds per audio
    second) applied to the audio still to come; ``clock`` is injected so tests can move it."""

    def __init__(self, files: int, audio: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.files, self.audio, self.clock = files, audio, clock
        self.done = 0  # files replayed or skipped
        self.audio_done = 0.0  # seconds of audio replayed in those files
        self.started = clock()

    def end_file(self, replayed: float, duration: float) -> None:
        """A file is over: ``replayed`` seconds of its ``duration`` went through (less when it failed)."""
        self.done += 1
        self.audio_done += replayed
        self.audio -= max(0.0, duration - replayed)  # what will never be replayed leaves the estimate

    def seconds_left(self, current: float = 0.0) -> float | None:
        """Wall seconds until the batch ends (``current``: seconds done of the file under way); ``None`` before
        any audio has gone through."""
        done = self.audio_done + current
        if done <= 0:
            return None
        return max(0.0, (self.clock() - self.started) * (self.audio - done) / done)

    def line(self, lang: str, current: float = 0.0) -> str:
        """「12/40件・残り約8分」 (just the count before there is a pace to go by, and at the end)."""
        left = self.seconds_left(current)
        if left is None or self.done >= self.files:
            return text(lang, "progress", done=self.done, total=self.files)
        return text(lang, "progress.left", done=self.done, total=self.files, left=time_left(lang, left))


@dataclass(frozen=True)
class Failure:
    """A file that could not be read; ``call_id`` when part of it had been replayed (and stored) before."""

    path: Path
    reason: str
    call_id: str | None = None


@dataclass
class BatchResult:
    """What a batch did: every file replayed with the call id it got, and every file skipped."""

    total: int
    replayed: list[tuple[Path, str]] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)

    @property
    def renamed(self) -> list[tuple[Path, str]]:
        """The files whose name was taken as a call id, with the id they got instead."""
        return [(path, call_id) for path, call_id in self.replayed if call_id != path.stem]


def summary_lines(lang: str, result: BatchResult, batch: bool = True) -> list[str]:
    """What a batch says at its end: how many were replayed, which files got another call id, which were
    skipped and why. A single file (``batch`` false) only says when it got another id."""
    out = [text(lang, "summary", replayed=len(result.replayed), total=result.total)] if batch else []
    if result.renamed:
        out.append(text(lang, "summary.renamed", n=len(result.renamed)))
        out += [f"  {path} → {call_id}" for path, call_id in result.renamed]
    if result.failed:
        out.append(text(lang, "summary.failed", n=len(result.failed)))
        for failure in result.failed:
            reason = failure.reason if str(failure.path) in failure.reason else f"{failure.path}: {failure.reason}"
            partial = text(lang, "summary.partial", call_id=failure.call_id) if failure.call_id else ""
            out.append(f"  {reason}{partial}")
    return out


def replay_batch(paths: Sequence[Path], cfg: Config, transcriber: Transcriber, sink: EventSink, *,
                 taken: Callable[[str], bool] = lambda call_id: False, realtime: bool = False,
                 hooks: Callable[[str], list[EventHook]] | None = None, config_version: str = "",
                 stream: TextIO = sys.stderr, clock: Callable[[], float] = time.monotonic) -> BatchResult:
    """Replay every file into ``sink``, each under a call id that neither ``taken`` (the store) nor an earlier
    file of the batch holds.

    Of more than one file, one that cannot be read is skipped and listed in the result, and progress goes to
    ``stream``: a line per file, or on a terminal the batch's count before each file's bar. A single file
    that cannot be read raises its :class:`AudioError`, as it always has.
    """
    lang = cfg.ui.language
    batch = len(paths) > 1
    opened: list[FileSource | Failure] = []
    for path in paths:  # probed first: the total length of the batch is what the time left comes from
        try:
            opened.append(FileSource(path, cfg.audio.chunk_ms))
        except AudioError as exc:
            if not batch:
                raise
            opened.append(Failure(path, str(exc)))
    overall = BatchProgress(len(paths), sum(s.duration for s in opened if isinstance(s, FileSource)), clock)
    result = BatchResult(len(paths))
    used: set[str] = set()
    terminal = stream.isatty()

    def say(key: str, path: Path) -> None:
        stream.write(text(lang, key, status=overall.line(lang), name=path.name) + "\n")
        stream.flush()

    for path, source in zip(paths, opened, strict=True):
        if isinstance(source, Failure):
            result.failed.append(source)
            overall.end_file(0.0, 0.0)
            say("file.failed", path)
            continue
        call_id = free_call_id(path.stem, lambda c: c in used or taken(c))
        used.add(call_id)
        progress = Progress(path.name, source.duration, stream,
                            status=(lambda seconds: overall.line(lang, seconds)) if batch else None)
        failure = None
        try:
            replay_source(source, call_id, cfg, transcriber, sink, realtime, hooks, config_version, progress)
            overall.end_file(source.duration, source.duration)
        except AudioError as exc:  # it began well and broke off (a truncated file): what came is kept
            if not batch:
                raise
            overall.end_file(progress.seconds, source.duration)
            failure = Failure(path, str(exc), call_id)
        finally:
            progress.close()  # after the count moved on: the bar's last state shows the new count
        if failure is not None:
            result.failed.append(failure)
            say("file.failed", path)
            continue
        result.replayed.append((path, call_id))
        if batch and not terminal:  # on a terminal the bar's last state says it
            say("file.done", path)
    return result
