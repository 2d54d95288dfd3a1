"""The tokenizer edge of redaction: person and place names found with fugashi + unidic-lite.

The judge's :class:`~kasuhara_live.judge.japanese.Analyzer` keeps only unidic's first two part-of-speech
fields, and ``固有名詞`` alone also covers countries and companies (日本, ソニー). Masking those would hide
what a complaint is about without protecting anyone, so this reads the third and fourth fields: ``人名``
(family and given names), and ``地名`` except ``国`` (addresses, towns, stations, but not countries).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from kasuhara_live.reports.redact import redact


def _is_name(feature: Any) -> bool:
    if feature.pos1 != "名詞" or feature.pos2 != "固有名詞":
        return False
    return bool(feature.pos3 == "人名" or (feature.pos3 == "地名" and feature.pos4 != "国"))


class NameFinder:
    """A :class:`~kasuhara_live.reports.redact.TokenFinder` over a fugashi tagger (loaded once)."""

    def __init__(self) -> None:
        import fugashi  # an edge: the tagger loads the dictionary, so only redacting commands pay for it

        self._tagger = fugashi.Tagger()

    def __call__(self, text: str) -> Sequence[tuple[str, bool]]:
        return [(word.surface, _is_name(word.feature)) for word in self._tagger(text)]


def make_redactor() -> Callable[[str], str]:
    """A function masking names, numbers, e-mail addresses and postcodes in one text."""
    finder = NameFinder()
    return lambda text: redact(text, finder)
