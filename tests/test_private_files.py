"""Files that hold personal data (transcripts, labelled utterances, tokens) are created readable by their owner
only, whatever the umask; ``--redact`` masks every free text of a call."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from kasuhara_live.cli import main
from kasuhara_live.events import Action, ActionKind, CallEnded, CallStarted
from kasuhara_live.hub.users import load_users
from kasuhara_live.store.store import CallStore
from tests.conftest import quiet, write_wav
from tests.test_cli import run_cli
from tests.test_reports_support import T2, fill_store, pinned_tokyo, run


@pytest.fixture(autouse=True)
def _tokyo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from pinned_tokyo(monkeypatch)


@pytest.fixture(autouse=True)
def _umask() -> Iterator[None]:
    old = os.umask(0o022)  # the usual umask: a file created plainly is readable by everyone (0644)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_review_export_writes_a_private_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = fill_store(tmp_path / "calls.sqlite")
    target = tmp_path / "labelled.tsv"
    assert main(["review", "export", "--out", str(target), "--store", str(store)]) == 0, capsys.readouterr().err
    assert mode(target) == 0o600 and target.read_text(encoding="utf-8").startswith("id\tlevel\tcategory\ttext\n")
    target.chmod(0o644)  # written again over a file someone made readable: private again
    assert main(["review", "export", "--out", str(target), "--store", str(store)]) == 0
    assert mode(target) == 0o600


def test_replay_writes_private_json_lines(tmp_path: Path) -> None:
    audio = write_wav(tmp_path / "call.wav", [quiet(1.0)])
    target = tmp_path / "events.jsonl"
    proc = run_cli("replay", str(audio), "--jsonl", str(target))  # its process inherits this umask (0022)
    assert proc.returncode == 0, proc.stderr
    assert mode(target) == 0o600
    assert [json.loads(line)["kind"] for line in target.read_text(encoding="utf-8").splitlines()] == [
        "call.started", "call.ended"]


def test_add_user_out_writes_the_token_to_a_private_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    users, token_file = tmp_path / "users.toml", tmp_path / "sato.token"
    assert main(["hub", "add-user", "sato", "--role", "agent", "--users-file", str(users),
                 "--out", str(token_file)]) == 0
    out, err = capsys.readouterr()
    assert out == "" and str(token_file) in err  # the token is not printed
    assert mode(token_file) == 0o600
    token = token_file.read_text(encoding="utf-8").strip()
    user = load_users(users).authenticate(token)
    assert user is not None and user.name == "sato"
    # Never written over a file that is there (another user's token, or a link planted in its place) ...
    assert main(["hub", "add-user", "kimura", "--role", "supervisor", "--users-file", str(users),
                 "--out", str(token_file)]) == 2
    assert "exists already" in capsys.readouterr().err and "kimura" not in users.read_text(encoding="utf-8")
    # ... and a user who cannot be added leaves no token file behind.
    assert main(["hub", "add-user", "sato", "--role", "agent", "--users-file", str(users),
                 "--out", str(tmp_path / "again.token")]) == 2
    assert not (tmp_path / "again.token").exists()
    assert main(["hub", "add-user", "suzuki", "--role", "agent", "--users-file", str(users)]) == 0
    assert len(capsys.readouterr().out.strip()) > 20  # without --out the token is printed, as before


def test_redact_masks_the_free_text_of_every_action_and_the_end_reason(tmp_path: Path) -> None:
    path = fill_store(tmp_path / "calls.sqlite")
    with CallStore(path) as store:  # free text where the structured kinds usually carry keys
        for event in (
            CallStarted("call-9", 0.0, ("mixed",), "calls/9.wav", started_at=T2),
            Action("call-9", 10.0, ActionKind.JOIN_REQUESTED, "tanaka", "agent", "山田一郎さん 090-1234-5678"),
            Action("call-9", 11.0, ActionKind.SCRIPT_USED, "tanaka", "agent", "佐藤花子に 03-9999-8888"),
            Action("call-9", 12.0, ActionKind.POST_CALL_CHECK, "tanaka", "agent", '{"feeling":"upset","talk":true,'
                   '"note":"山田一郎 090-1234-5678"}'),
            CallEnded("call-9", 60.0, "山田一郎が 090-1234-5678 で"),
        ):
            store.record(event, agent="tanaka", monitor="seat-13", team="team-a")
    code, out, err = run("export", "call-9", "--redact", "--store", str(path))
    assert code == 0, err
    for secret in ("山田", "一郎", "佐藤", "花子", "090-1234-5678", "03-9999-8888"):
        assert secret not in out, secret
    data = json.loads(out)
    assert [a["detail"].count("＊＊＊") >= 1 for a in data["actions"]] == [True, True, True]
    assert data["call"]["end_reason"].startswith("＊＊＊が")
    # The structured details of call-1 pass unchanged: they hold no name or number.
    code, out, err = run("export", "call-1", "--redact", "--store", str(path))
    details = {a["action"]: a["detail"] for a in json.loads(out)["actions"]}
    assert details["script_used"] == "excessive_demand/clear_statement" and details["red_card"] == "threat"
    assert json.loads(details["post_call_check"]) == {"feeling": "upset", "talk": True}
