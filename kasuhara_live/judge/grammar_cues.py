"""The grammar cues of an utterance (commands, rough endings, 〜てやる, harm threats, being held on the line),
token by token, with the repeats of one way of speaking weighed once."""

from __future__ import annotations

import re

from kasuhara_live.config import JudgeConfig
from kasuhara_live.events import Level
from kasuhara_live.judge.clauses import self_match
from kasuhara_live.judge.cues import Cue
from kasuhara_live.judge.grammar import (
    barked_with,
    holds_on,
    insisted,
    is_imposition,
    is_polite,
    is_prohibitive,
    is_rough,
    is_rough_prohibitive,
    is_tone,
    order_quoted_bare,
    own_plan,
    rough_tail,
    scolds,
    te_yaru,
)
from kasuhara_live.judge.guards import is_negated, is_reported
from kasuhara_live.judge.harm import HarmRules
from kasuhara_live.judge.japanese import Analysis, Analyzer
from kasuhara_live.judge.lexicon import Lexicon

# a verb's a-row (未然形) or せ + んかい, ending its clause: 謝らんかい, 手続きせんかい, 見せんかい
_RUDE_NEGATIVE_DEMAND = re.compile(r"[さかたまらわがばせ]んかい$")  # not な: そうなんかい is a question


class GrammarCues(HarmRules):
    """The grammar cues of an utterance, token by token."""

    def __init__(self, lexicon: Lexicon, cfg: JudgeConfig, analyzer: Analyzer) -> None:
        super().__init__(lexicon, cfg, analyzer)
        self.states = frozenset(lexicon.states)

    def _grammar_cues(self, analysis: Analysis) -> list[Cue]:
        cues = [cue for i, token in enumerate(analysis.tokens)
                if token.conjugates or token.pos in ("助詞", "感動詞", "名詞")
                for cue in self._cues_at(analysis, i)]
        # 手続きせんかい, 見せんかい: unidic-lite reads some as one noun (旋回) ending the clause
        tokens = analysis.tokens
        for i, token in enumerate(tokens):
            if token.pos == "名詞" and _RUDE_NEGATIVE_DEMAND.search(token.surface) \
                    and (i + 1 == len(tokens) or tokens[i + 1].is_break):
                cues.append(Cue("rough_ending", "intimidation", "conduct", self.cfg.rough_ending_weight,
                                token.surface))
        # A casual negative (知らねえ, こねえんだ) is a way of speaking, as frequent as the caller speaks: weighed once.
        casual = [c for c in cues if c.source == "rough_ending" and c.evidence in self.classes.casual_negatives]
        if len(casual) > 1:
            extra = {id(c) for c in casual[1:]}
            cues = [c for c in cues if id(c) not in extra]
        # Many commands in one breath are no more than one command plus a little; 〜てやってやる is one 〜てやる.
        favours = [c for c in cues if c.source == "te_yaru"]
        cues = [c for c in cues if c.source != "te_yaru" or c is favours[0]]
        # The same order said over is one order (its repetition is repeated_clause's, in a whole utterance only).
        orders = [c for c in cues if c.source == "command"]
        again = {id(c) for i, c in enumerate(orders) if any(o.evidence == c.evidence for o in orders[:i])}
        cues = [c for c in cues if id(c) not in again]
        commands = [c for c in cues if c.source in ("command", "rough_ending")]
        if len(commands) > 2:
            keep = sorted(commands, key=lambda c: (c.tone, -c.weight))[:2]  # what is aimed at the agent first
            cues = [c for c in cues if c not in commands or c in keep]
        return cues

    def _cues_at(self, analysis: Analysis, i: int) -> list[Cue]:
        """Grammar cues of token ``i``; none when the words are someone else's (「殺すぞ」って言われた)."""
        cfg, classes, tokens, token = self.cfg, self.classes, analysis.tokens, analysis.tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        cues: list[Cue] = []
        # 差ではあるな, よく分かるな: a state is exclaimed, never forbidden
        if (is_prohibitive(classes, tokens, i) and token.lemma not in self.states) \
                or is_rough_prohibitive(classes, tokens, i) or order_quoted_bare(classes, tokens, i):
            cues.append(Cue("command", "intimidation", "conduct", cfg.command_weight, token.surface))
        elif analysis.is_command(i):
            # 交換してくれ(よ): a plea said roughly is tone; 出せ, 謝れ are orders
            cues.append(Cue("command", "intimidation", "conduct", cfg.command_weight, token.surface,
                            tone=token.lemma in classes.rough_pleas))
        elif is_imposition(classes, tokens, i) or scolds(classes, tokens, i):
            cues.append(Cue("rough_ending", "intimidation", "conduct", cfg.rough_ending_weight, token.surface))
        elif rough_tail(classes, tokens, i) or is_rough(
                classes, token, nxt, i > 0 and tokens[i - 1].surface == "じゃ" and rough_tail(classes, tokens, i - 1)):
            cues.append(Cue("rough_ending", "intimidation", "conduct", cfg.rough_ending_weight, token.surface,
                            tone=is_tone(classes, tokens, i)))
        if holds_on(classes, tokens, i):
            cues.append(Cue("held_on", "restraint", "conduct", cfg.rough_ending_weight,
                            "".join(t.surface for t in tokens[max(0, i - 2) : i + 2])))
        if token.surface == "か" and i > 0 and tokens[i - 1].surface in classes.nominalisers \
                and insisted(classes, tokens, i) \
                and not is_polite(classes, tokens):
            # 聞いてんのかって言ってんだよ, 分かってんのかって聞いてんだよ: a rough question pressed again
            cues.append(Cue("rough_ending", "intimidation", "conduct", cfg.rough_ending_weight,
                            "".join(t.surface for t in tokens[i - 1 : i + 3])))
        ordered = any(c.source == "command" for c in cues)
        pushed = barked_with(classes, tokens, i) if ordered else ""
        pressed = ordered and insisted(classes, tokens, i)
        if pushed or pressed:
            # an order pushed with よ alone weighs barked_weight (会えよ); with や, or insisted on, rough_ending_weight
            weight = cfg.barked_weight if pushed.startswith("よ") and not pressed else cfg.rough_ending_weight
            cues.append(Cue("rough_ending", "intimidation", "conduct", weight,
                            "".join(t.surface for t in tokens[i : i + 3])))
        threat = self._threat_at(analysis, i)
        if threat is not None:
            cues.append(threat)
        if cues and is_reported(classes, analysis, self_match(i)):
            for cue in cues:
                self._dismiss(cue.origin, cue.evidence, "reported")
            return []
        return cues

    def _threat_at(self, analysis: Analysis, i: int) -> Cue | None:
        """A threat at token ``i``: harm said (殺したろか, 殴るぞ), veiled (刺されても知らないよ) or 〜てやる."""
        classes, tokens, token = self.classes, analysis.tokens, analysis.tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if token.pos != "動詞":
            if nxt is not None and nxt.surface in classes.kansai_threat_tails and self._is_harm_verb(token):
                # 殺したろか: unidic reads 殺し as a noun before Kansai たろ
                return Cue("harm_threat", "threat", "conduct", 1.0, token.surface + nxt.surface, Level.CRITICAL)
        elif veiled := self._veiled_harm(analysis, i):
            return Cue("harm_veiled", "threat", "conduct", 1.0, veiled, Level.CRITICAL)
        elif self._is_harm_verb(token) and not self._harm_guarded(analysis, i):
            return Cue("harm_threat", "threat", "conduct", 1.0, "".join(t.surface for t in tokens[i : i + 3]),
                       Level.CRITICAL)
        elif te_yaru(classes, tokens, i) and not is_negated(classes, analysis, self_match(i + 1)) \
                and not own_plan(classes, tokens, i):
            return Cue("te_yaru", "intimidation", "conduct", self.cfg.te_yaru_weight,
                       "".join(t.surface for t in tokens[i : i + 3]))
        return None
