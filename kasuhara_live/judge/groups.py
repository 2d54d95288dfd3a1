"""Words aimed at people as a group or by a label: hate at a group (在日を死刑に, 韓国人は敵を作る) and the
listener called by a label (働けよ無職)."""

from __future__ import annotations

from kasuhara_live.config import JudgeConfig
from kasuhara_live.events import Level
from kasuhara_live.judge.clauses import is_listener, self_match, sentence_index
from kasuhara_live.judge.cues import Cue
from kasuhara_live.judge.guards import is_negated, is_reported
from kasuhara_live.judge.japanese import Analysis, Analyzer, Token
from kasuhara_live.judge.lexicon import Lexicon
from kasuhara_live.judge.persistence import PersistenceRules
from kasuhara_live.judge.word_classes import WordClasses


def _group_marked(classes: WordClasses, tokens: tuple[Token, ...], last: int) -> bool:
    """The group ending at ``last`` is what the clause is about: 韓国人は, 女って, 在日が, 朝鮮人とは."""
    at = last + 1
    if at + 1 < len(tokens) and tokens[at].surface == "と" and tokens[at + 1].surface == "は":
        return True
    return at < len(tokens) and tokens[at].surface in classes.group_topic_marks


class GroupRules(PersistenceRules):
    """People spoken of as a group, or the listener by a label."""

    def __init__(self, lexicon: Lexicon, cfg: JudgeConfig, analyzer: Analyzer) -> None:
        super().__init__(lexicon, cfg, analyzer)
        self.people = frozenset(lexicon.people)
        self.labels = frozenset(lexicon.labels)
        self.removal = frozenset(lexicon.removal)
        self.contempt = frozenset(lexicon.contempt)

    def _labelled(self, analysis: Analysis) -> list[Cue]:
        """The listener called by a label (``[grammar] labels``: 無職, 底辺): after an order, as the one it is
        given to (働けよ無職), pointed at (この無職が), or said of the listener (お前は底辺, あんたみたいなニート)."""
        tokens = analysis.tokens
        for i, token in enumerate(tokens):
            if token.lemma not in self.labels and token.surface not in self.labels:
                continue
            ends = i + 1 == len(tokens) or tokens[i + 1].is_break or tokens[i + 1].lemma in self.classes.label_closes
            order = i - 1 if i > 0 and tokens[i - 1].surface in self.classes.order_particles else i
            called = ends and order > 0 and analysis.is_command(order - 1)
            pointed = ends and i > 0 and tokens[i - 1].surface in self.classes.pointing
            said_of = any(is_listener(self.classes, t) for t in tokens[max(0, i - 4) : i]) \
                and any(t.lemma in self.classes.said_of_marks for t in tokens[max(0, i - 3) : i])
            if (called or pointed or said_of) and not is_negated(self.classes, analysis, self_match(i)):
                return [Cue("labelled", "abuse", "conduct", 1.0, token.surface)]
        return []

    def _about_groups(self, analysis: Analysis) -> list[Cue]:
        """Hate aimed at a group of people (``[grammar] people``, or a place + 人: 台湾人), within one sentence:
        what is to be done to be rid of them (``[grammar] removal``: 在日を死刑にしよう, 移民は排除, 消え去れ在日), or
        what they are called when spoken of as a group (``[grammar] contempt``: 韓国人は敵を作る, 在日が蔓延って)."""
        tokens = analysis.tokens
        groups = self._groups(tokens)
        if not groups:
            return []
        sentence_of = sentence_index(analysis)
        asked = {sentence_of[i] for i, t in enumerate(tokens) if t.surface in ("?", "？")}
        inside = {i for first, last in groups for i in range(first, last + 1)}
        for j, token in enumerate(tokens):
            if j in inside:
                continue
            # the group may be named in a question just before (何で朝鮮人を日本人にするの？完全駆除の一択だろ)
            near = [(first, last) for first, last in groups if sentence_of[first] == sentence_of[j]
                    or (sentence_of[first] + 1 == sentence_of[j] and sentence_of[first] in asked)]
            said = self._removal_at(tokens, j)
            if said and near:
                cue = self._removal_cue(analysis, j, said, tokens[near[0][0]].surface)
                if cue is not None:
                    return [cue]
            topics = [first for first, last in near if first < j and _group_marked(self.classes, tokens, last)]
            if topics and (token.lemma in self.contempt or token.surface in self.contempt) \
                    and not is_negated(self.classes, analysis, self_match(j)) \
                    and not is_reported(self.classes, analysis, self_match(j)):
                return [Cue("group_contempt", "discrimination", "conduct", 1.0,
                            f"{tokens[topics[0]].surface}…{token.surface}")]
        return []

    def _groups(self, tokens: tuple[Token, ...]) -> list[tuple[int, int]]:
        """Spans of tokens that name a group of people: one of ``[grammar] people`` as written, however the analyser
        cut it (外国+人, イスラム+教+徒, ジジ+ババ), or a place + 人 (台湾人, 関西人)."""
        spans = []
        for i in range(len(tokens)):
            for last in range(i, min(i + 3, len(tokens))):
                if "".join(t.surface for t in tokens[i : last + 1]) in self.people or (
                        last == i and tokens[i].lemma in self.people):
                    spans.append((i, last))
                    break
            else:
                if tokens[i].pos3 == "地名" and i + 1 < len(tokens) \
                        and tokens[i + 1].surface in self.classes.nationality_suffixes \
                        and tokens[i + 1].pos == "接尾辞":
                    spans.append((i, i + 1))
        return spans

    def _removal_at(self, tokens: tuple[Token, ...], j: int) -> str:
        """The ``[grammar] removal`` word at ``j``: its lemma, or the words as written from there (出てけ)."""
        token = tokens[j]
        if token.lemma in self.removal or token.surface in self.removal:
            return token.lemma
        heard = "".join(t.surface for t in tokens[j : j + 4])
        return next((w for w in self.removal if heard.startswith(w)), "")

    def _removal_cue(self, analysis: Analysis, j: int, said: str, group: str) -> Cue | None:
        """The removal at ``j`` as a cue, unless negated, someone else's words, or told of the past (虐殺した)."""
        tokens = analysis.tokens
        evidence = f"{group}…{tokens[j].surface}"
        after = [t for t in tokens[j + 1 : j + 6] if not t.is_break]
        past = any(t.lemma == "た" and t.pos == "助動詞" for t in after) \
            and not any(t.lemma in self.classes.obligation for t in after)  # 〜するべきだった: still to be done
        # 要らない: the negation is the word's own (the group is not wanted)
        negated = not said.endswith(self.classes.negative_endings) and is_negated(self.classes, analysis, self_match(j))
        guard = "negated" if negated else "reported" if is_reported(self.classes, analysis, self_match(j)) \
            else "told_as_done" if past else ""
        if guard:
            self._dismiss("grammar:group_removal", evidence, guard)
            return None
        return Cue("group_removal", "discrimination", "conduct", 1.5, evidence, Level.WARNING)
