"""Japanese text as the judge sees it: normalised, tokenised, and spelled in kana.

Whisper ``base`` gets about a fifth of the characters wrong, mostly by sound (土下座 → どげざ / 途げざ).
So every token also carries a *reading key*: its kana reading (unidic's orthographic ``kana`` field, so
ドロボー and 泥棒 both read ドロボウ) folded further so that spellings of the same sound compare equal
(long-vowel marks, オウ/オオ, ヂ/ジ, ヲ/オ, small vowels).  Lexicon phrases are matched against these keys
with a small edit-distance tolerance (see :mod:`kasuhara_live.judge.matcher`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

_VOWEL_OF: dict[str, str] = {}
for _vowel, _row in {
    "ア": "アカガサザタダナハバパマヤャラワァ",
    "イ": "イキギシジチヂニヒビピミリィ",
    "ウ": "ウクグスズツヅヌフブプムユュルゥヴ",
    "エ": "エケゲセゼテデネヘベペメレェ",
    "オ": "オコゴソゾトドノホボポモヨョロヲォ",
}.items():
    for _kana in _row:
        _VOWEL_OF[_kana] = _vowel

_FOLD = str.maketrans({"ヲ": "オ", "ヂ": "ジ", "ヅ": "ズ", "ァ": "ア", "ィ": "イ", "ゥ": "ウ", "ェ": "エ", "ォ": "オ",
                       "ヮ": "ワ", "ヵ": "カ", "ヶ": "ケ"})
_REPEATED_MARKS = re.compile(r"([ーッっ〜~!！?？、。…])\1+")
_KATAKANA = re.compile(r"[\u30a1-\u30fa\u30fc]")
CLAUSE_BREAKS = frozenset("、。！？!?,.…「」『』()（）")
POLITE_COMMANDS = frozenset({"下さる", "なさる", "為さる", "いらっしゃる", "御座る", "ます", "くださる"})
E_ROW = frozenset("エケゲセゼテデネヘベペメレ")
# Lemmas of the negative auxiliaries and adjective (しない, 知らん → ず, 無い)
NEGATORS = frozenset({"ない", "無い", "ず", "ぬ"})
# Tohoku 〜てけろ / 〜けれ is くれ: a request, though unidic tags it as an imperative (of 〜ていく).
DIALECT_REQUESTS = frozenset({"てけろ", "でけろ", "けろ", "てけれ", "けれ"})


def normalize_text(text: str) -> str:
    """NFKC (full/half width), one of each repeated mark (ふざけんなーーー → ふざけんなー), trimmed."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("〜", "ー").replace("~", "ー")
    return _REPEATED_MARKS.sub(r"\1", text).strip()


def to_katakana(text: str) -> str:
    """Hiragana to katakana; other characters unchanged."""
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in text)


_SOUND_FOLD = str.maketrans(
    "ガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポラリルレロ",
    "カキクケコサシスセソタチツテトハヒフヘホハヒフヘホタチツテト",
)


def sound_key(key: str) -> str:
    """A coarser key for what the ear confuses on a phone line: voicing (ド/ト) and r/d (ロゲザ for ドゲザ).

    Character for character, so offsets in the reading key stay valid.
    """
    return key.translate(_SOUND_FOLD)


@lru_cache(maxsize=65536)
def reading_key(kana: str) -> str:
    """Fold a katakana reading so that spellings of one sound compare equal.

    ー takes the vowel before it; then オウ → オオ and エイ → エエ (how they are pronounced), so ドロボー,
    ドロボウ and ドロボオ are one key.  Non-kana characters are dropped.
    """
    chars: list[str] = []
    for c in to_katakana(kana).translate(_FOLD):
        if c == "ー":
            if chars and chars[-1] in _VOWEL_OF:
                chars.append(_VOWEL_OF[chars[-1]])
            continue
        if _KATAKANA.match(c):
            chars.append(c)
    for i in range(1, len(chars)):
        prev = _VOWEL_OF.get(chars[i - 1])
        if (chars[i] == "ウ" and prev == "オ") or (chars[i] == "イ" and prev == "エ"):
            chars[i] = prev
    return "".join(chars)


class Token(NamedTuple):
    """One morpheme with what matching and grammar rules need.

    Nothing in it depends on where the word stands (its offset is :attr:`Analysis.starts`), so one Token is
    built per distinct word and dictionary entry and shared by every utterance that holds it.
    """

    surface: str
    lemma: str
    key: str  # reading key; "" for punctuation and symbols
    pos: str  # unidic pos1, e.g. 動詞, 助動詞, 名詞
    pos2: str
    pos3: str  # unidic pos3, e.g. 副詞可能 (今, 今夜 work as adverbs), 一般
    form: str  # conjugation form, e.g. 命令形, 終止形-一般 ("" when not conjugated)
    is_break: bool  # punctuation or a clause break (ends what a rule reads)
    conjugates: bool  # a verb, auxiliary or adjective


