"""The embedded Whisper model on the real sample calls, through the real command line.

These are slow-ish (a few minutes on 2 cores) and run in CI: the model is embedded, so nothing is skipped.
Thresholds sit well above what we measure (see bench/RESULTS.md) but low enough that a broken window, a
wrong language or a lost channel fails them.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kasuhara_live.metrics import cer
from tests.conftest import REPO, SAMPLES

pytestmark = pytest.mark.model


def read_script(stem: str) -> list[dict[str, Any]]:
    with (SAMPLES / f"{stem}.tsv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    for row in rows:
        row["start"], row["end"] = float(row["start"]), float(row["end"])
    return rows


def replay_jsonl(tmp_path_factory: pytest.TempPathFactory, stem: str) -> list[dict[str, Any]]:
    out = tmp_path_factory.mktemp(stem) / "events.jsonl"
    proc = subprocess.run([sys.executable, "-m", "kasuhara_live", "replay", str(SAMPLES / f"{stem}.flac"),
                           "--jsonl", str(out)], capture_output=True, text=True, cwd=REPO, timeout=1200)
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def harassment(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    return replay_jsonl(tmp_path_factory, "harassment_call")


@pytest.fixture(scope="module")
def complaint(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    return replay_jsonl(tmp_path_factory, "complaint_call")


def finals(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["kind"] == "utterance.final"]


def call_cer(events: list[dict[str, Any]], script: list[dict[str, Any]]) -> float:
    hypothesis = "".join(e["text"] for e in sorted(finals(events), key=lambda e: e["start"]))
    reference = "".join(row["text"] for row in script)
    return cer(reference, hypothesis)


def test_stereo_sample_text_matches_the_script(harassment: list[dict[str, Any]]) -> None:
    script = read_script("harassment_call")
    value = call_cer(harassment, script)
    print(f"harassment_call CER {value:.3f}")
    assert value < 0.35
    assert harassment[0]["kind"] == "call.started" and harassment[-1]["kind"] == "call.ended"
    assert all(e["v"] == 1 and e["call_id"] == "harassment_call" for e in harassment)


def test_stereo_sample_speakers_are_right(harassment: list[dict[str, Any]]) -> None:
    script = read_script("harassment_call")
    checked = 0
    for event in finals(harassment):
        overlaps = [(min(event["end"], r["end"]) - max(event["start"], r["start"]), r) for r in script]
        overlap, row = max(overlaps, key=lambda o: o[0])
        if overlap > 0.3:
            assert event["speaker"] == row["speaker"], (event["text"], row["text"])
            checked += 1
    assert checked >= 0.9 * len(finals(harassment))
    assert {e["speaker"] for e in finals(harassment)} == {"agent", "customer"}


def test_partials_come_before_their_finals(harassment: list[dict[str, Any]]) -> None:
    position = {id(e): i for i, e in enumerate(harassment)}
    with_partials = 0
    for final in finals(harassment):
        partials = [e for e in harassment if e["kind"] == "utterance.partial"
                    and e["utterance_id"] == final["utterance_id"]]
        assert all(position[id(p)] < position[id(final)] for p in partials)
        assert all(p["time"] <= final["time"] for p in partials)
        with_partials += bool(partials)
    assert with_partials >= 0.5 * len(finals(harassment))


def test_mono_sample_text_matches_the_script(complaint: list[dict[str, Any]]) -> None:
    value = call_cer(complaint, read_script("complaint_call"))
    print(f"complaint_call CER {value:.3f}")
    assert value < 0.35
    assert {e["speaker"] for e in finals(complaint)} == {"mixed"}


def test_realtime_replay_adds_wall_clock(tmp_path: Path) -> None:
    # Ten seconds of the complaint call, paced: every event has `wall`, and finals follow their audio closely.
    clip = tmp_path / "clip.flac"
    subprocess.run(["sox", str(SAMPLES / "complaint_call.flac"), str(clip), "trim", "0", "10"], check=True)
    proc = subprocess.run([sys.executable, "-m", "kasuhara_live", "replay", str(clip), "--realtime", "--jsonl", "-"],
                          capture_output=True, text=True, cwd=REPO, timeout=300)
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    assert all("wall" in e for e in events)
    assert events[-1]["wall"] >= 9.5  # paced: it took real time
    assert finals(events)


def alerts(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["kind"] == "alert"]


def test_harassment_sample_alerts_at_the_right_moments(harassment: list[dict[str, Any]]) -> None:
    script = [row for row in read_script("harassment_call") if row["speaker"] == "customer"]
    serious = [a for a in alerts(harassment) if a["severity"] in ("warning", "critical")]
    assert all(a["script"] and a["evidence"] and a["criteria"] for a in serious)

    def overlapping(row: dict[str, Any]) -> list[dict[str, Any]]:
        return [a for a in serious if a["start"] < row["end"] + 0.5 and a["end"] > row["start"] - 0.5]

    calm = [row for row in script if row["expect"] in ("none", "caution")]
    assert not any(overlapping(row) for row in calm), "no warning while the caller is still civil"
    abusive = [row for row in script if row["expect"] in ("warning", "critical")]
    caught = [row for row in abusive if overlapping(row)]
    assert len(caught) >= 0.75 * len(abusive), [row["text"] for row in abusive if row not in caught]
    first_critical = min(row["start"] for row in script if row["expect"] == "critical")
    criticals = [a for a in serious if a["severity"] == "critical"]
    assert criticals and min(a["start"] for a in criticals) >= first_critical - 0.5
    levels = [e["level"] for e in harassment if e["kind"] == "level.changed"]
    assert levels[-1] == "critical" and "warning" in levels


def test_complaint_sample_stays_a_complaint(complaint: list[dict[str, Any]]) -> None:
    # What must hold whatever the int8 kernels of this CPU make Whisper write: the call never reaches warning, and
    # the caller's complaint is noticed. Which other cautions a garbled word may add is the recogniser's business
    # (on one CPU the agent's cut-off ご不便をおかけ came back as 5不便をおかけ): no exact category set here.
    found = alerts(complaint)
    assert found and all(a["severity"] in ("none", "caution") for a in found)
    assert "complaint" in {a["category"] for a in found}
    assert all(e["level"] in ("none", "caution") for e in complaint if e["kind"] == "level.changed")
