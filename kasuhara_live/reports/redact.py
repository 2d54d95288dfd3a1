"""Masking names and numbers in call text before it leaves the organisation (pure: no tokenizer inside).

What is masked, each replaced by :data:`MASK`:

- person and place names, found by a tokenizer the caller injects (:class:`TokenFinder`; the edge in
  :mod:`kasuhara_live.reports.names` uses fugashi + unidic-lite);
- numbers with three or more numerals: phone, order and card numbers, amounts, postcodes, also written in
  kanji (三十万, 一一〇) and with separators between the groups (090-1234-5678, 3,000);
- e-mail addresses and postcodes after 〒.

Full-width input (０９０－１２３４, ｙａｍａｄａ＠…) is matched through a character-by-character NFKC fold
whose positions map back to the original, so the text keeps its own characters everywhere else.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Protocol

from kasuhara_live.store.store import CallRecord

MASK = "＊＊＊"

_KANJI_NUMERALS = "〇零一二三四五六七八九十百千万億兆"
_NUMERAL = "0-9" + _KANJI_NUMERALS
# Groups of numerals joined by the separators people and Whisper put in numbers (hyphens, long-vowel marks
# for spoken hyphens, commas, dots, spaces, slashes and closing brackets as in (03)1234-5678).
_NUMBER = re.compile(rf"[{_NUMERAL}]+(?:[-‐‑–—−ー,. /)][{_NUMERAL}]+)*")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
_POSTCODE = re.compile(r"〒\s*[0-9]{3}[-‐‑–—−ー]?[0-9]{4}")
_MIN_NUMERALS = 3


class TokenFinder(Protocol):
    """A tokenizer: the words of ``text`` in order, each with whether it is a person's or a place's name."""

    def __call__(self, text: str) -> Sequence[tuple[str, bool]]: ...


def fold(text: str) -> tuple[str, list[int]]:
    """NFKC character by character, with the index in ``text`` each folded character came from."""
    parts: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = unicodedata.normalize("NFKC", char)
        parts.append(folded)
        origin.extend([index] * len(folded))
    return "".join(parts), origin


def _numeral_count(run: str) -> int:
    return sum(1 for c in run if "0" <= c <= "9" or c in _KANJI_NUMERALS)


def pattern_spans(folded: str) -> list[tuple[int, int]]:
    """Spans of ``folded`` text holding e-mail addresses, postcodes and numbers of three numerals or more."""
    spans = [m.span() for m in _EMAIL.finditer(folded)]
    spans += [m.span() for m in _POSTCODE.finditer(folded)]
    spans += [m.span() for m in _NUMBER.finditer(folded) if _numeral_count(m.group()) >= _MIN_NUMERALS]
    return spans


def name_spans(folded: str, tokens: Sequence[tuple[str, bool]]) -> list[tuple[int, int]]:
    """Spans of the name tokens, found in order in ``folded`` (a tokenizer drops spaces, so offsets are searched)."""
    spans: list[tuple[int, int]] = []
    cursor = 0
    for surface, is_name in tokens:
        if not surface:
            continue
        found = folded.find(surface, cursor)
        if found < 0:
            continue  # a tokenizer that rewrote the word (its own normalisation): it cannot be placed
        if is_name:
            spans.append((found, found + len(surface)))
        cursor = found + len(surface)
    return spans


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    # Adjacent masks merge (佐藤一郎 → one ＊＊＊): the number of masks should not hint at a name's parts.
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def redact(text: str, tokens: TokenFinder | None = None) -> str:
    """``text`` with names (when ``tokens`` is given), numbers, e-mail addresses and postcodes masked."""
    if not text:
        return text
    folded, origin = fold(text)
    spans = pattern_spans(folded)
    if tokens is not None:
        spans += name_spans(folded, tokens(folded))
    out: list[str] = []
    last = 0
    for start, end in _merge(spans):
        first_char, last_char = origin[start], origin[end - 1] + 1
        if first_char < last:
            first_char = last  # one original character folded into two that two spans split
        out.append(text[last:first_char])
        out.append(MASK)
        last = last_char
    out.append(text[last:])
    return "".join(out)


def redact_record(record: CallRecord, mask: Callable[[str], str]) -> CallRecord:
    """A copy of ``record`` with every free text that may hold what a caller said passed through ``mask``.

    Transcript, evidence, alert and level reasons, the detail of every action (a supervisor's message, but any
    action's detail is free text on the wire: a structured one, such as a script step or post-call answers,
    holds no name or number and passes unchanged), reviewers' notes, the call's end reason and the audio
    reference (a file name can hold a phone number). Ids, levels, categories, times and the scripts (the
    organisation's own wording) are kept: they are what the record is for.
    """
    summary = replace(record.summary, source=mask(record.summary.source),
                      end_reason=mask(record.summary.end_reason) if record.summary.end_reason else
                      record.summary.end_reason)
    out = CallRecord(summary, record.speakers)
    out.utterances = [replace(u, text=mask(u.text), alternatives=tuple(mask(a) for a in u.alternatives))
                      for u in record.utterances]
    out.alerts = [replace(a, evidence=tuple(mask(e) for e in a.evidence), reason=mask(a.reason))
                  for a in record.alerts]
    out.levels = [replace(c, reason=mask(c.reason)) for c in record.levels]
    out.actions = [replace(a, detail=mask(a.detail)) for a in record.actions]
    out.labels = {k: replace(v, note=mask(v.note)) for k, v in record.labels.items()}
    out.missed = [replace(m, note=mask(m.note)) for m in record.missed]
    out.reviews = [replace(r, notes=mask(r.notes), lessons=mask(r.lessons)) for r in record.reviews]
    return out
