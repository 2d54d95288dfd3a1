"""The command line as a user meets it: real processes, one-line errors, non-zero exits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, tone, write_wav


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kasuhara_live", *args], capture_output=True, text=True,
                          cwd=REPO, env={**os.environ, **(env or {})}, timeout=300)


def assert_one_line_error(proc: subprocess.CompletedProcess[str], expected: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kasuhara-live: error:"), proc.stderr
    assert expected in lines[0]


@pytest.fixture()
def garbage(tmp_path: Path) -> Path:
    path = tmp_path / "call.wav"
    path.write_bytes(b"RIFF....WAVEfmt garbage" * 20)
    return path


def test_unreadable_audio(garbage: Path) -> None:
    assert_one_line_error(run_cli("replay", str(garbage)), "cannot read audio")


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.flac"
    empty.write_bytes(b"")
    assert_one_line_error(run_cli("replay", str(empty)), "cannot read audio")


def test_wrong_sample_rate(tmp_path: Path) -> None:
    low = write_wav(tmp_path / "low.wav", [tone(1.0, rate=4000)], rate=4000)
    assert_one_line_error(run_cli("replay", str(low)), "4000 Hz")


def test_config_typo(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text("[asr]\nbeam_sise = 5\n", encoding="utf-8")
    proc = run_cli("replay", "samples/complaint_call.flac", "--config", str(site))
    assert_one_line_error(proc, "unknown key 'asr.beam_sise'")


def test_missing_argument_is_one_line_too() -> None:
    proc = run_cli("replay")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1


def test_missing_and_corrupt_model(tmp_path: Path) -> None:
    proc = run_cli("models", "verify", "--dir", str(tmp_path / "none"))
    assert_one_line_error(proc, "incomplete")
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        (bad / name).write_text("{}")
    (bad / "model.bin").write_bytes(b"\0" * 1000)
    assert_one_line_error(run_cli("models", "verify", "--dir", str(bad)), "corrupt")
    site = tmp_path / "site.toml"
    site.write_text(f'[asr]\nmodel = "{bad}"\n', encoding="utf-8")
    clip = write_wav(tmp_path / "clip.wav", [tone(0.5)])
    assert_one_line_error(run_cli("replay", str(clip), "--config", str(site)), "cannot load Whisper model")
    site.write_text(f'[asr]\nmodel = "{tmp_path / "nowhere"}"\n', encoding="utf-8")
    assert_one_line_error(run_cli("replay", str(clip), "--config", str(site)), "no CTranslate2 model.bin")


def test_model_install_and_verify(tmp_path: Path) -> None:
    target = tmp_path / "whisper-base"
    proc = run_cli("models", "install", "--dir", str(target))
    assert proc.returncode == 0, proc.stderr
    assert (target / "model.bin").stat().st_size == 145_217_532
    assert run_cli("models", "verify", "--dir", str(target)).returncode == 0


def run_with_input(args: list[str], text: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kasuhara_live", *args], input=text, capture_output=True, text=True,
                          cwd=REPO, timeout=120)


def test_scan_reads_lines_and_writes_json_objects() -> None:
    import json

    proc = run_with_input(["scan"], "配送状況を教えてください\n\n土下座しろよ\n殺すぞ\n")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["level"] for r in rows] == ["none", "warning", "critical"]
    assert rows[1]["alerts"][0]["category"] == "dogeza" and rows[1]["alerts"][0]["script"]


def test_scan_skips_a_line_that_is_not_utf8_and_judges_the_rest() -> None:
    import json

    payload = "\ufeff殺すぞ\n".encode() + b"\xff\xfe broken\n" + "土下座しろよ\n".encode()
    proc = subprocess.run([sys.executable, "-m", "kasuhara_live", "scan"], input=payload, capture_output=True,
                          cwd=REPO, timeout=120)
    assert proc.returncode == 2
    rows = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [(r["text"], r["level"]) for r in rows] == [("殺すぞ", "critical"), ("土下座しろよ", "warning")]
    assert proc.stderr.decode().strip() == "kasuhara-live scan: line 2 is not UTF-8 text; skipped"


def test_scan_answers_each_line_as_it_arrives_and_reads_any_line_ending() -> None:
    import json

    # Bulk input is judged in batches; a line typed (or piped) alone must still be answered before the next one
    # comes, or a chat integration feeding scan line by line would hang.
    proc = subprocess.Popen([sys.executable, "-m", "kasuhara_live", "scan"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        for text, level in (("土下座しろよ", "warning"), ("配送状況を教えてください", "none")):
            proc.stdin.write(f"{text}\r\n".encode())
            proc.stdin.flush()
            row = json.loads(proc.stdout.readline())
            assert (row["text"], row["level"]) == (text, level)
        proc.stdin.write("殺すぞ".encode())  # the last line without its newline
        proc.stdin.close()
        assert json.loads(proc.stdout.readline())["level"] == "critical"
        assert proc.wait(timeout=60) == 0
    finally:
        proc.kill()
        proc.wait()


def test_eval_reports_and_rejects_a_bad_file(tmp_path: Path) -> None:
    data = tmp_path / "set.tsv"
    data.write_text("id\tlevel\tcategory\ttext\n1\twarning\tdogeza\t土下座しろ\n2\tnone\tnone\t住所を変えたい\n",
                    encoding="utf-8")
    out = tmp_path / "report.md"
    proc = run_cli("eval", str(data), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "| all | 1.000 | 1.000 | 1.000 |" in proc.stdout and out.exists()
    data.write_text("id\tlevel\tcategory\ttext\n1\tsevere\tdogeza\t土下座しろ\n", encoding="utf-8")
    assert_one_line_error(run_cli("eval", str(data)), "level 'severe'")


def test_check_config_names_a_broken_rule(tmp_path: Path) -> None:
    assert run_cli("check-config").returncode == 0
    extra = tmp_path / "site_lexicon.toml"
    extra.write_text('[[term]]\nid = "rude"\ncategory = "rudeness"\naxis = "conduct"\nphrases = ["アホンダラ"]\n',
                     encoding="utf-8")
    site = tmp_path / "site.toml"
    site.write_text(f'[judge]\nlexicon_files = ["{REPO / "configs" / "lexicon.toml"}", "site_lexicon.toml"]\n',
                    encoding="utf-8")
    assert_one_line_error(run_cli("check-config", "--config", str(site)), "id 'rude'")
    extra.write_text('[[term]]\nid = "anhonda"\ncategory = "abuse"\naxis = "conduct"\nphrases = ["アホンダラ"]\n',
                     encoding="utf-8")
    proc = run_cli("check-config", "--config", str(site))
    assert proc.returncode == 0, proc.stderr
    scan = run_with_input(["scan", "--config", str(site)], "このアホンダラ\n")
    assert '"warning"' in scan.stdout, scan.stdout + scan.stderr


@pytest.mark.parametrize(("args", "name", "expected"), [
    (["eval"], "set.tsv", "not UTF-8 text"),
    (["check-config", "--config"], "site.toml", "is not UTF-8 text"),
])
def test_a_file_that_is_not_utf8_is_one_line_and_exit_2(tmp_path: Path, args: list[str], name: str,
                                                         expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"id\tlevel\tcategory\ttext\n1\tnone\tnone\t\x82\xa0\x82\xa2\n")  # Shift_JIS, not UTF-8
    proc = subprocess.run([sys.executable, "-m", "kasuhara_live", *args, str(path)], capture_output=True, text=True,
                          cwd=REPO, timeout=120)
    assert proc.returncode == 2
    assert expected in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_the_commands_that_skip_the_review_modules_are_exactly_the_cli_s_own() -> None:
    import argparse

    from kasuhara_live.cli import _OWN_COMMANDS, build_parser

    def names(parser: argparse.ArgumentParser) -> set[str]:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return set(sub.choices)

    own, every = names(build_parser(with_store_commands=False)), names(build_parser())
    assert own == _OWN_COMMANDS
    assert {"review", "report", "trends"} <= every - own
    # and a review command still parses when it comes first
    assert run_cli("review", "list", "--help").returncode == 0
