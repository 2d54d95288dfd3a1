"""Judging one utterance: lexicon matches and grammar cues → conduct and demand scores → a level.

The two axes of the 2-axis picture (DOMAIN.md): *conduct* (how it is said: insults, threats, coercion,
shouting) and *demand* (what is asked: money as 誠意, 慰謝料, the president now).  A match contributes its
term's weight to its axis; grammar cues add to conduct:

* commands (命令形 verbs other than polite ください/なさい, prohibitive な): coercion;
* rough sentence ends (〜ぞ, 〜ぜ, 〜やがる); rough address (お前, てめえ) is in the lexicon;
* threat constructions 〜てやる (with a harm verb from ``[grammar] harm_verbs``: a threat of violence).

A match is dropped when it sits in an exception (バカ売れ), when its clause is negated after a verb
(土下座なんて求めていません), or when it is reported speech (「死ね」と言われた, 〜といった暴言).
Levels: critical on a critical term or threat; warning when conduct alone is high, or a demand is pressed
with coercion (demand >= ``demand_grey`` and conduct >= ``coercion``); caution for complaint cues, a grey
demand or mild roughness; none otherwise.

The words the rules look for (who the staff are, what is no one to threaten, which verbs quote…) are named word
classes in ``configs/word-classes.toml`` (:mod:`kasuhara_live.judge.word_classes`), read as
``classes.<name>``: the judge's ``self.classes``, passed to the rules' functions as their first argument.

This module assembles the judge; the rules live by what changes together: :mod:`~kasuhara_live.judge.cues` (the
vocabulary and the scoring), :mod:`~kasuhara_live.judge.guards`, :mod:`~kasuhara_live.judge.grammar` and
:mod:`~kasuhara_live.judge.grammar_cues`, :mod:`~kasuhara_live.judge.harm`, :mod:`~kasuhara_live.judge.persistence`,
:mod:`~kasuhara_live.judge.groups`, :mod:`~kasuhara_live.judge.terms`, :mod:`~kasuhara_live.judge.behaviours` and
:mod:`~kasuhara_live.judge.own_choice`.
"""

from __future__ import annotations

from collections.abc import Sequence

from kasuhara_live.config import JudgeConfig
from kasuhara_live.events import Level
from kasuhara_live.judge.behaviours import disowned_consequence, investigates_agent, private_visit
from kasuhara_live.judge.belittling import belittles_listener
from kasuhara_live.judge.clauses import is_listener
from kasuhara_live.judge.cues import (
    CLEARED,
    ENVIRONMENT_CATEGORIES,
    GRAMMAR_CUES,
    NOTHING,
    Cue,
    Dismissal,
    Judgement,
    combine,
    most_serious,
)
from kasuhara_live.judge.exposure import exposes_agent
from kasuhara_live.judge.grammar import asks_for_it, is_polite
from kasuhara_live.judge.guards import is_negated, is_reported
from kasuhara_live.judge.japanese import Analysis, Analyzer
from kasuhara_live.judge.lexicon import Lexicon, Match
from kasuhara_live.judge.matcher import PhraseMatcher
from kasuhara_live.judge.model import HarassmentModel, content_kana
from kasuhara_live.judge.own_choice import own_choices
from kasuhara_live.judge.persistence_plans import planned_contact
from kasuhara_live.judge.terms import TermRules

# what callers import from here (the judge's vocabulary lives in cues.py, the guards in guards.py)
__all__ = ["CLEARED", "ENVIRONMENT_CATEGORIES", "GRAMMAR_CUES", "NOTHING", "Cue", "Dismissal", "Judgement",
           "UtteranceJudge", "is_negated", "is_reported", "most_serious"]