@dataclass(frozen=True)
class Analysis:
    """A normalised utterance: its tokens and the concatenated reading key."""

    text: str
    tokens: tuple[Token, ...]
    key: str
    sound: str  # the key folded by voicing and r/d (see sound_key)
    starts: tuple[int, ...]  # where each token's key starts in ``key``

    def is_command(self, index: int) -> bool:
        """Token ``index`` is an imperative (払え, しろ, 謝らせろ), not a polite request (ください).

        unidic-lite sometimes tags a clause-final 出せ or 払え as 連用形 (of the potential verb), so an e-row
        verb form that ends its clause counts as imperative too.
        """
        token = self.tokens[index]
        if token.lemma in ("なさる", "為さる") and token.form.startswith("命令形") and index > 0 \
                and self.tokens[index - 1].pos == "動詞":
            # 返しなさい, 説明しなさい: an order; ごめんなさい follows no verb, and お休みなさい, お帰りなさい
            # (an honorific お before the verb) are greetings
            return index < 2 or self.tokens[index - 2].pos != "接頭辞"
        if not token.conjugates or token.lemma in POLITE_COMMANDS or token.surface in DIALECT_REQUESTS:
            return False
        if token.form.startswith("命令形"):
            # 辞めちまえば: unidic may tag a conditional's stem 命令形; with ば it is a condition, not an order
            return not (index + 1 < len(self.tokens) and self.tokens[index + 1].lemma == "ば")
        if token.form.startswith("意志推量形") and token.key.endswith("ヨ") and token.key[-2:-1] in E_ROW:
            return True  # 払えよ: unidic-lite reads it as a classical volitional
        following = self.tokens[index + 1] if index + 1 < len(self.tokens) else None
        ends_clause = following is None or following.is_break or following.lemma in ("よ", "や", "って")
        if following is not None and following.surface in ("っ", "ッ") and index + 2 < len(self.tokens) \
                and self.tokens[index + 2].surface in ("か", "け"):
            return False  # 確認してもらえっか: the Tohoku question 〜っか (can you?), its っ read as a symbol
        if token.pos == "動詞" and token.form.startswith("連用形") and following is not None \
                and following.surface == "な" and following.pos == "助詞":
            after = self.tokens[index + 2] if index + 2 < len(self.tokens) else None
            return after is None or after.is_break or after.lemma in ("よ", "って")  # よこしな, 見せな: 〜な orders
        if index > 0 and self.tokens[index - 1].lemma == "の" and self.tokens[index - 1].pos == "助詞":
            return False  # 住所変更の届け: a noun after の (届け, 申し込み), not the order 届け
        if index > 0 and self.tokens[index - 1].pos == "接頭辞" and self.tokens[index - 1].lemma == "御":
            # ご不便をおかけ (cut off before して申し訳ございません), お届け: お + a verb's stem is the honorific form,
            # never an order (the order is かけろ)
            return False
        # 呼べって: unidic-lite reads some as 仮定形 (of 呼べば), which never ends a clause without its ば
        return (token.pos == "動詞" and token.form.startswith(("連用形", "仮定形")) and ends_clause
                and token.key[-1:] in E_ROW)


_LETTER_NAMES = (
    "エー ビー シー ディー イー エフ ジー エイチ アイ ジェー ケー エル エム エヌ オー ピー キュー アール エス ティー "
    "ユー ブイ ダブリュー エックス ワイ ゼット"
)
_LETTERS = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", _LETTER_NAMES.split(" "), strict=True))
_DIGITS = "〇一二三四五六七八九"
_DIGIT_READ = dict(zip(_DIGITS, ("ゼロ", "イチ", "ニ", "サン", "ヨン", "ゴ", "ロク", "ナナ", "ハチ", "キュウ"),
                       strict=True))
_UNITS = (("千", "セン"), ("百", "ヒャク"), ("十", "ジュウ"))


