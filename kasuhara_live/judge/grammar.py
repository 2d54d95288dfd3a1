"""Grammatical forms that say how something is said: orders (出せ, ふざけるな), rough endings (〜ぞ, 〜じゃねえ,
謝らんかい), impositions (払ってもらう), 〜てやる, an order pushed (変えろや) or insisted on (払えって言ってんだよ),
politeness, and whether an utterance asks for something at all."""

from __future__ import annotations

from itertools import pairwise

from kasuhara_live.judge.clauses import (
    CLOSING_QUOTES,
    SENTENCE_ENDS,
    clause_after,
    is_first_person,
    is_listener,
    sentence_after,
    sentence_start,
)
from kasuhara_live.judge.japanese import E_ROW, Analysis, Token
from kasuhara_live.judge.word_classes import WordClasses


def is_rough(classes: WordClasses, token: Token, nxt: Token | None, in_tail: bool = False) -> bool:
    """Rough sentence ends and address: 〜ぞ, 〜ぜ, 〜やがる, 〜ねえ, おい, こら.

    ``in_tail``: the token ends a rough tail already counted where it began (違うじゃねえか).
    """
    if token.pos == "助詞" and token.lemma in classes.rough_endings \
            and (nxt is None or nxt.is_break or nxt.pos == "助詞"):
        return True
    if token.lemma in classes.contempt_auxiliaries:
        return True
    if token.surface in classes.casual_negatives and token.pos != "助詞" and not in_tail:
        # ふざけんじゃねえ, 知らねえよ are rough; 着れねぇから is only a casual negative inside a sentence, and the
        # particle ね drawn out (すみませんねー, いい天気だねえ) is no negative at all
        return nxt is None or not (nxt.pos == "助詞" and nxt.pos2 == "接続助詞")
    return token.pos == "感動詞" and token.surface in classes.rough_interjections


