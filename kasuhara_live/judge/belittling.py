"""The listener's worth belittled without a swear word: their mind said to be missing, themselves said to be
replaceable, their upbringing questioned, a child's skill said to be beyond them (考える頭ないんか, 代わりはいくらでも
おる, 親の顔が見てみたい, 足し算もできん人).

Each rule is a kind of word and a kind of act over word classes (configs/word-classes.toml), said of the listener:
a sentence with the caller in it (私、常識がないので), a family member of the caller's, or someone else named by a
pronoun (彼は頭がない) is no attack on the agent; a negated or reported remark is not the act.
"""

from __future__ import annotations

from kasuhara_live.judge.clauses import is_first_person, self_match, sentence_index, word_at
from kasuhara_live.judge.cues import Cue
from kasuhara_live.judge.guards import is_negated, is_reported
from kasuhara_live.judge.japanese import Analysis, Token
from kasuhara_live.judge.word_classes import WordClasses


def _someone_else(classes: WordClasses, tokens: list[Token]) -> bool:
    """The sentence is about the caller, the caller's people or a third person (私, 息子, 彼), not the agent."""
    return any(is_first_person(classes, t)
               or t.lemma in classes.third_persons or t.surface in classes.third_persons for t in tokens)


def _mind_missing(classes: WordClasses, tokens: list[Token], _whole: str) -> int:
    """Index of a faculty (頭, 常識, 理解力) followed within its clause by its absence (ない, ゼロ, 空っぽ), or -1."""
    for i in range(len(tokens)):
        word = word_at(tokens, i, classes.faculties)
        if not word or (i and tokens[i - 1].pos == "名詞"):
            continue  # 処理能力, 計算能力: a compound, a machine's ability
        j, covered = i, ""
        while j < len(tokens) and len(covered) < len(word):
            covered += tokens[j].surface
            j += 1
        while j < len(tokens) and (tokens[j].pos == "助詞" or tokens[j].surface.startswith(classes.faculty_fillers)):
            j += 1  # 頭ん中、空っぽ, 常識すらない, 常識というもののかけらもない: between the faculty and its absence
        lack = next((w for w in classes.lacking if "".join(t.surface for t in tokens[j : j + 4]).startswith(w)), "")
        after = "".join(t.surface for t in tokens[j : j + 6])[len(lack):]
        # 能力がないわけじゃない, 頭がないと動かない: a denial or a condition, nothing said of the listener
        if lack and not after.startswith(classes.not_said_of_anyone) and not after.lstrip("い").startswith(
                classes.people_in_general):
            return i
    return -1


def _basics_failed(classes: WordClasses, tokens: list[Token], _whole: str) -> int:
    """計算もできない人, 九九から勉強し直せ: a skill taught to children said to be beyond the listener; index or -1."""
    for i, token in enumerate(tokens):
        if not token.surface.startswith(classes.basics) or i + 1 >= len(tokens):
            continue
        after = "".join(t.surface for t in tokens[i + 1 : i + 8])
        if tokens[i + 1].surface == "から" and any(t.lemma in classes.learning_again for t in tokens[i + 2 : i + 6]):
            return i  # 九九からやり直せ: sent back to school
        if tokens[i + 1].surface not in ("も", "すら", "さえ") or not any(w in after for w in classes.cannot):
            continue
        # even that cannot be done, by a person (計算もできない税理士, 合わせきらん人): not a device's (電卓)
        rest = [t.surface for t in tokens[i + 2 : i + 10]]
        if any(w.endswith(classes.person_words) for w in rest) or any(
                t.pos == "代名詞" and not is_first_person(classes, t) and t.lemma not in classes.vague_words
                for t in tokens):
            return i
    return -1


def _replaceable(classes: WordClasses, tokens: list[Token], _whole: str) -> int:
    """代わりはいくらでもいる, いなくなっても誰も困らない: the listener as someone no one needs; index or -1."""
    text = "".join(t.surface for t in tokens)
    for i, token in enumerate(tokens):
        plenty = token.lemma in classes.substitutes and any(w in text[text.find(token.surface):]
                                                             for w in classes.plenty)
        if plenty and any(t.lemma in classes.staying for t in tokens[i + 1 : i + 10]):
            return i  # 代わりはいくらでもいる: people (いる, おる), not goods (ある)
        if token.lemma in classes.staying or token.lemma in classes.stopping:
            after = "".join(t.surface for t in tokens[i + 1 : i + 12])
            missed = any(t.lemma in classes.unmissed for t in tokens[i + 1 : i + 14])
            if missed and "誰も" in after and any(w in after for w in classes.concessive_tails):
                return i
    return -1


def _upbringing(classes: WordClasses, tokens: list[Token], whole: str) -> int:
    """親の顔が見てみたい, どういう家庭で育ったの (said over the listener's conduct): index or -1."""
    for i, token in enumerate(tokens):
        parent = token.lemma in classes.family or token.lemma in classes.upbringing
        if parent and any(t.surface == "顔" for t in tokens[i + 1 : i + 5]):
            rest = tokens[i + 1 : i + 10]
            if any(t.lemma in classes.seeing for t in rest) and any(t.lemma in classes.wish_auxiliaries for t in rest):
                return i
        if token.lemma in classes.upbringing or token.surface in classes.upbringing:
            # どういう家庭で…: asked, and over the listener's conduct (そんなことも, その態度, 一体), not in chit-chat
            asked = any(t.lemma in classes.question_words for t in tokens[:i])
            if asked and any(w in whole for w in classes.rebuke_marks):
                return i
    return -1


def belittles_listener(classes: WordClasses, analysis: Analysis) -> list[Cue]:
    """The listener's mind, worth or upbringing belittled (see the module's docstring): abuse."""
    tokens = analysis.tokens
    whole = "".join(t.surface for t in tokens)
    heard = any(w in whole for w in (*classes.faculties, *classes.plenty, *classes.basics, "誰も", "顔"))
    if not heard and not any(t.lemma in classes.upbringing or t.surface in classes.upbringing for t in tokens):
        return []  # the common case, settled without reading sentence by sentence
    if any(w in whole for w in classes.reassurances):
        return []  # 代わりの人はいくらでもいるから、無理しないで: said to comfort the listener, not to belittle them
    numbers = sentence_index(analysis)
    for n in sorted(set(numbers)):
        start = numbers.index(n)
        sentence = [t for t, m in zip(tokens, numbers, strict=True) if m == n]
        if _someone_else(classes, sentence):
            continue
        for rule in (_mind_missing, _basics_failed, _replaceable, _upbringing):
            found = rule(classes, sentence, whole)
            if found < 0:
                continue
            at = self_match(start + found)
            # an absence, inability or no one missing them is the act itself (頭がない, 計算もできない, 誰も困らない)
            negated = rule is _upbringing and is_negated(classes, analysis, at)
            if negated or is_reported(classes, analysis, at):
                continue
            words = "".join(t.surface for t in sentence[found : found + 8])
            return [Cue("belittles_listener", "abuse", "conduct", 1.0, words[:30])]
    return []
