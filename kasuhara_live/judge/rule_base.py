"""What every family of the judge's rules reads: the judge's settings, the word classes, and the trace that
:meth:`UtteranceJudge.explain <kasuhara_live.judge.rules.UtteranceJudge.explain>` keeps of what was set aside."""

from __future__ import annotations

from kasuhara_live.config import JudgeConfig
from kasuhara_live.judge.cues import Dismissal
from kasuhara_live.judge.word_classes import WordClasses


class RuleBase:
    """The settings, the word classes and the trace every family of rules reads."""

    cfg: JudgeConfig
    classes: WordClasses
    _trace: list[Dismissal] | None

    def _dismiss(self, origin: str, evidence: str, reason: str) -> None:
        if self._trace is not None:
            self._trace.append(Dismissal(origin, evidence, reason))