def number_reading(n: int) -> str:
    """Katakana reading of a number below 10^8 (10万 → ジュウマン), so 10倍 and 十倍 read alike."""
    if n == 0:
        return "ゼロ"
    out = ""
    man, rest = divmod(n, 10_000)
    for part, suffix in ((man, "マン"), (rest, "")):
        if not part:
            continue
        chunk = ""
        for (_, unit), value in zip(_UNITS, (part // 1000 % 10, part // 100 % 10, part // 10 % 10), strict=True):
            if value:
                chunk += ("" if value == 1 else _DIGIT_READ[_DIGITS[value]]) + unit
        if part % 10:
            chunk += _DIGIT_READ[_DIGITS[part % 10]]
        out += chunk + suffix
    return out


_KANJI_DIGITS = {c: i for i, c in enumerate(_DIGITS)} | {"零": 0, "壱": 1, "弐": 2}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000}
_VAGUE_COUNTS = {"何十": 20, "数十": 20, "何百": 200, "数百": 200, "何千": 2000, "数千": 2000}


def count_value(surface: str) -> int | None:
    """The number a token writes (15, 二十, 三百五十, 何十 = "tens of"), or None when it is no number."""
    if surface in _VAGUE_COUNTS:
        return _VAGUE_COUNTS[surface]
    if surface.isascii() and surface.isdigit():
        return int(surface)
    total = section = digit = 0
    seen = False
    for char in surface:
        if char in _KANJI_DIGITS:
            digit, seen = _KANJI_DIGITS[char], True
        elif char in _KANJI_UNITS:
            unit = _KANJI_UNITS[char]
            if unit == 10_000:
                total, section = (total + section + digit) * unit, 0
            else:
                section += (digit or 1) * unit
            digit, seen = 0, True
        else:
            return None
    return total + section + digit if seen else None


# Services callers name in Latin letters, read as they are said (the dictionary has no reading for them), so
# "TikTokに上げる" and "ティックトックに上げる" are the same words to the lexicon.
_LATIN_NAMES = {
    "tiktok": "ティックトック", "youtube": "ユーチューブ", "youtuber": "ユーチューバー", "instagram": "インスタグラム",
    "insta": "インスタ", "twitter": "ツイッター", "facebook": "フェイスブック", "line": "ライン", "google": "グーグル",
    "amazon": "アマゾン", "threads": "スレッズ", "discord": "ディスコード", "note": "ノート", "blog": "ブログ",
}


def fallback_reading(surface: str) -> str:
    """A reading for what the dictionary cannot read: digits as numbers, service names as said (YouTube),
    other capital letters by name (SNS)."""
    text = unicodedata.normalize("NFKC", surface)
    if text.isdigit() and len(text) <= 8:
        return number_reading(int(text))
    if text.lower() in _LATIN_NAMES:
        return _LATIN_NAMES[text.lower()]
    if text.isascii() and text.isalpha() and text.isupper() and len(text) <= 5:
        return "".join(_LETTERS[c] for c in text)
    return ""


def _clean(value: Any) -> str:
    return "" if value is None or value == "*" else str(value)


def ends_a_sentence(analysis: Analysis) -> bool:
    """The words end a sentence: a full stop, a final particle (よ, ね, か) or a predicate in its final form
    (見たんです, 高い); not a clause left open (納得するまで, お前の名前, 〜ですが)."""
    if not analysis.tokens:
        return False
    last = analysis.tokens[-1]
    if last.surface in ("。", "？", "?", "！", "!"):
        return True
    if last.pos == "助詞":
        return last.pos2 == "終助詞"
    return last.pos in ("助動詞", "動詞", "形容詞") and last.form.startswith("終止形")


class Analyzer:
    """fugashi + unidic-lite, with a cache: the same phrase is analysed once."""

    def __init__(self) -> None:
        import fugashi

        self._tagger = fugashi.Tagger()
        self._words: dict[tuple[str, str], Token] = {}
        self.analyze = lru_cache(maxsize=4096)(self._analyze)

    def settled_prefix(self, text: str) -> str:
        """The text without its last word unless it ends a sentence: what a partial hypothesis has settled."""
        tokens = self.analyze(text).tokens
        if not tokens or tokens[-1].is_break:
            return text
        return "".join(t.surface for t in tokens[:-1])

    @staticmethod
    def _word(surface: str, feature: Any) -> Token:
        pos = _clean(feature.pos1)
        kana = _clean(feature.kana) or fallback_reading(surface) or surface
        key = "" if pos in ("補助記号", "空白") else reading_key(kana)
        # unidic disambiguates some lemmas with a suffix (私-代名詞, 差す-他動詞): keep the word itself
        lemma = (_clean(feature.lemma) or surface).split("-")[0]
        return Token(surface, lemma, key, pos, _clean(feature.pos2), _clean(feature.pos3), _clean(feature.cForm),
                     pos == "補助記号" or surface in CLAUSE_BREAKS, pos in ("動詞", "助動詞", "形容詞"))

    def _analyze(self, text: str) -> Analysis:
        norm = normalize_text(text)
        tokens: list[Token] = []
        starts: list[int] = []
        offset = 0
        for word in self._tagger(norm):
            # Parsing a word's features is most of the cost and words repeat: remember them per raw feature line.
            entry = (word.surface, word.feature_raw)
            token = self._words.get(entry)
            if token is None:
                token = self._words[entry] = self._word(word.surface, word.feature)
                if len(self._words) > 200_000:
                    self._words.clear()
            tokens.append(token)
            starts.append(offset)
            offset += len(token.key)
        key = "".join([t.key for t in tokens])
        return Analysis(norm, tuple(tokens), key, sound_key(key), tuple(starts))
