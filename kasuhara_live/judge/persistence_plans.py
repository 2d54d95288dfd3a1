"""Persistence announced as a plan, not in stock words: contact or the same question kept up until the caller is
satisfied (気に入るまで問い合わせます, 何度でも申し上げます), decided as a schedule (毎朝かけることにしました), a
counted campaign to go on (三十件入れといた…また入れとく), every channel listed (メールも、フォームも、ファクスも送る).

A count told as a grievance (十回かけたのに), one call promised (また明日かけます), a request and past contact stay
quiet: :func:`kasuhara_live.judge.persistence._future_share` reads the verb's tense and purpose."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

from kasuhara_live.judge.clauses import SENTENCE_ENDS, self_match
from kasuhara_live.judge.cues import Cue
from kasuhara_live.judge.guards import is_reported
from kasuhara_live.judge.japanese import NEGATORS, Analysis, Token
from kasuhara_live.judge.persistence import _count_before_counter, _future_share
from kasuhara_live.judge.word_classes import WordClasses

# Three things listed with も make every channel (電話もメールも is two: a caller telling how they tried).
LISTED_CHANNELS = 3


def _rest_of_sentence(tokens: tuple[Token, ...], start: int) -> Iterator[int]:
    for j in range(start, len(tokens)):
        if tokens[j].surface in SENTENCE_ENDS:
            return
        yield j


def _says_again(classes: WordClasses, contact: frozenset[str], tokens: tuple[Token, ...], j: int) -> bool:
    """Token ``j`` is contact or asking again: a contact verb, 聞く / 申し上げる / 繰り返す, or 質問 + する."""
    token = tokens[j]
    if token.pos != "動詞" or token.form.startswith("命令形"):
        return False  # またかけ直せって言うんですか: an order quoted back, not contact promised
    if token.lemma in contact or token.lemma in classes.repeating_verbs:
        return True
    before = tokens[j - 2] if j > 1 and tokens[j - 1].lemma == "を" else tokens[j - 1] if j else token
    return token.lemma in classes.contact_noun_verbs and before.lemma in classes.repeating_verbs


def _big_count(classes: WordClasses, tokens: tuple[Token, ...], least: int) -> bool:
    """A count of contacts of at least ``least`` anywhere in the utterance (三十件, 四十通, 百回; not 何回)."""
    return any(tokens[i].surface not in classes.vague_counts
               and _count_before_counter(classes, tokens, i, least)[1] is not None for i in range(len(tokens)))


def _trigger(classes: WordClasses, tokens: tuple[Token, ...], i: int) -> str:
    """What kind of insistence begins at ``i``: "until" (答えるまで, 気に入るまで: a clause the caller's
    satisfaction ends), "endless" (何度でも), "again" (また, 改めて), "learning" (分かるまで: an until clause of the
    caller's own learning, no insistence) or ""."""
    token = tokens[i]
    if token.surface in classes.until_marks and token.pos == "助詞" and i > 0 and tokens[i - 1].conjugates:
        return "learning" if _learning_until(classes, tokens, i) else "until"
    if token.surface in classes.vague_counts and i + 2 < len(tokens) \
            and tokens[i + 1].surface in classes.call_counters \
            and "".join(t.surface for t in tokens[i + 2 : i + 4]) in classes.endless_marks:
        return "endless"
    return "again" if token.lemma in classes.again_words else ""


def _learning_until(classes: WordClasses, tokens: tuple[Token, ...], i: int) -> bool:
    """The "until" clause ending at ``i`` (まで) is the caller's own learning: 分かるまで, 理解できるまで, 覚えるまで
    何度でも質問しますね asks until understood, it imposes no satisfaction on the agent."""
    verb = i - 1 if tokens[i - 1].pos != "助動詞" or i < 2 else i - 2
    return tokens[verb].lemma in classes.learning_verbs


def _listed_channels(tokens: tuple[Token, ...], verb: int) -> int:
    """How many things the sentence lists with も before ``verb`` (本部にも、支店にも、相談室にも)."""
    start = verb
    while start > 0 and tokens[start - 1].surface not in SENTENCE_ENDS:
        start -= 1
    return sum(1 for j in range(start + 1, verb) if tokens[j].surface == "も" and tokens[j].pos == "助詞"
               and (tokens[j - 1].pos == "名詞" or tokens[j - 1].lemma in ("に", "から")))


def _cue(tokens: tuple[Token, ...], trigger: int, verb: int, weight: float) -> Cue:
    words = "".join(t.surface for t in tokens[max(0, trigger - 3) : verb + 1])
    return Cue("repeated_contact", "persistence", "conduct", weight, words)


def planned_contact(classes: WordClasses, contact: frozenset[str], frequency: frozenset[str],
                    analysis: Analysis, weight: float, least: int) -> list[Cue]:
    """Contact or asking kept up, announced as a plan (see the module); a cue of ``weight`` or nothing."""
    tokens = analysis.tokens
    if not weight:
        return []
    counted = _big_count(classes, tokens, least)
    kinds = [_trigger(classes, tokens, i) for i in range(len(tokens))]
    learning = "learning" in kinds
    for i, kind in enumerate(kinds):
        if kind in ("", "learning"):
            continue
        if kind == "endless" and learning:
            continue  # 分かるまで何度でも質問しますね: asked as often as the caller needs to learn
        if kind == "again" and (not counted or any(w in analysis.text for w in classes.grievance_marks)):
            continue  # また明日かけます: one call promised; 十回も電話したのに、またかけ直せって: a grievance
        for j in _rest_of_sentence(tokens, i + 1):
            if kind == "until" and counted and tokens[j].lemma in classes.stopping \
                    and any(t.lemma in NEGATORS for t in tokens[j + 1 : j + 3]):
                return [_cue(tokens, i, j, weight)]  # 百回になるまでやめない
            if not _says_again(classes, contact, tokens, j) or is_reported(classes, analysis, self_match(j)):
                continue
            if _future_share(classes, tokens, j, counted=False) == 1.0:
                return [_cue(tokens, i, j, weight)]
    return _scheduled(classes, contact, frequency, tokens, weight)


def _scheduled(classes: WordClasses, contact: frozenset[str], frequency: frozenset[str],
               tokens: tuple[Token, ...], weight: float) -> list[Cue]:
    """毎朝かけることにしました (a frequency and a decision), メールも、フォームも、ファクスも送ります."""
    for j, token in enumerate(tokens):
        if token.pos != "動詞" or token.lemma not in contact:
            continue
        tail = "".join(t.surface for t in tokens[j + 1 : j + 5])
        start = j
        while start > 0 and tokens[start - 1].surface not in SENTENCE_ENDS:
            start -= 1
        often = any(t.lemma in frequency for t in tokens[start:j])
        if any(t.lemma in classes.own_people and n.lemma in ("に", "と") for t, n in pairwise(tokens[start:j])):
            continue  # 毎朝母に電話をかけることにしています: the caller's own people called, not the company
        if (often and tail.startswith(classes.decided_tails)) or (
                _listed_channels(tokens, j) >= LISTED_CHANNELS
                and _future_share(classes, tokens, j, counted=False) == 1.0):
            return [Cue("repeated_contact", "persistence", "conduct", weight,
                        "".join(t.surface for t in tokens[start : j + 1]))]
    return []

