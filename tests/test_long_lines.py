"""Long lines for ``scan``: cut into pieces of whole sentences, judged piece by piece, answered with one line."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from kasuhara_live.long_lines import MAX_CHARS, judged_lines, merged, pieces
from tests.conftest import REPO


def test_a_short_line_is_one_piece_and_a_long_one_is_cut_after_its_sentences() -> None:
    assert pieces("土下座しろ。", 10) == ["土下座しろ。"]
    assert pieces("はい。土下座しろ。殺すぞ！分かったか？", 10) == ["はい。土下座しろ。", "殺すぞ！分かったか？"]
    assert pieces("はい、土下座しろ、殺すぞ", 8) == ["はい、", "土下座しろ、", "殺すぞ"]  # no sentence end: a pause
    assert pieces("あ" * 25, 10) == ["あ" * 10, "あ" * 10, "あ" * 5]  # neither: at the limit


@pytest.mark.parametrize("text", [
    "配送状況を教えてください。土下座しろ！" * 400,
    "殺すぞ" * 3000,
    "あ、" * 2000 + "い" * 2345 + "。" + "う" * 10,
])
def test_every_piece_is_within_the_limit_and_together_they_are_the_line(text: str) -> None:
    parts = pieces(text)
    assert "".join(parts) == text
    assert all(0 < len(part) <= MAX_CHARS for part in parts)
    assert len(parts) <= 2 * len(text) // MAX_CHARS + 1  # no piece is cut needlessly short


def scanned(level: str, text: str) -> dict[str, Any]:
    return {"text": text, "level": level, "alerts": [{"category": "threat"}] if level != "none" else []}


def test_a_long_line_is_answered_once_by_its_most_severe_piece() -> None:
    judged: list[str] = []

    def judge_many(texts: list[str]) -> list[dict[str, Any]]:
        judged.extend(texts)
        return [scanned("critical" if "殺す" in t else "warning" if "土下座" in t else "none", t) for t in texts]

    line = "ご注文の件です。" * 3 + "土下座しろ。" + "殺すぞ。" + "はい。" * 10
    results = judged_lines(["はい", line, "はい"], judge_many, limit=12)
    assert [r["text"] for r in results] == ["はい", line, "はい"]  # one object per line, in order
    assert results[1] == {**scanned("critical", "殺すぞ。はい。はい。"), "text": line, "pieces": 7}
    assert all(len(text) <= 12 for text in judged) and judged.count("はい") == 1  # each distinct piece once
    assert merged("x", [scanned("warning", "a"), scanned("warning", "b")])["alerts"] == scanned("warning", "a")[
        "alerts"]  # the first of equals
    # The judge sees no more characters than the input has, in pieces of bounded length: time linear in the
    # input, however long a line is.
    judged.clear()
    lines = [f"{n}番の件で土下座しろ。" * 500 for n in range(3)]
    judged_lines(lines, judge_many)
    assert sum(map(len, judged)) <= sum(map(len, lines)) and max(map(len, judged)) <= MAX_CHARS


def test_a_3_mb_line_is_answered_with_one_line_and_no_crash() -> None:
    # Today: SIGSEGV inside the tokenizer at 3 MB; the time grew with the square of the line (150 KB: 33 s).
    line = "配送状況を教えてください。土下座しろよ。" * 50_000
    proc = subprocess.run([sys.executable, "-m", "kasuhara_live", "scan"], input=f"殺すぞ\n{line}\nはい\n",
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [json.loads(row) for row in proc.stdout.splitlines()]
    assert [(r["level"], len(r["text"])) for r in rows] == [("critical", 3), ("warning", len(line)), ("none", 2)]
    assert rows[1]["text"] == line and rows[1]["pieces"] == len(line) // MAX_CHARS
    assert rows[1]["alerts"][0]["category"] == "dogeza"
    assert proc.stderr == (f"kasuhara-live scan: line 2 has {len(line):,} characters, more than {MAX_CHARS:,}: "
                           "judged in pieces of whole sentences\n")


def test_scan_escapes_c1_controls_in_what_it_echoes() -> None:
    proc = subprocess.run([sys.executable, "-m", "kasuhara_live", "scan"], input="殺すぞ\x1b[2J\x9b31m\n",
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0 and "\x1b" not in proc.stdout and "\x9b" not in proc.stdout, proc.stderr
    assert json.loads(proc.stdout)["text"] == "殺すぞ\x1b[2J\x9b31m"
