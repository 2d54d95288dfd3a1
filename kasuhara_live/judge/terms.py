"""Lexicon terms and constructions as cues: each match, unless an exception or a guard sets it aside (the
guard's name goes to the trace)."""

from __future__ import annotations

from kasuhara_live.config import JudgeConfig
from kasuhara_live.judge.clauses import begins_with_grammar, is_condition, sentence_index
from kasuhara_live.judge.cues import Cue
from kasuhara_live.judge.grammar import told_as_done
from kasuhara_live.judge.groups import GroupRules
from kasuhara_live.judge.guards import (
    about_own,
    asked_about,
    in_compound,
    is_negated,
    is_own,
    is_own_wish,
    is_reported,
    is_simile,
    names_a_thing,
    starts_inside_a_word,
)
from kasuhara_live.judge.harm import described, done_to_a_thing
from kasuhara_live.judge.japanese import Analysis, Analyzer
from kasuhara_live.judge.lexicon import Lexicon, Match, Term, part_owner


class TermRules(GroupRules):
    """Lexicon terms and constructions, each through its guards."""

    def __init__(self, lexicon: Lexicon, cfg: JudgeConfig, analyzer: Analyzer) -> None:
        super().__init__(lexicon, cfg, analyzer)
        self.terms: dict[str, Term] = {t.id: t for t in lexicon.terms}
        # terms whose phrases continue the word before them (払っ|てもらうで): see Term.attaches
        self._attaching = frozenset(t.id for t in lexicon.terms if t.attaches or (t.attaches is None and any(
            begins_with_grammar(self.analyzer.analyze(phrase)) for phrase in t.phrases)))
        self.exceptions = {e.id for e in lexicon.exceptions if not e.utterance_categories}
        self.utterance_exceptions = {e.id: frozenset(e.utterance_categories) for e in lexicon.exceptions
                                    if e.utterance_categories}
        self.constructions = lexicon.constructions
        self._part_owners = [tuple(part_owner(c.id, i) for i in range(len(c.parts))) for c in self.constructions]
        self._by_first_part: dict[str, list[int]] = {}
        for index, owners in enumerate(self._part_owners):
            self._by_first_part.setdefault(owners[0], []).append(index)

    def _silenced_categories(self, matches: list[Match]) -> frozenset[str]:
        # Utterance-scope exceptions (コンロ silences threat words in the same utterance).
        if not self.utterance_exceptions:
            return frozenset()
        found = [self.utterance_exceptions[m.owner] for m in matches if m.owner in self.utterance_exceptions]
        return frozenset().union(*found) if found else frozenset()

    def _construction_cues(self, analysis: Analysis, matches: list[Match]) -> list[Cue]:
        if not self.constructions:
            return []
        by_owner: dict[str, list[Match]] = {}
        for match in matches:
            by_owner.setdefault(match.owner, []).append(match)
        # Only constructions whose first part was heard can be complete: look those up instead of trying all.
        maybe = sorted(i for owner in by_owner for i in self._by_first_part.get(owner, ())
                       if all(part in by_owner for part in self._part_owners[i]))
        if not maybe:
            return []
        sentence_of = sentence_index(analysis)
        blocked = [(m.first, m.last) for m in matches if m.owner in self.exceptions]
        cues = []
        for construction in (self.constructions[i] for i in maybe):
            # A construction may run over into the next sentence: 韓国の人?じゃあ話しても無駄だな.
            for sentence in set(sentence_of):
                position, words, parts = -1, list[str](), list[Match]()
                for index in range(len(construction.parts)):
                    found = [m for m in by_owner.get(part_owner(construction.id, index), [])
                             if sentence <= sentence_of[m.first] <= sentence + 1 and m.first > position]
                    if not found:
                        break
                    first = min(found, key=lambda m: m.first)
                    position, words = first.last, [*words, first.text]
                    parts.append(first)
                else:
                    guard = ""
                    if any(is_reported(self.classes, analysis, part) for part in parts):
                        guard = "reported"  # ネットに晒すとか言ったみたいで: someone else's words
                    elif construction.axis == "demand" and asked_about(self.classes, analysis, parts[0]):
                        guard = "asked_about"  # 慰謝料って、どういう時に払われるものですか
                    elif any(first <= part.last and part.first <= last for part in parts for first, last in blocked):
                        guard = "exception"  # an everyday phrase an exception names (何回もすみません)
                    if guard:
                        self._dismiss(f"construction:{construction.id}", "…".join(words), guard)
                        continue
                    cues.append(Cue(construction.id, construction.category, construction.axis, construction.weight,
                                    "…".join(words), construction.severity, kind="construction"))
                    break
        return cues

    def _lexicon_cues(self, analysis: Analysis, matches: list[Match]) -> list[Cue]:
        blocked = [(m.first, m.last) for m in matches if m.owner in self.exceptions]
        cues = []
        for match in matches:  # find() already keeps one match per owner and place
            term = self.terms.get(match.owner)
            if term is None:
                continue
            guard = self._term_guard(analysis, match, term, blocked)
            if guard:
                self._dismiss(f"term:{term.id}", match.text, guard)
                continue
            cues.append(Cue(term.id, term.category, term.axis, term.weight, match.text, term.severity, kind="term"))
        return cues

    def _term_guard(self, analysis: Analysis, match: Match, term: Term, blocked: list[tuple[int, int]]) -> str:
        """Why a lexicon match does not count here ("" when it does): the name of the guard that dismissed it."""
        # an exception silences what overlaps it, but not a longer phrase that holds it whole: を知り (知りたい,
        # not お尻) does not silence 恥を知りなさい
        if any(first <= match.last and match.first <= last
               and not (match.first <= first and last <= match.last and (match.first, match.last) != (first, last))
               for first, last in blocked):
            return "exception"
        if term.id not in self._attaching and starts_inside_a_word(analysis, match):
            return "inside_another_word"  # 雨だしね (だ+し+ね), 思ったわけ (た+わけ)
        if term.axis != "complaint" and is_condition(self.classes, analysis.tokens, match.last):
            return "condition"  # 辞めちまえば終わり: 〜ば makes the words a condition, not an order
        if term.axis != "complaint" and is_negated(self.classes, analysis, match):
            return "negated"
        if term.axis != "complaint" and is_reported(self.classes, analysis, match):
            return "reported"
        if term.category == "dogeza" and is_own_wish(self.classes, analysis, match):
            return "own_wish"  # 土下座したいぐらい感謝してます: the caller's own wish, not a demand
        if term.category == "threat" and analysis.tokens[match.last].pos == "動詞" \
                and described(self.classes, analysis.tokens, match.last):
            return "described"  # ネズミを殺す薬, 殴り合う練習: the verb describes, it does not threaten
        if term.category == "threat" and analysis.tokens[match.first].pos == "動詞" \
                and self._done_to_no_one(analysis.tokens, match.first):
            return "object_not_a_target"  # さんま焼いてやる, 穴を埋めてやる
        if term.category == "threat" and analysis.tokens[match.first].pos == "動詞" \
                and done_to_a_thing(self.classes, analysis.tokens, match.first):
            # ゴキブリを殺すぞ: the match ends on ぞ, not on its verb, whose object is still no one (not_people)
            return "object_not_people"
        if term.category in ("threat", "abuse") and told_as_done(self.classes, analysis.tokens, match.last):
            return "told_as_done"  # ボコボコにしてやりましたよ (a game), 全部死んでくれた (the rats)
        if term.thing and names_a_thing(self.classes, analysis, match):
            return "names_a_thing"
        if term.category == "abuse" and is_simile(self.classes, analysis, match):
            return "simile"
        if term.category == "abuse" and about_own(self.classes, analysis, match):
            return "about_own"
        if term.axis == "demand" and asked_about(self.classes, analysis, match):
            return "asked_about"
        if term.category == "personal_attack" and is_own(self.classes, analysis, match):
            return "own_data"
        if in_compound(self.classes, analysis, match):
            return "in_compound"
        return ""
