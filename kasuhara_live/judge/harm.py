"""Harm verbs (殴る, 燃やす, ``[grammar] harm_verbs``) and the guards that tell a threat from a deed told
(殴られた), a thing done to a pest or a thing (ゴキブリを殺す), a mishap or a service (割っちゃって,
燃やしていただけますか)."""

from __future__ import annotations

from kasuhara_live.config import JudgeConfig
from kasuhara_live.judge.clauses import (
    clause_after,
    clause_text,
    followed_by,
    is_listener,
    self_match,
    sentence_after,
)
from kasuhara_live.judge.grammar import rough_after, te_yaru
from kasuhara_live.judge.guards import is_negated
from kasuhara_live.judge.japanese import Analysis, Analyzer, Token
from kasuhara_live.judge.lexicon import Lexicon
from kasuhara_live.judge.rule_base import RuleBase
from kasuhara_live.judge.word_classes import WordClasses


def described(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """The verb tells what happened (殴られた, 蹴ってた, 殴る蹴るの暴行) rather than threatening it."""
    if done_to_a_thing(classes, tokens, index):
        return True
    rest = tokens[index + 1 : index + 5]
    tail = "".join(t.surface for t in rest)
    if tail.startswith(classes.te_yaru_tails):
        return False  # 放り込んだる, 踏んだろか: Kansai for 〜てやる, not a past
    if tail.startswith(classes.told_tails):
        return True
    if any(w in tail for w in classes.cursed_deeds):
        return True  # 親父が踏んづけてぶっ壊しやがって: a deed told, cursed
    if rest and rest[0].pos == "接尾辞" and rest[0].lemma in classes.way_of \
            and not any(x in tail for x in classes.te_yaru_marks):
        return True  # 殴り方の基本: how to hit, a lesson (not 殴り方教えたろか)
    if len(rest) > 1 and rest[0].lemma == "て" and rest[1].pos == "名詞":
        return True  # 壁を殴って穴を開けた: one step of a story, told on
    if rest and rest[0].lemma == "て" and any(t.lemma == "た" and t.pos == "助動詞"
                                               for t in clause_after(classes, tokens, index, limit=8)):
        return True  # 荷物を放り投げて置いていった: a step of a story told in the past
    if tokens[index].lemma.endswith(classes.mutual_endings):
        return True  # 殴り合う, 殺し合う: a fight or a sport described, not done to the listener
    if tail.startswith(classes.concessive_tails) and _asks_if_safe(classes, tokens, index):
        return True  # 強火で焼いても大丈夫ですか: an enquiry about a thing, not a threat (殴ってもいいですか is)
    if rest and rest[0].pos == "名詞" and tokens[index].form.startswith("連体形") \
            and rest[0].lemma not in classes.intent_nouns and rest[0].pos2 != "数詞" \
            and rest[0].pos3 not in ("副詞可能", "形状詞可能") and not (len(rest) > 1 and rest[1].surface == "に"):
        # ネズミを殺す薬: the verb describes a noun; not 殺す気 (an intention) nor ぶっ殺す今すぐ, 燃やす今夜,
        # 殺す本当に (Whisper drops the comma before a word that works as an adverb)
        return True
    if len(rest) > 1 and rest[0].pos in ("形容詞", "連体詞") and rest[1].pos == "名詞" \
            and tokens[index].form.startswith("連体形"):
        return True  # マッチで火をつける古い給湯器: the verb describes a noun behind its adjective
    return bool(rest) and rest[0].lemma in classes.describing_words


def _mishap_or_service(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """The harm verb ``index`` tells of something that already happened, or asks for a service.

    叩き割っちゃって / 割ってしまいました (a mishap told in the past or as a reason: the caller's own accident) and
    業者さんに叩き落としてもらえる / 燃やしていただけますか (pest control, disposal: someone does it for the
    caller). 殴っちゃうぞ (a future ちゃう) and 燃やしてもらうぞ (a rough end) stay threats.
    """
    rest = clause_after(classes, tokens, index, 5)
    if rest and rest[0].lemma == "て":
        rest = rest[1:]
    if not rest:
        return False
    if rest[0].lemma in classes.received:
        return not rough_after(classes, tokens, index)  # 店、燃やしてもらうぞ: a threat through someone else
    if rest[0].lemma not in classes.mishap_auxiliaries:
        return False
    after = [t.lemma for t in rest[1:3] if t.lemma not in classes.polite_verb_endings]
    return bool(after) and after[0] in classes.mishap_told


def done_to_a_thing(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """ゴキブリを殺す, 雑草を燃やす, イカをぶっ刺す: the harm verb's object is a pest, game or thing, not a person."""
    while index > 0 and tokens[index - 1].pos == "副詞":
        index -= 1  # イカをぶっ刺して, 魚を一気に叩き切る
    return index > 1 and tokens[index - 1].lemma in classes.object_marks and (
        tokens[index - 2].lemma in classes.not_people or tokens[index - 2].surface in classes.not_people)


def _asks_if_safe(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """The clause after ``index`` asks whether it is safe (〜ても大丈夫ですか, 〜ても平気？, 〜ても問題ないですか)."""
    words: list[Token] = []
    asked = False
    for token in tokens[index + 1 :]:
        if token.is_break:
            asked = token.surface in ("?", "？")
            break
        words.append(token)
    asked = asked or (bool(words) and words[-1].surface in classes.wondering)
    return asked and any(t.lemma in classes.safe_words for t in words)


class HarmRules(RuleBase):
    """Harm verbs: which verb harms, and whether it threatens anyone here."""

    def __init__(self, lexicon: Lexicon, cfg: JudgeConfig, analyzer: Analyzer) -> None:
        super().__init__(lexicon, cfg, analyzer)
        self.harm_verbs = frozenset(lexicon.harm_verbs)
        self._harm_lemmas = tuple(sorted(self.harm_verbs))
        self._harm_stems = tuple(sorted({verb[:-1] for verb in self.harm_verbs if len(verb) > 1
                                         and any("\u4e00" <= c <= "\u9fff" for c in verb[:-1])}))
        self.happenings = frozenset(lexicon.happenings)
        self.targeted_harm_verbs = frozenset(lexicon.targeted_harm_verbs)
        self._targeted_stems = tuple(sorted({v[:-1] for v in lexicon.targeted_harm_verbs if len(v) > 1}))
        self.harm_targets = frozenset(lexicon.harm_targets)

    def _is_harm_verb(self, token: Token) -> bool:
        # 殴る, ぶん殴る (a lemma ending in one), or 殴り… heard with a kanji stem: three C-level string tests; not
        # what happens by itself with the same kanji (``[grammar] happenings``: 焼ける, 燃える)
        return token.lemma.startswith(self._harm_lemmas) or token.lemma.endswith(self._harm_lemmas) \
            or (token.surface.startswith(self._harm_stems) and token.lemma not in self.happenings)

    def _done_to_no_one(self, tokens: tuple[Token, ...], index: int) -> bool:
        """The verb at ``index`` is one of ``targeted_harm_verbs`` (焼く, 埋める: everyday verbs too) and what it
        is done to is named and is neither a person (a second-person word, staff, family, 〜さん: not a bare name,
        さんま is one too) nor the company's premises: さんま焼いてくる, やきもち焼いて,
        穴を埋める (not 店燃やすぞ, お前を埋めてやる, 担当者を沈める, nor 燃やしてやる with nothing named)."""
        verb = tokens[index]
        if not (verb.lemma in self.targeted_harm_verbs or verb.surface.startswith(self._targeted_stems)):
            return False
        at = index - 1
        while at >= 0 and (tokens[at].pos == "副詞" or (tokens[at].pos == "名詞" and tokens[at].pos3 == "副詞可能")):
            at -= 1  # 一気に, 全部
        goal = at >= 1 and tokens[at].lemma == "に" and tokens[at].pos == "助詞"
        if goal and self._names_a_target(tokens, at - 1):
            return False  # 窓口に突っ込む: the company's premises are where it is done
        if at >= 0 and tokens[at].lemma in self.classes.object_marks and tokens[at].pos == "助詞":
            at -= 1
        if goal or at < 0 or tokens[at].pos not in ("名詞", "接尾辞", "代名詞"):
            # nothing named: a threat only in a threat's shape (燃やしてやる, 焼いたろか, 埋めるぞ), not a service
            # asked for (焼いてくれる宿, 焼いて欲しい) nor a word built on the verb (焼き加減, 目に焼き付け)
            tail = clause_text(self.classes, tokens, index)
            return not (te_yaru(self.classes, tokens, index) or rough_after(self.classes, tokens, index)
                        or verb.form.startswith("意志推量形")
                        # 燃やすからな, 突っ込むから, 燃やしに行く
                        or any(w in tail for w in self.classes.warning_words)
                        or tail.startswith(self.classes.threat_shape_tails))
        return not self._names_a_target(tokens, at)

    def _names_a_target(self, tokens: tuple[Token, ...], at: int) -> bool:
        """The noun at ``at``, or whose it is (店の倉庫, お前の車), is a person or the company's premises."""
        owners = [tokens[at]]
        while at > 1 and tokens[at - 1].lemma == "の" and tokens[at - 2].pos in ("名詞", "接尾辞", "代名詞"):
            at -= 2
            owners.append(tokens[at])
        classes = self.classes
        return any(is_listener(classes, noun) or noun.pos == "接尾辞" or noun.lemma in classes.staff
                   or noun.lemma in classes.family or noun.lemma in self.harm_targets
                   or noun.surface in self.harm_targets for noun in owners)

    def _harm_guarded(self, analysis: Analysis, i: int) -> bool:
        """The harm verb at ``i`` threatens no one: negated, described, a mishap or a service, or passive."""
        tokens = analysis.tokens
        classes = self.classes
        guard = "negated" if is_negated(classes, analysis, self_match(i)) \
            else "described" if described(classes, tokens, i) \
            else "object_not_a_target" if self._done_to_no_one(tokens, i) \
            else "mishap_or_service" if _mishap_or_service(classes, tokens, i) \
            else "passive" if followed_by(tokens, i, classes.passive) and not rough_after(classes, tokens, i) else ""
        if guard:
            self._dismiss("grammar:harm_threat", "".join(t.surface for t in tokens[i : i + 3]), guard)
        return bool(guard)

    def _veiled_harm(self, analysis: Analysis, i: int) -> str:
        """刺されても知らないよ, 殴られたって俺のせいじゃない: harm befalling someone (a harm verb in the passive)
        set in a condition (``veiled_conditions``), and the speaker disowning what follows (``disowning``): a threat
        that never says who will do it. (An active verb, 何か起きても知らんぞ, is behaviours.disowned_consequence's.)
        The evidence, or ""."""
        tokens, classes = analysis.tokens, self.classes
        if not (followed_by(tokens, i, classes.passive, span=1) and self._is_harm_verb(tokens[i])):
            return ""
        rest = "".join(t.surface for t in sentence_after(tokens, i + 1))
        # (刺されなくても never gets here: the condition must follow the passive at once.)
        if not rest.startswith(classes.veiled_conditions) or not any(w in rest for w in classes.disowning):
            return ""
        evidence = tokens[i].surface + tokens[i + 1].surface + rest[:12]
        by = i - 2 if i >= 2 and tokens[i - 1].lemma == "に" and tokens[i - 1].pos == "助詞" else -1
        if by >= 0 and (tokens[by].lemma in classes.not_people or tokens[by].surface in classes.not_people):
            self._dismiss("grammar:harm_veiled", evidence, "done_by_no_one")  # 蚊に刺されても知らないよ
            return ""
        return evidence
