"""The hub's promise, tried as a hostile or unlucky peer would: nothing is acked that is not stored, nothing
stored is taken over or rewritten, no value or shape of input gets past the wire checks or ends in a
traceback.  A real hub on loopback, a real SQLite store, real websockets clients."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from kasuhara_live import cli, wire
from kasuhara_live.audio.sources import FileSource
from kasuhara_live.config import Config, HubConfig
from kasuhara_live.events import CallEnded, CallStarted, Event, UtteranceFinal, UtterancePartial
from kasuhara_live.hub.client import Publisher
from kasuhara_live.hub.server import Hub, run_hub
from kasuhara_live.hub.users import Role, User, Users, hash_token
from kasuhara_live.monitor import monitor_call
from kasuhara_live.store.store import CallStore
from tests.conftest import REPO, SAMPLES, ScriptedTranscriber

TOKENS = {"sato": "tok-sato", "suzuki": "tok-suzuki", "boss": "tok-boss", "seat-1": "tok-seat-1",
          "seat-2": "tok-seat-2"}
USERS = Users([
    User("sato", Role.AGENT, hash_token(TOKENS["sato"])),
    User("suzuki", Role.AGENT, hash_token(TOKENS["suzuki"])),
    User("boss", Role.SUPERVISOR, hash_token(TOKENS["boss"])),
    User("seat-1", Role.MONITOR, hash_token(TOKENS["seat-1"]), agent="sato"),
    User("seat-2", Role.MONITOR, hash_token(TOKENS["seat-2"]), agent="suzuki"),
])
STARTED_AT = 1_800_000_000.0


@pytest.fixture()
def hub_cfg(cfg: Config) -> HubConfig:
    return dataclasses.replace(cfg.hub, ended_call_linger_s=60.0)


@pytest.fixture()
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The hub's log; afterwards, not one traceback in it."""
    caplog.set_level(logging.INFO, logger="kasuhara_live")
    yield caplog
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    assert "Traceback" not in caplog.text


@contextlib.asynccontextmanager
async def hub_with_store(hub_cfg: HubConfig, path: Path, **kwargs: Any) -> AsyncIterator[tuple[Hub, CallStore]]:
    with CallStore(path) as store:
        async with run_hub(hub_cfg, USERS, sink=store, host="127.0.0.1", port=0, **kwargs) as hub:
            yield hub, store


async def login(url: str, name: str) -> ClientConnection:
    ws = await connect(url, max_size=None)
    await ws.send(json.dumps({"v": 1, "kind": "hello", "token": TOKENS[name]}))
    assert (await recv(ws))["kind"] == "welcome"
    return ws


async def recv(ws: ClientConnection, timeout: float = 3.0) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    return message


async def publish(ws: ClientConnection, seq: int | str, event: Event | str) -> dict[str, Any]:
    """Send one publish (the event as an Event, or as raw JSON text) and return the hub's reply."""
    text = event if isinstance(event, str) else wire.dumps(event)
    await ws.send(f'{{"v":1,"kind":"publish","seq":{seq},"event":{text}}}')
    return await recv(ws)


def ack(call_id: str, seq: int) -> dict[str, Any]:
    return {"v": 1, "kind": "ack", "call_id": call_id, "seq": seq}


def started(call_id: str, source: str = "a.flac", started_at: float = STARTED_AT) -> CallStarted:
    return CallStarted(call_id, 0.0, ("agent", "customer"), source, None, started_at, "c0ffee", "cfg1")


def final(call_id: str, n: int, text: str | None = None) -> UtteranceFinal:
    return UtteranceFinal(call_id, float(n), f"u{n}", "customer", n - 0.5, float(n), text or f"発話{n}", -20.0)


def raw_event(obj: dict[str, Any], field: str, raw: str) -> str:
    """The event as JSON text with one field's value replaced by raw JSON text (NaN, a 400-digit number…)."""
    return json.dumps({**obj, field: "@@"}, ensure_ascii=False).replace('"@@"', raw)


FINAL = wire.to_json(final("c1", 1))
STARTED = wire.to_json(started("c1"))


