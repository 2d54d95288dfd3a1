"""Where words stand in an utterance: the rest of a clause or sentence after a token, the sentence a token is in,
who a pronoun points at (the listener, the speaker); the small reading aids every rule shares."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kasuhara_live.judge.japanese import Analysis, Token
from kasuhara_live.judge.lexicon import Match
from kasuhara_live.judge.word_classes import WordClasses

CLOSING_QUOTES = frozenset("」』\"”")


SENTENCE_ENDS = frozenset({"。", "!", "?", "！", "？"})


def clause_after(classes: WordClasses, tokens: tuple[Token, ...], last: int, limit: int = 0) -> list[Token]:
    """The tokens after ``last`` up to the end of its clause (at most ``limit`` of them when given)."""
    out: list[Token] = []
    rest = tokens[last + 1 :]
    for index, token in enumerate(rest):
        if len(out) == limit and limit:
            break
        if token.surface in CLOSING_QUOTES:
            continue  # 「バカ」と言われた: the quote ends, the clause does not
        if token.surface in ("、", ",") and index + 1 < len(rest) and rest[index + 1].lemma in classes.quotes:
            continue  # 殺すぞ、って言われた: Whisper's comma where a quotation mark would be
        if token.surface in ("、", ",") and out and ((out[-1].lemma in classes.quotes and out[-1].pos == "助詞")
                                                    or "".join(t.surface for t in out[-2:]) in classes.listing_quotes):
            # 土下座しろなんて、そんなこと言うつもりは: the quotation's clause goes on after the comma (とか may be
            # read as と + か)
            continue
        if token.is_break:
            break
        out.append(token)
    return out


def clause_text(classes: WordClasses, tokens: tuple[Token, ...], index: int) -> str:
    return "".join(t.surface for t in clause_after(classes, tokens, index, limit=6))


def is_condition(classes: WordClasses, tokens: tuple[Token, ...], last: int) -> bool:
    return last + 1 < len(tokens) and tokens[last + 1].lemma in classes.conditional_particles \
        and tokens[last + 1].pos == "助詞"


def begins_with_grammar(analysis: Analysis) -> bool:
    return bool(analysis.tokens) and analysis.tokens[0].pos in ("助詞", "助動詞")


def is_listener(classes: WordClasses, token: Token) -> bool:
    return token.pos == "代名詞" and not is_first_person(classes, token) and token.lemma not in classes.not_listener


def is_first_person(classes: WordClasses, token: Token) -> bool:
    return token.lemma in classes.first_person or token.surface in classes.first_person


def sentence_index(analysis: Analysis) -> list[int]:
    """For each token, the number of the sentence it belongs to (split at 。！？)."""
    out, current = [], 0
    for token in analysis.tokens:
        out.append(current)
        if token.surface in SENTENCE_ENDS:
            current += 1
    return out


def word_at(tokens: Sequence[Token], i: int, words: Iterable[str]) -> str:
    """The longest of ``words`` written from token ``i`` on, however the analyser cut it (over up to three tokens),
    or ''."""
    ahead = "".join(t.surface for t in tokens[i : i + 3])
    return max((w for w in words if ahead.startswith(w)), key=len, default="")


def sentence_start(tokens: tuple[Token, ...], index: int) -> int:
    """The index of the first token of the sentence that holds token ``index``."""
    start = index
    while start > 0 and tokens[start - 1].surface not in SENTENCE_ENDS:
        start -= 1
    return start


def sentence_after(tokens: tuple[Token, ...], index: int) -> list[Token]:
    """The tokens after ``index`` up to the end of its sentence (。！？)."""
    out: list[Token] = []
    for token in tokens[index + 1 :]:
        if token.surface in SENTENCE_ENDS:
            break
        out.append(token)
    return out


def followed_by(tokens: tuple[Token, ...], index: int, lemmas: frozenset[str], span: int = 2) -> bool:
    return any(t.lemma in lemmas for t in tokens[index + 1 : index + 1 + span])


def self_match(index: int) -> Match:
    return Match("grammar", "", index, index, 0, "")
