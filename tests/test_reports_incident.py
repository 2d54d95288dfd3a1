"""The incident report command on a synthetic store: content, escaping, well-formed HTML, permissions."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from kasuhara_live.events import Alert, Level
from kasuhara_live.store.store import CallStore
from tests.test_reports_support import (
    INJECTION,
    SCRIPT_DEMAND,
    SOURCE_DEMAND,
    SOURCE_THREAT,
    check_html,
    english_config,
    fill_store,
    pinned_tokyo,
    run,
)


@pytest.fixture(autouse=True)
def _tokyo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from pinned_tokyo(monkeypatch)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return fill_store(tmp_path / "calls.sqlite")


def _report(store: Path, out: Path, *extra: str) -> tuple[str, str]:
    code, stdout, stderr = run("report", "call-1", "--store", str(store), "--out", str(out), *extra)
    assert code == 0, stderr
    assert len(stdout.splitlines()) == 2  # the two paths written
    return ((out / "incident-call-1.md").read_text(encoding="utf-8"),
            (out / "incident-call-1.html").read_text(encoding="utf-8"))


def test_report_has_every_section_in_japanese(store_path: Path, tmp_path: Path) -> None:
    md, html = _report(store_path, tmp_path / "out")
    for title in ("概要", "お客様の要求", "やり取り", "対応と経過", "判断", "アラートごとの判断",
                  "レビューによる2軸判定", "検知されなかった箇所", "担当者への影響", "振り返り"):
        assert f"## {title}" in md or f"### {title}" in md, title
        assert f">{title}" in html, title
    text = check_html(html)
    assert "（別の聞き取り：ころすぞ山田一郎が新宿の店に行くからな）" in md  # the other reading an alert may rest on
    assert '<html lang="ja">' in html
    assert "Noto Sans CJK JP" in html
    for words in ("2025-01-14 10:30 JST", "10分00秒", "sato", "seat-12", "team-a", "cfg123", "calls/0312345678.wav",
                  "abcdef01"):
        assert words in text, words
        assert words in md.replace("\\", ""), words


def test_report_tells_the_call_blame_free(store_path: Path, tmp_path: Path) -> None:
    _, html = _report(store_path, tmp_path / "out")
    text = check_html(html)
    assert "3 件のアラート" in text
    assert "最も高いレベルは「緊急」でした（00:24）。理由：身体的な攻撃・脅迫：「殺すぞ」" in text
    assert "00:26 にレッドカードを記録し" in text and "手順（第3段階）に沿った対応" in text
    assert "レビューの結果、カスハラに該当すると判断されました（lead）" in text
    assert "責任者に 1 回応援を要請" in text
    # demands: the demand-axis alert with its evidence and time
    assert "00:10–00:14" in text and "「誠意を見せろ」" in text
    # the exchange: both speakers, the alert in place with the script that was shown
    exchange = text[text.index("やり取り"):text.index("対応と経過")]
    assert exchange.index("注文番号12345") < exchange.index("「誠意を見せろ」") < exchange.index("殺すぞ、山田一郎")
    assert "担当者" in text and "お客様" in text and SCRIPT_DEMAND in text
    # actions and levels, in time order
    timeline = ["明確な意思表示（第2段階）（過大な要求）", "過大な要求のアラート（00:10）",
                "03-1234-5678 の件は私が引き取ります", "応援要請", "通常 → 注意", "警告 → 緊急",
                "レッドカード（通話終了）"]
    for item in timeline:
        assert item in text, item
    assert text.index("警告 → 緊急") < text.index("レッドカード（通話終了）")
    # judgement: criteria names, the label, the reviewer's two axes and the missed range
    assert "要求内容の妥当性・手段・態様の相当性" in text and "正しい検知" in text
    assert "不相当" in text and "不当" in text and "行為・要求ともに問題あり" in text
    assert "00:10–00:12" in text and "大声" in text
    # effect on the agent and the review notes
    assert "つらい" in text and "フォローアップ" in text
    assert "担当者は手順どおり冷静に対応した" in text and "脅迫は即時に警察相談の手順へ" in text
    assert "<svg" in html  # the 2-axis grid


def test_report_escapes_what_the_caller_said(store_path: Path, tmp_path: Path) -> None:
    md, html = _report(store_path, tmp_path / "out")
    assert INJECTION not in html and INJECTION not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    assert INJECTION in check_html(html)  # shown as text


def test_report_says_what_raised_each_alert(store_path: Path, tmp_path: Path) -> None:
    md, html = _report(store_path, tmp_path / "out")
    text = check_html(html)
    judgement = text[text.index("アラートごとの判断"):text.index("レビューによる2軸判定")]
    assert "検知の根拠" in judgement
    assert judgement.index("「まだ届かない」–") < judgement.index(SOURCE_DEMAND) < judgement.index(SOURCE_THREAT)
    # Markdown: a column of its own, the ids' underscores escaped like any other text
    assert "| 根拠 | 検知の根拠 | レビュー |" in md
    assert "| 「誠意を見せろ」 | term:demand\\_seii, grammar:command | 正しい検知 |" in md
    assert "| 「殺すぞ」 | call:after\\_final\\_warning, term:threat\\_korosu | 未確認 |" in md
    with CallStore(store_path) as store:  # a site's own rule id is escaped like the caller's words
        store.record(Alert("call-1", 30.0, "call-1-a004", "abuse", Level.CRITICAL, 28.0, 30.0, ("バカ",), (), "",
                           source="construction:<b>x</b>&y"), "sato", "seat-12")  # the call's own seat
    md, html = _report(store_path, tmp_path / "again")
    assert "<b>x</b>" not in html and "<b>x</b>" not in md
    assert "construction:&lt;b&gt;x&lt;/b&gt;&amp;y" in html and "construction:&lt;b&gt;x&lt;/b&gt;&amp;y" in md
    assert "construction:<b>x</b>&y" in check_html(html)


def test_report_files_are_private(store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out).mkdir()
    (out / "incident-call-1.html").write_text("old", encoding="utf-8")
    (out / "incident-call-1.html").chmod(0o644)
    _report(store_path, out)
    for name in ("incident-call-1.md", "incident-call-1.html"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o600


def test_report_of_a_call_without_check_or_review(store_path: Path, tmp_path: Path) -> None:
    code, _, err = run("report", "call-2", "--store", str(store_path), "--out", str(tmp_path), "--format", "md")
    assert code == 0, err
    md = (tmp_path / "incident-call-2.md").read_text(encoding="utf-8")
    assert not (tmp_path / "incident-call-2.html").exists()
    assert "通話後チェックは記録されていません" in md
    assert "この通話はまだレビューされていません" in md
    assert "通話はレッドカードなしで終了しました（録音の終わり）" in md
    assert "どうなってるんですか" in md


def test_report_shows_each_reviewers_judgement(store_path: Path, tmp_path: Path) -> None:
    with CallStore(store_path) as store:  # lead judged it harassment; a second reviewer did not
        store.review_call("call-1", "qa2", "grey", "grey", False, notes="要求は一部妥当", lessons="")
    md, _ = _report(store_path, tmp_path / "out")
    assert "レビューの結果、カスハラに該当すると判断されました（lead）。" in md
    assert "レビューの結果、カスハラには該当しないと判断されました（qa2）。" in md
    assert "担当者は手順どおり冷静に対応した" in md and "要求は一部妥当" in md


def test_report_in_english(store_path: Path, tmp_path: Path) -> None:
    code, _, err = run("report", "call-1", "--store", str(store_path), "--out", str(tmp_path), "--format", "html",
                       "--config", str(english_config(tmp_path)))
    assert code == 0, err
    html = (tmp_path / "incident-call-1.html").read_text(encoding="utf-8")
    text = check_html(html)
    assert '<html lang="en">' in html
    for words in ("Customer harassment incident report", "The caller's demands", "Effect on the agent", "upset",
                  "clear statement (step 2)", "validity of the demand", "Raised by", SOURCE_THREAT):
        assert words in text, words


def test_redacted_report_masks_names_and_numbers(store_path: Path, tmp_path: Path) -> None:
    code, _, err = run("report", "call-1", "--store", str(store_path), "--out", str(tmp_path), "--redact")
    assert code == 0, err
    md = (tmp_path / "incident-call-1-redacted.md").read_text(encoding="utf-8")
    html = (tmp_path / "incident-call-1-redacted.html").read_text(encoding="utf-8")
    for secret in ("山田", "一郎", "佐藤", "12345", "10万", "03-1234-5678", "0312345678", "新宿"):
        assert secret not in md and secret not in html, secret
    assert "＊＊＊" in md and "「＊＊＊」に置き換えています" in check_html(html)
    assert "殺すぞ" in md  # the evidence itself stays


def test_report_of_a_purged_call_says_so(store_path: Path, tmp_path: Path) -> None:
    assert run("purge", "--days", "1", "--store", str(store_path))[0] == 0
    code, _, err = run("report", "call-1", "--store", str(store_path), "--out", str(tmp_path), "--format", "md")
    assert code == 0, err
    md = (tmp_path / "incident-call-1.md").read_text(encoding="utf-8")
    assert "削除済み" in md and "殺すぞ" not in md
    assert "レッドカード（通話終了）" in md  # actions and levels survive


def test_report_errors_are_one_line(store_path: Path, tmp_path: Path) -> None:
    code, out, err = run("report", "no-such-call", "--store", str(store_path), "--out", str(tmp_path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "no call 'no-such-call'" in err
    code, _, err = run("report", "call-1", "--store", str(tmp_path / "missing.sqlite"), "--out", str(tmp_path))
    assert code == 2 and err.count("\n") == 1 and "no call store at" in err
    assert not (tmp_path / "missing.sqlite").exists()
    (tmp_path / "file").write_text("x", encoding="utf-8")
    code, _, err = run("report", "call-1", "--store", str(store_path), "--out", str(tmp_path / "file"))
    assert code == 2 and err.count("\n") == 1
