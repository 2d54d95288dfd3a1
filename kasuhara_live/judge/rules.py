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
``classes.<name>``: the judge's ``self.classes``, passed to the module's functions as their first argument.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from kasuhara_live.config import JudgeConfig
from kasuhara_live.events import Level
from kasuhara_live.judge.japanese import E_ROW, NEGATORS, Analysis, Analyzer, Token, count_value
from kasuhara_live.judge.lexicon import Lexicon, Match, PhraseMatcher, Term, part_owner
from kasuhara_live.judge.model import HarassmentModel, content_kana
from kasuhara_live.judge.word_classes import WordClasses, word_classes

CRITERIA_OF_AXIS = {"conduct": "means_manner", "demand": "demand_validity", "complaint": "demand_validity"}
# The axis of a cue that records a rule's considered "no": the rule saw its pattern and a guard dismissed it
# (何時間でも待ちますよ is hours waited, not hours held). It never counts; it keeps the model from overruling it.
CLEARED = "cleared"
ENVIRONMENT_CATEGORIES = frozenset({"restraint", "persistence"})

# a verb's a-row (未然形) or せ + んかい, ending its clause: 謝らんかい, 手続きせんかい, 見せんかい
_RUDE_NEGATIVE_DEMAND = re.compile(r"[さかたまらわがばせ]んかい$")  # not な: そうなんかい is a question
_CLOSING_QUOTES = frozenset("」』\"”")
_SENTENCE_ENDS = frozenset({"。", "!", "?", "！", "？"})


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
                          "disowned_consequence", "labelled", "group_removal", "group_contempt"})
NOTHING = Judgement(Level.NONE, "none", 0.0, 0.0, 0.0)


def _clause_after(classes: WordClasses, tokens: tuple[Token, ...], last: int, limit: int = 0) -> list[Token]:
    """The tokens after ``last`` up to the end of its clause (at most ``limit`` of them when given)."""
    out: list[Token] = []
    rest = tokens[last + 1 :]
    for index, token in enumerate(rest):
        if len(out) == limit and limit:
            break
        if token.surface in _CLOSING_QUOTES:
            continue  # 「バカ」と言われた: the quote ends, the clause does not
        if token.surface in ("、", ",") and index + 1 < len(rest) and rest[index + 1].lemma in classes.quotes:
            continue  # 殺すぞ、って言われた: Whisper's comma where a quotation mark would be
        if token.surface in ("、", ",") and out and ((out[-1].lemma in classes.quotes and out[-1].pos == "助詞")
                                                    or "".join(t.surface for t in out[-2:]) == "とか"):
            # 土下座しろなんて、そんなこと言うつもりは: the quotation's clause goes on after the comma (とか may be
            # read as と + か)
            continue
        if token.is_break:
            break
        out.append(token)
    return out


def is_negated(classes: WordClasses, analysis: Analysis, match: Match) -> bool:
    """A verb after the match (or the match's own verb) is negated within the same clause."""
    tokens = analysis.tokens
    if match.last + 1 < len(tokens) and tokens[match.last + 1].surface == "しか":
        return False  # ゴミしか居ない: しか…ない says "nothing but", it denies nothing
    saw_verb = tokens[match.last].pos == "動詞"
    verb = tokens[match.last] if saw_verb else None
    previous = tokens[match.last]
    joined = False  # a subordinate clause ended after the match's verb (〜て, 〜なら, 〜し)
    for token in _clause_after(classes, tokens, match.last):
        if token.pos in ("名詞", "代名詞", "接尾辞") and not saw_verb:
            return False  # 役立たずの担当者しかいない: the words describe a noun; the clause's negation is not theirs
        if token.pos == "動詞" and joined and (token.pos2 != "非自立可能" or previous.pos == "名詞") \
                and token.lemma not in classes.saying_verbs and token.lemma not in ("思う", "考える"):
            # 追放して国交断絶しない, 守るなら…なってない: a later predicate, after 〜て, 〜なら, 〜し, holds the
            # negation, not the match's (殴ってやらない: やる only helps the verb before it; 土下座してほしいなんて
            # 思ってない: a verb of thinking or saying denies what it takes)
            return False
        if saw_verb and (previous.pos2 == "接続助詞" or (previous.lemma == "だ" and previous.surface == "なら")):
            joined = True
        if token.pos == "動詞":
            saw_verb, verb = True, token
        if token.lemma in ("知れる", "構う") or (token.lemma == "知る" and previous.lemma == "も"):
            # 刺すかもしれません, 死んでもかまわない, 家族がどうなっても知らんぞ: not a denial of the words
            return False
        # 思っとらんです: unidic-lite may read the negative ん after an irrealis form as the ん of んです
        negator = (token.lemma in NEGATORS and token.pos in ("助動詞", "形容詞")) \
            or (token.surface == "ん" and previous.form.startswith("未然形"))
        previous = token
        if negator and saw_verb:
            at = tokens.index(token)
            rest = "".join(t.surface for t in _clause_after(classes, tokens, at))
            # 土下座しないなら許さない, 土下座せんかったら, 土下座もできねえのか: a condition or a taunt
            if rest.startswith(classes.not_a_denial):
                return False
            # 教えてくれない？, 話せる人いないの？: a request or a question whether someone is there, not a denial
            asked = "".join(t.surface for t in tokens[at + 1 : at + 3]).startswith(("?", "の?", "ん?", "か?"))
            return not (asked and verb is not None and verb.lemma in classes.asking_verbs)
    return False


def is_reported(classes: WordClasses, analysis: Analysis, match: Match) -> bool:
    """The words are quoted, not said to the agent: 〜と言われた, 〜って脅されて, 〜とか言ったみたい, 〜といった暴言.

    A caller insisting on their own words (払えって言ってるんだよ) is not reporting them.
    """
    quote = _enclosing_quote(analysis.tokens, match)
    if quote is not None:
        opening, closing = quote
        if opening == "『":
            return True  # 『ぶっとばせ！』ってゲーム: a title
        following = analysis.tokens[closing + 1 : closing + 4]
        if len(following) >= 2 and following[0].lemma in classes.quotes and following[1].pos == "名詞":
            return True  # 「ぶっ殺す」って叫び声, 「死ね」というメール: the words are named, not said
        if len(following) >= 2 and following[0].lemma in ("言う", "云う") and following[1].surface in ("て", "で"):
            return True  # 「土下座までして頼まれたら断れん」言うて、旦那が…: words told, the story goes on
        if len(following) == 3 and following[0].lemma in classes.saying_verbs and following[0].pos == "動詞" \
                and following[1].lemma in classes.passive:
            return True  # 「殺すぞ」言われて: speech drops the って, the bracket still quotes
    after = [t for t in _clause_after(classes, analysis.tokens, match.last)
             if t.surface not in ("か", "など", "なんか")]
    for i, token in enumerate(after[:5]):
        # 殺す気かいうくらい塩辛い, しばいたろか思うくらい固い: a measure of something else, not words to the agent
        # (not 〜するくらいの気持ちで: 額をこすりつけるくらいの気持ちで来い is the demand itself)
        if token.lemma in ("言う", "思う") and token.pos == "動詞" and i + 2 < len(after) \
                and after[i + 1].lemma in classes.measures and after[i + 2].pos in ("形容詞", "形状詞"):
            return True  # (殺すぞって言うくらい腹立っとる: the anger is the caller's, the words still said)
    for i, token in enumerate(after[:-1]):
        if not (token.lemma in classes.quotes and token.pos == "助詞"):
            continue
        if after[i + 1].lemma in classes.words_nouns:
            # 土下座しろって台詞, 殺すぞって言葉: the words are named, not said (給料泥棒って言葉、あなたのため
            # にある: said of the agent after all)
            return not any(_is_listener(classes, t) for t in analysis.tokens)
        verb = _saying_verb_after(classes, after, i + 1)
        if verb is not None and _obliged(after, i, verb):
            continue
        if verb is None and _disowned_after(classes, after[i + 1 : i + 9]):
            return True  # 社長を出せとか、そういうことじゃない: the caller says these are not their words
        if verb is None:
            # 〜って踊されて (Whisper's 脅されて): a quotation followed by a verb done to the caller is reported
            # (only after って: と is also "if", 〜もらわんと帰られへん)
            done = after[i + 1 : i + 4]
            if token.lemma == "って" and done and done[0].pos in ("動詞", "名詞") and any(
                    t.lemma in classes.passive for t in done[1:]) and all(t.pos != "名詞" for t in done[1:]):
                return True
            continue
        i = verb - 1  # from here on, as if the verb followed the quotation directly
        rest = after[i + 2 : i + 6]
        if any(t.lemma in NEGATORS for t in rest[:3]):
            # 〜とは言いません: words the caller says they are NOT saying; 〜って言われん？ is a question to the agent
            return not any(t.surface in ("？", "?", "か") for t in rest[:4])
        tail = "".join(t.surface for t in rest)
        if tail.startswith(classes.insisting):
            return False
        if any(t.lemma in classes.passive | classes.hearsay for t in rest[:3]):
            return True
        if rest and rest[0].lemma in ("た", "だ") and len(rest) > 1 and rest[1].pos == "名詞":
            return True  # 〜といった暴言
        if rest and rest[0].pos == "名詞" and after[i + 1].form.startswith("連体形"):
            return True  # 〜という発言
        if after[i + 1].form.startswith(("連用形", "終止形")) and rest and rest[0].lemma in ("た", "てる", "て"):
            return not tail.startswith(("てん", "てる", "ている"))  # 〜って言った / 言われて: a past report
        if rest and rest[0].lemma == "ながら":
            return True  # 「ふざけんな」って叫びながら: what someone does, told
    return False


