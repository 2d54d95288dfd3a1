"""The guards that set a match aside: negated (土下座なんて求めていません), reported (「死ね」と言われた), a thing
named (ゴミの収集), a simile, part of a longer word, the caller's own (うちの猫、アホで), asked about politely.

Each takes the word classes, the analysis and the match, and says whether the match does not count here."""

from __future__ import annotations

from kasuhara_live.judge.clauses import SENTENCE_ENDS, clause_after, is_first_person, is_listener
from kasuhara_live.judge.grammar import is_prohibitive
from kasuhara_live.judge.japanese import NEGATORS, Analysis, Token
from kasuhara_live.judge.lexicon import Match
from kasuhara_live.judge.word_classes import WordClasses


def is_negated(classes: WordClasses, analysis: Analysis, match: Match) -> bool:
    """A verb after the match (or the match's own verb) is negated within the same clause."""
    tokens = analysis.tokens
    if match.last + 1 < len(tokens) and tokens[match.last + 1].surface in classes.only_particles:
        return False  # ゴミしか居ない: しか…ない says "nothing but", it denies nothing
    saw_verb = tokens[match.last].pos == "動詞"
    verb = tokens[match.last] if saw_verb else None
    previous = tokens[match.last]
    joined = False  # a subordinate clause ended after the match's verb (〜て, 〜なら, 〜し)
    for token in clause_after(classes, tokens, match.last):
        if token.pos in ("名詞", "代名詞", "接尾辞") and not saw_verb:
            return False  # 役立たずの担当者しかいない: the words describe a noun; the clause's negation is not theirs
        if token.pos == "動詞" and joined and (token.pos2 != "非自立可能" or previous.pos == "名詞") \
                and token.lemma not in classes.saying_verbs and token.lemma not in classes.thinking:
            # 追放して国交断絶しない, 守るなら…なってない: a later predicate, after 〜て, 〜なら, 〜し, holds the
            # negation, not the match's (殴ってやらない: やる only helps the verb before it; 土下座してほしいなんて
            # 思ってない: a verb of thinking or saying denies what it takes)
            return False
        if saw_verb and (previous.pos2 == "接続助詞"
                         or (previous.lemma == "だ" and previous.surface in classes.conditional_copula)):
            joined = True
        if token.pos == "動詞":
            saw_verb, verb = True, token
        if token.lemma in classes.not_caring or (token.lemma in classes.knowing and previous.lemma == "も"):
            # 刺すかもしれません, 死んでもかまわない, 家族がどうなっても知らんぞ: not a denial of the words
            return False
        # 思っとらんです: unidic-lite may read the negative ん after an irrealis form as the ん of んです
        negator = (token.lemma in NEGATORS and token.pos in ("助動詞", "形容詞")) \
            or (token.surface == "ん" and previous.form.startswith("未然形"))
        previous = token
        if negator and saw_verb:
            at = tokens.index(token)
            rest = "".join(t.surface for t in clause_after(classes, tokens, at))
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
    if _bracketed_and_told(classes, analysis, match):
        return True
    after = [t for t in clause_after(classes, analysis.tokens, match.last)
             if t.surface not in classes.hedges]
    if _said_as_a_measure(classes, after):
        return True
    for i, token in enumerate(after[:-1]):
        if not (token.lemma in classes.quotes and token.pos == "助詞"):
            continue
        if after[i + 1].lemma in classes.words_nouns:
            # 土下座しろって台詞, 殺すぞって言葉: the words are named, not said (給料泥棒って言葉、あなたのため
            # にある: said of the agent after all)
            return not any(is_listener(classes, t) for t in analysis.tokens)
        verb = _saying_verb_after(classes, after, i + 1)
        if verb is not None and _obliged(classes, after, i, verb):
            continue
        if verb is None and _disowned_after(classes, after[i + 1 : i + 9]):
            return True  # 社長を出せとか、そういうことじゃない: the caller says these are not their words
        if verb is None:
            # 〜って踊されて (Whisper's 脅されて): a quotation followed by a verb done to the caller is reported
            # (only after って: と is also "if", 〜もらわんと帰られへん)
            done = after[i + 1 : i + 4]
            if token.lemma in classes.plain_quotes and done and done[0].pos in ("動詞", "名詞") and any(
                    t.lemma in classes.passive for t in done[1:]) and all(t.pos != "名詞" for t in done[1:]):
                return True
            continue
        i = verb - 1  # from here on, as if the verb followed the quotation directly
        rest = after[i + 2 : i + 6]
        if any(t.lemma in NEGATORS for t in rest[:3]):
            # 〜とは言いません: words the caller says they are NOT saying; 〜って言われん？ is a question to the agent
            return not any(t.surface in classes.asking_marks for t in rest[:4])
        tail = "".join(t.surface for t in rest)
        if tail.startswith(classes.insisting):
            return False
        if any(t.lemma in classes.passive | classes.hearsay for t in rest[:3]):
            return True
        if rest and rest[0].lemma in classes.past_auxiliaries and len(rest) > 1 and rest[1].pos == "名詞":
            return True  # 〜といった暴言
        if rest and rest[0].pos == "名詞" and after[i + 1].form.startswith("連体形"):
            return True  # 〜という発言
        if after[i + 1].form.startswith(("連用形", "終止形")) and rest and rest[0].lemma in classes.told_auxiliaries:
            return not tail.startswith(classes.insisting_ongoing)  # 〜って言った / 言われて: a past report
        if rest and rest[0].lemma in classes.while_doing:
            return True  # 「ふざけんな」って叫びながら: what someone does, told
    return False


