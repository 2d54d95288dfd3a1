"""The store commands (``review``, ``report``, ``trends``, ``export``, ``purge``) through ``kasuhara-live``'s own
entry point, on real SQLite stores holding what a hostile peer or a damaged disk leaves: terminal escapes in
call ids and words, a start time no calendar holds, corrupted pages; and dates outside the calendar.

Every such store gives either its calls, shown as data, or one line on stderr and exit status 2.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from kasuhara_live.cli import main
from kasuhara_live.events import Alert, CallEnded, CallStarted, Level, UtteranceFinal
from kasuhara_live.store.store import CallStore
from tests.test_reports_support import T1, fill_store, pinned_tokyo

ESCAPES = ("\x1b", "\x9b", "\x07")  # ESC, CSI (C1) and BEL: none may reach a terminal from a call


@pytest.fixture(autouse=True)
def _tokyo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from pinned_tokyo(monkeypatch)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line_error(code: int, out: str, err: str, *expected: str) -> None:
    assert code == 2 and out == "", (code, out, err)
    assert len(err.splitlines()) == 1 and err.startswith("kasuhara-live: error: "), err
    for words in expected:
        assert words in err, err


# -- a start time of 1e300 -------------------------------------------------------------------------------------


def test_a_start_time_no_calendar_holds_is_a_placeholder_not_the_end_of_the_list(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "kimura")
    store = str(fill_store(tmp_path / "calls.sqlite"))
    with sqlite3.connect(store) as db:
        db.execute("UPDATE calls SET started_at = 1e300 WHERE call_id = 'call-2'")
    code, out, err = run(capsys, "review", "list", "--store", store)
    assert code == 0, err
    listed = {line.split()[0]: line for line in out.splitlines()[1:-1]}
    assert sorted(listed) == ["call-1", "call-2", "call-3", "call-old"]  # every call, the bad one too
    assert listed["call-2"].split()[1] == "-" and "2025-01-14 10:30" in listed["call-1"]
    code, out, err = run(capsys, "review", "list", "--json", "--store", store)
    rows = {row["call_id"]: row for row in map(json.loads, out.splitlines())}
    assert code == 0 and rows["call-2"]["started"] is None and rows["call-1"]["started"] == "2025-01-14T10:30:00"
    code, out, err = run(capsys, "review", "show", "call-2", "--store", store)
    assert code == 0 and "call-2" in out.splitlines()[0], err
    code, out, err = run(capsys, "export", "call-2", "--store", store)
    assert code == 0 and json.loads(out)["call"]["started_at_local"] is None, err
    code, out, err = run(capsys, "export", "call-2", "--format", "md", "--store", store)
    assert code == 0 and "–" in out, err
    code, out, err = run(capsys, "report", "call-2", "--out", str(tmp_path / "r"), "--store", store)
    assert code == 0 and len(out.splitlines()) == 2, err


# -- terminal escapes --------------------------------------------------------------------------------------------


def hostile_store(path: Path) -> tuple[Path, str]:
    """One call whose id, words, evidence, category and source hold escape sequences and markup."""
    call_id = "c-\x1b]0;pwned\x07x"
    said = UtteranceFinal(call_id, 5.0, "u1", "customer", 1.0, 5.0, "ふざけるな\x1b[2J\x1b[H<script>\x9b31m")
    with CallStore(path) as store:
        for event in (CallStarted(call_id, 0.0, ("agent", "customer"), "calls/\x1b[5mx.wav", started_at=T1), said,
                      Alert(call_id, 5.0, f"{call_id}-a001", "threat\x1b[8m", Level.CRITICAL, 1.0, 5.0,
                            ("ふざけるな\x1b[2J",), ("means_manner",), "お電話を終了いたします。", "[/]\x1b[31m", "u1",
                            source="term:\x9b1m"),
                      CallEnded(call_id, 9.0)):
            store.record(event, "sato\x1b[31m", "seat-1")
    return path, call_id


def assert_printable(output: str) -> None:
    assert not any(code in output for code in ESCAPES), repr(output)
    assert "\\x1b" in output and "\\x9b" in output, output  # the characters stay visible, as evidence


def test_review_show_and_list_print_no_terminal_escapes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store, call_id = hostile_store(tmp_path / "calls.sqlite")
    code, out, err = run(capsys, "review", "show", call_id, "--store", str(store))
    assert code == 0, err
    assert_printable(out)
    assert "c-\\x1b]0;pwned\\x07x" in out and "ふざけるな\\x1b[2J\\x1b[H<script>\\x9b31m" in out
    assert "term:\\x9b1m" in out and "sato\\x1b[31m" in out
    code, out, err = run(capsys, "review", "list", "--store", str(store))
    assert code == 0 and not any(c in out for c in ESCAPES) and "c-\\x1b]0;pwned\\x07x" in out, out
    code, out, err = run(capsys, "review", "list", "--json", "--store", str(store))
    assert code == 0 and not any(c in out for c in ESCAPES), out
    assert json.loads(out)["call_id"] == call_id  # JSON escapes them and reads back the same


def test_exports_and_reports_print_no_terminal_escapes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store, call_id = hostile_store(tmp_path / "calls.sqlite")
    code, out, err = run(capsys, "export", call_id, "--format", "md", "--store", str(store))
    assert code == 0, err
    assert_printable(out)
    assert "&lt;script&gt;" in out and "<script>" not in out  # and Markdown viewers render no HTML from a call
    code, out, err = run(capsys, "export", call_id, "--store", str(store))
    assert code == 0 and not any(c in out for c in ESCAPES), out
    data = json.loads(out)
    assert data["call"]["call_id"] == call_id and data["utterances"][0]["text"].endswith("<script>\x9b31m")
    code, out, err = run(capsys, "report", call_id, "--out", str(tmp_path / "r"), "--store", str(store))
    assert code == 0, err
    markdown, page = (Path(line) for line in sorted(out.splitlines(), key=lambda p: not p.endswith(".md")))
    assert_printable(markdown.read_text(encoding="utf-8"))
    html = page.read_text(encoding="utf-8")
    assert_printable(html)
    assert "&lt;script&gt;" in html and "<script>" not in html  # HTML escapes a caller's words, as it did


# -- a damaged store ---------------------------------------------------------------------------------------------


def damaged_store(path: Path) -> Path:
    """A real store of a few hundred calls, then bytes overwritten in the middle of every page past the first
    (the schema on page 1 still reads, so the store opens, and the damage is found as queries read pages)."""
    fill_store(path)
    with CallStore(path) as store:
        for n in range(150):
            call_id = f"x-{n}"
            store.record(CallStarted(call_id, 0.0, ("mixed",), "calls/x.wav", started_at=T1 + n), "a", "seat-x")
            for u in range(4):
                words = "住所の変更をお願いします" * 4
                store.record(UtteranceFinal(call_id, u + 1.0, f"u{u}", "mixed", u, u + 1.0, words), "a", "seat-x")
            store.record(CallEnded(call_id, 10.0), "a", "seat-x")
    with sqlite3.connect(path) as db:
        page = db.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(path.read_bytes())
    noise = random.Random(17)
    for offset in range(page, len(data), page):
        data[offset + 100: offset + 400] = bytes(noise.randrange(256) for _ in range(300))
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("argv", [
    ["review", "list"],
    ["review", "show", "call-1"],
    ["review", "export", "--out", "{tmp}/labelled.tsv"],
    ["report", "call-1", "--out", "{tmp}/report"],
    ["export", "call-1"],
    ["trends", "--from", "2025-01-01", "--to", "2025-12-31", "--out", "{tmp}/trends"],
    ["purge", "--days", "1"],
], ids=lambda argv: " ".join(argv[:2]))
def test_a_store_with_damaged_pages_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           argv: list[str]) -> None:
    store = damaged_store(tmp_path / "calls.sqlite")
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in argv]
    one_line_error(*run(capsys, *args, "--store", str(store)), f"the call store {store} is damaged",
                   "restore it from a backup", ".recover")


def test_the_review_app_on_a_damaged_store_is_one_line_and_exit_2(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    # the app never opens: Textual would print its own traceback for an error inside a screen
    store = damaged_store(tmp_path / "calls.sqlite")
    one_line_error(*run(capsys, "review", "--reviewer", "qa", "--store", str(store)),
                   f"the call store {store} is damaged")


# -- dates outside the calendar --------------------------------------------------------------------------------


@pytest.mark.parametrize("argv", [
    ["trends", "--from", "0001-01-01", "--to", "9999-12-31"],
    ["trends", "--from", "2025-01-01", "--to", "9999-12-31"],
    ["review", "list", "--from", "0001-01-01"],
    ["review", "list", "--to", "9999-12-31"],
    ["review", "agreement", "--from", "0001-01-01", "--to", "9999-12-31"],
    ["review", "export", "--from", "0001-01-01", "--out", "{tmp}/labelled.tsv"],
], ids=lambda argv: " ".join(argv).replace("{tmp}/", ""))
def test_a_date_outside_the_calendar_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                            argv: list[str]) -> None:
    store = fill_store(tmp_path / "calls.sqlite")
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in argv]
    one_line_error(*run(capsys, *args, "--store", str(store)), "is out of range",
                   "expected a day from 1970-01-01 to 9999-12-30")


def test_the_widest_period_the_dates_allow_still_makes_a_trend_report(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    store = fill_store(tmp_path / "calls.sqlite")
    code, out, err = run(capsys, "trends", "--from", "1970-01-01", "--to", "2099-12-31", "--out",
                         str(tmp_path / "t"), "--store", str(store))
    assert code == 0 and "(4 calls)" in out, err


def test_times_that_are_no_numbers_in_a_store_are_placeholders(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    # A store written before the wire checked its numbers may hold Infinity (SQLite keeps it as a REAL).
    store = str(fill_store(tmp_path / "calls.sqlite"))
    with sqlite3.connect(store) as db:
        db.execute("UPDATE calls SET duration = 9e999 WHERE call_id = 'call-1'")
        db.execute("UPDATE alerts SET time = 9e999, start = 9e999, \"end\" = 9e999 WHERE alert_id = 'call-1-a003'")
        db.execute("UPDATE utterances SET start = -9e999 WHERE call_id = 'call-1' AND utterance_id = 'u4'")
    for argv in (["review", "list"], ["review", "show", "call-1"], ["export", "call-1", "--format", "md"],
                 ["report", "call-1", "--out", str(tmp_path / "r")],
                 ["trends", "--from", "2025-01-13", "--to", "2025-01-26", "--out", str(tmp_path / "t")]):
        code, out, err = run(capsys, *argv, "--store", store)
        assert code == 0 and err == "", (argv, err)
    code, out, err = run(capsys, "review", "show", "call-1", "--store", store)
    assert "--:--" in out
    code, out, err = run(capsys, "review", "list", "--json", "--store", store)
    assert {row["call_id"]: row["duration"] for row in map(json.loads, out.splitlines())}["call-1"] is None
    code, out, err = run(capsys, "export", "call-1", "--store", store)
    assert code == 0 and "Infinity" not in out and json.loads(out)["call"]["duration"] is None, err
