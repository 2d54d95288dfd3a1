"""The call store: migrations, concurrent writers, owner-only files, retention, and nothing lost to a kill."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kasuhara_live.events import (
    Action,
    ActionKind,
    Alert,
    CallEnded,
    CallStarted,
    Level,
    LevelChanged,
    UtteranceFinal,
    UtterancePartial,
)
from kasuhara_live.hub.client import ConsoleClient, Publisher
from kasuhara_live.hub.users import hash_token
from kasuhara_live.store.schema import MIGRATIONS
from kasuhara_live.store.store import CallStore, StoreError
from tests.conftest import REPO, SAMPLES


def _call(call_id: str, finals: int = 3) -> list:
    events: list = [CallStarted(call_id, 0.0, ("agent", "customer"), "call.flac", None, 1_800_000_000.0, "c0ffee",
                                "abc123")]
    for i in range(finals):
        events.append(UtterancePartial(call_id, i + 0.5, f"u{i:04d}", "customer", i, i + 0.5, "途中"))
        events.append(UtteranceFinal(call_id, i + 1.0, f"u{i:04d}", "customer", i, i + 0.9, f"発話{i}です", -20.0))
    events.append(Alert(call_id, 2.0, "a1", "dogeza", Level.WARNING, 1.0, 1.9, ("土下座しろ",), ("means_manner",),
                        "そのようなご要望にはお応えできません。", "reason", "u0001",
                        source="term:dogeza, grammar:command"))
    events.append(LevelChanged(call_id, 2.0, Level.WARNING, Level.NONE, "土下座の要求"))
    events.append(Action(call_id, 2.5, ActionKind.RED_CARD, "sato", "agent", "dogeza", "a1", 1_800_000_010.0))
    events.append(CallEnded(call_id, float(finals + 1)))
    return events


def test_a_call_round_trips_and_partials_are_not_kept(tmp_path: Path) -> None:
    with CallStore(tmp_path / "calls.sqlite") as store:
        for event in _call("c1"):
            store.record(event, "sato", "seat-1", "team-a")
        record = store.call("c1")
    assert record.summary.agent == "sato" and record.summary.team == "team-a" and record.summary.caller == "c0ffee"
    assert record.summary.max_level is Level.WARNING and record.summary.categories == ("dogeza",)
    assert record.summary.duration == 4.0 and record.summary.config_version == "abc123"
    assert [u.text for u in record.utterances] == ["発話0です", "発話1です", "発話2です"]
    assert record.alerts[0].evidence == ("土下座しろ",) and record.actions[0].action is ActionKind.RED_CARD
    alert = record.alerts[0]
    assert alert.alert_id == "a1" and alert.time == 2.0 and alert.utterance_id == "u0001"
    assert alert.source == "term:dogeza, grammar:command"
    assert alert == _call("c1")[7]  # every field of the alert comes back as it was recorded
    assert record.actions[0].actor == "sato" and record.actions[0].wall == 1_800_000_010.0
    assert "途中" not in json.dumps([u.text for u in record.utterances], ensure_ascii=False)


def test_recording_twice_keeps_one_copy(tmp_path: Path) -> None:
    with CallStore(tmp_path / "calls.sqlite") as store:
        for event in _call("c1") + _call("c1"):
            store.record(event, "sato")
        record = store.call("c1")
    assert len(record.utterances) == 3 and len(record.alerts) == 1 and len(record.actions) == 1
    assert len(record.levels) == 1


def test_files_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "calls.sqlite"
    with CallStore(path) as store:
        store.record(_call("c1")[0], "sato")
    for file in path.parent.iterdir():
        assert file.stat().st_mode & 0o077 == 0, file


def test_migrations_bring_an_old_store_up_and_refuse_a_newer_one(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite"
    sqlite3.connect(path).close()  # an empty database: schema version 0
    with CallStore(path) as store:
        store.record(_call("c1")[0], "sato")
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(StoreError, match="newer than this kasuhara-live understands"):
        CallStore(path)


def test_a_version_1_store_gains_the_alternative_readings_and_keeps_its_calls(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite"
    with sqlite3.connect(path) as db:  # a store as the first release wrote it
        db.executescript(MIGRATIONS[0])
        db.execute("PRAGMA user_version = 1")
        db.execute("INSERT INTO calls (call_id, started_at) VALUES ('old', 1.0)")
        db.execute("INSERT INTO utterances VALUES ('old', 'u0001', 'customer', 0.0, 1.0, '古い発話', -20.0)")
    heard = UtteranceFinal("new", 2.0, "u0001", "customer", 0.0, 1.5, "溶けさしろ", -18.0,
                           alternatives=("土下座しろ", "ドゲザしろ"))
    with CallStore(path) as store:
        store.record(heard, "sato")
        assert [(u.text, u.alternatives) for u in store.call("old").utterances] == [("古い発話", ())]
        assert store.call("new").utterances[0].alternatives == ("土下座しろ", "ドゲザしろ")


def test_a_version_2_store_gains_the_alerts_source_and_keeps_its_alerts(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite"
    with sqlite3.connect(path) as db:  # a store as it was before alerts named what raised them
        db.executescript(MIGRATIONS[0])
        db.executescript(MIGRATIONS[1])
        db.execute("PRAGMA user_version = 2")
        db.execute("INSERT INTO calls (call_id, started_at) VALUES ('old', 1.0)")
        db.execute("INSERT INTO alerts VALUES ('old', 'old-a001', 2.0, 'abuse', 'warning', 1.0, 2.0, '[\"バカ\"]',"
                   " '[\"means_manner\"]', 'お控えください。', '暴言', 'u0001')")
    with CallStore(path) as store:
        [old] = store.call("old").alerts
        assert (old.alert_id, old.evidence, old.reason, old.source) == ("old-a001", ("バカ",), "暴言", "")
        for event in _call("new"):
            store.record(event, "sato")
        assert store.call("new").alerts[0].source == "term:dogeza, grammar:command"
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert db.execute("SELECT source FROM alerts WHERE call_id = 'old'").fetchone() == ("",)


def test_two_reviewers_keep_their_own_review_of_one_call(tmp_path: Path) -> None:
    with CallStore(tmp_path / "calls.sqlite") as store:
        for event in _call("c1"):
            store.record(event, "sato")
        store.review_call("c1", "kimura", "unacceptable", "invalid", True, "脅迫にあたる", "即時に通報")
        store.review_call("c1", "yamada", "grey", "valid", False, "正当な苦情の範囲")
        record = store.call("c1")
        assert [(r.reviewer, r.harassment, r.notes) for r in record.reviews] == [
            ("kimura", True, "脅迫にあたる"), ("yamada", False, "正当な苦情の範囲")]
        assert record.review_by("kimura") is not None and record.review_by("nobody") is None
        store.review_call("c1", "kimura", "grey", "grey", False)  # a second look replaces kimura's own only
        record = store.call("c1")
        kimura, yamada = record.review_by("kimura"), record.review_by("yamada")
        assert kimura is not None and (kimura.conduct, kimura.harassment) == ("grey", False)
        assert yamada is not None and (yamada.conduct, yamada.notes) == ("grey", "正当な苦情の範囲")
        assert record.review == kimura  # the latest
        state = store.review_states(["c1"])["c1"]
        assert state.verdicts == (("yamada", False), ("kimura", False)) and state.harassment is False
        assert [(c.call_id, c.reviewer) for c in store.reviewed_calls()] == [("c1", "yamada"), ("c1", "kimura")]


def test_a_version_3_store_keeps_its_review_and_takes_a_second_reviewer(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite"
    with sqlite3.connect(path) as db:  # a store as it was while a call held one review
        for migration in MIGRATIONS[:3]:
            db.executescript(migration)
        db.execute("PRAGMA user_version = 3")
        db.execute("INSERT INTO calls (call_id, started_at) VALUES ('old', 1.0)")
        db.execute("INSERT INTO call_reviews VALUES ('old', 'kimura', 'unacceptable', 'invalid', 1, 'メモ', '教訓',"
                   " 5.0)")
    with CallStore(path) as store:
        [kept] = store.call("old").reviews
        assert (kept.reviewer, kept.conduct, kept.demand, kept.harassment, kept.notes, kept.lessons,
                kept.reviewed_at) == ("kimura", "unacceptable", "invalid", True, "メモ", "教訓", 5.0)
        store.review_call("old", "yamada", "acceptable", "valid", False)
        assert [r.reviewer for r in store.call("old").reviews] == ["kimura", "yamada"]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("DELETE FROM calls WHERE call_id = 'old'")  # reviews still go with their call
        assert db.execute("SELECT count(*) FROM call_reviews").fetchone() == (0,)


def test_a_file_that_is_not_a_store_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("just some notes, not a database\n" * 100)
    with pytest.raises(StoreError, match="is not a kasuhara-live call store"):
        CallStore(path)


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite"
    CallStore(path).close()
    errors: list[BaseException] = []

    def write(seat: int) -> None:
        try:
            with CallStore(path) as store:  # one connection per writer, as the hub and a replay would have
                for event in _call(f"c{seat}", finals=20):
                    store.record(event, f"agent{seat}", f"seat-{seat}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(seat,)) for seat in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with CallStore(path) as store:
        calls = store.calls()
        assert len(calls) == 6
        assert all(len(store.call(c.call_id).utterances) == 20 for c in calls)


def test_listing_filters_and_review_records(tmp_path: Path) -> None:
    with CallStore(tmp_path / "calls.sqlite") as store:
        for event in _call("c1"):
            store.record(event, "sato")
        store.record(CallStarted("c2", 0.0, ("mixed",), started_at=1_800_000_500.0), "suzuki")
        assert [c.call_id for c in store.calls(min_level=Level.WARNING)] == ["c1"]
        assert [c.call_id for c in store.calls(agent="suzuki")] == ["c2"]
        assert [c.call_id for c in store.calls(category="dogeza")] == ["c1"]
        assert [c.call_id for c in store.calls(since=1_800_000_100.0)] == ["c2"]
        store.label_alert("c1", "a1", "false_alarm", "qa", "sarcasm")
        store.add_missed("c1", 10.0, 12.5, "abuse", "qa")
        store.review_call("c1", "qa", "unacceptable", "invalid", True, "notes", "lessons")
        record = store.call("c1")
        assert record.labels["a1"].label == "false_alarm" and record.missed[0].category == "abuse"
        assert record.review is not None and record.review.harassment
        with pytest.raises(StoreError, match="has no alert 'a9'"):
            store.label_alert("c1", "a9", "correct", "qa")
        with pytest.raises(StoreError, match="no call 'nope'"):
            store.call("nope")


def test_purge_removes_words_and_keeps_the_numbers(tmp_path: Path) -> None:
    with CallStore(tmp_path / "calls.sqlite") as store:
        for event in _call("c1"):
            store.record(event, "sato")
        assert store.purge(30, now=1_800_000_000.0 + 10 * 86400) == 0
        assert store.purge(30, now=1_800_000_000.0 + 31 * 86400) == 1
        record = store.call("c1")
    assert record.utterances == [] and record.alerts[0].evidence == () and record.alerts[0].script == ""
    assert record.summary.purged and record.summary.source == "" and record.summary.max_level is Level.WARNING
    assert record.alerts[0].source == "term:dogeza, grammar:command"  # rule ids, no words: kept


# -- nothing announced is lost when the process is killed ---------------------------------------------------


def _users(tmp_path: Path) -> dict[str, str]:
    tokens = {"sato": "agent-token-0123456789", "kimura": "supervisor-token-0123456789",
              "seat-1": "monitor-token-0123456789"}
    lines = []
    for name, role, agent in (("sato", "agent", ""), ("kimura", "supervisor", ""), ("seat-1", "monitor", "sato")):
        lines += ["[[user]]", f'name = "{name}"', f'role = "{role}"', f'token_sha256 = "{hash_token(tokens[name])}"']
        lines += [f'agent = "{agent}"'] if agent else []
    (tmp_path / "users.toml").write_text("\n".join(lines) + "\n")
    (tmp_path / "site.toml").write_text('[hub]\nusers_file = "users.toml"\n')
    return tokens


def test_killing_the_hub_loses_no_final_or_alert_a_console_saw(tmp_path: Path) -> None:
    tokens = _users(tmp_path)
    store_path = tmp_path / "calls.sqlite"
    hub = subprocess.Popen([sys.executable, "-m", "kasuhara_live", "hub", "--config", str(tmp_path / "site.toml"),
                            "--port", "0", "--store", str(store_path)], cwd=REPO, stderr=subprocess.PIPE, text=True)
    try:
        assert hub.stderr is not None
        url = ""
        for line in hub.stderr:
            found = re.search(r"listening on (ws://\S+) ", line)
            if found:
                url = found.group(1)
                break
        assert url, "the hub did not start"
        seen = asyncio.run(_publish_and_watch(url, tokens))
        hub.send_signal(signal.SIGKILL)  # no shutdown, no flush: what was announced must already be on disk
        hub.wait(timeout=10)
    finally:
        if hub.poll() is None:
            hub.kill()
    with CallStore(store_path) as store:
        record = store.call("k1")
    kept = {("utterance.final", u.utterance_id) for u in record.utterances}
    kept |= {("alert", a.alert_id) for a in record.alerts}
    assert seen and seen <= kept, seen - kept


async def _publish_and_watch(url: str, tokens: dict[str, str]) -> set[tuple[str, str]]:
    seen: set[tuple[str, str]] = set()
    wanted = {("utterance.final", f"u{i:04d}") for i in range(8)} | {("alert", "a1")}
    async with ConsoleClient(url, tokens["kimura"]) as console, Publisher(url, tokens["seat-1"]) as publisher:
        for event in [e for e in _call("k1", finals=8)[:-1] if not isinstance(e, Action)]:  # the call goes on
            publisher.publish(event)

        async def watch() -> None:
            async for message in console:
                if message.get("kind") == "event":
                    event = message["event"]
                    if event["kind"] == "utterance.final":
                        seen.add(("utterance.final", event["utterance_id"]))
                    elif event["kind"] == "alert":
                        seen.add(("alert", event["alert_id"]))
                if wanted <= seen:
                    return

        await asyncio.wait_for(watch(), timeout=30)
    return seen


def test_killing_replay_loses_no_final_it_printed(tmp_path: Path) -> None:
    store_path = tmp_path / "calls.sqlite"
    replay = subprocess.Popen([sys.executable, "-m", "kasuhara_live", "replay", str(SAMPLES / "complaint_call.flac"),
                               "--store", str(store_path), "--jsonl", "-"], cwd=REPO, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    printed: list[str] = []
    try:
        assert replay.stdout is not None
        for line in replay.stdout:
            event = json.loads(line)
            if event["kind"] == "utterance.final":
                printed.append(event["utterance_id"])
                if len(printed) == 5:
                    replay.send_signal(signal.SIGKILL)
                    break
        replay.wait(timeout=30)
    finally:
        if replay.poll() is None:
            replay.kill()
    assert len(printed) == 5
    with CallStore(store_path) as store:
        kept = {u.utterance_id for u in store.call("complaint_call").utterances}
    assert set(printed) <= kept


def test_readers_do_not_create_a_store_at_a_mistyped_path(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no call store at"):
        CallStore.existing(tmp_path / "typo" / "calls.sqlite")
    assert not (tmp_path / "typo").exists()
    done = subprocess.run([sys.executable, "-m", "kasuhara_live", "review", "list", "--store",
                           str(tmp_path / "typo.sqlite")], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "no call store" in done.stderr
