"""Long lines for ``scan``: judged in pieces of whole sentences, answered with one object per line (pure).

The judge reads one utterance at a time, and its time grows with the square of the matches in what it reads
(a 150 KB line took 33 s; 3 MB crashed the tokenizer). An utterance is a few dozen characters and a chat
message a few hundred, so a line longer than :data:`MAX_CHARS` is cut into pieces of at most that many
characters, at sentence ends where it has them, and each piece is judged on its own: the time per character
is bounded, so ``scan`` runs in time linear in its input. The line's one answer is its most severe piece's
(the first, among equals), with the whole line as ``text`` and the number of ``pieces``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from kasuhara_live.events import Level

MAX_CHARS = 1000
"""The longest line ``scan`` judges whole (characters); a longer one is judged in pieces."""

# Where a piece may end, best first: after a sentence's end, else after a pause (a comma, a space).
_SENTENCE_ENDS = "。．.！!？?…"
_PAUSES = "、，, 　\t"


def pieces(text: str, limit: int = MAX_CHARS) -> list[str]:
    """``text`` cut into pieces of at most ``limit`` characters, each as many whole sentences as fit.

    A sentence longer than ``limit`` is cut after its last pause that fits, else at ``limit``. The pieces joined
    are ``text``; each search looks at one window once, so the whole is linear in ``len(text)``.
    """
    out: list[str] = []
    start = 0
    while len(text) - start > limit:
        window_end = start + limit
        cut = _last_after(text, _SENTENCE_ENDS, start, window_end)
        if cut <= start:
            cut = _last_after(text, _PAUSES, start, window_end)
        if cut <= start:
            cut = window_end
        out.append(text[start:cut])
        start = cut
    out.append(text[start:])
    return out


def _last_after(text: str, marks: str, start: int, end: int) -> int:
    """The index just after the last of ``marks`` in ``text[start:end]``; ``start`` when there is none."""
    return max(start, *(text.rfind(mark, start, end) + 1 for mark in marks))


def judged_lines(texts: Sequence[str], judge_many: Callable[[list[str]], list[dict[str, Any]]],
                 limit: int = MAX_CHARS) -> list[dict[str, Any]]:
    """One ``scan`` object per text: ``judge_many`` judges every distinct piece of every text in one batch (a
    line judged on its own is judged the same wherever it comes), and a text of several pieces is answered as
    :func:`merged` says."""
    split = [pieces(text, limit) if len(text) > limit else [text] for text in texts]
    every = [piece for parts in split for piece in parts]
    distinct = list(dict.fromkeys(every))
    if len(distinct) == len(every) == len(texts):  # nearly always: no long line, no line twice in this batch
        return judge_many(distinct)
    judged = dict(zip(distinct, judge_many(distinct), strict=True))
    return [judged[text] if len(parts) == 1 else merged(text, [judged[p] for p in parts])
            for text, parts in zip(texts, split, strict=True)]


def merged(text: str, results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The answer for a line judged in pieces: its most severe piece's (the first among equals; with
    ``--explain``, that piece's reasons), with the whole line as ``text`` and how many ``pieces`` it took."""
    worst = max(results, key=lambda result: Level(result["level"]).rank)  # max keeps the first of equals
    return {**worst, "text": text, "pieces": len(results)}
