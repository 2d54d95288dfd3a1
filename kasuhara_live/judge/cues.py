"""The judge's vocabulary and its scoring: a :class:`Cue` is one piece of evidence, a :class:`Judgement` what an
utterance amounts to; :func:`combine` turns cues into scores on the two axes (conduct, demand) and a level, and
:func:`most_serious` picks among the recogniser's readings of one utterance."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kasuhara_live.config import JudgeConfig
from kasuhara_live.events import Level

CRITERIA_OF_AXIS = {"conduct": "means_manner", "demand": "demand_validity", "complaint": "demand_validity"}


# The axis of a cue that records a rule's considered "no": the rule saw its pattern and a guard dismissed it
# (何時間でも待ちますよ is hours waited, not hours held). It never counts; it keeps the model from overruling it.
CLEARED = "cleared"


ENVIRONMENT_CATEGORIES = frozenset({"restraint", "persistence"})


@dataclass(frozen=True)
class Cue:
    """One piece of evidence in an utterance."""

    source: str  # term id or grammar cue name
    category: str
    axis: str
    weight: float
    evidence: str
    severity: Level | None = None
    tone: bool = False  # a way of speaking (来てねえぞ, 交換してくれよ), not an act aimed at the agent: see tone_max
    kind: str = "grammar"  # what raised it: "term", "construction", "grammar", "model" or "call" (see origin)

    @property
    def origin(self) -> str:
        """What raised this cue, as an admin finds it in configs/: ``term:<id>`` and ``construction:<id>`` in the
        lexicon, ``grammar:<rule>``, ``model:<probability>``, ``call:<signal>`` (shouting)."""
        return f"model:{self.weight:.2f}" if self.kind == "model" else f"{self.kind}:{self.source}"


@dataclass(frozen=True)
class Dismissal:
    """A candidate a rule saw and a guard set aside, for ``scan --explain``: what, in which words, and why."""

    origin: str
    evidence: str
    reason: str


@dataclass(frozen=True)
class Judgement:
    """What one utterance amounts to."""

    level: Level
    category: str  # the leading category ("none" when nothing was found)
    conduct: float
    demand: float
    complaint: float
    cues: tuple[Cue, ...] = field(default=())

    @property
    def evidence(self) -> tuple[str, ...]:
        """The words that triggered the judgement: lexicon and construction matches first, grammar cues only
        when nothing else was found, and no fragment that a longer piece of evidence already shows."""
        relevant = [c for c in self.cues if c.category == self.category or c.severity is not None
                    or c.axis == "conduct"]
        lexical = [c.evidence for c in relevant if c.source not in GRAMMAR_CUES]
        words = list(dict.fromkeys(lexical or [c.evidence for c in relevant]))
        return tuple(w for w in words if not any(w != other and w in other for other in words))

    @property
    def source(self) -> str:
        """What raised the judgement (the alert's ``source``): the origins of the cues behind its level and
        category, the deciding one first (``term:abuse_baka, grammar:command``; ``model:0.91``)."""
        if self.level is Level.NONE:
            return ""
        relevant = [c for c in self.cues if c.category == self.category or c.severity is not None
                    or c.axis == "conduct"]
        ranked = sorted(relevant or self.cues, key=lambda c: (-(c.severity.rank if c.severity else 0), -c.weight))
        return ", ".join(dict.fromkeys(c.origin for c in ranked))

    @property
    def model_cue(self) -> Cue | None:
        """The model's cue when the model raised this judgement (see UtteranceJudge._second_opinion)."""
        return next((c for c in self.cues if c.source == "model"), None)

    @property
    def criteria(self) -> tuple[str, ...]:
        crit = {CRITERIA_OF_AXIS[c.axis] for c in self.cues if c.axis != "complaint"}
        if any(c.category in ENVIRONMENT_CATEGORIES for c in self.cues) or self.level >= Level.WARNING:
            crit.add("work_environment")
        order = ("demand_validity", "means_manner", "work_environment")
        return tuple(c for c in order if c in crit)


GRAMMAR_CUES = frozenset({"command", "rough_ending", "te_yaru", "repeated_clause", "repeated_contact", "held_on",
                          "private_visit", "long_hold", "blunt_demand", "investigates_agent",
                          "exposes_agent", "belittles_listener",
                          "disowned_consequence", "labelled", "group_removal", "group_contempt"})


NOTHING = Judgement(Level.NONE, "none", 0.0, 0.0, 0.0)


def combine(cfg: JudgeConfig, cues: list[Cue]) -> Judgement:
    """The cues' scores on each axis, the level they reach under ``cfg`` and the leading category."""
    if not cues:
        return NOTHING
    # 0.0, not 0, when an axis has no cue: the compiled judge (floats only) must print what the sources print
    # tone weighs at most tone_max however much of it there is: see configs/default.toml
    tone = sum((c.weight for c in cues if c.axis == "conduct" and c.tone), 0.0)
    conduct = sum((c.weight for c in cues if c.axis == "conduct" and not c.tone), 0.0) + min(tone, cfg.tone_max)
    demand = sum((c.weight for c in cues if c.axis == "demand"), 0.0)
    complaint = sum((c.weight for c in cues if c.axis == "complaint"), 0.0)
    forced = max((c.severity for c in cues if c.severity is not None), default=None)
    if forced is Level.CRITICAL:
        level = Level.CRITICAL
    elif (forced is Level.WARNING or conduct >= cfg.conduct_high
          or (demand >= cfg.demand_grey and conduct >= cfg.coercion)):
        level = Level.WARNING
    elif forced is Level.CAUTION or conduct >= cfg.coercion or demand >= cfg.demand_grey or complaint > 0:
        level = Level.CAUTION
    else:
        level = Level.NONE
    lead = _lead(cues, level)
    return Judgement(level, lead, round(conduct, 2), round(demand, 2), round(complaint, 2), tuple(cues))


def _lead(cues: list[Cue], level: Level) -> str:
    # The leading category: the forcing term if any, then the heaviest lexicon term, grammar cues last.
    def rank(c: Cue) -> tuple[int, int, float, int]:
        lexical = c.source not in GRAMMAR_CUES
        # on a tie the cue that names a behaviour leads a generic coercion cue (付き合ってもらうからね: restraint)
        return (c.severity.rank if c.severity else 0, int(lexical and c.axis != "complaint"), c.weight,
                int(c.category != "intimidation"))

    if level <= Level.CAUTION and all(c.axis == "complaint" or c.weight < 0.5 for c in cues):
        complaints = [c for c in cues if c.axis == "complaint"]
        if complaints:
            return "complaint"
    return max(cues, key=rank).category


def most_serious(judgements: Iterable[Judgement]) -> Judgement:
    """The judgement of the best reading, unless another reading is harassment (warning or above) and worse.

    Other readings are there to recover harassment that the best reading garbled (溶けさしろ → 土下座しろ); a
    cut-off reading (ご不便をおかけ, read as an order) must not turn an ordinary utterance into a complaint.
    """
    found = iter(judgements)
    best = first = next(found, NOTHING)
    for other in found:
        if other.level >= Level.WARNING and other.level > best.level and _heard_in(first, other):
            best = other
    return best


# Evidence this long (characters) in another reading stands on its own: a phrase, not a short word one kana
# away from an ordinary one (ごみ for 混み, カス for 風)
_SELF_EVIDENT = 5


def _heard_in(first: Judgement, other: Judgement) -> bool:
    """Another reading may confirm what the best reading hints at (溶けさしろ: an order heard; 土下座しろ is its
    second reading), or bring a phrase long enough to stand on its own; it may not turn an ordinary sentence into
    harassment on one short word: ちょうどお昼時で混み合っておりますので, read again as ごみ合って."""
    return bool(first.cues) or any(len(c.evidence) >= _SELF_EVIDENT for c in other.cues
                                   if c.severity is not None or c.axis == "conduct")
