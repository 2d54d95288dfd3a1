"""How a lexicon phrase is heard (:class:`PhrasePattern`), and the indexes that find it: built once per lexicon.

:mod:`kasuhara_live.judge.matcher` reads these patterns on every utterance.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from kasuhara_live.errors import ConfigError
from kasuhara_live.judge.japanese import NEGATORS, Analyzer, sound_key
from kasuhara_live.judge.lexicon import Lexicon, part_owner
from kasuhara_live.judge.word_classes import WordClasses

FUNCTION_POS = frozenset({"助詞", "助動詞", "接尾辞"})


@dataclass(frozen=True)
class PhrasePattern:
    # how a phrase is heard; who listed it (owner, phrase as written) is kept beside it in PhraseMatcher
    key: str
    lemmas: tuple[str, ...]
    last_form: str
    tolerance: int
    ending: str  # reading of a final conjugating word or particle: must be heard exactly (しろ is not して)
    starts_with_function_word: bool
    # a construction part that is one conjugating word: 教える matches 教えろ, 教えて, 教えます; but a conditional
    # auxiliary is heard as one (the part なら, lemma だ, is not every だ: 話だから)
    any_form: bool
    sound: str = ""  # the key folded by voicing and r/d (see japanese.sound_key)
    tail: str = ""  # sound of the last word of a multi-word phrase: it must be half heard (小学生以下 ≠ 小学生なん)
    by_sound: bool = False  # a short fuzzy term: its exact sound (voicing, r/d folded) counts, 溶けさ for 土下座
    grammatical: bool = False  # only particles/auxiliaries (けん, ぞ): heard only as such, not as a noun (件)
    negated: bool = False  # has a negative auxiliary (使えない奴): heard approximately, the negation must be heard
    single_word: bool = False  # one word (低能): heard approximately, it does not take in a particle (礼の…)
    # readings of the words before the last that must be heard as written: a ん contraction (使えん-やつ: unidic
    # reads 使えん as 使える, so a negation would become 使えるやつ) and もらう/いただく (whose potential forms
    # share their lemma: 払ってもらいます is not 払ってもらえますか)
    contracted: tuple[str, ...] = ()
    # a word in hiragana the dictionary does not know (けん, ばい, わ: dialect sentence ends): never a word written in
    # kanji with the same sound (件, 倍, 輪)
    unknown_kana: bool = False
    has_verb: bool = False  # heard approximately, a content verb (出す, not する) must be heard as a verb


_HIRAGANA = re.compile(r"[ぁ-ゖー]+")
_KATAKANA = re.compile(r"[ァ-ヺー]+")
SOUND_EXACT_KANA = 3  # shorter words collide with everyday ones by voicing alone: バカ/墓 (ハカ), ゴミ/込み (コミ)
# Only nouns (土/下座) are heard by sound alone: in このカス the noun is two kana and このガス is a gas stove.
_NOUN_POS = frozenset({"名詞", "接頭辞", "接尾辞"})
PARTICLE_POS = frozenset({"助詞", "助動詞", "感動詞"})


def anchor_offsets(key: str, tolerance: int, frequency: Mapping[str, int]) -> list[int]:
    """The offsets of one rare bigram in each of tolerance + 1 pieces of ``key`` (see key_index)."""
    if len(key) < 2:
        return []
    pieces = tolerance + 1
    size = len(key) // pieces
    offsets = []
    for piece in range(pieces):
        lo = piece * size
        hi = len(key) if piece == pieces - 1 else lo + size
        choices = range(lo, max(lo + 1, hi - 1))
        offsets.append(min(choices, key=lambda o: (frequency.get(key[o : o + 2], 0), o)))
    return sorted(set(offsets))


def phrase_pattern(lexicon: Lexicon, analyzer: Analyzer, classes: WordClasses, owner: str, phrase: str,
                    fuzzy: bool, shortest: int, limits: tuple[int, int, int]) -> PhrasePattern:
    """How ``phrase`` (listed by ``owner``) is heard; ``limits``: (min_fuzzy_kana, kana_per_error, max_errors)."""
    min_fuzzy_kana, kana_per_error, max_errors = limits
    analysis = analyzer.analyze(phrase)
    words = [t for t in analysis.tokens if not t.is_break]
    if len(analysis.key) < shortest:
        raise ConfigError(f"{lexicon.where(owner) or f'lexicon {owner!r}'}: phrase {phrase!r} is too "
                          "short to match safely "
                          "(needs a reading of 2 kana or more)")
    errors = 0
    if fuzzy and len(analysis.key) >= min_fuzzy_kana:
        errors = min(max_errors, len(analysis.key) // kana_per_error)
    last = words[-1] if words else None
    grammatical = last is not None and (last.conjugates or last.pos == "助詞")
    return PhrasePattern(analysis.key, tuple(t.lemma for t in words),
                    last.form if last else "", errors,
                    last.key if grammatical and last else "",
                    bool(words) and words[0].pos in FUNCTION_POS,
                    "#" in owner and len(words) == 1 and words[0].conjugates
                    and (words[0].pos == "動詞" or not words[0].form.startswith("仮定形")),
                    sound_key(analysis.key),
                    sound_key(last.key) if last and len(words) > 1 and errors else "",
                    fuzzy and not errors and len(analysis.key) >= SOUND_EXACT_KANA
                    and all(w.pos in _NOUN_POS for w in words),
                    bool(words) and all(w.pos in PARTICLE_POS for w in words),
                    any(w.pos == "助動詞" and w.lemma in NEGATORS for w in words),
                    len(words) == 1,
                    tuple(w.key if w.form.endswith("撥音便")
                          or w.lemma in classes.potential_twins else ""
                          for w in words[:-1]),
                    len(words) == 1 and _HIRAGANA.fullmatch(phrase) is not None
                    and _KATAKANA.fullmatch(words[0].lemma) is not None,
                    any(w.pos == "動詞" and w.pos2 != "非自立可能" for w in words))


def distinct_patterns(patterns: list[PhrasePattern], listed_by: list[tuple[str, str]]
              ) -> tuple[list[PhrasePattern], list[list[tuple[str, str]]]]:
    # One entry per distinct phrase: construction parts share phrases (な, で, する) dozens of times over, so
    # each is matched once and its owners are fanned out in find().
    distinct: dict[PhrasePattern, int] = {}
    owners_of: list[list[tuple[str, str]]] = []
    specs: list[PhrasePattern] = []
    for pattern, listed in zip(patterns, listed_by, strict=True):
        index = distinct.get(pattern)
        if index is None:
            index = distinct[pattern] = len(specs)
            specs.append(pattern)
            owners_of.append([])
        owners_of[index].append(listed)
    return specs, owners_of


def owners_by_phrase(lexicon: Lexicon, owners_of: list[list[tuple[str, str]]]
                      ) -> tuple[list[tuple[tuple[str, str, frozenset[str] | None], ...]], list[tuple[str, ...]]]:
    siblings: dict[str, frozenset[str]] = {}
    for construction in lexicon.constructions:
        parts = frozenset(part_owner(construction.id, i) for i in range(len(construction.parts)))
        siblings.update(dict.fromkeys(parts, parts))
    # Per distinct phrase: who listed it (owner, phrase as written, and a part's sibling parts).
    named = [tuple((owner, phrase, siblings.get(owner)) for owner, phrase in entries) for entries in owners_of]
    names = [tuple(owner for owner, _ in entries) for entries in owners_of]
    return named, names


def lemma_index(patterns: list[PhrasePattern]
                 ) -> tuple[dict[tuple[str, ...], list[int]], set[tuple[str, ...]], int]:
    """Lemma sequences looked up whole, growing from each token while some phrase still begins that way."""
    by_lemmas: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for index, pattern in enumerate(patterns):
        if pattern.lemmas:
            by_lemmas[pattern.lemmas].append(index)
    prefixes = {lemmas[:n] for lemmas in by_lemmas for n in range(1, len(lemmas) + 1)}
    return by_lemmas, prefixes, max((len(lemmas) for lemmas in by_lemmas), default=0)


def key_index(patterns: list[PhrasePattern]
               ) -> tuple[dict[str, list[int]], dict[str, list[tuple[int, int]]], dict[str, list[int]]]:
    """Where to look each phrase up: exact keys, the anchor bigrams of fuzzy sounds, and sounds heard exactly."""
    # Filter index: a phrase heard with at most k errors has, by the pigeonhole principle, one of k+1
    # disjoint pieces of its key intact, so one bigram per piece (the rarest) is enough to find it.
    frequency: dict[str, int] = defaultdict(int)
    for pattern in patterns:
        for offset in range(len(pattern.key) - 1):
            frequency[pattern.key[offset : offset + 2]] += 1
    # Exact phrases are looked up whole; fuzzy ones are found on the sound key (which also finds every
    # reading-exact occurrence, since folding only merges characters).
    exact: dict[str, list[int]] = defaultdict(list)
    by_sound_bigram: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for index, pattern in enumerate(patterns):
        if not pattern.tolerance:
            exact[pattern.key].append(index)
            continue
        for offset in anchor_offsets(pattern.sound, pattern.tolerance, frequency):
            by_sound_bigram[pattern.sound[offset : offset + 2]].append((index, offset))
    by_sound: dict[str, list[int]] = defaultdict(list)
    for index, pattern in enumerate(patterns):
        if pattern.by_sound:
            by_sound[pattern.sound].append(index)
    return exact, by_sound_bigram, by_sound
