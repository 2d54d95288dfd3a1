from __future__ import annotations

import pytest

from kasuhara_live.judge.japanese import Analyzer, ends_a_sentence, normalize_text, reading_key


def test_normalize_width_and_repeated_marks() -> None:
    assert normalize_text("ﾊﾞｶ！！！ふざけんなーーー") == "バカ!ふざけんなー"
    assert normalize_text("１０万円") == "10万円"


@pytest.mark.parametrize(("a", "b"), [("ドロボー", "ドロボウ"), ("どろぼう", "ドロボオ"), ("ケーキ", "ケエキ"),
                                      ("せいい", "セエイ")])
def test_reading_keys_fold_spellings_of_one_sound(a: str, b: str) -> None:
    assert reading_key(a) == reading_key(b)


def test_analysis_reads_kanji_and_kana_alike() -> None:
    analyzer = Analyzer()
    assert analyzer.analyze("土下座しろ").key == analyzer.analyze("どげざしろ").key == "ドゲザシロ"
    assert analyzer.analyze("給料ドロボー").key == analyzer.analyze("給料泥棒").key
    forms = {t.surface: t.form for t in analyzer.analyze("金を払え").tokens}
    assert forms["払え"].startswith("命令形")


def test_service_names_in_latin_letters_read_as_they_are_said() -> None:
    from kasuhara_live.judge.japanese import fallback_reading

    assert fallback_reading("TikTok") == "ティックトック" and fallback_reading("YOUTUBE") == "ユーチューブ"
    assert fallback_reading("SNS") == "エスエヌエス"  # other capitals still by letter name
    assert Analyzer().analyze("YouTubeに晒す").key == Analyzer().analyze("ユーチューブに晒す").key


def test_count_value_reads_digits_kanji_and_vague_counts() -> None:
    from kasuhara_live.judge.japanese import count_value

    assert [count_value(s) for s in ("15", "十", "二十", "三百五十", "千二百", "一万二千", "何十", "数百")] == \
        [15, 10, 20, 350, 1200, 12000, 20, 200]
    assert count_value("回") is None and count_value("") is None


@pytest.mark.parametrize(("text", "ends"), [
    ("ネットで販売ページを見たんです", True), ("高い", True), ("そうだよね", True), ("分かりました。", True),
    ("納得するまで", False), ("お前の名前", False), ("探しているのですが", False), ("電話を切って", False)])
def test_ends_a_sentence(text: str, ends: bool) -> None:
    # call_state joins an utterance to the one before only when that one left its sentence open
    assert ends_a_sentence(Analyzer().analyze(text)) is ends
