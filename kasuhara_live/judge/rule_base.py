"""What every family of the judge's rules reads: the judge's settings, the word classes, and the trace that
:meth:`UtteranceJudge.explain <kasuhara_live.judge.rules.UtteranceJudge.explain>` keeps of what was set aside.

Each family of rules is a class that reads its own part of the lexicon in ``__init__``: RuleBase → HarmRules →
GrammarCues → PersistenceRules → GroupRules → TermRules → UtteranceJudge. One chain, not mixins: mypyc compiles
single inheritance into native classes (multiple inheritance only for traits), and the judge runs compiled.
"""

from __future__ import annotations

from kasuhara_live.config import JudgeConfig
from kasuhara_live.judge.cues import Dismissal
from kasuhara_live.judge.japanese import Analyzer
from kasuhara_live.judge.lexicon import Lexicon
from kasuhara_live.judge.word_classes import WordClasses, word_classes


class RuleBase:
    """The settings, the analyser, the word classes and the trace every family of rules reads."""

    def __init__(self, lexicon: Lexicon, cfg: JudgeConfig, analyzer: Analyzer) -> None:
        self.cfg = cfg
        self.analyzer = analyzer
        # the named word classes the rules read (configs/word-classes.toml, with the lexicon's [classes.add/remove])
        self.classes: WordClasses = lexicon.classes if lexicon.classes is not None else word_classes()
        self._trace: list[Dismissal] | None = None  # set only while explain() runs

    def _dismiss(self, origin: str, evidence: str, reason: str) -> None:
        if self._trace is not None:
            self._trace.append(Dismissal(origin, evidence, reason))
