"""Redaction: the pure masking rules with a scripted tokenizer, then with fugashi + unidic-lite."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from kasuhara_live.reports.names import NameFinder, make_redactor
from kasuhara_live.reports.redact import MASK, fold, redact


class ScriptedNames:
    """A tokenizer that knows only the names it is given: one token per name, one per other character."""

    def __init__(self, *names: str) -> None:
        self.names = names

    def __call__(self, text: str) -> Sequence[tuple[str, bool]]:
        tokens: list[tuple[str, bool]] = []
        i = 0
        while i < len(text):
            name = next((n for n in self.names if text.startswith(n, i)), None)
            if name:
                tokens.append((name, True))
                i += len(name)
            else:
                tokens.append((text[i], False))
                i += 1
        return tokens


@pytest.mark.parametrize(("text", "expected"), [
    ("電話番号は090-1234-5678です", f"電話番号は{MASK}です"),
    ("０９０ー１２３４ー５６７８に", f"{MASK}に"),
    ("注文番号A-12345の件", f"注文番号A-{MASK}の件"),
    ("カード 4111 1111 1111 1111", f"カード {MASK}"),
    ("3,000円と100万円", f"{MASK}円と{MASK}円"),
    ("三十万円払え", f"{MASK}円払え"),
    ("一一〇番するぞ", f"{MASK}番するぞ"),
    ("〒150-0001 まで", f"{MASK} まで"),
    ("mail: yamada.taro@example.co.jp まで", f"mail: {MASK} まで"),
    ("ｙａｍａｄａ＠ｅｘａｍｐｌｅ．ｃｏｍ", MASK),
    ("(03)1234-5678", f"({MASK}"),
])
def test_numbers_mail_and_postcodes_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize("text", ["2日後に届く", "一人で十分だ", "三千円", "10分待った", "一度", "第2段階", ""])
def test_short_numbers_and_words_stay(text: str) -> None:
    assert redact(text) == text


def test_names_are_masked_where_the_tokenizer_found_them() -> None:
    names = ScriptedNames("佐藤", "一郎", "新宿")
    assert redact("佐藤一郎です、新宿店の佐藤", names) == f"{MASK}です、{MASK}店の{MASK}"
    assert redact("佐藤です、電話は0312345678", names) == f"{MASK}です、電話は{MASK}"


def test_full_width_text_keeps_its_characters() -> None:
    assert redact("ふざけるな！ 番号は１２３４５！", ScriptedNames()) == f"ふざけるな！ 番号は{MASK}！"
    folded, origin = fold("ｶﾞ１")
    assert len(origin) == len(folded)


def test_fugashi_finds_people_and_places_not_countries() -> None:
    finder = NameFinder()
    found = {surface for surface, is_name in finder("山田一郎と佐藤花子は新宿区と大阪に住み、日本の会社ソニーに勤める")
             if is_name}
    assert {"山田", "一郎", "佐藤", "花子", "新宿", "大阪"} <= found
    assert "日本" not in found and "ソニー" not in found


def test_redactor_on_a_call_line() -> None:
    mask = make_redactor()
    said = "殺すぞ、山田一郎が新宿の店に行く。電話は03-1234-5678"
    assert mask(said) == f"殺すぞ、{MASK}が{MASK}の店に行く。電話は{MASK}"
    assert mask("土下座しろ、誠意を見せろ") == "土下座しろ、誠意を見せろ"
