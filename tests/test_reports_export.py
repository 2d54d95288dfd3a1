"""The privacy export and retention purge commands."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from kasuhara_live.store.store import CallStore
from tests.test_reports_support import (
    INJECTION,
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


def test_export_json_holds_the_record(store_path: Path) -> None:
    code, out, err = run("export", "call-1", "--store", str(store_path))
    assert code == 0, err
    data = json.loads(out)
    assert (data["v"], data["kind"], data["redacted"]) == (1, "call_export", False)
    assert data["call"]["call_id"] == "call-1" and data["call"]["started_at_local"] == "2025-01-14T10:30:00+09:00"
    assert [u["speaker"] for u in data["utterances"]] == ["agent", "customer", "customer", "customer"]
    assert data["utterances"][3]["text"] == "殺すぞ、山田一郎が新宿の店に行くからな"
    assert [a["category"] for a in data["alerts"]] == ["complaint", "excessive_demand", "threat"]
    assert data["alerts"][2]["severity"] == "critical"
    assert [a["action"] for a in data["actions"]] == ["script_used", "alert_acknowledged", "message",
                                                      "join_requested", "red_card", "post_call_check"]
    assert data["review"]["lessons"] == "脅迫は即時に警察相談の手順へ"
    assert "殺すぞ" in out  # Japanese as text, not \\u escapes


def test_export_redacted_to_a_private_file(store_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "export.json"
    code, out, err = run("export", "call-1", "--redact", "--out", str(target), "--store", str(store_path))
    assert code == 0 and out == "" and str(target) in err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    content = target.read_text(encoding="utf-8")
    data = json.loads(content)
    assert data["redacted"] is True
    for secret in ("山田", "一郎", "佐藤", "新宿", "番号12345", "10万", "1234-5678", "0312345678"):
        assert secret not in content, secret
    assert data["utterances"][3]["text"] == "殺すぞ、＊＊＊が＊＊＊の店に行くからな"
    assert data["call"]["source"] == "calls/＊＊＊.wav"


def test_export_holds_every_reviewers_review(store_path: Path) -> None:
    with CallStore(store_path) as store:  # a second reviewer of call-1 (lead reviewed it in fill_store)
        store.review_call("call-1", "qa2", "unacceptable", "grey", True, notes="山田一郎様の発言は脅迫")
    code, out, err = run("export", "call-1", "--store", str(store_path))
    assert code == 0, err
    data = json.loads(out)
    assert [(r["reviewer"], r["demand"], r["notes"]) for r in data["reviews"]] == [
        ("lead", "invalid", "担当者は手順どおり冷静に対応した"), ("qa2", "grey", "山田一郎様の発言は脅迫")]
    assert data["review"]["reviewer"] == "qa2"  # the latest, as the field always meant
    code, out, err = run("export", "call-1", "--redact", "--store", str(store_path))
    assert code == 0, err
    assert "山田" not in out and json.loads(out)["reviews"][1]["notes"].endswith("様の発言は脅迫")


def test_export_markdown(store_path: Path) -> None:
    code, out, err = run("export", "call-1", "--format", "md", "--store", str(store_path))
    assert code == 0, err
    assert out.startswith("# カスハラ対応記録")
    assert "## やり取り" in out and "## 対応と経過" in out and "### アラートごとの判断" in out
    assert INJECTION not in out and "&lt;script&gt;" in out


def test_export_of_an_unknown_call(store_path: Path) -> None:
    code, out, err = run("export", "nope", "--store", str(store_path))
    assert code == 2 and out == "" and err.count("\n") == 1 and "no call 'nope'" in err


def test_purge_removes_old_transcripts_only(store_path: Path) -> None:
    with CallStore(store_path) as store:
        store.purge(0.0, now=0.0)  # nothing is older than the epoch
    code, out, err = run("purge", "--days", "36500", "--store", str(store_path))
    assert code == 0, err
    assert out.startswith("purged 0 calls older than 36500 days")
    code, out, err = run("purge", "--days", "1", "--store", str(store_path))
    assert code == 0 and out.startswith("purged 4 calls"), err
    with CallStore(store_path) as store:
        record = store.call("call-1")
    assert record.utterances == [] and record.summary.purged
    assert [a.category for a in record.alerts] == ["complaint", "excessive_demand", "threat"]
    assert run("purge", "--days", "1", "--store", str(store_path))[1].startswith("purged 0 calls")


def test_purge_uses_the_configured_retention(store_path: Path, tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text("[store]\nretention_days = 1\n", encoding="utf-8")
    code, out, _ = run("purge", "--config", str(site), "--store", str(store_path))
    assert code == 0 and out.startswith("purged 4 calls older than 1 days")
    code, _, err = run("purge", "--days", "0", "--store", str(store_path))
    assert code == 2 and err.count("\n") == 1 and "must be positive" in err