# -- 1. every number finite and in range, checked before anything is acked -------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(("event", "code"), [
    (raw_event(FINAL, "loudness_db", "NaN"), "bad_event"),
    (raw_event(FINAL, "time", "Infinity"), "bad_event"),
    (raw_event(FINAL, "end", "-Infinity"), "bad_event"),
    (raw_event(FINAL, "start", "-1.5"), "bad_event"),
    (raw_event(FINAL, "loudness_db", "1e400"), "bad_event"),  # json reads it as infinity
    (raw_event(STARTED, "started_at", "1e300"), "bad_event"),
    (raw_event(FINAL, "loudness_db", "1" + "0" * 400), "bad_json"),  # too big for a float: refused unparsed
    (raw_event(FINAL, "time", "9" * 4400), "bad_json"),  # beyond int()'s 4,300 digits
], ids=["nan", "infinity", "minus-infinity", "negative", "float-overflow", "started_at-1e300", "int-overflow",
        "4400-digits"])
async def test_a_number_out_of_range_is_refused_never_acked_broadcast_or_stored(
        hub_cfg: HubConfig, tmp_path: Path, logs: pytest.LogCaptureFixture, event: str, code: str) -> None:
    async with hub_with_store(hub_cfg, tmp_path / "calls.sqlite") as (hub, store):
        seat, boss = await login(hub.url, "seat-1"), await login(hub.url, "boss")
        error = await publish(seat, 7, event)
        assert error["kind"] == "error" and error["code"] == code, error
        if code == "bad_event":  # the publisher can tell which event it was, and drop it
            assert error["seq"] == 7 and error["call_id"] == "c1"
        assert "out of range" in error["message"] or "characters, more than 32" in error["message"]
        # The connection stays; the next (valid) event is the first thing the supervisor sees.
        assert await publish(seat, 8, final("c2", 1, "正常")) == ack("c2", 8)
        assert (await recv(boss))["event"]["text"] == "正常"
        assert [c.call_id for c in store.calls()] == ["c2"]
    refusals = [r for r in logs.records if r.getMessage().startswith("refused a message from seat-1")]
    assert len(refusals) == 1 and code in refusals[0].getMessage()


@pytest.mark.asyncio
async def test_deep_json_before_hello_is_one_close_and_one_log_line(
        hub_cfg: HubConfig, tmp_path: Path, logs: pytest.LogCaptureFixture) -> None:
    async with hub_with_store(hub_cfg, tmp_path / "calls.sqlite") as (hub, _):
        ws = await connect(hub.url)
        await ws.send("[" * 2000 + "]" * 2000)  # no token needed to send this
        assert (await recv(ws))["code"] == "hello_required"
        with contextlib.suppress(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 3)
        assert ws.close_code == 4002
        await asyncio.sleep(0.1)  # the hub logs the close once its side is done
    closes = [r.getMessage() for r in logs.records if "unauthenticated" in r.getMessage()]
    assert len(closes) == 1 and "code 4002 (hello_required)" in closes[0]


@pytest.mark.asyncio
@pytest.mark.parametrize("message", [
    '{"v":1,"kind":"publish","seq":1,"event":' + "[" * 2000 + "]" * 2000 + "}",
    '{"v":1,"kind":"publish","seq":' + "7" * 4400 + ',"event":{}}',
    '{"v":1,"kind":"watch","call_id":"c1","id":' + "1" * 400 + "}",
], ids=["nested-2000", "seq-4400-digits", "id-400-digits"])
async def test_hostile_shapes_after_hello_are_an_error_reply_and_the_connection_stays(
        hub_cfg: HubConfig, tmp_path: Path, logs: pytest.LogCaptureFixture, message: str) -> None:
    async with hub_with_store(hub_cfg, tmp_path / "calls.sqlite") as (hub, _):
        seat = await login(hub.url, "seat-1")
        await seat.send(message)
        error = await recv(seat)
        assert error["code"] == "bad_json" and ("nested deeper than 16" in error["message"]
                                                or "more than 32" in error["message"])
        assert await publish(seat, 1, final("c1", 1)) == ack("c1", 1)


# -- 2. sequence numbers cannot swallow events -------------------------------------------------------------------


def stored_texts(store: CallStore, call_id: str) -> list[str]:
    return [u.text for u in store.call(call_id).utterances]