def _disowned_after(classes: WordClasses, tokens: list[Token]) -> bool:
    """そういうことじゃない, そんな話ではありません: "such a thing" denied right after a quotation."""
    words = [t for t in tokens if t.lemma not in classes.disowning_fillers]
    if len(words) < 3 or (words[0].surface not in classes.such and words[0].lemma not in classes.such):
        return False
    if words[1].lemma not in classes.such_things \
            or any(t.surface == "しか" for t in words):
        return False  # そういうことしか言ってない: "only that", said again
    for k, t in enumerate(words[2:7], start=2):
        if t.lemma in NEGATORS:
            tail = "".join(w.surface for w in words[k + 1 : k + 4])
            return not tail.startswith(classes.taunting_questions)  # そういうことも分からないのか
    return False


def _obliged(tokens: list[Token], quote: int, verb: int) -> bool:
    """〜しないといけない (must): a negative, the conditional と and いけない/いかん, which unidic reads as 行く
    (a saying verb elsewhere: 〜って行ってた); the words are the speaker's own."""
    return verb == quote + 1 and quote > 0 and tokens[quote].lemma == "と" and tokens[quote - 1].lemma in NEGATORS \
        and tokens[verb].lemma == "行く" and verb + 1 < len(tokens) and tokens[verb + 1].lemma in NEGATORS


def _saying_verb_after(classes: WordClasses, tokens: list[Token], start: int) -> int | None:
    """Index of the saying verb of a quotation, allowing は/も and who said it: 〜とは言わない, 〜って上司に言われた."""
    for index in range(start, min(start + 4, len(tokens))):
        token = tokens[index]
        if token.lemma in classes.saying_verbs and token.pos == "動詞":
            return index
        if not (token.pos in ("名詞", "代名詞", "接尾辞") or token.lemma in classes.speaker_particles):
            return None
    return None


def _enclosing_quote(tokens: tuple[Token, ...], match: Match) -> tuple[str, int] | None:
    """The opening bracket (「 or 『) around the match and the index of its closing one, if it is quoted."""
    opening = next((t.surface for t in reversed(tokens[: match.first]) if t.surface in "「」『』"), "")
    if opening not in ("「", "『"):
        return None
    pair = "」" if opening == "「" else "』"
    closing = next((i for i in range(match.last + 1, len(tokens)) if tokens[i].surface == pair), None)
    return None if closing is None else (opening, closing)


