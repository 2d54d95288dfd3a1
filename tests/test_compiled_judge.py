"""The compiled judge (mypyc, built by the set-up) says exactly what the Python sources say, and a stale
build is never used."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kasuhara_live.judge import compiled
from tests.conftest import REPO


def scan(lines: list[str], pure: bool) -> list[dict[str, object]]:
    env = {**os.environ, "KASUHARA_PURE": "1"} if pure else {k: v for k, v in os.environ.items()
                                                               if k != "KASUHARA_PURE"}
    code = "import kasuhara_live.judge as j, sys; sys.stderr.write(str(j.COMPILED))"
    mode = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True)
    assert mode.stderr == str(not pure)
    proc = subprocess.run([sys.executable, "-m", "kasuhara_live", "scan"], input="\n".join(lines) + "\n", env=env,
                          cwd=REPO, capture_output=True, text=True, timeout=300, check=True)
    return [json.loads(line) for line in proc.stdout.splitlines()]


@pytest.mark.skipif(not compiled.fresh(), reason="no compiled build here (no C compiler): the sources run")
def test_compiled_and_pure_judges_agree_on_every_development_sentence() -> None:
    lines: list[str] = []
    for name in ("dev.tsv", "dev3.tsv", "dev_asr10.tsv"):
        with (REPO / "tests" / "data" / name).open(encoding="utf-8") as fh:
            lines += [row["text"] for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)]
    fast, pure = scan(lines, pure=False), scan(lines, pure=True)
    assert len(fast) == len(lines) and fast == pure
    assert sum(row["level"] in ("warning", "critical") for row in fast) > 200  # it judged, not just echoed


@pytest.mark.skipif(not compiled.fresh(), reason="no compiled build here (no C compiler): the sources run")
def test_compiled_and_pure_judges_write_the_same_evaluation_report() -> None:
    # the report prints the axis scores too (0.0, not 0, from both)
    reports = []
    for pure in (False, True):
        env = {**os.environ, "KASUHARA_PURE": "1"} if pure else {k: v for k, v in os.environ.items()
                                                                   if k != "KASUHARA_PURE"}
        proc = subprocess.run([sys.executable, "-m", "kasuhara_live", "eval", "tests/data/dev2.tsv",
                               "tests/data/heldout_asr10.tsv"], env=env, cwd=REPO, capture_output=True, text=True,
                              timeout=300, check=True)
        reports.append(proc.stdout)
    assert reports[0] == reports[1] and "conduct" in reports[0]


def test_a_build_of_other_sources_or_another_interpreter_is_not_used(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiled, "BUILD", tmp_path)
    assert not compiled.fresh()  # no build at all
    stamp = {"interpreter": compiled.interpreter(), "sources": compiled.source_hashes()}
    (tmp_path / "stamp.json").write_text(json.dumps(stamp), encoding="utf-8")
    assert compiled.fresh()
    edited = {**stamp["sources"], "rules.py": "0" * 64}  # rules.py changed since the build
    (tmp_path / "stamp.json").write_text(json.dumps({**stamp, "sources": edited}), encoding="utf-8")
    assert not compiled.fresh()
    (tmp_path / "stamp.json").write_text(json.dumps({**stamp, "interpreter": "cpython-39-linux"}), encoding="utf-8")
    assert not compiled.fresh()
    path: list[str] = []
    monkeypatch.setenv("KASUHARA_PURE", "1")
    (tmp_path / "stamp.json").write_text(json.dumps(stamp), encoding="utf-8")
    assert not compiled.use_compiled(path) and path == []