@pytest.mark.asyncio
async def test_the_same_monitor_twice_on_one_call_gets_refusals_not_silent_acks(
        hub_cfg: HubConfig, tmp_path: Path, logs: pytest.LogCaptureFixture) -> None:
    async with hub_with_store(hub_cfg, tmp_path / "calls.sqlite") as (hub, store):
        first, second = await login(hub.url, "seat-1"), await login(hub.url, "seat-1")
        for seq, event in enumerate([started("c1"), final("c1", 1, "一台目"), final("c1", 2, "一台目")], 1):
            assert await publish(first, seq, event) == ack("c1", seq)
        # The second process numbers its own events from 1: each is another event under a used seq.
        refused = await publish(second, 1, started("c1", started_at=STARTED_AT + 5))
        assert refused["code"] == "conflict" and refused["seq"] == 1 and "already used" in refused["message"]
        refused = await publish(second, 2, final("c1", 9, "二台目"))
        assert refused["code"] == "conflict" and refused["seq"] == 2
        # An exact resend is still idempotent: acked again, kept once.
        assert await publish(second, 2, final("c1", 1, "一台目")) == ack("c1", 2)
        assert stored_texts(store, "c1") == ["一台目", "一台目"]
        assert store.call("c1").summary.started_at == STARTED_AT


@pytest.mark.asyncio
async def test_a_connection_jumping_seq_loses_none_of_the_events_after_the_jump(
        hub_cfg: HubConfig, tmp_path: Path, logs: pytest.LogCaptureFixture) -> None:
    async with hub_with_store(hub_cfg, tmp_path / "calls.sqlite") as (hub, store):
        seat, boss = await login(hub.url, "seat-1"), await login(hub.url, "boss")
        assert await publish(seat, 100, final("c1", 100)) == ack("c1", 100)
        for seq in range(5, 9):
            assert await publish(seat, seq, final("c1", seq)) == ack("c1", seq)
        assert [(await recv(boss))["event"]["text"] for _ in range(5)] == [f"発話{n}" for n in (100, 5, 6, 7, 8)]
        assert sorted(stored_texts(store, "c1")) == sorted(f"発話{n}" for n in (100, 5, 6, 7, 8))


# -- 3. a call belongs to its seat; a stored call is never rewritten ------------------------------------------


