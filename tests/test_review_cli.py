"""``kasuhara-live review`` subcommands, in-process through ``add_commands`` on a real SQLite store."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from rich.cells import cell_len

from kasuhara_live.errors import KasuharaError
from kasuhara_live.review.commands import add_commands
from kasuhara_live.review.testing import fill_store
from kasuhara_live.store.store import CallStore
from tests.conftest import tone, write_wav


@pytest.fixture()
def store_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("USER", "kimura")
    path = tmp_path / "calls.sqlite"
    with CallStore(path) as store:
        fill_store(store, write_wav(tmp_path / "call.wav", [tone(22.0), tone(22.0)]))
    return path


def common(parser: argparse.ArgumentParser) -> None:
    """What the main command line adds to every subcommand."""
    parser.add_argument("--config", metavar="PATH", help="site config layered over configs/default.toml")


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="kasuhara-live")
    add_commands(main.add_subparsers(dest="command", required=True), common)
    return main


def review(store: Path, *args: str) -> int:
    parsed = parser().parse_args(["review", *args, "--store", str(store)])
    code: int = parsed.func(parsed)
    return code


def out_of(capsys: pytest.CaptureFixture[str], store: Path, *args: str) -> str:
    assert review(store, *args) == 0
    return capsys.readouterr().out


def english(tmp_path: Path) -> str:
    site = tmp_path / "site.toml"
    site.write_text('[ui]\nlanguage = "en"\n', encoding="utf-8")
    return str(site)


def listed(capsys: pytest.CaptureFixture[str], store: Path, *args: str) -> list[str]:
    return [json.loads(line)["call_id"] for line in out_of(capsys, store, "list", "--json", *args).splitlines()]


def test_list_filters_by_days_level_category_and_agent(store_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert listed(capsys, store_path) == ["c-tanaka", "c-suzuki", "c-sato"]  # newest first
    assert listed(capsys, store_path, "--from", "2025-05-02") == ["c-tanaka", "c-suzuki"]
    assert listed(capsys, store_path, "--from", "2025-05-01", "--to", "2025-05-02") == ["c-suzuki", "c-sato"]
    assert listed(capsys, store_path, "--level", "warning") == ["c-tanaka", "c-sato"]  # a floor
    assert listed(capsys, store_path, "--level", "緊急") == ["c-tanaka"]
    assert listed(capsys, store_path, "--category", "complaint") == ["c-suzuki", "c-sato"]
    assert listed(capsys, store_path, "--agent", "suzuki") == ["c-suzuki"]
    assert listed(capsys, store_path, "--agent", "nobody") == []


def test_list_json_says_how_far_review_has_got(store_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    review(store_path, "label", "c-sato", "a002", "correct")
    review(store_path, "judge", "c-sato", "--conduct", "unacceptable", "--demand", "grey", "--harassment", "yes")
    capsys.readouterr()
    row = json.loads(out_of(capsys, store_path, "list", "--json", "--agent", "sato"))
    assert row == {"call_id": "c-sato", "started": "2025-05-01T10:00:00", "agent": "sato", "duration": 21.0,
                   "max_level": "warning", "categories": ["complaint", "intimidation"], "alerts": 2, "labelled": 1,
                   "missed": 0, "reviewed": True, "harassment": True, "reviews": {"kimura": True}, "purged": False}


def test_list_table_in_japanese_lines_up(store_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = out_of(capsys, store_path, "list").splitlines()
    assert lines[0].split() == ["通話ID", "開始", "担当者", "時間", "最高", "件数", "状態", "カテゴリー"]
    assert lines[1].startswith("c-tanaka ") and "緊急" in lines[1] and "身体的な攻撃・脅迫" in lines[1]
    assert "ラベル 0/2・未判定" in lines[3] and lines[-1] == "3 件の通話"
    # Every column starts at the same terminal cell on every line, Japanese (two cells a character) or not.
    for column in ("2025-05", "sato", "緊急"):
        starts = {cell_len(line[:line.index(column)]) for line in lines[1:4] if column in line}
        assert len(starts) == 1, column
    header_start = cell_len(lines[0][:lines[0].index("開始")])
    assert {cell_len(line[:line.index("2025-05")]) for line in lines[1:4]} == {header_start}


def test_list_in_english(store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = out_of(capsys, store_path, "list", "--config", english(tmp_path)).splitlines()
    assert lines[0].split()[:3] == ["Call", "Start", "Agent"]
    assert "critical" in lines[1] and "threat / violence" in lines[1] and lines[-1] == "3 calls"


def test_show_puts_alerts_under_their_words(store_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    review(store_path, "label", "c-sato", "c-sato-a002", "correct", "--note", "明らかな威圧")
    review(store_path, "missed", "c-sato", "0:09", "0:12", "abuse", "--note", "小声で")
    review(store_path, "judge", "c-sato", "--conduct", "unacceptable", "--demand", "valid", "--harassment", "yes",
           "--notes", "正当な苦情を威圧的に", "--lessons", "最終警告を早めに")
    capsys.readouterr()
    lines = out_of(capsys, store_path, "show", "c-sato").splitlines()
    assert lines[0].startswith("c-sato　2025-05-01 10:00　担当者 sato　時間 00:21　最高 警告")
    rude = lines.index("00:13.0 お客様  ふざけるなよ、なめてんのか")
    assert lines[rude + 1].strip() == "[警告] 威圧的な言動「ふざけるな」"
    assert lines[rude + 2].strip() == ("c-sato-a002 00:13.0-00:16.0  基準：手段・態様の相当性"
                                       "  検知の根拠：term:intim_fuzakeruna")  # what raised the alert, dim in the app
    assert lines[rude + 3].strip() == "ラベル：正しい（kimura）  明らかな威圧"
    text = "\n".join(lines)
    assert "00:16.0 レベル 注意 -> 警告：威圧的な言動" in text
    assert "00:20.0 操作：レッドカード（sato）  威圧的な言動" in text
    assert "00:17.0 操作：スクリプト使用（sato）  clear_statement" in text
    assert "00:09.0 見逃し 00:09.0-00:12.0 精神的な攻撃（暴言）（kimura）  小声で" in text
    assert "未ラベル" in lines[lines.index("00:04.0 お客様  注文した商品がまだ届かないんですけど") + 3]
    assert lines[-3:] == ["判定: 行為 許容できない／要求 妥当／カスハラ 該当する（kimura）",
                          "メモ：正当な苦情を威圧的に", "教訓：最終警告を早めに"]


def test_label_missed_and_judge_write_the_store(store_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "c-tanaka-a001 を「誤検知」としました" in out_of(capsys, store_path, "label", "c-tanaka", "a001",
                                                          "false_alarm", "--reviewer", "ito")
    out_of(capsys, store_path, "label", "c-tanaka", "a001", "correct")  # a later label replaces it
    out_of(capsys, store_path, "missed", "c-suzuki", "7", "0:10.5", "精神的な攻撃（暴言）")
    out_of(capsys, store_path, "judge", "c-suzuki", "--conduct", "grey", "--demand", "valid", "--harassment", "no")
    with CallStore(store_path) as store:
        tanaka, suzuki = store.call("c-tanaka"), store.call("c-suzuki")
    label = tanaka.labels["c-tanaka-a001"]
    assert (label.label, label.reviewer) == ("correct", "kimura")
    assert [(m.start, m.end, m.category, m.reviewer) for m in suzuki.missed] == [(7.0, 10.5, "abuse", "kimura")]
    assert suzuki.review is not None
    assert (suzuki.review.conduct, suzuki.review.demand, suzuki.review.harassment) == ("grey", "valid", False)


def test_agreement_figures(store_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for args in (("label", "c-sato", "a001", "correct"), ("label", "c-sato", "a002", "correct"),
                 ("label", "c-suzuki", "a001", "correct"), ("label", "c-tanaka", "a001", "false_alarm"),
                 ("missed", "c-suzuki", "7", "10", "abuse"),
                 ("judge", "c-sato", "--conduct", "unacceptable", "--demand", "grey", "--harassment", "yes"),
                 ("judge", "c-suzuki", "--conduct", "grey", "--demand", "valid", "--harassment", "no"),
                 ("judge", "c-tanaka", "--conduct", "grey", "--demand", "grey", "--harassment", "no")):
        review(store_path, *args)
    capsys.readouterr()
    figures = json.loads(out_of(capsys, store_path, "agreement", "--json"))
    by_category = {row["category"]: row for row in figures["categories"]}
    assert list(by_category) == ["abuse", "complaint", "intimidation", "threat", "all"]
    assert by_category["abuse"] == {"category": "abuse", "alerts": 0, "labelled": 0, "correct": 0,
                                    "false_alarms": 0, "precision": None, "missed": 1}
    assert (by_category["threat"]["precision"], by_category["all"]["precision"]) == (0.0, 0.75)
    # Field flag (warning+ or red card) vs reviewer: sato yes/yes, suzuki no/no, tanaka (critical) yes/no.
    field = figures["field_vs_reviewer"]
    assert (field["n"], field["flag_yes_reviewer_yes"], field["flag_yes_reviewer_no"],
            field["flag_no_reviewer_no"]) == (3, 1, 1, 1)
    assert field["kappa"] == pytest.approx(0.4)
    # The agents' own flags: only sato's red card, which the reviewer upheld; tanaka raised none.
    assert figures["agents_vs_reviewer"]["kappa"] == pytest.approx(1.0)
    # The period: only tanaka's day.
    one_day = json.loads(out_of(capsys, store_path, "agreement", "--json", "--from", "2025-05-03", "--to",
                                "2025-05-03"))
    assert (one_day["field_vs_reviewer"]["n"], one_day["field_vs_reviewer"]["flag_yes_reviewer_no"]) == (1, 1)
    assert [row["category"] for row in one_day["categories"]] == ["threat", "all"]
    text = out_of(capsys, store_path, "agreement")
    assert "判定済みの通話 3 件" in text and "カッパ係数 κ = 0.40（一致率 0.67、偶然の一致 0.44、n = 3）" in text
    assert "カッパ係数 κ = 1.00" in text
    table = [line.split() for line in text.splitlines()]
    assert ["合計", "4", "4", "3", "1", "0.75", "1"] in table


def test_a_second_reviewer_keeps_the_first_ones_judgement(store_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    review(store_path, "judge", "c-sato", "--conduct", "unacceptable", "--demand", "grey", "--harassment", "yes",
           "--notes", "威圧的")
    assert "c-sato の判定を記録しました：行為 許容できない／要求 妥当／カスハラ 該当しない（yamada）" in out_of(
        capsys, store_path, "judge", "c-sato", "--conduct", "unacceptable", "--demand", "valid", "--harassment",
        "no", "--reviewer", "yamada")
    lines = out_of(capsys, store_path, "show", "c-sato").splitlines()
    assert lines[-3:] == ["判定: 行為 許容できない／要求 グレー／カスハラ 該当する（kimura）", "メモ：威圧的",
                          "判定: 行為 許容できない／要求 妥当／カスハラ 該当しない（yamada）"]
    row = json.loads(out_of(capsys, store_path, "list", "--json", "--agent", "sato"))
    assert row["reviews"] == {"kimura": True, "yamada": False} and row["reviewed"] is True
    assert "判定済（2名）" in out_of(capsys, store_path, "list", "--agent", "sato")


def test_agreement_between_two_reviewers(store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for call, conduct, demand, verdict, reviewer in (
            ("c-sato", "unacceptable", "grey", "yes", "kimura"), ("c-sato", "unacceptable", "grey", "yes", "yamada"),
            ("c-suzuki", "grey", "valid", "no", "kimura"), ("c-suzuki", "grey", "grey", "no", "yamada"),
            ("c-tanaka", "unacceptable", "invalid", "yes", "kimura"), ("c-tanaka", "grey", "grey", "no", "ito")):
        review(store_path, "judge", call, "--conduct", conduct, "--demand", demand, "--harassment", verdict,
               "--reviewer", reviewer)
    capsys.readouterr()
    figures = json.loads(out_of(capsys, store_path, "agreement", "--json", "--between", "kimura", "yamada"))
    assert figures["between_reviewers"] == {
        "first": "kimura", "second": "yamada", "n": 2, "first_yes_second_yes": 1, "first_yes_second_no": 0,
        "first_no_second_yes": 0, "first_no_second_no": 1, "observed": 1.0, "expected": 0.5, "kappa": 1.0,
        "conduct_agreed": 2, "demand_agreed": 1, "only_first": 1, "only_second": 0}
    # The field against the reviewers: still one verdict a call (its latest review: ito's no on tanaka).
    field = figures["field_vs_reviewer"]
    assert (field["n"], field["flag_yes_reviewer_yes"], field["flag_yes_reviewer_no"]) == (3, 1, 1)
    assert json.loads(out_of(capsys, store_path, "agreement", "--json"))["between_reviewers"] is None
    text = out_of(capsys, store_path, "agreement", "--between", "kimura", "yamada").splitlines()
    assert text[text.index("評価者どうしのカスハラ判定：kimura と yamada") + 1] == \
        "両者が判定した通話 2 件（kimura のみ 1 件、yamada のみ 0 件）"
    assert [line.split() for line in text[-4:-2]] == [["kimura：カスハラ", "1", "0"], ["kimura：該当しない", "0", "1"]]
    assert text[-2:] == ["カッパ係数 κ = 1.00（一致率 1.00、偶然の一致 0.50、n = 2）",
                         "行為の判断が一致 2/2 件、要求の判断が一致 1/2 件"]
    english_text = out_of(capsys, store_path, "agreement", "--between", "kimura", "ito", "--config",
                          english(tmp_path))
    assert "Calls both judged: 1 (kimura only: 2, ito only: 0)" in english_text
    assert "Same conduct on 0 of 1 calls, same demand on 0 of 1" in english_text
    assert "No call was judged by both kimura and nobody" in out_of(
        capsys, store_path, "agreement", "--between", "kimura", "nobody", "--config", english(tmp_path))
    with pytest.raises(KasuharaError, match="two different reviewer names"):
        review(store_path, "agreement", "--between", "kimura", "kimura")


def test_export_writes_the_reviewers_decisions_as_labelled_utterances(store_path: Path, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    for args in (("label", "c-sato", "a001", "correct"), ("label", "c-sato", "a002", "correct"),
                 ("label", "c-tanaka", "a001", "false_alarm"), ("missed", "c-suzuki", "7", "10", "abuse")):
        review(store_path, *args)
    capsys.readouterr()
    out = tmp_path / "reviewed.tsv"
    printed = out_of(capsys, store_path, "export", "--out", str(out))
    assert "3件の通話からラベル付きの発話4件" in printed
    assert out.read_text(encoding="utf-8").splitlines() == [
        "id\tlevel\tcategory\ttext",
        "c-sato/u2\tcaution\tcomplaint\t注文した商品がまだ届かないんですけど",
        "c-sato/u4\twarning\tintimidation\tふざけるなよ、なめてんのか",
        "c-suzuki/u2\twarning\tabuse\tあんたじゃ話にならない",  # missed: no alert, a reviewer's range
        "c-tanaka/u1\tnone\tnone\t火をつけるぞ、覚えておけ",  # labelled a false alarm
    ]
    # the file is what eval and train-model read
    from kasuhara_live.judge.evaluate import read_rows

    assert [row.level.value for row in read_rows(out)] == ["caution", "warning", "warning", "none"]
    one_day = tmp_path / "one-day.tsv"
    out_of(capsys, store_path, "export", "--out", str(one_day), "--from", "2025-05-03", "--to", "2025-05-03")
    assert one_day.read_text(encoding="utf-8").splitlines()[1:] == ["c-tanaka/u1\tnone\tnone\t火をつけるぞ、覚えておけ"]
    with pytest.raises(KasuharaError, match="cannot write"):
        review(store_path, "export", "--out", str(tmp_path / "no-such-dir" / "x.tsv"))


def test_export_a_correct_alert_outranks_a_false_alarm_on_the_same_utterance(store_path: Path) -> None:
    import dataclasses

    from kasuhara_live.events import Level
    from kasuhara_live.review.export import labelled_rows
    from kasuhara_live.store.store import AlertLabel

    with CallStore(store_path) as store:
        record = store.call("c-sato")
    warning = next(a for a in record.alerts if a.utterance_id == "u4")
    critical = dataclasses.replace(warning, alert_id="c-sato-a009", severity=Level.CRITICAL, category="threat")
    for labels in ({"c-sato-a002": "correct", "c-sato-a009": "false_alarm"},
                   {"c-sato-a002": "false_alarm", "c-sato-a009": "correct"}):
        both = dataclasses.replace(record, alerts=[warning, critical], labels={
            alert_id: AlertLabel(alert_id, label, "kimura", "", 0.0) for alert_id, label in labels.items()})
        [row] = labelled_rows([both], ("customer",))
        correct = warning if labels["c-sato-a002"] == "correct" else critical
        assert (row.level, row.category) == (correct.severity.value, correct.category)


def test_agreement_without_reviews(store_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "この期間に判定済みの通話はありません" in out_of(capsys, store_path, "agreement")


def test_options_before_the_subcommand_are_kept(store_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parsed = parser().parse_args(["review", "--store", str(store_path), "--reviewer", "ito", "label", "c-sato",
                                  "a001", "correct"])
    assert parsed.func(parsed) == 0
    with CallStore(store_path) as store:
        assert store.call("c-sato").labels["c-sato-a001"].reviewer == "ito"


@pytest.mark.parametrize(("args", "message"), [
    (("show", "c-nobody"), "no call 'c-nobody'"),
    (("label", "c-nobody", "a001", "correct"), "no call 'c-nobody'"),
    (("label", "c-sato", "a009", "correct"), "has no alert 'a009' (its alerts: c-sato-a001, c-sato-a002)"),
    (("label", "c-sato", "a001", "wrong"), "unknown label 'wrong': expected one of correct, false_alarm"),
    (("missed", "c-sato", "0:20", "0:10", "abuse"), "the start must come before the end"),
    (("missed", "c-sato", "0:10", "5:00", "abuse"), "the call lasts only 00:21.0"),
    (("missed", "c-sato", "ten", "20", "abuse"), "bad time 'ten'"),
    (("missed", "c-sato", "1", "2", "rudeness"), "unknown category 'rudeness'"),
    (("missed", "c-sato", "1", "2", "complaint"), "unknown category 'complaint'"),
    (("judge", "c-sato", "--conduct", "bad", "--demand", "grey", "--harassment", "yes"), "conduct 'bad'"),
    (("judge", "c-sato", "--conduct", "grey", "--demand", "odd", "--harassment", "yes"), "demand 'odd'"),
    (("judge", "c-sato", "--conduct", "grey", "--demand", "grey", "--harassment", "maybe"), "yes or no"),
    (("list", "--from", "May 1st"), "bad date 'May 1st'"),
    (("list", "--from", "2025-05-03", "--to", "2025-05-01"), "ends (2025-05-01) before it starts"),
    (("list", "--level", "severe"), "unknown level 'severe'"),
    (("list", "--category", "rudeness"), "unknown category 'rudeness'"),
    (("play", "c-sato", "30", "40"), "bad time range 30..40: the call lasts only 00:21.0"),
])
def test_expected_failures_are_one_line_errors(store_path: Path, args: tuple[str, ...], message: str) -> None:
    with pytest.raises(KasuharaError) as caught:
        review(store_path, *args)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_no_reviewer_name(store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("USER")
    with pytest.raises(KasuharaError, match="no reviewer name: give --reviewer NAME"):
        review(store_path, "label", "c-sato", "a001", "correct")
