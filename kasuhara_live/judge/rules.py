"""Judging one utterance: lexicon matches and grammar cues → conduct and demand scores → a level.

The two axes of the 2-axis picture (DOMAIN.md): *conduct* (how it is said: insults, threats, coercion,
shouting) and *demand* (what is asked: money as 誠意, 慰謝料, the president now).  A match contributes its
term's weight to its axis; grammar cues add to conduct:

* commands (命令形 verbs other than polite ください/なさい, prohibitive な): coercion;
* rough address and sentence ends (お前, てめえ, 貴様, 〜ぞ, 〜やがる);
* threat constructions 〜てやる (with a harm verb from ``[grammar] harm_verbs``: a threat of violence).

A match is dropped when it sits in an exception (バカ売れ), when its clause is negated after a verb
(土下座なんて求めていません), or when it is reported speech (「死ね」と言われた, 〜といった暴言).
Levels: critical on a critical term; warning when conduct alone is high, or a demand is pressed with
coercion (demand >= ``demand_grey`` and conduct >= ``coercion``); caution for complaint cues, a grey demand or mild roughness; none otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kasuhara_live.config import JudgeConfig
from kasuhara_live.events import Level
from kasuhara_live.judge.japanese import Analysis, Analyzer, Token
from kasuhara_live.judge.lexicon import Lexicon, Match, PhraseMatcher, Term

CRITERIA_OF_AXIS = {"conduct": "means_manner", "demand": "demand_validity", "complaint": "demand_validity"}
ENVIRONMENT_CATEGORIES = frozenset({"restraint", "persistence"})

_POLITE_COMMANDS = frozenset({"下さる", "なさる", "いらっしゃる", "為さる", "御座る"})
_ROUGH_ADDRESS = frozenset({"お前", "御前", "てめえ", "手前", "貴様", "おめえ", "テメエ", "テメー", "オマエ"})
_ROUGH_ENDINGS = frozenset({"ぞ", "ぜ"})
_SAYING_VERBS = frozenset({"言う", "書く", "聞く", "話す", "書き込む", "叫ぶ", "怒鳴る", "云う"})
_NEGATORS = frozenset({"ない", "ず", "ぬ", "無い"})
_PASSIVE = frozenset({"れる", "られる"})
_CLOSING_QUOTES = frozenset("」』\"”")


@dataclass(frozen=True)
class Cue:
    """One piece of evidence in an utterance."""

    source: str  # term id or grammar cue name
    category: str
    axis: str
    weight: float
    evidence: str
    severity: Level | None = None


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
        return tuple(dict.fromkeys(c.evidence for c in self.cues if c.category == self.category or
                                   c.severity is not None or c.axis == "conduct"))

    @property
    def criteria(self) -> tuple[str, ...]:
        crit = {CRITERIA_OF_AXIS[c.axis] for c in self.cues if c.axis != "complaint"}
        if any(c.category in ENVIRONMENT_CATEGORIES for c in self.cues) or self.level >= Level.WARNING:
            crit.add("work_environment")
        order = ("demand_validity", "means_manner", "work_environment")
        return tuple(c for c in order if c in crit)

    def demand_terms(self) -> tuple[str, ...]:
        return tuple(c.source for c in self.cues if c.axis == "demand")


NOTHING = Judgement(Level.NONE, "none", 0.0, 0.0, 0.0)


def _clause_after(tokens: tuple[Token, ...], last: int) -> list[Token]:
    out = []
    for token in tokens[last + 1 :]:
        if token.surface in _CLOSING_QUOTES:
            continue  # 「バカ」と言われた: the quote ends, the clause does not
        if token.is_break:
            break
        out.append(token)
    return out


def is_negated(analysis: Analysis, match: Match) -> bool:
    """A verb after the match (or the match's own verb) is negated within the same clause."""
    tokens = analysis.tokens
    saw_verb = tokens[match.last].pos == "動詞"
    for token in _clause_after(tokens, match.last):
        if token.pos == "動詞":
            saw_verb = True
        if token.lemma in _NEGATORS and token.pos in ("助動詞", "形容詞") and saw_verb:
            return True
    return False


def is_reported(analysis: Analysis, match: Match) -> bool:
    """The words are quoted, not said to the agent: 〜と言われた, 〜って書かれた, 〜といった暴言."""
    after = _clause_after(analysis.tokens, match.last)
    for i, token in enumerate(after[:-1]):
        if token.lemma in ("と", "って") and token.pos == "助詞" and after[i + 1].lemma in _SAYING_VERBS:
            rest = after[i + 2 :]
            if any(t.lemma in _PASSIVE for t in rest[:3]):
                return True
            # 〜といった暴言 / 〜という発言: the saying verb modifies a noun
            if rest and rest[0].lemma in ("た", "だ") and len(rest) > 1 and rest[1].pos == "名詞":
                return True
            if after[i + 1].form.startswith("連体形") and rest and rest[0].pos == "名詞":
                return True
    return False


class UtteranceJudge:
    """Scores single utterances. Pure: text in, :class:`Judgement` out."""

    def __init__(self, lexicon: Lexicon, cfg: JudgeConfig, analyzer: Analyzer | None = None) -> None:
        self.cfg = cfg
        self.analyzer = analyzer or Analyzer()
        self.terms: dict[str, Term] = {t.id: t for t in lexicon.terms}
        self.exceptions = {e.id for e in lexicon.exceptions}
        self.harm_verbs = frozenset(lexicon.harm_verbs)
        self.matcher = PhraseMatcher(lexicon, self.analyzer, cfg.min_fuzzy_kana, cfg.kana_per_error,
                                     cfg.max_reading_errors)

    def judge(self, text: str, extra: tuple[Cue, ...] = ()) -> Judgement:
        """Judge one utterance; ``extra`` cues come from outside the text (shouting)."""
        analysis = self.analyzer.analyze(text)
        cues = [*self._lexicon_cues(analysis), *self._grammar_cues(analysis), *extra]
        return self._combine(cues)

    def _lexicon_cues(self, analysis: Analysis) -> list[Cue]:
        matches = self.matcher.find(analysis)
        blocked = [(m.first, m.last) for m in matches if m.owner in self.exceptions]
        cues = []
        taken: set[tuple[str, int]] = set()
        for match in matches:
            term = self.terms.get(match.owner)
            if term is None or (term.id, match.first) in taken:
                continue
            if any(first <= match.last and match.first <= last for first, last in blocked):
                continue
            if term.axis != "complaint" and (is_negated(analysis, match) or is_reported(analysis, match)):
                continue
            taken.add((term.id, match.first))
            cues.append(Cue(term.id, term.category, term.axis, term.weight, match.text, term.severity))
        return cues

    def _grammar_cues(self, analysis: Analysis) -> list[Cue]:
        cfg, tokens = self.cfg, analysis.tokens
        cues: list[Cue] = []
        for i, token in enumerate(tokens):
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if token.pos == "動詞" and token.form.startswith("命令形") and token.lemma not in _POLITE_COMMANDS:
                cues.append(Cue("command", "intimidation", "conduct", cfg.command_weight, token.surface))
            elif token.lemma in _ROUGH_ADDRESS or token.surface in _ROUGH_ADDRESS:
                cues.append(Cue("rough_address", "intimidation", "conduct", cfg.rough_address_weight, token.surface))
            elif token.pos == "助詞" and token.lemma in _ROUGH_ENDINGS and (nxt is None or nxt.is_break):
                cues.append(Cue("rough_ending", "intimidation", "conduct", cfg.rough_ending_weight, token.surface))
            elif token.lemma == "やがる":
                cues.append(Cue("rough_ending", "abuse", "conduct", cfg.rough_ending_weight, token.surface))
            # 〜てやる: 殴ってやる, 行ってやるからな
            if (token.pos == "動詞" and nxt is not None and nxt.lemma == "て" and i + 2 < len(tokens)
                    and tokens[i + 2].lemma in ("遣る", "やる") and not is_negated(analysis, _self_match(i + 2))):
                words = "".join(t.surface for t in tokens[i : i + 3])
                if any(token.lemma.endswith(verb) for verb in self.harm_verbs):
                    cues.append(Cue("harm_threat", "threat", "conduct", 1.0, words, Level.CRITICAL))
                else:
                    cues.append(Cue("te_yaru", "intimidation", "conduct", cfg.te_yaru_weight, words))
        # Many commands in one breath are no more than one command plus a little.
        commands = [c for c in cues if c.source in ("command", "rough_ending", "rough_address")]
        if len(commands) > 2:
            keep = sorted(commands, key=lambda c: -c.weight)[:2]
            cues = [c for c in cues if c not in commands or c in keep]
        return cues

    def _combine(self, cues: list[Cue]) -> Judgement:
        if not cues:
            return NOTHING
        cfg = self.cfg
        conduct = sum(c.weight for c in cues if c.axis == "conduct")
        demand = sum(c.weight for c in cues if c.axis == "demand")
        complaint = sum(c.weight for c in cues if c.axis == "complaint")
        forced = max((c.severity for c in cues if c.severity is not None), key=lambda lv: lv.rank, default=None)
        if forced is Level.CRITICAL:
            level = Level.CRITICAL
        elif (forced is Level.WARNING or conduct >= cfg.conduct_high
              or (demand >= cfg.demand_grey and conduct >= cfg.coercion)):
            level = Level.WARNING
        elif forced is Level.CAUTION or conduct >= cfg.coercion or demand >= cfg.demand_grey or complaint > 0:
            level = Level.CAUTION
        else:
            level = Level.NONE
        lead = self._lead(cues, level)
        return Judgement(level, lead, round(conduct, 2), round(demand, 2), round(complaint, 2), tuple(cues))

    @staticmethod
    def _lead(cues: list[Cue], level: Level) -> str:
        # The leading category: the forcing term if any, then the heaviest lexicon term, grammar cues last.
        def rank(c: Cue) -> tuple[int, int, float]:
            lexical = c.source not in ("command", "rough_address", "rough_ending", "te_yaru")
            return (c.severity.rank if c.severity else 0, int(lexical and c.axis != "complaint"), c.weight)

        if level <= Level.CAUTION and all(c.axis == "complaint" or c.weight < 0.5 for c in cues):
            complaints = [c for c in cues if c.axis == "complaint"]
            if complaints:
                return "complaint"
        return max(cues, key=rank).category


def _self_match(index: int) -> Match:
    return Match("grammar", "", index, index, 0, "")
