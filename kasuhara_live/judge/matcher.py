"""Matching the lexicon's phrases on analysed utterances, on lemmas and kana readings.

A phrase matches an utterance

* on **lemmas**: the phrase's lemma sequence appears contiguously, the last word in the same conjugation
  form (so 払え matches 払えよ but not 払います); or
* on **readings**: the phrase's reading key appears in the utterance's key within an edit distance that
  grows with its length (none under ``judge.min_fuzzy_kana`` kana), starting on a token boundary and ending
  on one (a trailing long vowel excepted) — so どげざしろ and ドゲザしろ match 土下座しろ while シネ does not
  match inside シネマ.

A bigram index keeps this fast: only (phrase, position) pairs sharing a kana bigram are compared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from rapidfuzz.distance import Levenshtein

from kasuhara_live.judge.japanese import NEGATORS, Analysis, Analyzer, Token
from kasuhara_live.judge.lexicon import Lexicon, Match, part_owner
from kasuhara_live.judge.phrase_patterns import (
    FUNCTION_POS,
    PARTICLE_POS,
    PhrasePattern,
    distinct_patterns,
    key_index,
    lemma_index,
    owners_by_phrase,
    phrase_pattern,
)
from kasuhara_live.judge.word_classes import word_classes

# readings a token may end with after a phrase's end (a long vowel, a glottal stop: ふざけんなー): reading tables
_TRAILING_OK = frozenset("アイウエオッ")
_KANJI = re.compile(r"[\u4e00-\u9fff]")
_SURU_STEMS = frozenset("シスサセ")  # katakana readings of する's stems (シ, ス, サ, セ): a reading table

_Found = tuple[int, int, int, int]  # (phrase index, first token, last token, distance)


class PhraseMatcher:
    """Finds lexicon phrases in analysed utterances, tolerant to how Whisper spells what it heard."""

    def __init__(self, lexicon: Lexicon, analyzer: Analyzer, min_fuzzy_kana: int = 4,
                 kana_per_error: int = 4, max_errors: int = 2) -> None:
        self.analyzer = analyzer
        classes = lexicon.classes if lexicon.classes is not None else word_classes()
        self._te_auxiliaries = classes.te_auxiliaries  # 電話してくる: see find()
        self.patterns: list[PhrasePattern] = []
        listed_by: list[tuple[str, str]] = []
        owners: list[tuple[str, tuple[str, ...], bool, int]] = [(t.id, t.phrases, t.fuzzy, 2) for t in lexicon.terms]
        owners += [(e.id, e.phrases, False, 2) for e in lexicon.exceptions]
        # A construction's part may be one kana (ぞ): it only counts beside the other parts.
        owners += [(part_owner(c.id, i), part, False, 1) for c in lexicon.constructions
                   for i, part in enumerate(c.parts)]
        for owner, phrases, fuzzy, shortest in owners:
            for phrase in phrases:
                listed_by.append((owner, phrase))
                self.patterns.append(phrase_pattern(lexicon, analyzer, classes, owner, phrase, fuzzy, shortest,
                                                     (min_fuzzy_kana, kana_per_error, max_errors)))
        self.patterns, owners_of = distinct_patterns(self.patterns, listed_by)
        self._exact, self._by_sound_bigram, self._by_sound = key_index(self.patterns)
        self._sound_lengths = sorted({len(k) for k in self._by_sound})
        self._longest_exact = max((len(k) for k in self._exact), default=0)
        self._owners, self._owner_names = owners_by_phrase(lexicon, owners_of)
        # Every prefix of an exact key: the scan from a token start stops as soon as no phrase can follow.
        self._exact_prefixes = {key[:n] for key in self._exact for n in range(1, len(key) + 1)}
        # The q-gram lemma: a phrase heard with at most k errors keeps at least (its distinct bigrams - 2k) of
        # them, so a start sharing fewer is not worth an edit-distance computation.
        self._tolerance = [p.tolerance for p in self.patterns]
        self._bigrams = [frozenset(p.sound[o : o + 2] for o in range(len(p.sound) - 1)) for p in self.patterns]
        self._bigrams_needed = [len(b) - 2 * p.tolerance for b, p in zip(self._bigrams, self.patterns, strict=True)]
        # The same sets as bit masks over the fuzzy phrases' bigrams, for the whole-utterance test.
        fuzzy_bigrams = sorted({b for p, bs in zip(self.patterns, self._bigrams, strict=True) if p.tolerance
                                for b in bs})
        self._bigram_bit = {b: 1 << i for i, b in enumerate(fuzzy_bigrams)}
        self._bigram_mask = [sum(self._bigram_bit.get(b, 0) for b in bs) for bs in self._bigrams]
        self._by_lemmas, self._lemma_prefixes, self._longest_lemmas = lemma_index(self.patterns)

    def find(self, analysis: Analysis) -> list[Match]:
        """Every phrase occurrence; where matches of one owner overlap, the closest (then longest) wins."""
        starts, ends = _boundaries(analysis)
        found = [*self._lemma_matches(analysis), *self._exact_matches(analysis, starts, ends),
                 *self._sound_matches(analysis, starts, ends), *self._fuzzy_matches(analysis, starts, ends)]
        # A construction's part only matters when every part of it was heard: skip the rest (a heard な is a
        # part of dozens of constructions, nearly all of them incomplete in any one utterance).
        present: set[str] = set()
        for index in {f[0] for f in found}:
            present.update(self._owner_names[index])
        complete: dict[frozenset[str], bool] = {}  # per construction (its parts): all of them heard
        kept: dict[str, list[tuple[int, int, int, str]]] = {}
        tokens = analysis.tokens
        for index, first, last, distance in sorted(found, key=lambda c: (c[3], c[1] - c[2])):
            if tokens[last].lemma == "て" and last + 1 < len(tokens) and tokens[last + 1].lemma in self._te_auxiliaries:
                continue  # 電話して (a request) is not 電話してくる (someone calls) nor 電話している (is calling)
            if distance and any(tokens[k].is_break for k in range(first, last + 1)):
                continue  # heard approximately, a phrase stays in one clause: ただ、経緯を教えて is not 体型を教えて
            for owner, phrase, parts in self._owners[index]:
                if parts is not None:
                    heard = complete.get(parts)
                    if heard is None:
                        heard = complete[parts] = parts <= present
                    if not heard:
                        continue
                same = kept.get(owner)
                if same is None:
                    kept[owner] = [(first, last, distance, phrase)]
                elif all(last < k_first or k_last < first for k_first, k_last, _, _ in same):
                    same.append((first, last, distance, phrase))
        # The matched words are joined only for the matches kept.
        return sorted((Match(owner, phrase, first, last, distance,
                             "".join(t.surface for t in tokens[first : last + 1]))
                       for owner, group in kept.items() for first, last, distance, phrase in group),
                      key=lambda m: (m.first, m.last))

    @staticmethod
    def _ending_agrees(pattern: PhrasePattern, key: str, end: int) -> bool:
        # Fuzziness is for content words Whisper spells by sound; grammar endings decide what is meant.
        return not pattern.ending or key[end - len(pattern.ending) : end] == pattern.ending

    def _lemma_matches(self, analysis: Analysis) -> Iterable[_Found]:
        tokens = analysis.tokens
        lemmas = tuple(t.lemma for t in tokens)
        prefixes, by_lemmas, patterns = self._lemma_prefixes, self._by_lemmas, self.patterns
        for start in range(len(lemmas)):
            for end in range(start + 1, min(len(lemmas), start + self._longest_lemmas) + 1):
                sequence = lemmas[start:end]
                if sequence not in prefixes:
                    break
                for index in by_lemmas.get(sequence, ()):
                    pattern = patterns[index]
                    if pattern.any_form or (_same_form(tokens[end - 1].form, pattern.last_form) and all(
                            not written or t.key == written
                            for t, written in zip(tokens[start : end - 1], pattern.contracted, strict=True))):
                        yield index, start, end - 1, 0

    def _exact_matches(self, analysis: Analysis, starts: Mapping[int, int],
                       ends: Mapping[int, int]) -> Iterable[_Found]:
        """Phrases without tolerance: their whole reading, from a token start to a token end."""
        key, tokens = analysis.key, analysis.tokens
        prefixes = self._exact_prefixes
        for start, first in starts.items():
            for end in range(start + 1, min(len(key), start + self._longest_exact) + 1):
                piece = key[start:end]
                if piece not in prefixes:
                    break
                if end not in ends:
                    continue
                last = ends[end]
                # A one-kana part (よ, ぞ, な) is a particle of its own, lengthened at most (なあ, ぞー); never the
                # head of another word (子 of 声 コエ, よ of よう ヨオ).
                whole = end - start > 1 or analysis.starts[last] + len(tokens[last].key) == end \
                    or tokens[last].pos in PARTICLE_POS
                if not whole:
                    continue
                for index in self._exact.get(piece, ()):
                    pattern = self.patterns[index]
                    if pattern.grammatical and not all(t.pos in PARTICLE_POS for t in tokens[first : last + 1]):
                        continue  # the ending けん is not the noun 件, the particle は not 歯
                    if pattern.unknown_kana and any(_KANJI.search(t.surface) for t in tokens[first : last + 1]):
                        continue
                    if self._ending_agrees(pattern, key, end):
                        yield index, first, last, 0

    def _sound_matches(self, analysis: Analysis, starts: Mapping[int, int],
                       ends: Mapping[int, int]) -> Iterable[_Found]:
        """Short terms heard with the right sound but another voicing: 溶けさせろ for 土下座させろ (どげざ → とけさ)."""
        sound, key, tokens = analysis.sound, analysis.key, analysis.tokens
        for start, first in starts.items():
            for length in self._sound_lengths:
                end = start + length
                if end not in ends:
                    continue
                for index in self._by_sound.get(sound[start:end], ()):
                    pattern = self.patterns[index]
                    if key[start:end] == pattern.key or tokens[first].pos in FUNCTION_POS:
                        continue  # heard as written: the exact path has it; a particle does not start a term
                    last = ends[end]
                    if _span_agrees(pattern, tokens[first : last + 1]):
                        yield index, first, last, 1

    def _fuzzy_matches(self, analysis: Analysis, starts: Mapping[int, int],
                       ends: Mapping[int, int]) -> Iterable[_Found]:
        """Phrases heard approximately: compared on sound keys (voicing, r/d folded) within their tolerance."""
        sound, key, tokens = analysis.sound, analysis.key, analysis.tokens
        heard = [sound[o : o + 2] for o in range(len(sound) - 1)]
        # The q-gram lemma over the whole utterance first (one set operation per phrase, most fail it), then
        # per start below.
        bit = self._bigram_bit
        heard_anywhere = 0
        for bigram in heard:
            heard_anywhere |= bit.get(bigram, 0)
        if not heard_anywhere:
            return
        by_bigram = self._by_sound_bigram
        bigrams, needed, tolerance, masks = self._bigrams, self._bigrams_needed, self._tolerance, self._bigram_mask
        plausible: dict[int, bool] = {}
        candidates: set[tuple[int, int]] = set()
        # Where each plausible phrase's anchor bigrams were heard: the starts that would put it there.
        for offset, bigram in enumerate(heard):
            for index, pattern_offset in by_bigram.get(bigram, ()):
                passed = plausible.get(index)
                if passed is None:
                    passed = plausible[index] = (masks[index] & heard_anywhere).bit_count() >= needed[index]
                if passed:
                    diagonal, tol = offset - pattern_offset, tolerance[index]
                    candidates.update((index, s) for s in range(diagonal - tol, diagonal + tol + 1) if s in starts)
        for index, start in sorted(candidates):
            pattern = self.patterns[index]
            tol = pattern.tolerance
            head, tail, size = pattern.sound[0], pattern.sound[-1], len(pattern.sound)
            # Cheap pre-tests: with few errors allowed, the first or the last sound is heard as written, and
            # enough bigrams survive.
            if sound[start : start + 1] != head and tail not in sound[start + size - tol - 1 : start + size + tol]:
                continue
            if len(bigrams[index].intersection(heard[max(0, start) : start + size + tol - 1])) < needed[index]:
                continue
            first = starts[start]
            # a content phrase heard approximately does not begin on a particle (…のお名前 is not 能無し)
            exact_only = tokens[first].pos in FUNCTION_POS and not pattern.starts_with_function_word
            best = self._closest(pattern, sound, key, start, ends, exact_only)
            if best is not None and not (self._tail_heard(pattern, sound, best[1])
                                         and _span_agrees(pattern, tokens[first : ends[best[1]] + 1])):
                best = None
            if best is not None:
                last = ends[best[1]]
                # rank by the distance of what was actually written, not of the folded sounds
                written = Levenshtein.distance(pattern.key, key[start : best[1]])
                yield index, first, last, min(written, tol + 1)

    @staticmethod
    def _tail_heard(pattern: PhrasePattern, sound: str, end: int) -> bool:
        # Tolerance is for a word heard a little wrong, not for a distinguishing last word heard as another.
        tail = pattern.tail
        # half of it, but all of a two-kana word: 小学生以下 is not 小学生が (イカ against ーガ, one kana off)
        allowed = len(tail) // 2 if len(tail) > 2 else 0
        return not tail or Levenshtein.distance(tail, sound[max(0, end - len(tail)) : end]) <= allowed

    @staticmethod
    def _closest(pattern: PhrasePattern, sound: str, key: str, start: int, ends: Mapping[int, int],
                 exact_only: bool) -> tuple[int, int] | None:
        """The best end for ``pattern`` heard from ``start``: (distance on sound keys, end), or None."""
        target, tol, ending = pattern.sound, pattern.tolerance, pattern.ending
        best: tuple[int, int] | None = None
        for length in range(max(2, len(target) - tol), len(target) + tol + 1):
            end = start + length
            if end not in ends or end > len(sound):
                continue
            if ending and not key.endswith(ending, 0, end):
                continue  # the grammatical ending must be heard as written (cheap test first)
            distance = Levenshtein.distance(target, sound[start:end], score_cutoff=tol)
            if (exact_only and distance) or distance > tol:
                continue
            if best is None or distance < best[0]:
                best = (distance, end)
        return best


def _span_agrees(pattern: PhrasePattern, heard: Sequence[Token]) -> bool:
    """Words heard approximately keep the phrase's shape: a negation where it has one (使える奴 is no 使えない奴), a
    verb where it has one, and one word is not heard across a particle (お礼のお… is no 低能, though the sounds are
    close)."""
    if pattern.negated and not any(t.pos == "助動詞" and t.lemma in NEGATORS for t in heard):
        return False
    if pattern.has_verb and not any(t.pos == "動詞" for t in heard):
        return False  # an order heard without a verb is no order: 金出しな is not 禁止な
    if any(t.surface[:1].isdigit() for t in heard):
        return False  # Whisper writes digits for numbers it heard: 6話 (ろくわ) is no ろくでなし
    return not (pattern.single_word and any(t.pos == "助詞" for t in heard))


def _same_form(heard: str, written: str) -> bool:
    """The same conjugated form: 連用形 variants must agree too (飛び込ん-だ is not the imperative-looking 飛び込め,
    which unidic tags 連用形-一般), while a form without a variant matches any of its variants."""
    heard_main, _, heard_variant = heard.partition("-")
    written_main, _, written_variant = written.partition("-")
    if heard_main != written_main:
        return False
    return not (heard_variant and written_variant) or heard_variant == written_variant


def _boundaries(analysis: Analysis) -> tuple[dict[int, int], dict[int, int]]:
    """Where tokens start and end in the reading key (a trailing long vowel or small tsu may be left over)."""
    starts: dict[int, int] = {}
    ends: dict[int, int] = {}
    for i, (t, start) in enumerate(zip(analysis.tokens, analysis.starts, strict=True)):
        if not t.key:
            continue
        starts.setdefault(start, i)
        end = start + len(t.key)
        ends[end] = i
        # ふざけんなー: the phrase may end before a trailing long vowel inside the same token
        cut = 1
        while cut < len(t.key) and t.key[-cut] in _TRAILING_OK:
            ends.setdefault(end - cut, i)
            cut += 1
        # どげざして → どげ/ざし/て: unidic-lite cuts a noun written in kana before a verb it invents (座する);
        # the noun may end where that verb's する-ending begins
        if t.pos == "動詞" and t.lemma.endswith("する") and len(t.key) > 1 and t.key[-1] in _SURU_STEMS:
            ends.setdefault(end - 1, i)
    return starts, ends
