"""Persistence and restraint (執拗, 拘束): the same order said again, a word insisted on, contact promised or
counted (毎日かけますから, これで十五回目), hours on the line promised (何時間でも)."""

from __future__ import annotations

from itertools import pairwise

from kasuhara_live.config import JudgeConfig
from kasuhara_live.judge.clauses import (
    SENTENCE_ENDS,
    clause_after,
    self_match,
    sentence_after,
    sentence_start,
)
from kasuhara_live.judge.cues import CLEARED, Cue
from kasuhara_live.judge.grammar_cues import GrammarCues
from kasuhara_live.judge.guards import is_reported
from kasuhara_live.judge.japanese import NEGATORS, Analysis, Analyzer, Token, count_value
from kasuhara_live.judge.lexicon import Lexicon
from kasuhara_live.judge.word_classes import WordClasses


def _keeps_sending(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """Token ``index`` is 続ける after a sending verb (送り続ける): contact only when a channel is named."""
    return index > 0 and tokens[index].lemma in classes.continuing \
        and tokens[index - 1].lemma in classes.sending_verbs


def _interval(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """十分おき, 一時間ごと, 三十分毎: a number of minutes or hours and おき/ごと, as often as a frequency word."""
    return tokens[index].surface in classes.intervals and index > 1 \
        and tokens[index - 1].surface in classes.interval_units \
        and (tokens[index - 2].pos2 == "数詞" or tokens[index - 2].surface.isdigit())


def _count_before_counter(classes: WordClasses, tokens: tuple[Token, ...], index: int, least: int,
                          counters: frozenset[str] | None = None) -> tuple[int, int | None]:
    """(first token of the number, index of the counter) when a count of at least ``least`` ends at ``index``
    (二十回, 百通, 何十回, 50枚, 十二時間); (index, None) otherwise."""
    if index < 0 or index + 1 >= len(tokens) or tokens[index + 1].surface not in (counters or classes.contact_counters):
        return index, None
    # 何回でも, 何時間でも: no end to it (何回も電話したのに is a grievance)
    if tokens[index].surface in classes.vague_counts:
        ending = "".join(t.surface for t in tokens[index + 2 : index + 4])
        return (index, index + 1) if ending in classes.endless_marks else (index, None)
    start = index  # unidic-lite splits some numbers: 十/五 回
    while start > 0 and tokens[start - 1].pos2 == "数詞" and count_value(tokens[start - 1].surface) is not None:
        start -= 1
    value = count_value("".join(t.surface for t in tokens[start : index + 1]))
    return (start, index + 1) if value is not None and value >= least else (index, None)


def _thing_lasts(classes: WordClasses, tokens: tuple[Token, ...], first: int) -> bool:
    """バッテリーはあと三時間は平気, 五時間でも平気です、うちの子は: a noun (not a pronoun: こちらは, 私は; nor the
    hours themselves) is the topic or subject of the sentence, so the hours are a thing's or someone else's."""
    start = sentence_start(tokens, first)
    sentence = [*tokens[start:first], *sentence_after(tokens, first)]
    return any(a.pos == "名詞" and a.surface not in classes.hours and b.lemma in ("は", "が", "も") and b.pos == "助詞"
               for a, b in pairwise(sentence))


def _counts_calls(classes: WordClasses, tokens: tuple[Token, ...], counter: int,
                  contact_nouns: frozenset[str]) -> bool:
    """これで十五回目です, 三十回目のお電話: the caller numbers their own calls (not 十回目の来店)."""
    if counter + 1 >= len(tokens) or tokens[counter + 1].surface not in classes.ordinal_suffixes \
            or tokens[counter].surface not in classes.call_counters:
        return False
    after = [t for t in tokens[counter + 2 : counter + 6]
             if t.lemma not in classes.counted_fillers and t.surface != "、"]
    if not after or after[0].is_break or after[0].pos in ("助動詞", "助詞"):
        return True  # 十回目です, 十回目だよ, 十回目。
    return after[0].lemma in contact_nouns or after[0].lemma in classes.counted_things


def _future_share(classes: WordClasses, tokens: tuple[Token, ...], verb: int, counted: bool) -> float:
    """1 for contact promised (かけます, 電話するから), 0.5 for ongoing (毎日かけてるからね), 0 for past; a ``counted``
    campaign ongoing is 1 (三十通メール送ってます, もう四十回は電話してます), done 0.5."""
    rest: list[Token] = []
    for token in tokens[verb + 1 : verb + 7]:
        if token.is_break:
            break
        rest.append(token)
    tail = "".join(t.surface for t in rest)
    if tail.startswith(classes.not_a_promise) or any(w in tail for w in classes.grievance_marks):
        # someone else calls, a request, a grievance (十回かけても繋がらない, 毎日電話してるのに), a question of
        # how (毎週電話すればいいですか), a habit or plan told (毎日家族に電話するので…, ブログに書き込むのが日課)
        return 0.0
    if rest and rest[0].pos == "名詞" and tokens[verb].form.startswith("連体形"):
        return 0.0  # 毎朝鳴らすアラーム: the verb describes a noun
    said = tail
    for lead in classes.apology_leads:
        said = said.removeprefix(lead)
    if said.startswith(classes.apologies):
        return 0.0  # 毎日電話しちゃってすみません: the caller apologises for the calls
    if any(t.lemma in NEGATORS | classes.passive for t in rest[:4]):
        return 0.0
    if any(t.lemma == "た" for t in rest[:4]):
        # 百通送っといたから: a campaign done and counted is half a sign (二十回電話しました、いつ直るんですか is
        # also what a wronged customer says); uncounted past contact is none
        return 0.5 if counted else 0.0
    if tail.startswith(classes.ongoing_tails):
        return 1.0 if counted else 0.5
    if any(t.lemma in classes.but_particles and t.pos2 == "接続助詞" for t in rest):
        # 何回でも言いますけど、…: said on the way to something else (毎晩言うけど、うちの子が: not even that)
        return 0.0 if tokens[verb].lemma in classes.saying and not counted else 0.5
    return 1.0


class PersistenceRules(GrammarCues):
    """Persistence and restraint: orders said again, contact, hours held."""

    def __init__(self, lexicon: Lexicon, cfg: JudgeConfig, analyzer: Analyzer) -> None:
        super().__init__(lexicon, cfg, analyzer)
        self.contact_verbs = frozenset(lexicon.contact_verbs)
        self.contact_nouns = frozenset(lexicon.contact_nouns)
        self.frequency_words = frozenset(lexicon.frequency_words)
        self._frequency_prefixes = tuple(self.frequency_words)  # 朝昼晩 is 朝/昼/晩 to unidic: read on the surface
        self._frequency_heads = frozenset(word[:1] for word in self.frequency_words)

    def _repeated_clauses(self, analysis: Analysis) -> list[Cue]:
        """返金しろ。返金しろ。 / 社長を出せ、社長を出せ: the same order again in one breath is 執拗 (persistence).

        Measured on the development sets: a clause of 3 kana or more said twice in one utterance occurred only
        in persistence rows. Twice, only orders count; three times, a demanded thing or a blunt question (see
        below); courtesies and interjections never do.
        """
        if not self.cfg.repeated_clause_weight:
            return []
        seen: dict[str, int] = {}
        start = 0
        tokens = analysis.tokens
        for end in range(len(tokens) + 1):
            if end < len(tokens) and not tokens[end].is_break:
                continue
            clause, start = tokens[start:end], end + 1
            key = "".join(t.key for t in clause)
            if len(key) < 3 or any(t.lemma in self.classes.courtesies or t.pos == "感動詞" for t in clause):
                continue
            seen[key] = count = seen.get(key, 0) + 1
            # Only an order said again insists: a question twice is the line (聞こえますか？聞こえますか？), and
            # words said over (分かりました、分かりました; 0120、0120) are how people talk on the phone.
            # Three times, a demanded thing (返金。返金。返金！) or a blunt question (わかったか？×3) insists too;
            # not a flustered 待って×3 or 違う×3, nor a polite 本当ですか×3 or the line's 聞こえますか×3.
            if (count == 2 and any(analysis.is_command(end - len(clause) + i) for i in range(len(clause)))) \
                    or (count == 3 and (all(t.pos in ("名詞", "接尾辞", "接頭辞") for t in clause)
                                        or (clause[-1].surface == "か" and not any(
                                            t.lemma in self.classes.polite_auxiliaries for t in clause)))):
                words = "".join(t.surface for t in clause)
                return [Cue("repeated_clause", "persistence", "conduct", self.cfg.repeated_clause_weight,
                            f"{words}…{words}")]
        return []

    def _repeated_word(self, analysis: Analysis) -> list[Cue]:
        """返金して。返金。返金してって言ってるの: a word said bare, three times in all, and insisted on (継続的・執拗);
        not トイレ。トイレ。トイレが詰まってる (a flustered caller) nor a word a story repeats."""
        tokens = analysis.tokens
        if not self.cfg.repeated_clause_weight or not (
                any(t.lemma in self.classes.plain_quotes for t in tokens)
                and any(t.lemma in self.classes.saying for t in tokens)):
            return []
        counts: dict[str, int] = {}
        bare: set[str] = set()
        for i, token in enumerate(tokens):
            if token.pos != "名詞" or len(token.key) < 2 or token.pos2 in ("数詞", "代名詞") \
                    or token.pos3 == "副詞可能" or token.lemma in self.classes.courtesies \
                    or token.lemma in self.contact_nouns:
                continue
            counts[token.lemma] = counts.get(token.lemma, 0) + 1
            before = tokens[i - 1] if i > 0 else None
            after = tokens[i + 1] if i + 1 < len(tokens) else None
            if (before is None or before.is_break) and (after is None or after.surface in SENTENCE_ENDS):
                bare.add(token.lemma)  # 返金。 (not 返金、わかる？: a topic)
        for lemma in sorted(bare):
            if counts[lemma] >= 3:
                word = next(t.surface for t in tokens if t.lemma == lemma)
                return [Cue("repeated_clause", "persistence", "conduct", self.cfg.repeated_clause_weight,
                            f"{word}…{word}…{word}")]
        return []

    def _repeated_contact(self, analysis: Analysis) -> list[Cue]:
        """毎日かけますから, 百回でも電話してやる, これで十五回目です: contact after contact, promised or counted.

        The count or frequency word comes first, the contact verb after it in the same sentence, said of the
        future; contacts told as a grievance (毎日電話してるのに, 十回かけても繋がらない) or as past do not count,
        nor do someone else's (毎日電話してくる, 毎日電話される); see :func:`_future_share`.
        """
        weight = self.cfg.repeated_contact_weight
        if not weight or not self._may_count_contacts(analysis.text):
            return []
        tokens = analysis.tokens
        best: Cue | None = None
        dismissed = ""
        for i in range(len(tokens)):
            first, counter = _count_before_counter(self.classes, tokens, i, self.cfg.many_contacts)
            often = self._says_how_often(tokens, i)
            keeps = self._keeps_contacting(tokens, i)  # かけ続けます, 電話し続けるからな: no end to it either
            if not keeps and _keeps_sending(self.classes, tokens, i):
                dismissed = "".join(t.surface for t in tokens[max(0, i - 3) : i + 1])  # ログを送り続けます: no contact
            if not often and not keeps and counter is None:
                continue
            if counter is not None and _counts_calls(self.classes, tokens, counter, self.contact_nouns) \
                    and self._about_contact(tokens, first):
                # それで十回目の電話で、やっと繋がった: a count told in the past is half a sign
                told = any(t.lemma == "た" and t.pos == "助動詞" for t in sentence_after(tokens, counter))
                return [Cue("repeated_contact", "persistence", "conduct", weight * (0.5 if told else 1.0),
                            "".join(t.surface for t in tokens[first : counter + 2]))]
            verb: int | None = i
            if keeps:
                first = i - 1 if tokens[i - 1].lemma in self.contact_verbs \
                    or tokens[i - 1].lemma in self.classes.misread_calling \
                    else max(0, i - 2)
            else:
                verb = self._contact_verb_after(tokens, counter if counter is not None else i)
            if verb is None or is_reported(self.classes, analysis, self_match(verb)):
                continue
            share = _future_share(self.classes, tokens, verb, counted=counter is not None)
            words = "".join(t.surface for t in tokens[first : verb + 1])
            if share and (best is None or best.weight < share * weight):
                best = Cue("repeated_contact", "persistence", "conduct", share * weight, words)
            elif not share:
                dismissed = words  # 十回かけても繋がらない, 毎週電話すればいいですか: a grievance, a habit
        if best is None and dismissed:
            return [Cue("repeated_contact", "persistence", CLEARED, 0.0, dismissed)]
        return [best] if best else []

    def _may_count_contacts(self, text: str) -> bool:
        # most utterances have neither a counter, a frequency word nor 続ける: one pass over the text says so
        return any(c in text for c in self.classes.contact_counters) \
            or any(w in text for w in self.classes.continuing_stems) \
            or any(word in text for word in self.frequency_words) or any(w in text for w in self.classes.every) \
            or any(word in text for word in self.classes.intervals)

    def _says_how_often(self, tokens: tuple[Token, ...], i: int) -> bool:
        """毎日, 毎晩, 朝昼晩 (read on the surface), 十分おき: token ``i`` begins a frequency."""
        token = tokens[i]
        return token.lemma in self.frequency_words \
            or (token.surface in self.classes.every and token.pos == "接頭辞") or (
            token.surface[:1] in self._frequency_heads
            and "".join(t.surface for t in tokens[i : i + 4]).startswith(self._frequency_prefixes)) \
            or _interval(self.classes, tokens, i)

    def _long_hold(self, analysis: Analysis) -> list[Cue]:
        """何時間でも, 今日は五時間いきましょうか, まだ三時間しか話してない, 四時間でも構いません: hours on the line
        promised or claimed (拘束), not hours waited."""
        tokens = analysis.tokens
        dismissed = ""
        for i in range(1, len(tokens)):
            if tokens[i].surface not in self.classes.hours:
                continue
            first, counter = _count_before_counter(self.classes, tokens, i - 1, self.cfg.long_hold_hours,
                                                   self.classes.hours)
            if counter is None:
                continue
            rest = clause_after(self.classes, tokens, i)
            words = "".join(t.surface for t in tokens[first : i + 1 + len(rest)])
            if rest and rest[0].lemma in self.classes.not_a_span:
                dismissed = words  # 三時間後に, 八時間ごとに, 三時間目の授業: a point or a rhythm, not a span
                continue
            if self._hours_held(tokens, first, rest):
                return [Cue("long_hold", "restraint", "conduct", self.cfg.repeated_contact_weight, words)]
            dismissed = words  # 何時間でも待ちますよ: hours the caller waits, not hours the agent is held
        return [Cue("long_hold", "restraint", CLEARED, 0.0, dismissed)] if dismissed else []

    def _hours_held(self, tokens: tuple[Token, ...], first: int, rest: list[Token]) -> bool:
        """The count of hours beginning at ``first`` (``rest``: the words after it in its clause) is the agent's
        time on the line taken: promised (何時間でも付き合う), claimed as still to come (まだ三時間しか話してない)
        or declared no burden to the caller (四時間でも構いません, あと三時間は平気)."""
        classes = self.classes
        endless = "".join(t.surface for t in rest[:2]) in classes.endless_marks
        willed = any(t.form.startswith("意志推量形") for t in rest) and not any(t.lemma == "た" for t in rest)
        caused = [t.lemma in classes.waiting and j + 1 < len(tokens) and tokens[j + 1].lemma in classes.causatives
                  for j, t in enumerate(tokens)]
        staying = any(caused) or any(t.lemma in classes.held for t in tokens)
        if (endless or willed) and staying:
            return True
        claimed = first > 0 and tokens[first - 1].surface in classes.more_time_leads
        if claimed and rest and rest[0].surface in classes.only_marks:
            return staying  # まだ三時間しか話してない; まだ三時間しか使ってないのに壊れた is a product's life
        # 何時間でも構いませんので待ちます, 二時間でも構いませんから調べてください: the caller's own patience
        waited = any(t.lemma in classes.waiting and not c for t, c in zip(tokens, caused, strict=True))
        asked = any(t.lemma in classes.asked_done for t in tokens)
        carefree = (endless or claimed) and any(t.lemma in classes.no_burden for t in rest)
        return carefree and not waited and not asked and not _thing_lasts(classes, tokens, first)

    def _keeps_contacting(self, tokens: tuple[Token, ...], index: int) -> bool:
        """Token ``index`` is 続ける after a contact verb: かけ続ける, 電話し続ける."""
        if index == 0 or tokens[index].lemma not in self.classes.continuing:
            return False
        verb = tokens[index - 1]
        if verb.lemma in self.classes.misread_calling and verb.surface in self.classes.misread_calling_forms:
            return True  # かけ続けます: unidic-lite reads kana かけ as 駆ける (run)
        if _keeps_sending(self.classes, tokens, index):  # メールを送り続ける, not ログを送り続ける
            return any(t.lemma in self.contact_nouns for t in tokens[max(0, index - 9) : index])
        return verb.lemma in self.contact_verbs or (index > 1 and verb.lemma in self.classes.doing
                                                     and tokens[index - 2].lemma in self.contact_nouns)

    def _to_someone_else(self, tokens: tuple[Token, ...], start: int, verb: int) -> bool:
        """毎日家族に電話する, 母には毎日電話をしています: the contact goes to someone of the caller's own, not to the
        company."""
        return any(a.lemma in self.classes.own_people and b.lemma == "に"
                   for a, b in pairwise(tokens[sentence_start(tokens, start) : verb]))

    def _about_contact(self, tokens: tuple[Token, ...], index: int) -> bool:
        """これで十五回目, 十回目の電話: the sentence is about calling, writing or saying (not 停電これで十回目, nor
        毎週通ってて十回目: the count of something else)."""
        sentence = [*tokens[sentence_start(tokens, index) : index], *sentence_after(tokens, index)]
        return any(t.lemma in self.contact_nouns or t.lemma in self.contact_verbs or t.lemma in self.classes.said
                   for t in sentence)

    def _contact_verb_after(self, tokens: tuple[Token, ...], start: int) -> int | None:
        named = any(t.lemma in self.contact_nouns for t in tokens[max(0, start - 8) : start])
        for j in range(start + 1, len(tokens)):
            token = tokens[j]
            if token.surface in SENTENCE_ENDS:
                return None
            named = named or token.lemma in self.contact_nouns
            if token.pos != "動詞":
                continue
            if token.lemma in self.contact_verbs and (named or token.lemma not in self.classes.sending_verbs):
                return None if self._to_someone_else(tokens, start, j) else j  # 送る only with メール named
            before = tokens[j - 2] if tokens[j - 1].lemma == "を" and j > 1 else tokens[j - 1]
            # 毎日クレーム入れたる, 毎晩電話入れますから, 毎朝お電話を差し上げます, 毎日電話をしますからね
            if before.lemma in self.contact_nouns and token.lemma in self.classes.contact_noun_verbs:
                return None if self._to_someone_else(tokens, start, j) else j
        return None
