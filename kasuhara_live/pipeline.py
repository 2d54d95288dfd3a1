"""Wiring one call: audio chunks in, transcript events out.

:class:`CallPipeline` owns a :class:`Segmenter` per channel and a shared :class:`Transcriber`; it is fed
:class:`AudioChunk` blocks and returns events.  It has no thread, socket or device of its own: time is the
audio's sample count, wall time comes from an injected clock, and the transcriber is any object with a
``transcribe`` method, so tests drive it with a scripted VAD and a scripted transcriber.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from kasuhara_live.asr.streaming import HallucinationFilter, PartialSchedule, stable_prefix
from kasuhara_live.asr.transcriber import Transcriber
from kasuhara_live.audio.frames import SAMPLE_RATE, AudioChunk, loudness_db
from kasuhara_live.audio.vad import Segment, Segmenter, VoiceDetector
from kasuhara_live.config import Config
from kasuhara_live.events import CallEnded, CallStarted, Event, UtteranceFinal, UtterancePartial

Clock = Callable[[], float]
EventHook = Callable[[Event], list[Event]]


@dataclass
class _Pending:
    """A segment waiting to be decoded, with where its result goes."""

    channel: int
    segment: Segment


class CallPipeline:
    """The transcript side of one call. ``start`` → ``feed``* → ``finish``."""

    def __init__(self, call_id: str, cfg: Config, speakers: Sequence[str], transcriber: Transcriber,
                 detector_factory: Callable[[], VoiceDetector], clock: Clock | None = None,
                 hooks: Sequence[EventHook] = ()) -> None:
        self.call_id = call_id
        self.cfg = cfg
        self.speakers = tuple(speakers)
        self.transcriber = transcriber
        self.segmenters = [Segmenter(cfg.vad, detector_factory()) for _ in self.speakers]
        self.filter = HallucinationFilter.from_config(cfg.asr)
        self.schedule = PartialSchedule(cfg.asr)
        self.clock = clock
        self.hooks = tuple(hooks)
        self._origin = clock() if clock else 0.0
        self._position = 0
        self._ids: dict[tuple[int, int], str] = {}
        self._last_partial: dict[tuple[int, int], str] = {}
        self._count = 0
        self._previous: dict[int, str] = {}  # channel -> the end of its finals so far (this call only)

    # -- public API -------------------------------------------------------------------------------------

    def start(self, source: str = "", started_at: float = 0.0, caller: str = "",
              config_version: str = "") -> list[Event]:
        """The ``call.started`` event."""
        return self._emit([CallStarted(self.call_id, 0.0, self.speakers, source, self._wall(), started_at, caller,
                                       config_version)])

    def feed(self, chunk: AudioChunk) -> list[Event]:
        """Feed the next block of audio (one row per channel); return the events it produced."""
        if chunk.channels != len(self.speakers):
            raise ValueError(f"chunk has {chunk.channels} channels, the call has {len(self.speakers)}")
        self._position = chunk.end
        finals = [_Pending(ch, seg) for ch, segmenter in enumerate(self.segmenters)
                  for seg in segmenter.push(chunk.samples[ch])]
        events = self._finals(finals)
        behind = self._behind()
        partials = []
        for ch, segmenter in enumerate(self.segmenters):
            snap = segmenter.snapshot()
            if snap is not None and self.schedule.due((ch, snap.start), snap.end - snap.start, behind):
                partials.append(_Pending(ch, snap))
        return events + self._partials(partials)

    def finish(self, reason: str = "end_of_audio") -> list[Event]:
        """End of the call: flush open utterances and emit ``call.ended``."""
        finals = [_Pending(ch, seg) for ch, segmenter in enumerate(self.segmenters) for seg in segmenter.flush()]
        events = self._finals(finals)
        return events + self._emit([CallEnded(self.call_id, self._now(), reason, self._wall())])

    # -- internals ----------------------------------------------------------------------------------------

    def _now(self) -> float:
        return self._position / SAMPLE_RATE

    def _wall(self) -> float | None:
        return None if self.clock is None else self.clock() - self._origin

    def _behind(self) -> bool:
        wall = self._wall()
        return wall is not None and wall - self._now() > self.cfg.asr.skip_partials_behind_s

    def _utterance_id(self, pending: _Pending) -> str:
        key = (pending.channel, pending.segment.start)
        if key not in self._ids:
            self._count += 1
            self._ids[key] = f"u{self._count:04d}"
        return self._ids[key]

    def _decode(self, pending: list[_Pending], final: bool = False) -> list[tuple[str, tuple[str, ...]]]:
        """Each utterance's text ("" when dropped) and its alternative readings."""
        out: list[tuple[str, tuple[str, ...]]] = []
        for group in self._groups(pending, final):
            audios = [p.segment.audio for p in group]
            if final and self.cfg.asr.previous_tokens > 0:
                previous = [self._previous.get(p.channel, "") for p in group]
                results = self.transcriber.transcribe(audios, final, previous=previous)
            else:
                results = self.transcriber.transcribe(audios, final)
            readings = [self.filter.readings(result) for result in results]
            if final:
                self._remember(group, readings)
            out += readings
        return out

    def _groups(self, pending: list[_Pending], final: bool) -> Iterator[list[_Pending]]:
        """Batches of at most ``asr.max_batch``; with previous-text conditioning a speaker's second final waits
        for the next batch, so that it is decoded after (and with the text of) the first."""
        group: list[_Pending] = []
        chained = final and self.cfg.asr.previous_tokens > 0
        for item in pending:
            if len(group) == self.cfg.asr.max_batch or (chained and any(p.channel == item.channel for p in group)):
                yield group
                group = []
            group.append(item)
        if group:
            yield group

    def _remember(self, group: list[_Pending], readings: list[tuple[str, tuple[str, ...]]]) -> None:
        # What each speaker said last in this call, for the next final's previous text. Dropped results (silence,
        # hallucinations) are not context. Bounded: the engine reads at most previous_tokens tokens, and a token
        # never stands for more than a few characters.
        keep = 4 * self.cfg.asr.previous_tokens
        for item, (text, _) in zip(group, readings, strict=True):
            if text and keep:
                self._previous[item.channel] = (self._previous.get(item.channel, "") + text)[-keep:]

    def _finals(self, pending: list[_Pending]) -> list[Event]:
        pending.sort(key=lambda p: p.segment.start)
        out: list[Event] = []
        for item, (text, alternatives) in zip(pending, self._decode(pending, final=True), strict=True):
            seg, key = item.segment, (item.channel, item.segment.start)
            uid = self._utterance_id(item)
            self.schedule.forget(key)
            self._last_partial.pop(key, None)
            self._ids.pop(key, None)
            if not text:
                continue
            out.append(UtteranceFinal(self.call_id, self._now(), uid, self.speakers[item.channel],
                                      seg.start / SAMPLE_RATE, seg.end / SAMPLE_RATE, text,
                                      round(loudness_db(seg.audio), 1), self._wall(), alternatives))
        return self._emit(out)

    def _partials(self, pending: list[_Pending]) -> list[Event]:
        out: list[Event] = []
        for item, (text, _) in zip(pending, self._decode(pending), strict=True):
            if not text:
                continue
            key = (item.channel, item.segment.start)
            stable = stable_prefix(self._last_partial.get(key, ""), text)
            self._last_partial[key] = text
            out.append(UtterancePartial(self.call_id, self._now(), self._utterance_id(item),
                                        self.speakers[item.channel], item.segment.start / SAMPLE_RATE,
                                        item.segment.end / SAMPLE_RATE, text, stable, self._wall()))
        return self._emit(out)

    def _emit(self, events: list[Event]) -> list[Event]:
        # Hooks (the harassment detector) see each event and may add their own right after it.
        out: list[Event] = []
        for event in events:
            out.append(event)
            for hook in self.hooks:
                out.extend(hook(event))
        return out


def run_call(pipeline: CallPipeline, chunks: Iterable[AudioChunk], source: str = "", *, started_at: float = 0.0,
             caller: str = "", config_version: str = "",
             should_stop: Callable[[], bool] = lambda: False) -> Iterator[Event]:
    """Drive a pipeline over a whole source, yielding events as they are produced.

    ``should_stop`` is polled per chunk: a call stopped early still ends properly (open utterances flushed,
    ``call.ended`` with reason ``stopped``).
    """
    yield from pipeline.start(source, started_at, caller, config_version)
    for chunk in chunks:
        if should_stop():
            yield from pipeline.finish("stopped")
            return
        yield from pipeline.feed(chunk)
    yield from pipeline.finish()


def speakers_for(channels: int, cfg: Config) -> tuple[str, ...]:
    """Speaker names by channel: stereo maps to ``audio.stereo_speakers``, mono is one mixed channel."""
    return tuple(cfg.audio.stereo_speakers) if channels == 2 else (cfg.audio.mono_speaker,)
