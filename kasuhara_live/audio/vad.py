"""Voice-activity segmentation: per-speaker utterances with frame-exact sample positions.

:class:`Segmenter` is pure: it is fed int16 samples of one channel and asks a :class:`VoiceDetector` whether
each frame is speech.  Production uses :class:`WebRtcDetector` (webrtcvad); tests use a scripted detector.
The rules, all in frames of ``vad.frame_ms``:

* idle → speaking when ``trigger_ratio`` of the frames in the last ``trigger_ms`` are speech; the utterance
  starts ``pre_roll_ms`` before the first speech frame of that window (so the first mora is kept);
* speaking → closed after ``hangover_ms`` without speech; the utterance ends ``tail_ms`` after the last
  speech frame;
* an utterance reaching ``max_utterance_s`` is cut and a new one continues seamlessly; the cut goes in the
  middle of the longest run of non-speech frames of the last ``cut_search_s`` (a word is not split in two),
  or on the limit itself where there is none;
* an utterance with less than ``min_speech_ms`` of speech frames is dropped (a cough, a click).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from kasuhara_live.audio.frames import SAMPLE_RATE
from kasuhara_live.config import VadConfig


class VoiceDetector(Protocol):
    """Decides whether one frame of 16 kHz int16 audio is speech."""

    def is_speech(self, frame: np.ndarray) -> bool: ...


class WebRtcDetector:
    """The webrtcvad edge: Google's WebRTC voice activity detector."""

    def __init__(self, aggressiveness: int) -> None:
        import webrtcvad

        self._vad = webrtcvad.Vad(aggressiveness)

    def is_speech(self, frame: np.ndarray) -> bool:
        return bool(self._vad.is_speech(frame.tobytes(), SAMPLE_RATE))


@dataclass(frozen=True)
class Segment:
    """An utterance of one channel: samples ``start``..``end`` of the call.

    ``final`` is False for a snapshot of an utterance still open (used for partial hypotheses).
    """

    start: int
    end: int
    audio: np.ndarray
    final: bool