@pytest.mark.asyncio
async def test_after_a_restart_another_seat_cannot_take_or_rewrite_a_stored_call(
        hub_cfg: HubConfig, tmp_path: Path, logs: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "calls.sqlite"
    async with hub_with_store(hub_cfg, path) as (hub, _):
        seat = await login(hub.url, "seat-1")
        for seq, event in enumerate([started("c1"), final("c1", 1, "本物"), CallEnded("c1", 60.0, "hangup")], 1):
            assert await publish(seat, seq, event) == ack("c1", seq)
    async with hub_with_store(hub_cfg, path) as (hub, store):  # a new hub: it holds no live call
        thief, seat = await login(hub.url, "seat-2"), await login(hub.url, "seat-1")
        # A partial is never stored, yet it must not make the live call the thief's either.
        partial = UtterancePartial("c1", 3.0, "u3", "customer", 2.5, 3.0, "横取り")
        for seq, event in enumerate([partial, started("c1", "fake.flac", STARTED_AT + 99), final("c1", 2, "偽物"),
                                     CallEnded("c1", 1.0, "forged")], 1):
            refused = await publish(thief, seq, event)
            assert refused["code"] == "forbidden" and "seat 'seat-1'" in refused["message"], refused
        # Not even the owning seat rewrites what is stored; its exact resend is still acked.
        refused = await publish(seat, 1, started("c1", "other.flac"))
        assert refused["code"] == "conflict" and "never rewritten" in refused["message"]
        refused = await publish(seat, 4, CallEnded("c1", 5.0, "other"))
        assert refused["code"] == "conflict" and "already ended" in refused["message"]
        refused = await publish(seat, 5, final("c1", 1, "書き換え"))
        assert refused["code"] == "conflict" and "u1" in refused["message"]
        assert await publish(seat, 2, final("c1", 1, "本物")) == ack("c1", 2)
        record = store.call("c1")
    summary = record.summary
    assert (summary.agent, summary.seat, summary.source, summary.started_at) == ("sato", "seat-1", "a.flac",
                                                                                 STARTED_AT)
    assert (summary.duration, summary.end_reason) == (60.0, "hangup")
    assert [u.text for u in record.utterances] == ["本物"]


@pytest.mark.asyncio
async def test_a_forgotten_call_stays_its_seats(hub_cfg: HubConfig, tmp_path: Path,
                                                logs: pytest.LogCaptureFixture) -> None:
    async with hub_with_store(dataclasses.replace(hub_cfg, ended_call_linger_s=0.0),
                              tmp_path / "calls.sqlite") as (hub, store):
        seat, thief = await login(hub.url, "seat-1"), await login(hub.url, "seat-2")
        assert await publish(seat, 1, started("c1")) == ack("c1", 1)
        assert await publish(seat, 2, CallEnded("c1", 30.0)) == ack("c1", 2)
        hub.state.expire()
        assert "c1" not in hub.state.calls
        assert (await publish(thief, 1, started("c1", "fake.flac")))["code"] == "forbidden"
        assert "c1" not in hub.state.calls
        summary = store.call("c1").summary
    assert (summary.seat, summary.source, summary.duration) == ("seat-1", "a.flac", 30.0)


@pytest.mark.asyncio
async def test_a_monitor_whose_events_were_refused_says_so(cfg: Config, hub_cfg: HubConfig, tmp_path: Path) -> None:
    async with hub_with_store(hub_cfg, tmp_path / "calls.sqlite") as (hub, _):
        squatter = await login(hub.url, "seat-2")
        assert await publish(squatter, 1, started("seat-1-0101-090000")) == ack("seat-1-0101-090000", 1)
        async with Publisher(hub.url, TOKENS["seat-1"]) as publisher:
            result = await monitor_call(FileSource(SAMPLES / "complaint_call.flac", cfg.audio.chunk_ms),
                                        "seat-1-0101-090000", cfg, ScriptedTranscriber(), [], publisher,
                                        realtime=False, drain_timeout=10)
    never_dropped = sum(n for kind, n in result.counts.items() if kind != "utterance.partial")
    assert result.refused >= never_dropped > 10 and not result.delivered
    assert "REFUSED by the hub" in result.summary() and "forbidden" in result.summary()
    assert "all delivered" not in result.summary()


# -- 5. caps per monitor ---------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_monitor_holds_at_most_four_live_calls(hub_cfg: HubConfig, tmp_path: Path,
                                                       logs: pytest.LogCaptureFixture) -> None:
    async with hub_with_store(hub_cfg, tmp_path / "calls.sqlite") as (hub, store):
        seat = await login(hub.url, "seat-1")
        for n in range(4):
            assert await publish(seat, 1, started(f"c{n}")) == ack(f"c{n}", 1)
        refused = await publish(seat, 1, started("c4"))
        assert refused["code"] == "too_many_calls" and refused["call_id"] == "c4" and refused["seq"] == 1
        assert "4 live calls" in refused["message"] and "end one" in refused["message"]
        assert not store.has_call("c4")
        assert await publish(seat, 2, CallEnded("c0", 10.0)) == ack("c0", 2)
        assert await publish(seat, 1, started("c4")) == ack("c4", 1)
        assert store.has_call("c4")


# -- 6. the users file is read again: a revoked token stops working without a restart ----------------------------


def write_users(path: Path, users: dict[str, tuple[str, str, str]]) -> None:
    """users: name -> (role, agent, token)."""
    lines = []
    for name, (role, agent, token) in users.items():
        lines += ["[[user]]", f'name = "{name}"', f'role = "{role}"', f'token_sha256 = "{hash_token(token)}"']
        lines += [f'agent = "{agent}"'] if agent else []
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.asyncio
async def test_a_revoked_token_stops_working_once_the_users_file_changes(hub_cfg: HubConfig, tmp_path: Path,
                                                                          logs: pytest.LogCaptureFixture) -> None:
    users_file = tmp_path / "users.toml"
    everyone = {"sato": ("agent", "", TOKENS["sato"]), "boss": ("supervisor", "", TOKENS["boss"])}
    write_users(users_file, everyone)
    async with run_hub(hub_cfg, USERS, host="127.0.0.1", port=0, users_file=users_file) as hub:
        sato = await login(hub.url, "sato")
        write_users(users_file, {"boss": everyone["boss"]})  # the admin removes sato
        error = await recv(sato, timeout=5)  # the hub notices the change within a second or so
        assert error["code"] == "unauthorized" and "revoked" in error["message"]
        with contextlib.suppress(ConnectionClosed):
            await asyncio.wait_for(sato.recv(), 3)
        assert sato.close_code == 4001
        again = await connect(hub.url)
        await again.send(json.dumps({"v": 1, "kind": "hello", "token": TOKENS["sato"]}))
        assert (await recv(again))["code"] == "unauthorized"
        await login(hub.url, "boss")  # everyone else is unaffected
        users_file.write_text("[[user]]\nname = 1\n")  # a broken file is not taken
        await asyncio.sleep(1.5)
        await login(hub.url, "boss")
    assert "users file not reloaded" in logs.text