def rough_after(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    return any(is_rough(classes, t, tokens[j + 1] if j + 1 < len(tokens) else None)
               for j, t in enumerate(tokens) if j > index)


def barked_with(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> str:
    """The particle that pushes the order at ``index`` (変えろや, 持ってこいや, 早くしろよ: や, よ), or "" when none
    does (not 〜てくれよ, a plea).

    Measured on the development sets: of the imperatives that end 〜や, all were harassment; of those ending
    〜よ, all but a 〜てくれよ (and on real chat 〜よ is said to friends as often: judge.barked_weight).
    """
    token = tokens[index]
    if token.lemma in classes.pleading \
            or (token.lemma in classes.seeing and (index == 0 or tokens[index - 1].lemma != "て")):
        return ""  # ほら見ろよ (look!), not 〜てみろよ (a dare)
    if token.form.startswith(("意志推量形", "命令形")) and token.surface.endswith("よ"):
        # 返せよ: unidic-lite reads one word
        return "よ" if index + 1 == len(tokens) or tokens[index + 1].is_break else ""
    if index + 1 >= len(tokens):
        return ""
    nxt = tokens[index + 1]
    after = tokens[index + 2] if index + 2 < len(tokens) else None
    barking = nxt.pos == "助詞" and nxt.surface in classes.barking_particles and (after is None or after.is_break)
    return nxt.surface if barking else ""


def holds_on(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """The agent is kept on the line: まだまだ付き合ってもらうからね, 電話口におってもらう (an imposition on staying),
    席離れんなよ, 電話切るな (a ban on leaving)."""
    token = tokens[index]
    if token.lemma in classes.leaving and is_prohibitive(classes, tokens, index):
        return True
    return index > 1 and tokens[index - 2].lemma in classes.staying and is_imposition(classes, tokens, index)


def order_quoted_bare(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """出せ言うとんねん: Kansai drops って before 言う; an e-row verb right before an insisting 言う is an order
    (払え言われた, a passive, is someone else's)."""
    token = tokens[index]
    if token.pos != "動詞" or token.key[-1:] not in E_ROW or index + 1 >= len(tokens) \
            or tokens[index + 1].lemma not in classes.saying:
        return False
    return "".join(t.surface for t in tokens[index + 2 : index + 5]).startswith(classes.insisting)


def insisted(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """The caller presses their own order: 答えろって言ってんの, 謝れって言っとるやろ, 出せ言うとんねん."""
    at = index + 1
    if at < len(tokens) and tokens[at].lemma in classes.bare_quotes and tokens[at].pos == "助詞":
        at += 1
    if at >= len(tokens) or tokens[at].lemma not in classes.telling or tokens[index].lemma in classes.pleading:
        return False
    if any(a.pos in ("名詞", "代名詞", "接尾辞") and not is_first_person(classes, a) and not is_listener(classes, a)
           and b.lemma in classes.subject_marks for a, b in pairwise(tokens[sentence_start(tokens, index) : index])):
        return False  # 娘が早く来いって言ってるので: someone else's order, passed on
    rest = sentence_after(tokens, at)
    if any(t.surface in ("?", "？") or (t.lemma in classes.question_particles and t.pos == "助詞") for t in rest) \
            and is_polite(classes, tokens):
        return False  # ここに書けって言ってるのはどこの欄ですか: a question about an instruction
    return "".join(t.surface for t in tokens[at + 1 : at + 4]).startswith(classes.insisting)


def is_tone(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """The rough end at ``index`` is a way of speaking: the rough negative (来てねえ), an emphatic ぞ / ぜ, a
    rhetorical 〜じゃねえか / 〜だろうが / 〜やんけ — not おい, こら, 〜やがる, 謝らんかい or a pressed 聞いてんのか."""
    token = tokens[index]
    if token.pos == "助詞" and token.lemma in classes.rough_endings:
        return True
    if token.surface in classes.casual_negatives and token.pos != "助詞":
        # 笑っとるんじゃねえ, なめんじゃねぇ: 〜んじゃねえ forbids the listener something (unidic-lite leaves some
        # of them to the rough negative when a contraction stands between the verb and ん)
        rhetorical = index + 1 < len(tokens) and tokens[index + 1].surface in classes.rhetorical  # 〜てんじゃねえか
        return rhetorical or not (index > 1 and tokens[index - 1].surface == "じゃ" and (
            tokens[index - 2].surface in classes.nominalisers or tokens[index - 2].surface.endswith("ん")))
    tail = "".join(t.surface for t in clause_after(classes, tokens, index - 1, limit=4))
    return tail.startswith(classes.tone_tails)


def scolds(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """ちゃんとせんか！, はよせんか、こら: a negative question shouted is a rebuke (行かんか？ is an invitation)."""
    if tokens[index].surface != "ん" or tokens[index].lemma != "ず" or index + 2 >= len(tokens):
        return False
    after = tokens[index + 2]
    return tokens[index + 1].surface in classes.rebuke_questions and (after.surface in ("!", "！") or (
        after.surface in ("、", ",") and index + 3 < len(tokens)
        and tokens[index + 3].surface in classes.rough_interjections))


def is_imposition(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """払ってもらう, 付き合ってもらうで, 払ってもらおうか, 出していただきます: a declared imposition (もらえますか and
    いただけますか are requests and do not count)."""
    token = tokens[index]
    if token.lemma in classes.getting_done_humbly and index > 1 and tokens[index - 1].lemma == "て" \
            and tokens[index - 2].lemma not in classes.causatives and token.form.startswith("連用形"):
        # 出していただきます。: a declared imposition (させていただきます is the speaker's own humble act)
        rest = tokens[index + 1 : index + 3]
        return bool(rest) and rest[0].surface == "ます" and (len(rest) == 1 or rest[1].is_break
                                                             or rest[1].lemma in classes.polite_imposition_closes)
    if token.lemma not in classes.getting_done or index == 0 or tokens[index - 1].lemma != "て":
        return False
    if index > 1 and tokens[index - 2].lemma in classes.causatives:
        return False  # 相談させてもらうぞ: the speaker's own act, said humbly (not 払ってもらう)
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    if token.form.startswith("意志推量形"):
        return following is not None and following.surface in classes.challenge_questions  # 払ってもらおうか
    return token.form.startswith("終止形") and (
        following is None or following.is_break
        or following.lemma in classes.imposition_closes
        or following.surface in classes.kansai_copula)  # 払ってもらうで (Kansai だ)


def rough_tail(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """Rough clause ends that span tokens: 〜だろうが, 謝らんかい, 〜じゃねえか."""
    if index > 0 and not tokens[index - 1].conjugates and tokens[index - 1].pos != "名詞":
        return False
    head = tokens[index].surface[:1]
    if head not in classes.rough_tail_heads and head not in CLOSING_QUOTES and head not in ("、", ","):
        return False  # most words: no rough tail can start here (the clause is read only when one could)
    tail = "".join(t.surface for t in clause_after(classes, tokens, index - 1, limit=4))
    return tail.startswith(classes.rough_tails)


def is_prohibitive(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """ふざけるな, 言うなよ (verb + な), 言い訳すんじゃねえ (verb + んじゃねえ)."""
    token = tokens[index]
    if token.pos != "動詞" or not (token.form.startswith("終止形") or token.form.startswith("連体形")):
        return False
    rest = tokens[index + 1 : index + 5]
    if rest and rest[0].lemma == "な" and rest[0].pos == "助詞" and (len(rest) == 1 or rest[1].is_break
                                                                     or rest[1].lemma in classes.prohibition_closes):
        return True
    return _forbids(classes, "".join(t.surface for t in rest),
                    classes.prohibitions)


def is_rough_prohibitive(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """とぼけてんじゃねえ, ふざけとんちゃうぞ: verb + てん/とん + じゃねえ."""
    if tokens[index].pos != "動詞":
        return False
    return _forbids(classes, "".join(t.surface for t in tokens[index + 1 : index + 7]),
                    classes.rough_prohibitions)


def _forbids(classes: WordClasses, surfaces: str, heads: tuple[str, ...]) -> bool:
    """The words after a verb begin with a prohibition (``heads``: 〜んじゃねえ, don't…) that is not turned into a
    rhetorical question: 言い訳すんじゃねえ forbids, 間違ってんじゃねえか (isn't it wrong!) does not."""
    head = next((h for h in heads if surfaces.startswith(h)), None)
    return head is not None and not surfaces[len(head) :].startswith(classes.rhetorical)


def told_as_done(classes: WordClasses, tokens: tuple[Token, ...], last: int) -> bool:
    """The words end in a past tense: 〜してやりました, 〜してやった, 死んでくれた (not 〜してやったからな: a boast
    that warns)."""
    tail = "".join(t.surface for t in clause_after(classes, tokens, last, limit=5))
    # (a tail ending ぞ or ぞー has ぞ in its last three characters)
    if any(w in tail for w in classes.warning_words) or any(w in tail[-3:] for w in classes.warning_ends):
        return False
    if tokens[last].lemma in classes.giving_to_speaker and tail.startswith("た"):
        return True
    return tail.startswith(classes.done_tails)


def is_polite(classes: WordClasses, tokens: tuple[Token, ...]) -> bool:
    for i, token in enumerate(tokens):
        if token.lemma == "です" and token.surface in classes.conjecture:
            if i + 1 < len(tokens) and tokens[i + 1].surface == "か":
                return True  # …でしょうか; a bare 安いもんでしょ is casual
            continue
        if token.lemma in classes.polite:
            return True
    return False


def asks_for_it(classes: WordClasses, analysis: Analysis) -> bool:
    """The utterance asks for something: 返して, 送ってよ, 交換して, 払え, 百万でどうかな, ちょうだい, 欲しい."""
    tokens = analysis.tokens
    for i, token in enumerate(tokens):
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        # (before 、 a て only joins two clauses: 映画を見て、それから寝た)
        if token.lemma in classes.te_particles and token.pos == "助詞" and (
                after is None or after.surface in SENTENCE_ENDS
                or (after.lemma in classes.asking_after_te and after.pos != "助動詞")):
            return True
        if analysis.is_command(i) or token.lemma in classes.wanting:
            return True
        if token.lemma in classes.how_about and after is not None and after.lemma in classes.how_about_closes:
            return True
        if token.lemma in classes.of_course and after is not None and after.lemma in classes.copulas:
            return True  # …十万ね。当たり前でしょ
        if token.surface in classes.demand_closes and i > 0 and tokens[i - 1].pos in ("名詞", "接尾辞") \
                and (after is None or after.is_break):
            return True  # 迷惑料で十万ね, 全部管理会社持ちね: the demand set down
    return False


def own_plan(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """まとめてやってやろうと思うんですが, 〜してやりました: the caller's plan or deed told, not a threat."""
    tail = "".join(t.surface for t in tokens[index + 1 : index + 8])
    # 〜てやりてえ / 〜てやりたい: a wish to do something for someone (ばあちゃんに替えてやりてえ)
    return any(w in tail for w in classes.plan_marks) \
        or tail.startswith(classes.own_deed_tails)


def te_yaru(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """〜てやる / 〜てやろうか / Kansai 〜たろか, 〜たる: doing something *to* the listener."""
    nxt = tokens[index + 1] if index + 1 < len(tokens) else None
    after = tokens[index + 2] if index + 2 < len(tokens) else None
    if nxt is not None and nxt.lemma == "て" and after is not None and after.lemma in classes.doing_for:
        # 〜てやれ orders the listener to do it for someone else (引導渡してやれ, 教えてやれ): not the speaker's act
        return not after.form.startswith("命令形")
    if nxt is None or not tokens[index].form.startswith("連用形"):
        return False
    if nxt.surface in classes.kansai_yaru:
        return True  # 上げたるわ, しばいたる
    # 割ったろか, 突っ込んだろか (not the conjecture 〜だろう, which keeps its う)
    return nxt.surface in classes.kansai_yaro and after is not None and after.surface in classes.challenge_questions