class UtteranceJudge(TermRules):
    """Scores single utterances. Pure: text in, :class:`Judgement` out."""

    def __init__(self, lexicon: Lexicon, cfg: JudgeConfig, analyzer: Analyzer | None = None,
                 model: HarassmentModel | None = None) -> None:
        super().__init__(lexicon, cfg, analyzer or Analyzer())
        self.model = model
        self.addressees = frozenset(lexicon.addressees)
        self.matcher = PhraseMatcher(lexicon, self.analyzer, cfg.min_fuzzy_kana, cfg.kana_per_error,
                                     cfg.max_reading_errors)

    def judge(self, text: str, extra: tuple[Cue, ...] = (), whole: bool = True) -> Judgement:
        """Judge one utterance; ``extra`` cues come from outside the text (shouting).

        ``whole``: the utterance is finished, so the model may give its opinion (a partial is left to the rules:
        half a sentence reads differently as a whole).
        """
        analysis = self.analyzer.analyze(text)
        judgement, cleared = self._judge_rules(analysis, extra, whole)
        if not whole:
            return judgement
        return self._with_opinion(analysis, judgement, cleared)

    def judge_many(self, texts: Sequence[str]) -> list[Judgement]:
        """Whole utterances, each judged exactly as :meth:`judge` judges it, but stage by stage over the batch.

        Bulk input (``scan`` on a chat export) runs about a third faster this way on one core: each stage keeps
        its own tables in the CPU cache while it runs (MeCab's 71 MB connection matrix, the lexicon's indexes,
        the model's feature table) instead of evicting the others' on every utterance (bench/RESULTS.md).
        """
        analyses = [self.analyzer.analyze(text) for text in texts]
        ruled = [self._judge_rules(analysis, ()) for analysis in analyses]
        return [self._with_opinion(analysis, judgement, cleared)
                for analysis, (judgement, cleared) in zip(analyses, ruled, strict=True)]

    def _with_opinion(self, analysis: Analysis, judgement: Judgement, cleared: frozenset[str]) -> Judgement:
        """The model's second opinion on a whole utterance long enough to read, where the rules left it low."""
        if self.model is None or judgement.level >= Level.WARNING or content_kana(analysis) < self.cfg.model_min_kana:
            return judgement
        return self._second_opinion(self.model, analysis, judgement, cleared)

    def _second_opinion(self, model: HarassmentModel, analysis: Analysis, judgement: Judgement,
                        cleared: frozenset[str]) -> Judgement:
        """The model raises an utterance the rules left below warning to warning when it is sure enough.

        The category is the one the rules found if they found one (a grey demand pressed in words no rule
        names stays ``excessive_demand``), otherwise the model's own; never one a rule looked at in these words
        and dismissed (``cleared``: hours waited are not restraint, a hazard reported is not a threat).
        """
        probability = model.probability(analysis)
        if probability < self.cfg.model_threshold:
            if self._trace is not None and probability >= self.cfg.model_threshold / 2:
                self._dismiss(f"model:{probability:.2f}", analysis.text, "below_threshold")
            return judgement
        unaddressed = self.cfg.model_threshold_unaddressed
        if (unaddressed >= 1.0 or probability < unaddressed) and not self._addressed(analysis, judgement):
            self._dismiss(f"model:{probability:.2f}", analysis.text, "aimed_at_no_one")
            return judgement
        choices = own_choices(self.classes, analysis.tokens)
        if choices:
            # 他の会社に乗り換えるからな, 二度と買わないからな: taking one's custom elsewhere is the caller's right,
            # however roughly said (the model learnt 〜からな from threats). The rest of the utterance is read again
            # without it: what remains must be harassment on its own.
            rest = self.analyzer.analyze("".join(t.surface for i, t in enumerate(analysis.tokens) if i not in choices))
            if content_kana(rest) < self.cfg.model_min_kana or model.probability(rest) < self.cfg.model_threshold:
                self._dismiss(f"model:{probability:.2f}", analysis.text, "own_choice")
                return judgement
        opinion = model.opinion(analysis)
        category = judgement.category if judgement.category not in ("none", "complaint") else opinion.category
        if category in cleared:
            self._dismiss(f"model:{probability:.2f}", opinion.evidence, f"cleared:{category}")
            return judgement
        cue = Cue("model", category, "conduct", round(probability, 2), opinion.evidence, Level.WARNING, kind="model")
        return combine(self.cfg, [*judgement.cues, cue])

    def _addressed(self, analysis: Analysis, judgement: Judgement) -> bool:
        """The utterance is aimed at a person: a rule found something on the conduct or demand axis, someone is
        addressed (お前, あんた), one of the people on the other end of the line is named (担当者, 店員: ``[grammar]
        addressees``), someone is called (添乗員さん、: ``vocative_suffixes``) or spoken of with a subject honorific
        (なさってる: ``honorific_verbs``), a group of people is spoken of as a group (女は, 外国人って: ``[grammar]
        people``), or an order is given (出せ).

        Harassment needs a person. A model trained on sets where harassment was said plainly reads plain speech as
        evidence; on real casual Japanese almost all its false alarms were utterances aimed at no one (寒いしね, a
        story about the caller's day), and the rules see that such an utterance names no one.
        """
        if any(c.axis in ("conduct", "demand") for c in judgement.cues) or asks_for_it(self.classes, analysis):
            return True  # 返して, 謝って, 対応してよ: asked of the listener, plainly (not ください: jmultiwoz)
        tokens = analysis.tokens
        for i, token in enumerate(tokens):
            if is_listener(self.classes, token) or token.lemma in self.addressees or token.surface in self.addressees \
                    or analysis.is_command(i):
                return True  # お前, 担当者, 出せ
            if token.lemma in self.classes.honorific_verbs:
                return True  # なさってる, おっしゃって: the listener's doing, spoken of with respect
            if token.pos == "接尾辞" and token.lemma in self.classes.vocative_suffixes \
                    and (i + 1 == len(tokens) or tokens[i + 1].surface in self.classes.vocative_marks):
                return True  # 添乗員さん、 / 新人さん？: someone called by name or title
        # 女は, 中国人って (中国+人 as unidic cuts it), 女のわけわからん話: a group spoken of
        # (not 会ってた女が: one woman)
        return any(last + 1 < len(tokens) and tokens[last + 1].surface in self.classes.group_marks
                   for _, last in self._groups(tokens))

    def _judge_rules(self, analysis: Analysis, extra: tuple[Cue, ...],
                     whole: bool = True) -> tuple[Judgement, frozenset[str]]:
        """The rules' judgement, and the categories a rule looked at and dismissed (or an exception silenced).

        Words said over count only in a whole utterance's best reading: a partial hypothesis or another reading
        that repeats itself (私が見え、私が見え、私が見え) is Whisper caught in a loop, not a caller insisting."""
        matches = self.matcher.find(analysis)
        found = self._found_cues(analysis, matches, whole)
        silenced = self._silenced_categories(matches)
        cleared = silenced | {c.category for c in found if c.axis == CLEARED}
        if self._trace is not None:
            for c in found:
                if c.axis == CLEARED:
                    self._dismiss(c.origin, c.evidence, "cleared")
                elif c.category in silenced:
                    self._dismiss(c.origin, c.evidence, "category_silenced_by_exception")
        cues = [c for c in found if c.category not in silenced and c.axis != CLEARED]
        return combine(self.cfg, [*cues, *self._blunt_demand(analysis, cues), *extra]), frozenset(cleared)

    def _found_cues(self, analysis: Analysis, matches: list[Match], whole: bool = True) -> list[Cue]:
        """Every cue a rule found in the utterance, before the utterance-scope exceptions set their categories aside
        (the cues an ordinary exception or a guard dismissed are not among them)."""
        repeated = (self._repeated_clauses(analysis) or self._repeated_word(analysis)) if whole else []
        return [*self._lexicon_cues(analysis, matches), *self._construction_cues(analysis, matches),
                *self._grammar_cues(analysis), *repeated,
                *self._contact_cues(analysis),
                *private_visit(self.classes, analysis), *self._long_hold(analysis),
                *investigates_agent(self.classes, analysis), *exposes_agent(self.classes, analysis),
                *belittles_listener(self.classes, analysis),
                *disowned_consequence(self.classes, analysis),
                *self._labelled(analysis), *self._about_groups(analysis)]

    def _contact_cues(self, analysis: Analysis) -> list[Cue]:
        """Contact counted or promised (_repeated_contact); failing that, or where it only dismissed a habit told,
        contact announced as a plan (気に入るまで問い合わせます, 毎朝かけることにしました)."""
        found = self._repeated_contact(analysis)
        if any(c.axis != CLEARED for c in found):
            return found
        return planned_contact(self.classes, self.contact_verbs, self.frequency_words, analysis,
                               self.cfg.repeated_contact_weight, self.cfg.many_contacts) or found

    def category_silenced(self, text: str) -> list[Cue]:
        """The cues of ``text`` (a whole utterance) that an utterance-scope exception heard in it set aside, whatever
        rule found them (a term, a construction, a grammar rule: 子供が暴れて silences the threat that 暴れる, a harm
        verb, would be). For :class:`~kasuhara_live.judge.rule_examples.ExampleChecker`."""
        analysis = self.analyzer.analyze(text)
        matches = self.matcher.find(analysis)
        silenced = self._silenced_categories(matches)
        if not silenced:
            return []
        return [c for c in self._found_cues(analysis, matches) if c.category in silenced and c.axis != CLEARED]

    def _blunt_demand(self, analysis: Analysis, cues: list[Cue]) -> list[Cue]:
        """An invalid demand made without a word of politeness (新車に交換して, 百万でどうかな, 全部返して) presses it:
        DOMAIN.md's grey zone is the invalid demand made *politely* (…いただけますか)."""
        demands = [c for c in cues if c.axis == "demand"]
        if sum(c.weight for c in demands) < self.cfg.demand_grey or not self.cfg.coercion \
                or is_polite(self.classes, analysis.tokens) or not asks_for_it(self.classes, analysis) \
                or any(word in analysis.text for word in self.classes.legal_route):
            return []  # 弁護士に相談して慰謝料請求する: a claim through the proper channel is a right
        lead = max(demands, key=lambda c: c.weight)
        return [Cue("blunt_demand", lead.category, "conduct", self.cfg.coercion, lead.evidence)]

    def judge_readings(self, readings: Sequence[str], extra: tuple[Cue, ...] = (), whole: bool = True) -> Judgement:
        """Judge the recogniser's readings of one utterance, best first (see :func:`most_serious`).

        The model reads the best reading only: the others are there for the rules, to recover a phrase Whisper
        garbled (溶けさしろ → 土下座しろ); a reading a few characters away that merely scores higher would only
        add false alarms (the agent's 同じ時期の製品で heard as 同じ好きの精神で).
        """
        return most_serious(self.judge(text, extra, whole and i == 0) for i, text in enumerate(readings))

    def explain(self, text: str) -> tuple[Judgement, list[Dismissal], float | None]:
        """Judge ``text`` as :meth:`judge` does, and say what was considered and set aside, and why; with the
        model's probability (None without a model, or when the utterance is too short for it)."""
        self._trace = []
        try:
            judgement = self.judge(text)
            dismissed = self._trace
        finally:
            self._trace = None
        analysis = self.analyzer.analyze(text)
        probability = None
        if self.model is not None and content_kana(analysis) >= self.cfg.model_min_kana:
            probability = round(self.model.probability(analysis), 3)
        return judgement, dismissed, probability