# -- 4, 6, 7: the `hub` command: one hub per store, SIGHUP, bad arguments --------------------------------------


def start_hub(site: Path, store: Path) -> tuple[subprocess.Popen[str], str]:
    hub = subprocess.Popen([sys.executable, "-m", "kasuhara_live", "hub", "--config", str(site), "--port", "0",
                            "--store", str(store)], cwd=REPO, stderr=subprocess.PIPE, text=True)
    assert hub.stderr is not None
    for line in hub.stderr:
        found = re.search(r"listening on (ws://\S+) ", line)
        if found:
            return hub, found.group(1)
    raise AssertionError(f"the hub did not start (exit {hub.wait(10)})")


async def hello_reply(url: str, token: str) -> str:
    async with connect(url) as ws:
        await ws.send(json.dumps({"v": 1, "kind": "hello", "token": token}))
        reply: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 5))
        return str(reply.get("code", reply["kind"]))


def test_one_hub_per_store_and_sighup_reloads_the_users(tmp_path: Path) -> None:
    users_file, store = tmp_path / "users.toml", tmp_path / "calls.sqlite"
    write_users(users_file, {"sato": ("agent", "", "sato-token-1"), "boss": ("supervisor", "", "boss-token")})
    site = tmp_path / "site.toml"
    site.write_text('[hub]\nusers_file = "users.toml"\n')
    first, url = start_hub(site, store)
    try:
        second = subprocess.run([sys.executable, "-m", "kasuhara_live", "hub", "--config", str(site), "--port", "0",
                                 "--store", str(store)], cwd=REPO, capture_output=True, text=True, timeout=60)
        assert second.returncode == 2, second.stderr
        assert second.stderr.count("\n") == 1 and "another hub" in second.stderr and str(store) in second.stderr
        assert asyncio.run(hello_reply(url, "sato-token-1")) == "welcome"
        # Revoke sato's token so that only a SIGHUP can tell: same inode, same size, the old modification time.
        before = users_file.stat()
        write_users(users_file, {"sato": ("agent", "", "sato-token-2"), "boss": ("supervisor", "", "boss-token")})
        os.utime(users_file, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert users_file.stat().st_size == before.st_size
        first.send_signal(signal.SIGHUP)
        assert _eventually(lambda: asyncio.run(hello_reply(url, "sato-token-1")) == "unauthorized")
        assert asyncio.run(hello_reply(url, "sato-token-2")) == "welcome"
        first.send_signal(signal.SIGKILL)  # the lock goes with the process, however it ends
        first.wait(10)
        third, _ = start_hub(site, store)
        third.terminate()
        assert third.wait(10) == 0
    finally:
        if first.poll() is None:
            first.kill()


def _eventually(check: Any, tries: int = 50) -> bool:
    for _ in range(tries):
        if check():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize(("args", "expected"), [
    (["--port", "70000"], "70000 is out of range: expected 0 to 65535"),
    (["--port", "-1"], "-1 is out of range"),
    (["--port", "eighty"], "'eighty' is not a port number"),
    (["--port", "0", "--host", "256.0.0.1"], "cannot listen on 256.0.0.1:0"),
    (["--port", "0", "--store", "/proc/kasuhara/calls.sqlite"], "cannot create the hub lock"),
])
def test_bad_arguments_of_hub_are_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      args: list[str], expected: str) -> None:
    write_users(tmp_path / "users.toml", {"boss": ("supervisor", "", "boss-token")})
    (tmp_path / "site.toml").write_text('[hub]\nusers_file = "users.toml"\n[store]\npath = ""\n')
    try:
        code = cli.main(["hub", "--config", str(tmp_path / "site.toml"), *args])
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and expected in err, err