class Segmenter:
    """Turns one channel's samples into utterances. Feed with :meth:`push`; close with :meth:`flush`."""

    def __init__(self, cfg: VadConfig, detector: VoiceDetector) -> None:
        self.frame = SAMPLE_RATE * cfg.frame_ms // 1000
        self.detector = detector
        self.trigger_frames = max(1, cfg.trigger_ms // cfg.frame_ms)
        self.trigger_ratio = cfg.trigger_ratio
        self.pre_roll = SAMPLE_RATE * cfg.pre_roll_ms // 1000
        self.hangover_frames = max(1, cfg.hangover_ms // cfg.frame_ms)
        self.tail = SAMPLE_RATE * cfg.tail_ms // 1000
        self.min_speech_frames = cfg.min_speech_ms // cfg.frame_ms
        self.max_samples = int(cfg.max_utterance_s * SAMPLE_RATE)
        self.cut_search = int(cfg.cut_search_s * SAMPLE_RATE)
        # All audio not yet released: only as much as pre-roll needs while idle, the open utterance otherwise.
        self._buffer = np.zeros(0, dtype=np.int16)
        self._buffer_start = 0  # call sample index of _buffer[0]
        self._carry = np.zeros(0, dtype=np.int16)  # samples short of a whole frame
        self._position = 0  # call sample index of the next frame to classify
        self._recent: deque[tuple[int, bool]] = deque(maxlen=self.trigger_frames)
        self._open_start: int | None = None
        self._released = 0  # end of the last utterance: the next one never overlaps it
        self._last_speech_end = 0
        self._speech_frames = 0
        self._silent_run = 0
        self._frames: list[tuple[int, bool]] = []  # (start, is speech) of the open utterance's frames

    @property
    def is_open(self) -> bool:
        return self._open_start is not None

    def push(self, samples: np.ndarray) -> list[Segment]:
        """Feed samples (int16, one channel); return the utterances that closed in them."""
        closed: list[Segment] = []
        data = np.concatenate([self._carry, samples.astype(np.int16, copy=False)])
        usable = len(data) - len(data) % self.frame
        self._carry = data[usable:]
        self._buffer = np.concatenate([self._buffer, data[:usable]])
        for offset in range(0, usable, self.frame):
            frame_start = self._position
            frame = data[offset : offset + self.frame]
            self._position += self.frame
            segment = self._step(frame_start, self.detector.is_speech(frame))
            if segment is not None:
                closed.append(segment)
        if not self.is_open:
            self._trim_idle()
        return closed

    def snapshot(self) -> Segment | None:
        """The open utterance so far (for a partial hypothesis), or None when idle."""
        if self._open_start is None:
            return None
        return Segment(self._open_start, self._position, self._slice(self._open_start, self._position), False)

    def flush(self) -> list[Segment]:
        """End of audio: close the open utterance, if any, where the speech ended."""
        if self._open_start is None:
            return []
        segment = self._close(min(self._last_speech_end + self.tail, self._position))
        return [segment] if segment is not None else []

    def _step(self, frame_start: int, speech: bool) -> Segment | None:
        frame_end = frame_start + self.frame
        if self._open_start is None:
            self._recent.append((frame_start, speech))
            voiced = [start for start, is_voiced in self._recent if is_voiced]
            if len(self._recent) == self.trigger_frames and len(voiced) >= self.trigger_ratio * self.trigger_frames:
                self._open_start = max(self._buffer_start, self._released, voiced[0] - self.pre_roll)
                self._speech_frames = len(voiced)
                self._last_speech_end = frame_end
                self._silent_run = 0
                self._frames = list(self._recent)
                self._recent.clear()
            return None
        self._frames.append((frame_start, speech))
        if speech:
            self._speech_frames += 1
            self._last_speech_end = frame_end
            self._silent_run = 0
        else:
            self._silent_run += 1
        if self._silent_run >= self.hangover_frames:
            return self._close(min(self._last_speech_end + self.tail, frame_end))
        if frame_end - self._open_start >= self.max_samples:
            return self._cut_long(frame_end)
        return None

    def _cut_long(self, frame_end: int) -> Segment | None:
        # Cut a long monologue and keep listening: the next utterance starts on the very sample of the cut.
        cut = self._pause_point(frame_end)
        before = [f for f in self._frames if f[0] < cut]
        after = [f for f in self._frames if f[0] >= cut]
        self._speech_frames = sum(speech for _, speech in before)
        segment = self._close(cut)
        self._open_start = cut
        self._frames = after
        self._speech_frames = sum(speech for _, speech in after)
        voiced = [start for start, speech in after if speech]
        self._last_speech_end = voiced[-1] + self.frame if voiced else cut
        self._silent_run = len(after) - 1 - max((i for i, (_, sp) in enumerate(after) if sp), default=-1)
        return segment

    def _pause_point(self, frame_end: int) -> int:
        """The middle of the longest run of non-speech frames in the last ``cut_search`` samples (the latest of
        equals), or ``frame_end`` when there is none."""
        best_len, best_mid, run = 0, frame_end, 0
        first = max(frame_end - self.cut_search, (self._open_start or 0) + self.frame)
        for start, speech in self._frames:
            if start < first:
                continue
            run = 0 if speech else run + 1
            if run and run >= best_len:
                best_len, best_mid = run, start + self.frame - run * self.frame // 2
        return best_mid if best_len else frame_end

    def _close(self, end: int) -> Segment | None:
        start = self._open_start
        assert start is not None  # only called while open
        keep = self._speech_frames >= self.min_speech_frames
        segment = Segment(start, end, self._slice(start, end), True) if keep else None
        self._open_start = None
        self._released = end
        self._speech_frames = 0
        self._silent_run = 0
        self._frames = []
        return segment

    def _slice(self, start: int, end: int) -> np.ndarray:
        return self._buffer[start - self._buffer_start : end - self._buffer_start].copy()

    def _trim_idle(self) -> None:
        # While idle only the pre-roll and the trigger window can still become part of an utterance.
        keep = self.pre_roll + self.trigger_frames * self.frame + self.tail
        excess = len(self._buffer) - keep
        if excess > 0:
            self._buffer = self._buffer[excess:]
            self._buffer_start += excess