def _bracketed_and_told(classes: WordClasses, analysis: Analysis, match: Match) -> bool:
    """The match is in brackets that name the words or tell them: a title, 「死ね」というメール, 「殺すぞ」言われて."""
    quote = _enclosing_quote(analysis.tokens, match)
    if quote is None:
        return False
    opening, closing = quote
    if opening == "『":
        return True  # 『ぶっとばせ！』ってゲーム: a title
    following = analysis.tokens[closing + 1 : closing + 4]
    if len(following) >= 2 and following[0].lemma in classes.quotes and following[1].pos == "名詞":
        return True  # 「ぶっ殺す」って叫び声, 「死ね」というメール: the words are named, not said
    if len(following) >= 2 and following[0].lemma in classes.say_verbs and following[1].surface in classes.te_particles:
        return True  # 「土下座までして頼まれたら断れん」言うて、旦那が…: words told, the story goes on
    return len(following) == 3 and following[0].lemma in classes.saying_verbs and following[0].pos == "動詞" \
        and following[1].lemma in classes.passive  # 「殺すぞ」言われて: speech drops the って, the bracket still quotes


def _said_as_a_measure(classes: WordClasses, after: list[Token]) -> bool:
    """殺す気かいうくらい塩辛い, しばいたろか思うくらい固い: a measure of something else, not words to the agent
    (not 〜するくらいの気持ちで: 額をこすりつけるくらいの気持ちで来い is the demand itself)."""
    for i, token in enumerate(after[:5]):
        if token.lemma in classes.saying_or_thinking and token.pos == "動詞" and i + 2 < len(after) \
                and after[i + 1].lemma in classes.measures and after[i + 2].pos in ("形容詞", "形状詞"):
            return True  # (殺すぞって言うくらい腹立っとる: the anger is the caller's, the words still said)
    return False


def _disowned_after(classes: WordClasses, tokens: list[Token]) -> bool:
    """そういうことじゃない, そんな話ではありません: "such a thing" denied right after a quotation."""
    words = [t for t in tokens if t.lemma not in classes.disowning_fillers]
    if len(words) < 3 or (words[0].surface not in classes.such and words[0].lemma not in classes.such):
        return False
    if words[1].lemma not in classes.such_things \
            or any(t.surface in classes.only_particles for t in words):
        return False  # そういうことしか言ってない: "only that", said again
    for k, t in enumerate(words[2:7], start=2):
        if t.lemma in NEGATORS:
            tail = "".join(w.surface for w in words[k + 1 : k + 4])
            return not tail.startswith(classes.taunting_questions)  # そういうことも分からないのか
    return False


def _obliged(classes: WordClasses, tokens: list[Token], quote: int, verb: int) -> bool:
    """〜しないといけない (must): a negative, the conditional と and いけない/いかん, which unidic reads as 行く
    (a saying verb elsewhere: 〜って行ってた); the words are the speaker's own."""
    return verb == quote + 1 and quote > 0 and tokens[quote].lemma == "と" and tokens[quote - 1].lemma in NEGATORS \
        and tokens[verb].lemma in classes.must_verbs and verb + 1 < len(tokens) and tokens[verb + 1].lemma in NEGATORS


