"""A rule's own tests: the ``examples`` and ``counterexamples`` a lexicon rule lists, run against the rules.

Each ``[[term]]``, ``[[construction]]`` and ``[[exception]]`` may list utterances where it must fire
(``examples``) and where it must not (``counterexamples``). What "fires" means is the rule's own doing, never the
overall level (other rules may raise or lower it):

* a term or a construction fires when its id is among the judgement's live cues (not one a guard cleared);
* an exception fires when it silences: its phrase is heard, a term or construction was heard overlapping it (for
  ``scope = "utterance"``: anywhere in the utterance, of one of its categories), and none of those gave a cue;
* an exception of ``scope = "utterance"`` also fires when a cue of one of its categories, found by any rule (a
  grammar rule too: 子供が暴れて, where 暴れる is a harm verb), was set aside because its phrase was heard
  (:meth:`UtteranceJudge.category_silenced`): that is how it acts, and a grammar cue has no phrase to overlap.

The rules are run alone (no model): an example tests a rule, and the model's opinion is not a rule's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kasuhara_live.config import JudgeConfig
from kasuhara_live.judge.japanese import Analyzer
from kasuhara_live.judge.lexicon import Lexicon, RuleExamples
from kasuhara_live.judge.matcher import PhraseMatcher
from kasuhara_live.judge.rules import CLEARED, UtteranceJudge


@dataclass(frozen=True)
class ExampleFailure:
    """One utterance that a rule gets wrong: an example where it does not fire, a counterexample where it does."""

    rule: RuleExamples
    text: str
    should_fire: bool

    def __str__(self) -> str:
        if self.should_fire:
            return f"{self.rule.where}: example {self.text!r} does not fire"
        return f"{self.rule.where}: counterexample {self.text!r} fires"


class ExampleChecker:
    """Runs rules on their own examples (the rules alone, as ``cfg`` configures them)."""

    def __init__(self, lexicon: Lexicon, cfg: JudgeConfig, analyzer: Analyzer | None = None) -> None:
        self.lexicon = lexicon
        self.judge = UtteranceJudge(lexicon, cfg, analyzer)
        self.matcher = PhraseMatcher(lexicon, self.judge.analyzer, cfg.min_fuzzy_kana, cfg.kana_per_error,
                                     cfg.max_reading_errors)
        self._exceptions = {e.id: e for e in lexicon.exceptions}
        self._kind_of = {**{t.id: "term" for t in lexicon.terms},
                         **{c.id: "construction" for c in lexicon.constructions}}
        self._category_of = {**{t.id: t.category for t in lexicon.terms},
                             **{c.id: c.category for c in lexicon.constructions}}

    def fires(self, kind: str, rule_id: str, text: str) -> bool:
        """Whether the rule ``rule_id`` (a ``kind``: term, construction or exception) fires on ``text``."""
        judgement = self.judge.judge(text)
        live = {(c.kind, c.source) for c in judgement.cues if c.axis != CLEARED}
        if kind != "exception":
            return (kind, rule_id) in live
        exception = self._exceptions[rule_id]
        matches = self.matcher.find(self.judge.analyzer.analyze(text))
        own = [m for m in matches if m.owner == rule_id]
        if not own:
            return False
        rules = {m.owner.partition("#")[0] for m in matches if m.owner.partition("#")[0] in self._kind_of}
        if exception.utterance_categories:
            if any(c.category in exception.utterance_categories for c in self.judge.category_silenced(text)):
                return True  # a cue of its category, whichever rule found it, set aside
            silenced = {r for r in rules if self._category_of[r] in exception.utterance_categories}
        else:
            silenced = {m.owner.partition("#")[0] for m in matches if m.owner.partition("#")[0] in rules
                        and any(e.first <= m.last and m.first <= e.last for e in own)}
        return bool(silenced) and not any((self._kind_of[r], r) in live for r in silenced)

    def failures(self, rules: Iterable[RuleExamples] | None = None) -> list[ExampleFailure]:
        """Every example that does not fire and every counterexample that does (all the lexicon's by default)."""
        failed = []
        for rule in self.lexicon.rule_examples if rules is None else rules:
            for text in rule.examples:
                if not self.fires(rule.kind, rule.id, text):
                    failed.append(ExampleFailure(rule, text, True))
            for text in rule.counterexamples:
                if self.fires(rule.kind, rule.id, text):
                    failed.append(ExampleFailure(rule, text, False))
        return failed
