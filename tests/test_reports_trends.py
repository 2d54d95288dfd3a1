"""The trend report on a synthetic store: numbers in the CSV files, the HTML page, the empty period, errors."""

from __future__ import annotations

import csv
import datetime as dt
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from kasuhara_live.reports.trend_data import Period
from kasuhara_live.reports.trends import CSV_FILES
from tests.test_reports_support import (
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


def _trends(store: Path, out: Path, *extra: str, since: str = "2025-01-13", until: str = "2025-01-26") -> str:
    code, stdout, stderr = run("trends", "--from", since, "--to", until, "--store", str(store), "--out", str(out),
                               *extra)
    assert code == 0, stderr
    assert "trends.html" in stdout
    return (out / "trends.html").read_text(encoding="utf-8")


def _csv(out: Path, name: str) -> dict[str, dict[str, str]]:
    with (out / name).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {row[next(iter(row))]: row for row in rows}


@pytest.fixture
def out(store_path: Path, tmp_path: Path) -> Path:
    target = tmp_path / "trends"
    _trends(store_path, target)
    return target


def test_every_file_is_written_privately(out: Path) -> None:
    for name in ("trends.html", *CSV_FILES):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o600, name
    assert (out / "by_level.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 with a BOM


def test_counts_by_category_and_level(out: Path) -> None:
    category = _csv(out, "by_category.csv")
    assert set(category) == {"complaint", "excessive_demand", "threat"}  # call-old is outside the period
    assert (category["complaint"]["calls"], category["complaint"]["alerts"]) == ("2", "2")
    assert category["threat"]["label"] == "身体的な攻撃・脅迫"
    level = _csv(out, "by_level.csv")
    assert [(k, v["calls"], v["alerts"]) for k, v in level.items()] == [
        ("none", "1", "0"), ("caution", "1", "2"), ("warning", "0", "1"), ("critical", "1", "1")]


def test_counts_by_week_hour_team_and_agent(out: Path) -> None:
    week = _csv(out, "by_week.csv")
    assert list(week) == ["2025-W03", "2025-W04"]
    assert (week["2025-W03"]["week_start"], week["2025-W03"]["calls"], week["2025-W03"]["harassment_calls"]) == \
        ("2025-01-13", "2", "1")
    assert week["2025-W04"]["calls"] == "1"
    hour = _csv(out, "by_hour.csv")
    assert len(hour) == 24
    assert (hour["10"]["calls"], hour["10"]["harassment_calls"], hour["10"]["alerts"]) == ("1", "1", "3")
    assert (hour["13"]["calls"], hour["09"]["calls"], hour["11"]["calls"]) == ("1", "1", "0")
    team = _csv(out, "by_team.csv")
    assert (team["team-a"]["calls"], team["team-a"]["harassment_calls"], team["team-a"]["critical_calls"],
            team["team-a"]["red_cards"]) == ("2", "1", "1", "1")
    assert team["team-b"]["calls"] == "1"
    agent = _csv(out, "by_agent.csv")
    assert list(agent) == ["sato", "suzuki", "tanaka"]  # most harassment first, then calls, then name
    assert agent["sato"]["alerts"] == "3"


def test_handling_time_escalation_checks_and_repeat_callers(out: Path) -> None:
    handling = _csv(out, "handling_time.csv")
    assert (handling["harassment"]["calls"], handling["harassment"]["median_minutes"]) == ("1", "10.0")
    assert (handling["other"]["calls"], handling["other"]["median_minutes"], handling["other"]["mean_minutes"]) == \
        ("2", "1.5", "1.5")
    escalation = _csv(out, "escalation.csv")
    assert [escalation[f"reached_{lv}"]["calls"] for lv in ("caution", "warning", "critical")] == ["2", "1", "1"]
    assert (escalation["script_clear_statement"]["calls"], escalation["script_clear_statement"]["times"]) == ("1", "1")
    assert escalation["script_final_warning"]["times"] == "0"
    assert (escalation["join_requested"]["times"], escalation["red_card"]["times"]) == ("1", "1")
    checks = _csv(out, "post_call_checks.csv")
    upset = checks["upset"]
    assert (upset["checks"], upset["wants_to_talk"], upset["label"]) == ("1", "1", "つらい")
    repeat = _csv(out, "repeat_callers.csv")
    assert repeat == {"abcdef01": {"caller_prefix": "abcdef01", "calls": "2", "harassment_calls": "1",
                                   "max_level": "critical"}}


def test_page_shows_charts_and_says_what_it_means(out: Path) -> None:
    html = (out / "trends.html").read_text(encoding="utf-8")
    text = check_html(html)
    assert '<html lang="ja">' in html and html.count("<svg") >= 5
    assert "期間中の通話 3 件のうち、1 件（33%）が「警告」以上に達しました。" in text
    assert "10.0分で、その他の通話（1.5分）の 6.7 倍でした" in text
    assert "最も多い分類は「過大な要求」" in text
    assert "1 人の発信者が期間中に2回以上架電し、その通話は計 2 件でした" in text
    assert "abcdef01" in text and "abcdef0123456789" not in text  # only the prefix of the hashed id
    for title in ("分類別", "レベル別", "週ごとの推移", "時間帯別", "チーム別・担当者別", "処理時間",
                  "エスカレーションの段階", "繰り返しの架電"):
        assert f">{title}<" in html, title
    assert "殺すぞ" not in html and "誠意" not in html  # no transcript words in a management report


def test_empty_period(store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "empty"
    html = _trends(store_path, out, since="2030-01-01", until="2030-01-31")
    text = check_html(html)
    assert "この期間の通話は記録されていません" in text
    level = _csv(out, "by_level.csv")
    assert all(row["calls"] == "0" for row in level.values())
    assert _csv(out, "repeat_callers.csv") == {}
    assert len(_csv(out, "by_week.csv")) == 5


def test_english_page(store_path: Path, tmp_path: Path) -> None:
    html = _trends(store_path, tmp_path / "en", "--config", str(english_config(tmp_path)))
    text = check_html(html)
    assert '<html lang="en">' in html
    assert "Of 3 calls in the period, 1 (33%) reached warning or above." in text
    assert "6.7 times as long as other calls" in text


def test_bad_dates_are_one_line_errors(store_path: Path, tmp_path: Path) -> None:
    for since, until, words in (("2025-13-01", "2025-01-31", "--from '2025-13-01' is not a date"),
                                ("2025-01-01", "31/01/2025", "--to '31/01/2025' is not a date"),
                                ("2025-02-01", "2025-01-31", "--from 2025-02-01 is after --to 2025-01-31")):
        code, out, err = run("trends", "--from", since, "--to", until, "--store", str(store_path), "--out",
                             str(tmp_path / "x"))
        assert code == 2 and out == "" and err.count("\n") == 1 and words in err, err
    assert not (tmp_path / "x").exists()


def test_period_covers_whole_local_days() -> None:
    period = Period(dt.date(2025, 1, 13), dt.date(2025, 1, 13))
    assert period.until - period.since == 86400
    assert dt.datetime.fromtimestamp(period.since).hour == 0
    assert [w for w, _ in Period(dt.date(2024, 12, 30), dt.date(2025, 1, 6)).weeks()] == ["2025-W01", "2025-W02"]