def _saying_verb_after(classes: WordClasses, tokens: list[Token], start: int) -> int | None:
    """Index of the saying verb of a quotation, allowing は/も and who said it: 〜とは言わない, 〜って上司に言われた.

    Who said it may be longer (〜って、点検の人に脅された, 〜って隣の家の人に言われた) when the verb is passive:
    the caller was told, so the words are someone else's (〜って店の人に聞いたよ, active, may still be aimed at
    the listener)."""
    for index in range(start, min(start + 8, len(tokens))):
        token = tokens[index]
        if token.lemma in classes.saying_verbs and token.pos == "動詞":
            passive = index + 1 < len(tokens) and tokens[index + 1].lemma in classes.passive
            return index if index < start + 4 or passive else None
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
    return len(after) < 2 or after[1].surface in classes.simile_joins


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
    rest = clause_after(classes, tokens, match.last + 1) if after.surface in ("、", ",") else []
    if any(t.lemma in classes.thing_verbs or t.lemma in classes.passive for t in rest) and not any(
            is_listener(classes, t) or analysis.is_command(tokens.index(t))
            or is_prohibitive(classes, tokens, tokens.index(t)) for t in rest):
        return True  # ゴミ、もう二週連続で回収されてへん: the topic of what follows (not ゴミ、二度と電話してくんな)
    if after.pos == "動詞":
        return True  # ゴミ捨てた (a particle dropped), ごみ合って (混み合って misheard): what a verb is done with
    if after.pos != "助詞" or after.lemma not in classes.thing_particles:
        return False
    # このゴミが。: an exclamation at someone
    return match.last + 2 < len(tokens) and not tokens[match.last + 2].is_break


def is_own_wish(classes: WordClasses, analysis: Analysis, match: Match) -> bool:
    """土下座したい (I'd like to): the speaker's own wish, unlike 土下座させたい (to make someone)."""
    after = analysis.tokens[match.last + 1 : match.last + 3]
    for token in (analysis.tokens[match.last], *after):
        if token.lemma in classes.causatives:
            return False
        if token.lemma in classes.wish_auxiliaries and token.pos == "助動詞":
            return True
    return False


def is_own(classes: WordClasses, analysis: Analysis, match: Match) -> bool:
    """私の名前と住所: the caller's own data, not the agent's."""
    before = analysis.tokens[max(0, match.first - 2) : match.first]
    return any(is_first_person(classes, t) for t in before) and bool(before) and before[-1].lemma == "の"


def about_own(classes: WordClasses, analysis: Analysis, match: Match) -> bool:
    """うちの猫、ほんまアホで可愛い / うちの旦那、…。あほやねん: the caller talks about their own (family, pet) and
    names nobody on the other end of the line."""
    tokens = analysis.tokens
    before = tokens[: match.first]
    # not 自分: 自分の頭で考えなさい says it of the listener
    own = any(is_first_person(classes, a) and a.lemma not in classes.reflexive and b.lemma == "の"
              and c.lemma in classes.own_family
              for a, b, c in zip(before, before[1:], before[2:], strict=False))  # うちの猫 (not 俺の話)
    return own and not any(is_listener(classes, t) or t.lemma in classes.staff for t in tokens)


def asked_about(classes: WordClasses, analysis: Analysis, match: Match) -> bool:
    """慰謝料って、どういう場合に請求できるんでしょうか: the words are the subject of a polite question, not a
    demand (誠意ってわかる? is a taunt, not an enquiry)."""
    tokens = analysis.tokens
    if match.last + 1 >= len(tokens):
        return False
    if tokens[match.last + 1].lemma not in classes.topic_quoting:  # 慰謝料いうのは (Kansai)
        # 慰謝料を請求する場合って、どこに相談すればいいですか: asking how such a claim works
        clause = clause_after(classes, tokens, match.last, limit=6)
        if not any(t.lemma in classes.how_it_works for t in clause):
            return False
    polite = asking = False
    for token in tokens[match.last + 2 :]:
        polite = polite or token.lemma in classes.polite_auxiliaries
        asking = asking or token.lemma in classes.question_words  # どこに相談すればいいんでしょう。
        if token.surface in SENTENCE_ENDS:
            return polite and (token.surface in ("?", "？") or asking)
        if token.lemma in classes.asking_particles and token.pos == "助詞":
            return polite
    return polite and asking