def _clause_text(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> str:
    return "".join(t.surface for t in _clause_after(classes, tokens, index, limit=6))


def _is_condition(tokens: tuple[Token, ...], last: int) -> bool:
    return last + 1 < len(tokens) and tokens[last + 1].lemma == "ば" and tokens[last + 1].pos == "助詞"


def _begins_with_grammar(analysis: Analysis) -> bool:
    return bool(analysis.tokens) and analysis.tokens[0].pos in ("助詞", "助動詞")


def starts_inside_a_word(analysis: Analysis, match: Match) -> bool:
    """The match begins with a particle or auxiliary that belongs to the conjugated word before it: 雨だしね is
    だ + し + ね (and, you know), not 死ね; 思ったわけ is 思っ + た + わけ, not the insult 戯け; or with the copula of
    the noun before it: 休みでさ is 休み + で + さ, not だっさ (a copula cut short, だっ, must go on to た:
    ほんとだっせえ is ほんと + だっせえ)."""
    tokens = analysis.tokens
    if match.first == 0:
        return False
    first, before = tokens[match.first], tokens[match.first - 1]
    return (first.pos in ("助詞", "助動詞") and before.conjugates) \
        or (first.pos == "助動詞" and before.pos in ("名詞", "代名詞", "形状詞", "接尾辞")
            and not first.surface.endswith("っ"))


def is_simile(classes: WordClasses, analysis: Analysis, match: Match) -> bool:
    """アホみたいに食べる, バカみたいに高い: a comparison, not a name for the listener."""
    after = analysis.tokens[match.last + 1 : match.last + 3]
    if not after or after[0].lemma not in classes.simile_words:
        return False
    return len(after) < 2 or after[1].surface in ("に", "な")


def in_compound(classes: WordClasses, analysis: Analysis, match: Match) -> bool:
    """A short noun inside a longer word is not the insult: 野菜くず, 生ゴミ, ゴミ箱 (but クズ野郎 is)."""
    tokens = analysis.tokens
    word = tokens[match.first]
    if match.first != match.last or word.pos != "名詞" or len(word.key) > 3:
        return False
    before = tokens[match.first - 1] if match.first > 0 else None
    after = tokens[match.last + 1] if match.last + 1 < len(tokens) else None
    # 生ゴミ, 下屑: a prefix or a one-character noun in front makes a compound (全員バカ does not)
    if before is not None and (before.pos == "接頭辞" or (before.pos == "名詞" and len(before.surface) == 1)):
        return True
    if after is not None and after.pos == "形容詞" and word.lemma in classes.intensifiers:
        return True  # バカ安い, クソ暑い: an intensifier on an adjective, not a name for anyone (クズ多すぎ is)
    return after is not None and after.pos in ("名詞", "接尾辞") and after.lemma not in classes.insult_suffixes


def names_a_thing(classes: WordClasses, analysis: Analysis, match: Match) -> bool:
    """ゴミの収集, ゴミが残った, クズを拾う: the noun is a thing the sentence is about, not a name for someone.

    An insulting noun followed by a case particle is an argument of the clause; it is an insult when it is
    exclaimed (このゴミが。) or pointed at someone (お前らゴミが…, こんな馬鹿を雇う).
    """
    tokens = analysis.tokens
    if match.first != match.last or tokens[match.first].pos != "名詞" or match.last + 1 >= len(tokens):
        return False
    before = tokens[max(0, match.first - 3) : match.first]
    # お前らゴミが, この/こんな馬鹿を雇う: pointed at someone
    if any((t.pos == "代名詞" and t.lemma not in classes.first_person) or t.pos == "連体詞" for t in before):
        return False
    if before and (before[-1].lemma == "た" or (before[-1].lemma == "の" and len(before) > 1
                                                and before[-2].pos in ("名詞", "接尾辞"))):
        return True  # 出したゴミ, うちの前のゴミ: a thing someone put out, a thing somewhere
    after = tokens[match.last + 1]
    rest = _clause_after(classes, tokens, match.last + 1) if after.surface in ("、", ",") else []
    if any(t.lemma in classes.thing_verbs or t.lemma in classes.passive for t in rest) and not any(
            _is_listener(classes, t) or analysis.is_command(tokens.index(t))
            or _is_prohibitive(classes, tokens, tokens.index(t)) for t in rest):
        return True  # ゴミ、もう二週連続で回収されてへん: the topic of what follows (not ゴミ、二度と電話してくんな)
    if after.pos == "動詞":
        return True  # ゴミ捨てた (a particle dropped), ごみ合って (混み合って misheard): what a verb is done with
    if after.pos != "助詞" or after.lemma not in classes.case_particles | {"だけ", "も", "は"}:
        return False
    # このゴミが。: an exclamation at someone
    return match.last + 2 < len(tokens) and not tokens[match.last + 2].is_break


def is_own_wish(analysis: Analysis, match: Match) -> bool:
    """土下座したい (I'd like to): the speaker's own wish, unlike 土下座させたい (to make someone)."""
    after = analysis.tokens[match.last + 1 : match.last + 3]
    for token in (analysis.tokens[match.last], *after):
        if token.lemma in ("せる", "させる"):
            return False
        if token.lemma == "たい" and token.pos == "助動詞":
            return True
    return False


def is_own(classes: WordClasses, analysis: Analysis, match: Match) -> bool:
    """私の名前と住所: the caller's own data, not the agent's."""
    before = analysis.tokens[max(0, match.first - 2) : match.first]
    return any(_is_first_person(classes, t) for t in before) and bool(before) and before[-1].lemma == "の"


def about_own(classes: WordClasses, analysis: Analysis, match: Match) -> bool:
    """うちの猫、ほんまアホで可愛い / うちの旦那、…。あほやねん: the caller talks about their own (family, pet) and
    names nobody on the other end of the line."""
    tokens = analysis.tokens
    before = tokens[: match.first]
    # not 自分: 自分の頭で考えなさい says it of the listener
    own = any(_is_first_person(classes, a) and a.lemma != "自分" and b.lemma == "の" and c.lemma in classes.own_family
              for a, b, c in zip(before, before[1:], before[2:], strict=False))  # うちの猫 (not 俺の話)
    return own and not any(_is_listener(classes, t) or t.lemma in classes.staff for t in tokens)


def asked_about(classes: WordClasses, analysis: Analysis, match: Match) -> bool:
    """慰謝料って、どういう場合に請求できるんでしょうか: the words are the subject of a polite question, not a
    demand (誠意ってわかる? is a taunt, not an enquiry)."""
    tokens = analysis.tokens
    if match.last + 1 >= len(tokens):
        return False
    if tokens[match.last + 1].lemma not in classes.topic_quoting:  # 慰謝料いうのは (Kansai)
        # 慰謝料を請求する場合って、どこに相談すればいいですか: asking how such a claim works
        clause = _clause_after(classes, tokens, match.last, limit=6)
        if not any(t.lemma in classes.how_it_works for t in clause):
            return False
    polite = asking = False
    for token in tokens[match.last + 2 :]:
        polite = polite or token.lemma in ("です", "ます")
        asking = asking or token.lemma in classes.question_words  # どこに相談すればいいんでしょう。
        if token.surface in _SENTENCE_ENDS:
            return polite and (token.surface in ("?", "？") or asking)
        if token.lemma in ("か", "かしら") and token.pos == "助詞":
            return polite
    return polite and asking


def _is_listener(classes: WordClasses, token: Token) -> bool:
    return token.pos == "代名詞" and not _is_first_person(classes, token) and token.lemma not in classes.not_listener


def _is_first_person(classes: WordClasses, token: Token) -> bool:
    return token.lemma in classes.first_person or token.surface in classes.first_person


class UtteranceJudge:
    """Scores single utterances. Pure: text in, :class:`Judgement` out."""

    def __init__(self, lexicon: Lexicon, cfg: JudgeConfig, analyzer: Analyzer | None = None,
                 model: HarassmentModel | None = None) -> None:
        self.cfg = cfg
        self.analyzer = analyzer or Analyzer()
        self.model = model
        # the named word classes the rules read (configs/word-classes.toml, with the lexicon's [classes.add/remove])
        self.classes = lexicon.classes if lexicon.classes is not None else word_classes()
        self.terms: dict[str, Term] = {t.id: t for t in lexicon.terms}
        # terms whose phrases continue the word before them (払っ|てもらうで): see Term.attaches
        self._attaching = frozenset(t.id for t in lexicon.terms if t.attaches or (t.attaches is None and any(
            _begins_with_grammar(self.analyzer.analyze(phrase)) for phrase in t.phrases)))
        self.exceptions = {e.id for e in lexicon.exceptions if not e.utterance_categories}
        self.utterance_exceptions = {e.id: frozenset(e.utterance_categories) for e in lexicon.exceptions
                                    if e.utterance_categories}
        self.harm_verbs = frozenset(lexicon.harm_verbs)
        self._harm_lemmas = tuple(sorted(self.harm_verbs))
        self._harm_stems = tuple(sorted({verb[:-1] for verb in self.harm_verbs if len(verb) > 1
                                         and any("\u4e00" <= c <= "\u9fff" for c in verb[:-1])}))
        self.contact_verbs = frozenset(lexicon.contact_verbs)
        self.addressees = frozenset(lexicon.addressees)
        self.people = frozenset(lexicon.people)
        self.states = frozenset(lexicon.states)
        self.labels = frozenset(lexicon.labels)
        self.removal = frozenset(lexicon.removal)
        self.contempt = frozenset(lexicon.contempt)
        self.happenings = frozenset(lexicon.happenings)
        self.targeted_harm_verbs = frozenset(lexicon.targeted_harm_verbs)
        self._targeted_stems = tuple(sorted({v[:-1] for v in lexicon.targeted_harm_verbs if len(v) > 1}))
        self.harm_targets = frozenset(lexicon.harm_targets)
        self.contact_nouns = frozenset(lexicon.contact_nouns)
        self.frequency_words = frozenset(lexicon.frequency_words)
        self._frequency_prefixes = tuple(self.frequency_words)  # 朝昼晩 is 朝/昼/晩 to unidic: read on the surface
        self._frequency_heads = frozenset(word[:1] for word in self.frequency_words)
        self.constructions = lexicon.constructions
        self._part_owners = [tuple(part_owner(c.id, i) for i in range(len(c.parts))) for c in self.constructions]
        self._by_first_part: dict[str, list[int]] = {}
        for index, owners in enumerate(self._part_owners):
            self._by_first_part.setdefault(owners[0], []).append(index)
        self.matcher = PhraseMatcher(lexicon, self.analyzer, cfg.min_fuzzy_kana, cfg.kana_per_error,
                                     cfg.max_reading_errors)
        self._trace: list[Dismissal] | None = None  # set only while explain() runs

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
        choices = _own_choices(self.classes, analysis.tokens)
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
        return self._combine([*judgement.cues, cue])

    def _addressed(self, analysis: Analysis, judgement: Judgement) -> bool:
        """The utterance is aimed at a person: a rule found something on the conduct or demand axis, someone is
        addressed (お前, あんた), one of the people on the other end of the line is named (担当者, 店員: ``[grammar]
        addressees``), a group of people is spoken of as a group (女は, 外国人って: ``[grammar] people``), or an
        order is given (出せ).

        Harassment needs a person. A model trained on sets where harassment was said plainly reads plain speech as
        evidence; on real casual Japanese almost all its false alarms were utterances aimed at no one (寒いしね, a
        story about the caller's day), and the rules see that such an utterance names no one.
        """
        if any(c.axis in ("conduct", "demand") for c in judgement.cues) or _asks_for_it(self.classes, analysis):
            return True  # 返して, 謝って, 対応してよ: asked of the listener, plainly (not ください: jmultiwoz)
        tokens = analysis.tokens
        for i, token in enumerate(tokens):
            if _is_listener(self.classes, token) or token.lemma in self.addressees or token.surface in self.addressees \
                    or analysis.is_command(i):
                return True  # お前, 担当者, 出せ
            if token.lemma in self.people and i + 1 < len(tokens) and tokens[i + 1].surface in self.classes.group_marks:
                return True  # 女は, 外国人って, 女のわけわからん話: a group spoken of (not 会ってた女が: one woman)
        return False

    def _judge_rules(self, analysis: Analysis, extra: tuple[Cue, ...],
                     whole: bool = True) -> tuple[Judgement, frozenset[str]]:
        """The rules' judgement, and the categories a rule looked at and dismissed (or an exception silenced).

        Words said over count only in a whole utterance's best reading: a partial hypothesis or another reading
        that repeats itself (私が見え、私が見え、私が見え) is Whisper caught in a loop, not a caller insisting."""
        matches = self.matcher.find(analysis)
        repeated = (self._repeated_clauses(analysis) or self._repeated_word(analysis)) if whole else []
        found = [*self._lexicon_cues(analysis, matches), *self._construction_cues(analysis, matches),
                 *self._grammar_cues(analysis), *repeated,
                 *self._repeated_contact(analysis),
                 *_private_visit(self.classes, analysis), *self._long_hold(analysis),
                 *_investigates_agent(self.classes, analysis), *_disowned_consequence(self.classes, analysis),
                 *self._labelled(analysis), *self._about_groups(analysis)]
        silenced = self._silenced_categories(matches)
        cleared = silenced | {c.category for c in found if c.axis == CLEARED}
        if self._trace is not None:
            for c in found:
                if c.axis == CLEARED:
                    self._dismiss(c.origin, c.evidence, "cleared")
                elif c.category in silenced:
                    self._dismiss(c.origin, c.evidence, "category_silenced_by_exception")
        cues = [c for c in found if c.category not in silenced and c.axis != CLEARED]
        return self._combine([*cues, *self._blunt_demand(analysis, cues), *extra]), frozenset(cleared)

    def _labelled(self, analysis: Analysis) -> list[Cue]:
        """The listener called by a label (``[grammar] labels``: 無職, 底辺): after an order, as the one it is
        given to (働けよ無職), pointed at (この無職が), or said of the listener (お前は底辺, あんたみたいなニート)."""
        tokens = analysis.tokens
        for i, token in enumerate(tokens):
            if token.lemma not in self.labels and token.surface not in self.labels:
                continue
            ends = i + 1 == len(tokens) or tokens[i + 1].is_break or tokens[i + 1].lemma in ("が", "め", "ども")
            order = i - 1 if i > 0 and tokens[i - 1].surface in ("よ", "や") else i
            called = ends and order > 0 and analysis.is_command(order - 1)
            pointed = ends and i > 0 and tokens[i - 1].surface == "この"
            said_of = any(_is_listener(self.classes, t) for t in tokens[max(0, i - 4) : i]) \
                and any(t.lemma in ("は", "って", "みたい", "なんか") for t in tokens[max(0, i - 3) : i])
            if (called or pointed or said_of) and not is_negated(self.classes, analysis, _self_match(i)):
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
        sentence_of = _sentence_index(analysis)
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
                    and not is_negated(self.classes, analysis, _self_match(j)) \
                    and not is_reported(self.classes, analysis, _self_match(j)):
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
                if tokens[i].pos3 == "地名" and i + 1 < len(tokens) and tokens[i + 1].surface == "人" \
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
            and not any(t.lemma == "べし" for t in after)  # 〜するべきだった: still what should be done
        # 要らない: the negation is the word's own (the group is not wanted)
        negated = not said.endswith(("ない", "ん")) and is_negated(self.classes, analysis, _self_match(j))
        guard = "negated" if negated else "reported" if is_reported(self.classes, analysis, _self_match(j)) \
            else "told_as_done" if past else ""
        if guard:
            self._dismiss("grammar:group_removal", evidence, guard)
            return None
        return Cue("group_removal", "discrimination", "conduct", 1.5, evidence, Level.WARNING)

    def _blunt_demand(self, analysis: Analysis, cues: list[Cue]) -> list[Cue]:
        """An invalid demand made without a word of politeness (新車に交換して, 百万でどうかな, 全部返して) presses it:
        DOMAIN.md's grey zone is the invalid demand made *politely* (…いただけますか)."""
        demands = [c for c in cues if c.axis == "demand"]
        if sum(c.weight for c in demands) < self.cfg.demand_grey or not self.cfg.coercion \
                or _is_polite(self.classes, analysis.tokens) or not _asks_for_it(self.classes, analysis) \
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
        sentence_of = _sentence_index(analysis)
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
        if term.axis != "complaint" and _is_condition(analysis.tokens, match.last):
            return "condition"  # 辞めちまえば終わり: 〜ば makes the words a condition, not an order
        if term.axis != "complaint" and is_negated(self.classes, analysis, match):
            return "negated"
        if term.axis != "complaint" and is_reported(self.classes, analysis, match):
            return "reported"
        if term.category == "dogeza" and is_own_wish(analysis, match):
            return "own_wish"  # 土下座したいぐらい感謝してます: the caller's own wish, not a demand
        if term.category == "threat" and analysis.tokens[match.last].pos == "動詞" \
                and _described(self.classes, analysis.tokens, match.last):
            return "described"  # ネズミを殺す薬, 殴り合う練習: the verb describes, it does not threaten
        if term.category == "threat" and analysis.tokens[match.first].pos == "動詞" \
                and self._done_to_no_one(analysis.tokens, match.first):
            return "object_not_a_target"  # さんま焼いてやる, 穴を埋めてやる
        if term.category == "threat" and analysis.tokens[match.first].pos == "動詞" \
                and _done_to_a_thing(self.classes, analysis.tokens, match.first):
            # ゴキブリを殺すぞ: the match ends on ぞ, not on its verb, whose object is still no one (not_people)
            return "object_not_people"
        if term.category in ("threat", "abuse") and _done(self.classes, analysis.tokens, match.last):
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

    def _dismiss(self, origin: str, evidence: str, reason: str) -> None:
        if self._trace is not None:
            self._trace.append(Dismissal(origin, evidence, reason))

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
        if (_is_prohibitive(classes, tokens, i) and token.lemma not in self.states) \
                or _is_rough_prohibitive(classes, tokens, i) or _order_quoted_bare(classes, tokens, i):
            cues.append(Cue("command", "intimidation", "conduct", cfg.command_weight, token.surface))
        elif analysis.is_command(i):
            # 交換してくれ(よ): a plea said roughly is tone; 出せ, 謝れ are orders
            cues.append(Cue("command", "intimidation", "conduct", cfg.command_weight, token.surface,
                            tone=token.lemma in classes.rough_pleas))
        elif _is_imposition(classes, tokens, i) or _scolds(classes, tokens, i):
            cues.append(Cue("rough_ending", "intimidation", "conduct", cfg.rough_ending_weight, token.surface))
        elif _rough_tail(classes, tokens, i) or _is_rough(
                classes, token, nxt, i > 0 and tokens[i - 1].surface == "じゃ" and _rough_tail(classes, tokens, i - 1)):
            cues.append(Cue("rough_ending", "intimidation", "conduct", cfg.rough_ending_weight, token.surface,
                            tone=_is_tone(classes, tokens, i)))
        if _holds_on(classes, tokens, i):
            cues.append(Cue("held_on", "restraint", "conduct", cfg.rough_ending_weight,
                            "".join(t.surface for t in tokens[max(0, i - 2) : i + 2])))
        if token.surface == "か" and i > 0 and tokens[i - 1].surface in ("の", "ん") and _insisted(classes, tokens, i) \
                and not _is_polite(classes, tokens):
            # 聞いてんのかって言ってんだよ, 分かってんのかって聞いてんだよ: a rough question pressed again
            cues.append(Cue("rough_ending", "intimidation", "conduct", cfg.rough_ending_weight,
                            "".join(t.surface for t in tokens[i - 1 : i + 3])))
        if any(c.source == "command" for c in cues) and (_barked(classes, tokens, i) or _insisted(classes, tokens, i)):
            weight = cfg.barked_weight if _barked_with_yo(tokens, i) and not _insisted(classes, tokens, i) \
                else cfg.rough_ending_weight
            cues.append(Cue("rough_ending", "intimidation", "conduct", weight,
                            "".join(t.surface for t in tokens[i : i + 3])))
        if token.pos != "動詞":
            if nxt is not None and nxt.surface in ("たろ", "たる", "ちゃる") and self._is_harm_verb(token):
                # 殺したろか: unidic reads 殺し as a noun before Kansai たろ
                cues.append(Cue("harm_threat", "threat", "conduct", 1.0, token.surface + nxt.surface, Level.CRITICAL))
        elif self._is_harm_verb(token) and not self._harm_guarded(analysis, i):
            cues.append(Cue("harm_threat", "threat", "conduct", 1.0, "".join(t.surface for t in tokens[i : i + 3]),
                            Level.CRITICAL))
        elif _te_yaru(classes, tokens, i) and not is_negated(classes, analysis, _self_match(i + 1)) \
                and not _own_plan(classes, tokens, i):
            cues.append(Cue("te_yaru", "intimidation", "conduct", cfg.te_yaru_weight,
                            "".join(t.surface for t in tokens[i : i + 3])))
        if cues and is_reported(classes, analysis, _self_match(i)):
            for cue in cues:
                self._dismiss(cue.origin, cue.evidence, "reported")
            return []
        return cues

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
        if at >= 0 and tokens[at].lemma in ("を", "も") and tokens[at].pos == "助詞":
            at -= 1
        if goal or at < 0 or tokens[at].pos not in ("名詞", "接尾辞", "代名詞"):
            # nothing named: a threat only in a threat's shape (燃やしてやる, 焼いたろか, 埋めるぞ), not a service
            # asked for (焼いてくれる宿, 焼いて欲しい) nor a word built on the verb (焼き加減, 目に焼き付け)
            tail = _clause_text(self.classes, tokens, index)
            return not (_te_yaru(self.classes, tokens, index) or _rough_after(self.classes, tokens, index)
                        or verb.form.startswith("意志推量形")
                        or "からな" in tail  # 燃やすからな, 突っ込むから, 燃やしに行く
                        or tail.startswith(self.classes.threat_shape_tails))
        return not self._names_a_target(tokens, at)

    def _names_a_target(self, tokens: tuple[Token, ...], at: int) -> bool:
        """The noun at ``at``, or whose it is (店の倉庫, お前の車), is a person or the company's premises."""
        owners = [tokens[at]]
        while at > 1 and tokens[at - 1].lemma == "の" and tokens[at - 2].pos in ("名詞", "接尾辞", "代名詞"):
            at -= 2
            owners.append(tokens[at])
        classes = self.classes
        return any(_is_listener(classes, noun) or noun.pos == "接尾辞" or noun.lemma in classes.staff
                   or noun.lemma in classes.family or noun.lemma in self.harm_targets
                   or noun.surface in self.harm_targets for noun in owners)

    def _harm_guarded(self, analysis: Analysis, i: int) -> bool:
        """The harm verb at ``i`` threatens no one: negated, described, a mishap or a service, or passive."""
        tokens = analysis.tokens
        classes = self.classes
        guard = "negated" if is_negated(classes, analysis, _self_match(i)) \
            else "described" if _described(classes, tokens, i) \
            else "object_not_a_target" if self._done_to_no_one(tokens, i) \
            else "mishap_or_service" if _mishap_or_service(classes, tokens, i) \
            else "passive" if _followed_by(tokens, i, classes.passive) and not _rough_after(classes, tokens, i) else ""
        if guard:
            self._dismiss("grammar:harm_threat", "".join(t.surface for t in tokens[i : i + 3]), guard)
        return bool(guard)

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
                                            t.lemma in ("です", "ます") for t in clause)))):
                words = "".join(t.surface for t in clause)
                return [Cue("repeated_clause", "persistence", "conduct", self.cfg.repeated_clause_weight,
                            f"{words}…{words}")]
        return []

    def _repeated_contact(self, analysis: Analysis) -> list[Cue]:
        """毎日かけますから, 百回でも電話してやる, これで十五回目です: contact after contact, promised or counted.

        The count or frequency word comes first, the contact verb after it in the same sentence, said of the
        future; contacts told as a grievance (毎日電話してるのに, 十回かけても繋がらない) or as past do not count,
        nor do someone else's (毎日電話してくる, 毎日電話される); see :func:`_future_share`.
        """
        weight = self.cfg.repeated_contact_weight
        text = analysis.text
        # most utterances have neither a counter, a frequency word nor 続ける: one pass over the text says so
        if not weight or not (any(c in text for c in self.classes.contact_counters) or "続" in text or "つづ" in text
                              or any(word in text for word in self.frequency_words) or "毎" in text
                              or any(word in text for word in self.classes.intervals)):
            return []
        tokens = analysis.tokens
        best: Cue | None = None
        dismissed = ""
        for i, token in enumerate(tokens):
            first, counter = _count_before_counter(self.classes, tokens, i, self.cfg.many_contacts)
            often = token.lemma in self.frequency_words or (token.surface == "毎" and token.pos == "接頭辞") or (
                token.surface[:1] in self._frequency_heads
                and "".join(t.surface for t in tokens[i : i + 4]).startswith(self._frequency_prefixes)) \
                or _interval(self.classes, tokens, i)
            keeps = self._keeps_contacting(tokens, i)  # かけ続けます, 電話し続けるからな: no end to it either
            if not keeps and _keeps_sending(self.classes, tokens, i):
                dismissed = "".join(t.surface for t in tokens[max(0, i - 3) : i + 1])  # ログを送り続けます: no contact
            if not often and not keeps and counter is None:
                continue
            if counter is not None and _counts_calls(self.classes, tokens, counter, self.contact_nouns) \
                    and self._about_contact(tokens, first):
                # それで十回目の電話で、やっと繋がった: a count told in the past is half a sign
                told = any(t.lemma == "た" and t.pos == "助動詞" for t in _sentence_after(tokens, counter))
                return [Cue("repeated_contact", "persistence", "conduct", weight * (0.5 if told else 1.0),
                            "".join(t.surface for t in tokens[first : counter + 2]))]
            verb: int | None = i
            if keeps:
                first = i - 1 if tokens[i - 1].lemma in self.contact_verbs or tokens[i - 1].lemma == "駆ける" \
                    else max(0, i - 2)
            else:
                verb = self._contact_verb_after(tokens, counter if counter is not None else i)
            if verb is None or is_reported(self.classes, analysis, _self_match(verb)):
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

    def _long_hold(self, analysis: Analysis) -> list[Cue]:
        """何時間でも, 今日は五時間いきましょうか: hours on the line promised (拘束), not hours waited."""
        tokens = analysis.tokens
        dismissed = ""
        for i in range(1, len(tokens)):
            if tokens[i].surface != "時間":
                continue
            first, counter = _count_before_counter(self.classes, tokens, i - 1, self.cfg.long_hold_hours,
                                                   self.classes.hours)
            if counter is None:
                continue
            rest = _clause_after(self.classes, tokens, i)
            words = "".join(t.surface for t in tokens[first : i + 1 + len(rest)])
            if rest and rest[0].lemma in self.classes.not_a_span:
                dismissed = words  # 三時間後に, 八時間ごとに, 三時間目の授業: a point or a rhythm, not a span
                continue
            endless = "".join(t.surface for t in rest[:2]) == "でも"
            willed = any(t.form.startswith("意志推量形") for t in rest) and not any(t.lemma == "た" for t in rest)
            staying = any(t.lemma in self.classes.held or (t.lemma == "待つ" and j + 1 < len(tokens)
                                                           and tokens[j + 1].lemma in ("せる", "させる"))
                          for j, t in enumerate(tokens))
            if (endless or willed) and staying:
                return [Cue("long_hold", "restraint", "conduct", self.cfg.repeated_contact_weight, words)]
            dismissed = words  # 何時間でも待ちますよ: hours the caller waits, not hours the agent is held
        return [Cue("long_hold", "restraint", CLEARED, 0.0, dismissed)] if dismissed else []

    def _keeps_contacting(self, tokens: tuple[Token, ...], index: int) -> bool:
        """Token ``index`` is 続ける after a contact verb: かけ続ける, 電話し続ける."""
        if index == 0 or tokens[index].lemma not in ("続ける", "つづける"):
            return False
        verb = tokens[index - 1]
        if verb.lemma == "駆ける" and verb.surface == "かけ":
            return True  # かけ続けます: unidic-lite reads kana かけ as 駆ける (run)
        if _keeps_sending(self.classes, tokens, index):  # メールを送り続ける, not ログを送り続ける
            return any(t.lemma in self.contact_nouns for t in tokens[max(0, index - 9) : index])
        return verb.lemma in self.contact_verbs or (index > 1 and verb.lemma in ("為る", "する")
                                                     and tokens[index - 2].lemma in self.contact_nouns)

    def _to_someone_else(self, tokens: tuple[Token, ...], start: int, verb: int) -> bool:
        """毎日家族に電話する, 母には毎日電話をしています: the contact goes to someone of the caller's own, not to the
        company."""
        return any(a.lemma in self.classes.own_people and b.lemma == "に"
                   for a, b in pairwise(tokens[_sentence_start(tokens, start) : verb]))

    def _about_contact(self, tokens: tuple[Token, ...], index: int) -> bool:
        """これで十五回目, 十回目の電話: the sentence is about calling, writing or saying (not 停電これで十回目, nor
        毎週通ってて十回目: the count of something else)."""
        sentence = [*tokens[_sentence_start(tokens, index) : index], *_sentence_after(tokens, index)]
        return any(t.lemma in self.contact_nouns or t.lemma in self.contact_verbs or t.lemma in self.classes.said
                   for t in sentence)

    def _contact_verb_after(self, tokens: tuple[Token, ...], start: int) -> int | None:
        named = any(t.lemma in self.contact_nouns for t in tokens[max(0, start - 8) : start])
        for j in range(start + 1, len(tokens)):
            token = tokens[j]
            if token.surface in _SENTENCE_ENDS:
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

    def _repeated_word(self, analysis: Analysis) -> list[Cue]:
        """返金して。返金。返金してって言ってるの: a word said bare, three times in all, and insisted on (継続的・執拗);
        not トイレ。トイレ。トイレが詰まってる (a flustered caller) nor a word a story repeats."""
        tokens = analysis.tokens
        if not self.cfg.repeated_clause_weight or not (
                any(t.lemma == "って" for t in tokens) and any(t.lemma == "言う" for t in tokens)):
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
            if (before is None or before.is_break) and (after is None or after.surface in _SENTENCE_ENDS):
                bare.add(token.lemma)  # 返金。 (not 返金、わかる？: a topic)
        for lemma in sorted(bare):
            if counts[lemma] >= 3:
                word = next(t.surface for t in tokens if t.lemma == lemma)
                return [Cue("repeated_clause", "persistence", "conduct", self.cfg.repeated_clause_weight,
                            f"{word}…{word}…{word}")]
        return []

    def _is_harm_verb(self, token: Token) -> bool:
        # 殴る, ぶん殴る (a lemma ending in one), or 殴り… heard with a kanji stem: three C-level string tests; not
        # what happens by itself with the same kanji (``[grammar] happenings``: 焼ける, 燃える)
        return token.lemma.startswith(self._harm_lemmas) or token.lemma.endswith(self._harm_lemmas) \
            or (token.surface.startswith(self._harm_stems) and token.lemma not in self.happenings)

    def _combine(self, cues: list[Cue]) -> Judgement:
        if not cues:
            return NOTHING
        cfg = self.cfg
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
        lead = self._lead(cues, level)
        return Judgement(level, lead, round(conduct, 2), round(demand, 2), round(complaint, 2), tuple(cues))

    @staticmethod
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


