"""What to transcribe when, and which results to keep: the pure streaming policy.

* A partial hypothesis is due when an open utterance has grown by ``partial_interval_s`` since the last one
  (and is at least ``min_partial_s`` long).  Finals are always decoded; under overload partials are the
  ones a caller may skip (:meth:`PartialSchedule.due` takes a ``behind`` flag for that).
* ``stable_prefix`` is LocalAgreement-2 from whisper_streaming: the prefix two successive hypotheses of the
  same utterance agree on.
* :class:`HallucinationFilter` drops what Whisper invents on silence and noise: Whisper's own no-speech
  test, and texts made only of phrases from ``asr.hallucination_blocklist``.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass

from kasuhara_live.asr.transcriber import Transcript
from kasuhara_live.audio.frames import SAMPLE_RATE
from kasuhara_live.config import AsrConfig
from kasuhara_live.metrics import bare_text


def stable_prefix(previous: str, current: str) -> str:
    """The longest common prefix of two hypotheses (what the next partial is unlikely to change)."""
    n = 0
    for a, b in zip(previous, current, strict=False):
        if a != b:
            break
        n += 1
    return current[:n]


def collapse_repeats(text: str, min_unit: int = 2, max_repeats: int = 2) -> str:
    """Cut a phrase repeated back to back more than ``max_repeats`` times (a decoder loop) down to that."""
    pattern = re.compile(r"(.{" + str(min_unit) + r",}?)\1{" + str(max_repeats) + ",}")
    return pattern.sub(lambda m: m.group(1) * max_repeats, text)


@dataclass(frozen=True)
class HallucinationFilter:
    """Decides whether a transcript is speech or something Whisper made up."""

    no_speech_threshold: float
    logprob_threshold: float
    blocklist: tuple[str, ...]

    @classmethod
    def from_config(cls, cfg: AsrConfig) -> HallucinationFilter:
        blocklist = tuple(bare_text(phrase) for phrase in cfg.hallucination_blocklist)
        return cls(cfg.no_speech_threshold, cfg.logprob_threshold, blocklist)

    def clean(self, result: Transcript) -> str:
        """The usable text of a result, or "" when it should be dropped."""
        if result.no_speech_prob > self.no_speech_threshold and result.avg_logprob < self.logprob_threshold:
            return ""
        text = collapse_repeats(result.text.strip())
        rest = bare_text(text)
        for phrase in sorted(self.blocklist, key=len, reverse=True):
            if phrase:
                rest = rest.replace(phrase, "")
        if not rest:
            return ""
        return text

    def readings(self, result: Transcript) -> tuple[str, tuple[str, ...]]:
        """The usable text of a result ("" when dropped) and its distinct usable alternative readings (none when
        the result is dropped)."""
        text = self.clean(result)
        if not text:
            return "", ()
        out: list[str] = []
        for alternative in result.alternatives:
            cleaned = self.clean(Transcript(alternative))
            if cleaned and cleaned != text and cleaned not in out:
                out.append(cleaned)
        return text, tuple(out)


class PartialSchedule:
    """When the next partial of an open utterance is due."""

    def __init__(self, cfg: AsrConfig) -> None:
        self.interval = int(cfg.partial_interval_s * SAMPLE_RATE)
        self.minimum = int(cfg.min_partial_s * SAMPLE_RATE)
        self._last_length: dict[Hashable, int] = {}  # utterance key -> its length at the last partial

    def due(self, key: Hashable, length: int, behind: bool = False) -> bool:
        """True if a partial should be decoded for the open utterance ``key``, now ``length`` samples long."""
        if behind or length < self.minimum:
            return False
        last = self._last_length.get(key, 0)
        if length - last < self.interval:
            return False
        self._last_length[key] = length
        return True

    def forget(self, key: Hashable) -> None:
        """The utterance closed: its schedule is no longer needed."""
        self._last_length.pop(key, None)
