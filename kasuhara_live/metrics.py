"""Text metrics shared by tests, benchmarks and evaluation."""

from __future__ import annotations

import re
import unicodedata

_NOT_TEXT = re.compile(r"[\s\W_]+", re.UNICODE)


def bare_text(text: str) -> str:
    """NFKC-normalised text without spaces or punctuation, for character-level comparison."""
    return _NOT_TEXT.sub("", unicodedata.normalize("NFKC", text))


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two strings (characters)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate of ``hypothesis`` against ``reference``, ignoring spaces and punctuation."""
    ref, hyp = bare_text(reference), bare_text(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return edit_distance(ref, hyp) / len(ref)