def _sentence_index(analysis: Analysis) -> list[int]:
    """For each token, the number of the sentence it belongs to (split at 。！？)."""
    out, current = [], 0
    for token in analysis.tokens:
        out.append(current)
        if token.surface in _SENTENCE_ENDS:
            current += 1
    return out


def _sentence_start(tokens: tuple[Token, ...], index: int) -> int:
    """The index of the first token of the sentence that holds token ``index``."""
    start = index
    while start > 0 and tokens[start - 1].surface not in _SENTENCE_ENDS:
        start -= 1
    return start


def _described(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """The verb tells what happened (殴られた, 蹴ってた, 殴る蹴るの暴行) rather than threatening it."""
    if _done_to_a_thing(classes, tokens, index):
        return True
    rest = tokens[index + 1 : index + 5]
    tail = "".join(t.surface for t in rest)
    if tail.startswith(classes.te_yaru_tails):
        return False  # 放り込んだる, 踏んだろか: Kansai for 〜てやる, not a past
    if tail.startswith(classes.told_tails):
        return True
    if "やがった" in tail or "やがって" in tail:
        return True  # 親父が踏んづけてぶっ壊しやがって: a deed told, cursed
    if rest and rest[0].pos == "接尾辞" and rest[0].lemma in ("方", "かた") \
            and not any(x in tail for x in ("たろ", "てやる", "たる", "てやろ")):
        return True  # 殴り方の基本: how to hit, a lesson (not 殴り方教えたろか)
    if len(rest) > 1 and rest[0].lemma == "て" and rest[1].pos == "名詞":
        return True  # 壁を殴って穴を開けた: one step of a story, told on
    if rest and rest[0].lemma == "て" and any(t.lemma == "た" and t.pos == "助動詞"
                                               for t in _clause_after(classes, tokens, index, limit=8)):
        return True  # 荷物を放り投げて置いていった: a step of a story told in the past
    if tokens[index].lemma.endswith(("合う", "あう")):
        return True  # 殴り合う, 殺し合う: a fight or a sport described, not done to the listener
    if tail.startswith(("ても", "でも")) and _asks_if_safe(classes, tokens, index):
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


def _keeps_sending(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """Token ``index`` is 続ける after a sending verb (送り続ける): contact only when a channel is named."""
    return index > 0 and tokens[index].lemma in ("続ける", "つづける") \
        and tokens[index - 1].lemma in classes.sending_verbs


def _mishap_or_service(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """The harm verb ``index`` tells of something that already happened, or asks for a service.

    叩き割っちゃって / 割ってしまいました (a mishap told in the past or as a reason: the caller's own accident) and
    業者さんに叩き落としてもらえる / 燃やしていただけますか (pest control, disposal: someone does it for the
    caller). 殴っちゃうぞ (a future ちゃう) and 燃やしてもらうぞ (a rough end) stay threats.
    """
    rest = _clause_after(classes, tokens, index, 5)
    if rest and rest[0].lemma == "て":
        rest = rest[1:]
    if not rest:
        return False
    if rest[0].lemma in classes.received:
        return not _rough_after(classes, tokens, index)  # 店、燃やしてもらうぞ: a threat through someone else
    if rest[0].lemma not in classes.mishap_auxiliaries:
        return False
    after = [t.lemma for t in rest[1:3] if t.lemma not in ("ます",)]
    return bool(after) and after[0] in ("た", "て", "だ", "で")


def _done_to_a_thing(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """ゴキブリを殺す, 雑草を燃やす, イカをぶっ刺す: the harm verb's object is a pest, game or thing, not a person."""
    while index > 0 and tokens[index - 1].pos == "副詞":
        index -= 1  # イカをぶっ刺して, 魚を一気に叩き切る
    return index > 1 and tokens[index - 1].lemma in ("を", "も") and (
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
    asked = asked or (bool(words) and words[-1].surface in ("か", "かな"))
    return asked and any(t.lemma in classes.safe_words for t in words)


def _followed_by(tokens: tuple[Token, ...], index: int, lemmas: frozenset[str], span: int = 2) -> bool:
    return any(t.lemma in lemmas for t in tokens[index + 1 : index + 1 + span])


def _rough_after(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    return any(_is_rough(classes, t, tokens[j + 1] if j + 1 < len(tokens) else None)
               for j, t in enumerate(tokens) if j > index)


def _is_rough(classes: WordClasses, token: Token, nxt: Token | None, in_tail: bool = False) -> bool:
    """Rough sentence ends and address: 〜ぞ, 〜ぜ, 〜やがる, 〜ねえ, おい, こら.

    ``in_tail``: the token ends a rough tail already counted where it began (違うじゃねえか).
    """
    if token.pos == "助詞" and token.lemma in classes.rough_endings \
            and (nxt is None or nxt.is_break or nxt.pos == "助詞"):
        return True
    if token.lemma == "やがる":
        return True
    if token.surface in classes.casual_negatives and token.pos != "助詞" and not in_tail:
        # ふざけんじゃねえ, 知らねえよ are rough; 着れねぇから is only a casual negative inside a sentence, and the
        # particle ね drawn out (すみませんねー, いい天気だねえ) is no negative at all
        return nxt is None or not (nxt.pos == "助詞" and nxt.pos2 == "接続助詞")
    return token.pos == "感動詞" and token.surface in classes.rough_interjections


def _barked(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """An order pushed with a final や or よ: 変えろや, 持ってこいや, 早くしろよ (not 〜てくれよ, a plea).

    Measured on the development sets: of the imperatives that end 〜や, all were harassment; of those ending
    〜よ, all but a 〜てくれよ.
    """
    token = tokens[index]
    if token.lemma in classes.pleading or (token.lemma == "見る" and (index == 0 or tokens[index - 1].lemma != "て")):
        return False  # ほら見ろよ (look!), not 〜てみろよ (a dare)
    if token.form.startswith(("意志推量形", "命令形")) and token.surface.endswith("よ"):
        return index + 1 == len(tokens) or tokens[index + 1].is_break  # 返せよ: unidic-lite reads one word
    if index + 1 >= len(tokens):
        return False
    nxt = tokens[index + 1]
    after = tokens[index + 2] if index + 2 < len(tokens) else None
    return nxt.pos == "助詞" and nxt.surface in classes.barking_particles \
        and (after is None or after.is_break)


def _barked_with_yo(tokens: tuple[Token, ...], index: int) -> bool:
    """The order at ``index`` is pushed with よ, not や (会えよ, 返せよ; not 持ってこいや): see barked_weight."""
    if tokens[index].surface.endswith(("よ", "よー", "よぉ")):
        return True
    return index + 1 < len(tokens) and tokens[index + 1].surface in ("よ", "よー", "よぉ")


def _group_marked(classes: WordClasses, tokens: tuple[Token, ...], last: int) -> bool:
    """The group ending at ``last`` is what the clause is about: 韓国人は, 女って, 在日が, 朝鮮人とは."""
    at = last + 1
    if at + 1 < len(tokens) and tokens[at].surface == "と" and tokens[at + 1].surface == "は":
        return True
    return at < len(tokens) and tokens[at].surface in classes.group_topic_marks


def _private_visit(classes: WordClasses, analysis: Analysis) -> list[Cue]:
    """あんたの実家まで行って, お前の家に行くぞ, 家までついてってやる: going to the agent's home (critical).

    The home must be the listener's (あんた/お前 + の right before it), or the caller follows someone there
    themselves (no one else as the subject, no くれる/もらう); 業者さんが家に行くのは何時ですか, 家まで来てもらえますか
    and 実家に行くので are not, nor is any polite question.
    """
    tokens = analysis.tokens
    asked = _is_polite(classes, tokens) and any(t.surface in ("か", "?", "？") for t in tokens)
    dismissed = ""
    for i, token in enumerate(tokens[:-1]):
        # お前んち行くぞ: んち (your place) read as ん/ち, and spoken without a particle
        home = token.lemma in classes.private_places \
            or (token.surface == "ち" and i > 0 and tokens[i - 1].surface == "ん")
        if not home:
            continue
        at = i + 2 if tokens[i + 1].lemma in ("まで", "に", "へ") else i + 1
        if at >= len(tokens):
            continue
        verb = tokens[at]
        if verb.pos != "動詞" or verb.lemma not in classes.going:
            continue
        # not 友達の家
        theirs = i > 1 and tokens[i - 1].lemma in ("の", "ん", "んー") and _is_listener(classes, tokens[i - 2])
        rest = _clause_after(classes, tokens, at, limit=6)
        someone_else = any(t.lemma in ("が", "は") and t.pos == "助詞" for t in tokens[max(0, i - 6) : i])
        follows = verb.lemma == "付く" and bool(rest) and rest[0].lemma in ("てく", "て") and not someone_else \
            and not any(t.lemma in classes.favours for t in rest)
        words = "".join(t.surface for t in tokens[i - (token.surface == "ち") : at + 1])
        if asked or not (theirs or follows) or is_negated(classes, analysis, _self_match(at)) \
                or any(t.lemma == "た" or t.lemma == "無理" for t in rest):
            dismissed = words  # 友達の家行くけん, 業者さんが家に行くのは何時ですか: someone's home, not the agent's
            continue
        return [Cue("private_visit", "personal_attack", "conduct", 2.0, words, Level.CRITICAL)]
    return [Cue("private_visit", category, CLEARED, 0.0, dismissed) for category in ("personal_attack", "threat")
            if dismissed]


def _disowned_consequence(classes: WordClasses, analysis: Analysis) -> list[Cue]:
    """緩めに行っても知らんがや, 何か起きても知りませんよ, 落ちても誰も気づかんやろうな: something may happen and the
    caller will not answer for it — a veiled threat (脅迫), critical like the stock どうなっても知らない."""
    tokens = analysis.tokens
    dismissed = ""
    for i in range(1, len(tokens) - 2):
        if not (tokens[i].lemma in ("て", "で") and tokens[i + 1].surface == "も" and tokens[i - 1].pos == "動詞"):
            continue
        rest = [t for t in tokens[i + 2 : i + 7] if not t.is_break or t.surface in ("、", ",")]
        words = "".join(t.surface for t in rest if not t.is_break)
        disowned = words.startswith(classes.disowning)
        negation = next((j for j in range(i + 2, min(i + 9, len(tokens))) if tokens[j].lemma in NEGATORS), None)
        if negation is not None and negation + 1 < len(tokens) and tokens[negation + 1].pos == "名詞":
            continue  # 読んでも知らない言葉ばかり: an unknown word, not a disowned consequence
        condition = tokens[_sentence_start(tokens, i - 1) : i]
        # 木が倒れても知りませんよ, 子供が落ちても誰も気づかないような作り: a hazard reported, not a threat
        hazard = any(a.pos == "名詞" and a.lemma not in ("誰", "何") and not _is_listener(classes, a)
                     and b.lemma in ("が", "は") for a, b in pairwise(condition)) \
            or "ような" in words or "と思" in words
        if _is_polite(classes, tokens):
            hazard = True  # ガス臭いんです、何か起きても知りませんよ: a hazard reported, the company warned
        evidence = "".join(t.surface for t in tokens[i - 1 : i + 2]) + words[:4]
        if disowned and (hazard or is_reported(classes, analysis, _self_match(i - 1))):
            dismissed = evidence  # 木が倒れても知りませんよ: a hazard reported; 「何があっても知らん」と言われた
            continue
        if disowned:
            # 何か起きても, 落ちても: harm left open, said to someone named or roughly, is a threat; 電話が
            # 繋がらなくなっても is pressure, not harm
            vague = any(t.lemma in classes.vague_words for t in tokens[max(0, i - 5) : i]) \
                or tokens[i - 1].lemma in classes.mishap_verbs
            aimed = any(_is_listener(classes, t) or t.lemma in classes.staff for t in tokens) or any(
                x in words[-4:] or x in "".join(t.surface for t in tokens[-4:]) for x in classes.rough_closes)
            if vague and aimed:
                return [Cue("disowned_consequence", "threat", "conduct", 1.0, evidence, Level.CRITICAL)]
            return [Cue("disowned_consequence", "intimidation", "conduct", 1.0, evidence)]
    return [Cue("disowned_consequence", category, CLEARED, 0.0, dismissed) for category in ("threat", "intimidation")
            if dismissed]


def _investigates_agent(classes: WordClasses, analysis: Analysis) -> list[Cue]:
    """あなたのフルネーム…調べるから, 受付の人のインスタ…見つけた: the caller digs into the agent's private life.

    The agent (a second-person word or staff) must own what is looked for, named before the verb; asking the
    agent to look something up (調べてもらえますか) or telling what one looked up about a product is nothing.
    """
    tokens = analysis.tokens
    for j, token in enumerate(tokens):
        if token.pos != "動詞" or token.lemma not in classes.investigate:
            continue
        tail = "".join(t.surface for t in tokens[j + 1 : j + 5])
        if tail.startswith(classes.not_done_by_caller):
            continue
        before = tokens[:j]
        for k, who in enumerate(before):
            person = _is_listener(classes, who) \
                or (who.lemma in classes.staff and who.lemma not in classes.places_of_work)
            at = k
            if not person and (who.lemma in classes.staff or who.surface in classes.staff):
                # 受付の人, 窓口の方 (not 会社の住所, 受付の番号)
                person = "".join(t.surface for t in before[k + 1 : k + 3]).startswith(classes.person_tails)
                at = k + 2
            if not person:
                continue
            # あなたのフルネーム, 受付の人、インスタ…: the agent's own data right after them (not あなたが言ってた書類)
            owned = before[at + 1 : at + 5]
            linked = bool(owned) and (owned[0].lemma == "の" or owned[0].surface in ("、", "は", "って"))
            words = "".join(t.surface for t in owned[1:])
            if (linked and words.startswith(classes.private_data)) \
                    or (owned and owned[0].lemma in ("を", "の事", "こと")):
                return [Cue("investigates_agent", "personal_attack", "conduct", 1.0,
                            "".join(t.surface for t in tokens[k : j + 1]))]
    return []


def _holds_on(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """The agent is kept on the line: まだまだ付き合ってもらうからね, 電話口におってもらう (an imposition on staying),
    席離れんなよ, 電話切るな (a ban on leaving)."""
    token = tokens[index]
    if token.lemma in classes.leaving and _is_prohibitive(classes, tokens, index):
        return True
    return index > 1 and tokens[index - 2].lemma in classes.staying and _is_imposition(classes, tokens, index)


def _order_quoted_bare(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """出せ言うとんねん: Kansai drops って before 言う; an e-row verb right before an insisting 言う is an order
    (払え言われた, a passive, is someone else's)."""
    token = tokens[index]
    if token.pos != "動詞" or token.key[-1:] not in E_ROW or index + 1 >= len(tokens) \
            or tokens[index + 1].lemma != "言う":
        return False
    return "".join(t.surface for t in tokens[index + 2 : index + 5]).startswith(classes.insisting)


def _insisted(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """The caller presses their own order: 答えろって言ってんの, 謝れって言っとるやろ, 出せ言うとんねん."""
    at = index + 1
    if at < len(tokens) and tokens[at].lemma in ("って", "と") and tokens[at].pos == "助詞":
        at += 1
    if at >= len(tokens) or tokens[at].lemma not in ("言う", "聞く") or tokens[index].lemma in classes.pleading:
        return False
    if any(a.pos in ("名詞", "代名詞", "接尾辞") and not _is_first_person(classes, a) and not _is_listener(classes, a)
           and b.lemma in ("が", "は") for a, b in pairwise(tokens[_sentence_start(tokens, index) : index])):
        return False  # 娘が早く来いって言ってるので: someone else's order, passed on
    rest = _sentence_after(tokens, at)
    if any(t.surface in ("?", "？") or (t.lemma in ("か",) and t.pos == "助詞") for t in rest) \
            and _is_polite(classes, tokens):
        return False  # ここに書けって言ってるのはどこの欄ですか: a question about an instruction
    return "".join(t.surface for t in tokens[at + 1 : at + 4]).startswith(classes.insisting)


def _interval(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """十分おき, 一時間ごと, 三十分毎: a number of minutes or hours and おき/ごと, as often as a frequency word."""
    return tokens[index].surface in classes.intervals and index > 1 \
        and tokens[index - 1].surface in classes.interval_units \
        and (tokens[index - 2].pos2 == "数詞" or tokens[index - 2].surface.isdigit())


def _sentence_after(tokens: tuple[Token, ...], index: int) -> list[Token]:
    """The tokens after ``index`` up to the end of its sentence (。！？)."""
    out: list[Token] = []
    for token in tokens[index + 1 :]:
        if token.surface in _SENTENCE_ENDS:
            break
        out.append(token)
    return out


def _count_before_counter(classes: WordClasses, tokens: tuple[Token, ...], index: int, least: int,
                          counters: frozenset[str] | None = None) -> tuple[int, int | None]:
    """(first token of the number, index of the counter) when a count of at least ``least`` ends at ``index``
    (二十回, 百通, 何十回, 50枚, 十二時間); (index, None) otherwise."""
    if index < 0 or index + 1 >= len(tokens) or tokens[index + 1].surface not in (counters or classes.contact_counters):
        return index, None
    if tokens[index].surface in ("何", "数"):  # 何回でも, 何時間でも: no end to it (何回も電話したのに is a grievance)
        ending = "".join(t.surface for t in tokens[index + 2 : index + 4])
        return (index, index + 1) if ending == "でも" else (index, None)
    start = index  # unidic-lite splits some numbers: 十/五 回
    while start > 0 and tokens[start - 1].pos2 == "数詞" and count_value(tokens[start - 1].surface) is not None:
        start -= 1
    value = count_value("".join(t.surface for t in tokens[start : index + 1]))
    return (start, index + 1) if value is not None and value >= least else (index, None)


def _counts_calls(classes: WordClasses, tokens: tuple[Token, ...], counter: int,
                  contact_nouns: frozenset[str]) -> bool:
    """これで十五回目です, 三十回目のお電話: the caller numbers their own calls (not 十回目の来店)."""
    if counter + 1 >= len(tokens) or tokens[counter + 1].surface != "目" or tokens[counter].surface not in ("回", "度"):
        return False
    after = [t for t in tokens[counter + 2 : counter + 6] if t.lemma not in ("御", "お", "の") and t.surface != "、"]
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
    if tail.startswith(classes.not_a_promise) or "のに" in tail:
        # someone else calls, a request, a grievance (十回かけても繋がらない, 毎日電話してるのに), a question of
        # how (毎週電話すればいいですか), a habit or plan told (毎日家族に電話するので…, ブログに書き込むのが日課)
        return 0.0
    if rest and rest[0].pos == "名詞" and tokens[verb].form.startswith("連体形"):
        return 0.0  # 毎朝鳴らすアラーム: the verb describes a noun
    if tail.removeprefix("ちゃって").removeprefix("てしまって").removeprefix("て").startswith(classes.apologies):
        return 0.0  # 毎日電話しちゃってすみません: the caller apologises for the calls
    if any(t.lemma in NEGATORS | classes.passive for t in rest[:4]):
        return 0.0
    if any(t.lemma == "た" for t in rest[:4]):
        # 百通送っといたから: a campaign done and counted is half a sign (二十回電話しました、いつ直るんですか is
        # also what a wronged customer says); uncounted past contact is none
        return 0.5 if counted else 0.0
    if tail.startswith(classes.ongoing_tails):
        return 1.0 if counted else 0.5
    if any(t.lemma in ("けれど", "が") and t.pos2 == "接続助詞" for t in rest):
        # 何回でも言いますけど、…: said on the way to something else (毎晩言うけど、うちの子が: not even that)
        return 0.0 if tokens[verb].lemma == "言う" and not counted else 0.5
    return 1.0


def _is_tone(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
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
            tokens[index - 2].surface in ("ん", "の") or tokens[index - 2].surface.endswith("ん")))
    tail = "".join(t.surface for t in _clause_after(classes, tokens, index - 1, limit=4))
    return tail.startswith(classes.tone_tails)


def _scolds(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """ちゃんとせんか！, はよせんか、こら: a negative question shouted is a rebuke (行かんか？ is an invitation)."""
    if tokens[index].surface != "ん" or tokens[index].lemma != "ず" or index + 2 >= len(tokens):
        return False
    after = tokens[index + 2]
    return tokens[index + 1].surface in ("か", "かね") and (after.surface in ("!", "！") or (
        after.surface in ("、", ",") and index + 3 < len(tokens)
        and tokens[index + 3].surface in classes.rough_interjections))


def _is_imposition(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """払ってもらう, 付き合ってもらうで, 払ってもらおうか, 出していただきます: a declared imposition (もらえますか and
    いただけますか are requests and do not count)."""
    token = tokens[index]
    if token.lemma in ("頂く", "いただく") and index > 1 and tokens[index - 1].lemma == "て" \
            and tokens[index - 2].lemma not in ("せる", "させる") and token.form.startswith("連用形"):
        # 出していただきます。: a declared imposition (させていただきます is the speaker's own humble act)
        rest = tokens[index + 1 : index + 3]
        return bool(rest) and rest[0].surface == "ます" and (len(rest) == 1 or rest[1].is_break
                                                             or rest[1].lemma in ("から", "よ", "ね"))
    if token.lemma not in ("貰う", "もらう") or index == 0 or tokens[index - 1].lemma != "て":
        return False
    if index > 1 and tokens[index - 2].lemma in ("せる", "させる"):
        return False  # 相談させてもらうぞ: the speaker's own act, said humbly (not 払ってもらう)
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    if token.form.startswith("意志推量形"):
        return following is not None and following.surface in ("か", "かい")  # 払ってもらおうか
    return token.form.startswith("終止形") and (
        following is None or following.is_break
        or following.lemma in classes.imposition_closes
        or following.surface == "で")  # 払ってもらうで (Kansai だ)


def _rough_tail(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """Rough clause ends that span tokens: 〜だろうが, 謝らんかい, 〜じゃねえか."""
    if index > 0 and not tokens[index - 1].conjugates and tokens[index - 1].pos != "名詞":
        return False
    head = tokens[index].surface[:1]
    if head not in classes.rough_tail_heads and head not in _CLOSING_QUOTES and head not in ("、", ","):
        return False  # most words: no rough tail can start here (the clause is read only when one could)
    tail = "".join(t.surface for t in _clause_after(classes, tokens, index - 1, limit=4))
    return tail.startswith(classes.rough_tails)


def _is_prohibitive(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """ふざけるな, 言うなよ (verb + な), 言い訳すんじゃねえ (verb + んじゃねえ)."""
    token = tokens[index]
    if token.pos != "動詞" or not (token.form.startswith("終止形") or token.form.startswith("連体形")):
        return False
    rest = tokens[index + 1 : index + 5]
    if rest and rest[0].lemma == "な" and rest[0].pos == "助詞" and (len(rest) == 1 or rest[1].is_break
                                                                     or rest[1].lemma in ("よ", "って")):
        return True
    return _forbids(classes, "".join(t.surface for t in rest),
                    classes.prohibitions)


def _is_rough_prohibitive(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
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


def _done(classes: WordClasses, tokens: tuple[Token, ...], last: int) -> bool:
    """The words end in a past tense: 〜してやりました, 〜してやった, 死んでくれた (not 〜してやったからな: a boast
    that warns)."""
    tail = "".join(t.surface for t in _clause_after(classes, tokens, last, limit=5))
    if "からな" in tail or tail.endswith(("ぞ", "ぞー")) or "ぞ" in tail[-3:]:
        return False
    if tokens[last].lemma in ("呉れる", "くれる") and tail.startswith("た"):
        return True
    return tail.startswith(classes.done_tails)


def _is_polite(classes: WordClasses, tokens: tuple[Token, ...]) -> bool:
    for i, token in enumerate(tokens):
        if token.lemma == "です" and token.surface in ("でしょ", "でしょう"):
            if i + 1 < len(tokens) and tokens[i + 1].surface == "か":
                return True  # …でしょうか; a bare 安いもんでしょ is casual
            continue
        if token.lemma in classes.polite:
            return True
    return False


def _asks_for_it(classes: WordClasses, analysis: Analysis) -> bool:
    """The utterance asks for something: 返して, 送ってよ, 交換して, 払え, 百万でどうかな, ちょうだい, 欲しい."""
    tokens = analysis.tokens
    for i, token in enumerate(tokens):
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        # (before 、 a て only joins two clauses: 映画を見て、それから寝た)
        if token.lemma in ("て", "で") and token.pos == "助詞" and (
                after is None or after.surface in _SENTENCE_ENDS
                or (after.lemma in classes.asking_after_te and after.pos != "助動詞")):
            return True
        if analysis.is_command(i) or token.lemma in classes.wanting:
            return True
        if token.lemma == "どう" and after is not None and after.lemma in ("か", "かな", "や", "よ"):
            return True
        if token.lemma in ("当然", "当たり前") and after is not None and after.lemma in ("です", "だ", "や"):
            return True  # …十万ね。当たり前でしょ
        if token.surface == "ね" and i > 0 and tokens[i - 1].pos in ("名詞", "接尾辞") \
                and (after is None or after.is_break):
            return True  # 迷惑料で十万ね, 全部管理会社持ちね: the demand set down
    return False


def _own_plan(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """まとめてやってやろうと思うんですが, 〜してやりました: the caller's plan or deed told, not a threat."""
    tail = "".join(t.surface for t in tokens[index + 1 : index + 8])
    # 〜てやりてえ / 〜てやりたい: a wish to do something for someone (ばあちゃんに替えてやりてえ)
    return "と思" in tail or "うかな" in tail \
        or tail.startswith(classes.own_deed_tails)


def _te_yaru(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> bool:
    """〜てやる / 〜てやろうか / Kansai 〜たろか, 〜たる: doing something *to* the listener."""
    nxt = tokens[index + 1] if index + 1 < len(tokens) else None
    after = tokens[index + 2] if index + 2 < len(tokens) else None
    if nxt is not None and nxt.lemma == "て" and after is not None and after.lemma in ("遣る", "やる"):
        # 〜てやれ orders the listener to do it for someone else (引導渡してやれ, 教えてやれ): not the speaker's act
        return not after.form.startswith("命令形")
    if nxt is None or not tokens[index].form.startswith("連用形"):
        return False
    if nxt.surface in classes.kansai_yaru:
        return True  # 上げたるわ, しばいたる
    # 割ったろか, 突っ込んだろか (not the conjecture 〜だろう, which keeps its う)
    return nxt.surface in ("たろ", "だろ") and after is not None and after.surface in ("か", "かい")


def _own_choices(classes: WordClasses, tokens: tuple[Token, ...]) -> set[int]:
    """The tokens of clauses in which the caller takes their custom elsewhere or to a proper channel.

    解約する, 乗り換える, 返品する, よそで買う; a custom refused (二度と買わない, 利用しねえ, 勧めません);
    弁護士に相談する.
    Never a clause that does something to someone (〜てやる), makes someone do it (使わせない) or means an outcome
    (使えないようにする), nor one that addresses the listener (お前…).
    """
    chosen: set[int] = set()
    start = 0
    for end in range(len(tokens) + 1):
        if end < len(tokens) and not tokens[end].is_break:
            continue
        clause = tokens[start:end]
        if clause and _is_own_choice(classes, clause):
            chosen.update(range(start, end))
        start = end + 1
    return chosen


def _is_own_choice(classes: WordClasses, clause: tuple[Token, ...]) -> bool:
    lemmas = [t.lemma for t in clause]
    if any(t.lemma in ("せる", "させる") and t.pos == "助動詞" for t in clause) or "様" in lemmas \
            or any(_te_yaru(classes, clause, i) for i in range(len(clause))) \
            or any(_is_listener(classes, t) for t in clause):
        return False
    if any(t.form.startswith("仮定形") or t.lemma in classes.asking_or_if for t in clause):
        return False  # 来ないなら, 来てください: what the listener is to do, not the caller's choice
    if any(lemma in classes.taking_custom_away or lemma in classes.legal_route for lemma in lemmas):
        return True
    for i, token in enumerate(clause):
        verb = token.pos == "動詞" and token.lemma in classes.custom
        if token.pos == "名詞" and token.lemma in classes.custom and i + 1 < len(clause) \
                and clause[i + 1].lemma == "為る":
            verb, i = True, i + 1  # 利用しない, 取引しねえ
        if not verb:
            continue
        negation = i + 1 if i + 1 < len(clause) and clause[i + 1].lemma in NEGATORS else \
            i + 2 if i + 2 < len(clause) and clause[i + 1].lemma == "ます" and clause[i + 2].lemma in NEGATORS else 0
        if negation and clause[negation].pos == "助動詞" and (
                negation + 1 == len(clause) or clause[negation + 1].lemma in classes.closing_particles):
            return True  # 買わない, 頼まねえからな, 使いませんよ (not 来ない人, 来ないと)
    return False


def _self_match(index: int) -> Match:
    return Match("grammar", "", index, index, 0, "")
