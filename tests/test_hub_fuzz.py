"""A seeded fuzzer against a real hub and a real store: a few thousand random and mutated messages from two
monitors (valid events, resends, reused seqs, other seats' calls, hostile numbers and shapes, garbage).

Afterwards the hub must still be up and serve a well-behaved supervisor and monitor, must have logged no
traceback, and the store must hold every event the hub acked, exactly as it was sent.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from kasuhara_live import wire
from kasuhara_live.config import Config
from kasuhara_live.events import (
    Alert,
    CallEnded,
    CallStarted,
    Event,
    Level,
    LevelChanged,
    UtteranceFinal,
    UtterancePartial,
)
from kasuhara_live.hub.client import ConsoleClient, Publisher
from kasuhara_live.hub.protocol import ErrorCode
from kasuhara_live.hub.server import run_hub
from kasuhara_live.hub.users import Role, User, Users, hash_token
from kasuhara_live.store.store import CallStore

SEED = 20250117
MESSAGES = 5000
DEADLINE_S = 20.0  # on a slow machine the run stops early rather than take longer; it still checks everything

TOKENS = {"seat-1": "fuzz-seat-1", "seat-2": "fuzz-seat-2", "seat-3": "fuzz-seat-3", "sato": "fuzz-sato",
          "suzuki": "fuzz-suzuki", "boss": "fuzz-boss"}
USERS = Users([
    User("sato", Role.AGENT, hash_token(TOKENS["sato"])),
    User("suzuki", Role.AGENT, hash_token(TOKENS["suzuki"])),
    User("boss", Role.SUPERVISOR, hash_token(TOKENS["boss"])),
    User("seat-1", Role.MONITOR, hash_token(TOKENS["seat-1"]), agent="sato"),
    User("seat-2", Role.MONITOR, hash_token(TOKENS["seat-2"]), agent="suzuki"),
    User("seat-3", Role.MONITOR, hash_token(TOKENS["seat-3"]), agent="sato"),  # well-behaved, afterwards
])
CALLS = {"seat-1": [f"s1-{c}" for c in "abcdef"], "seat-2": [f"s2-{c}" for c in "abcdef"]}
TEXTS = ["責任者を出せ", "土下座しろ", "[/]", "[bold]x", "\x1b[31m赤", "ok", "", "𠮷野家", "a" * 500]
# Raw JSON values that a field may be mutated into.
NASTY = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1e300", "-5", "0", "-0", "0.5", "2e9", "86400.0001",
         "4102444801", "1" + "0" * 40, "9" * 5000, "123456789012", '"text"', '""', "null", "true", "[]", "{}",
         "[" * 40 + "]" * 40, '"\\ud800"', '"' + "x" * 3000 + '"', '["a", 1]', "9007199254740993"]
KNOWN_CODES = {code.value for code in ErrorCode}


@dataclass
class Fuzzer:
    """The generator's memory: seqs per call, what was sent, what was acked."""

    rng: random.Random
    seqs: dict[str, int] = field(default_factory=dict)
    sent: list[tuple[str, str]] = field(default_factory=list)  # (monitor, text) of publishes sent
    acked: list[tuple[str, Event]] = field(default_factory=list)  # (monitor, event) of every ack

    def event(self, call_id: str) -> Event:
        r = self.rng
        t = round(r.uniform(0, 600), r.choice([0, 1, 3, 6]))
        uid = f"u{r.randrange(6)}"
        start = float(r.choice([0, 1, 2.5, 7]))
        text = r.choice(TEXTS)
        choices: list[Event] = [
            CallStarted(call_id, 0.0, ("agent", "customer"), r.choice(["a.flac", "live"]), None,
                        r.choice([0.0, 1_800_000_000.0]), r.choice(["", "c0ffee"]), "cfg"),
            UtteranceFinal(call_id, t, uid, r.choice(["agent", "customer"]), start, start + 1, text,
                           r.choice([-20.0, -99.0, -3.5]), None, tuple(r.sample(TEXTS, r.randrange(2)))),
            UtterancePartial(call_id, t, uid, "customer", start, start + 0.5, text, text[:1]),
            Alert(call_id, t, f"a{r.randrange(4)}", r.choice(["dogeza", "insult"]), r.choice(list(Level)), start,
                  start + 1, (text,), ("conduct",), "そのようなご要望には…", "", uid, "term:x"),
            LevelChanged(call_id, t, r.choice(list(Level)), r.choice(list(Level)), text),
            CallEnded(call_id, t, r.choice(["hangup", "end_of_audio"])),
        ]
        return r.choices(choices, weights=[2, 6, 4, 2, 2, 1])[0]

    def next_seq(self, call_id: str) -> int:
        self.seqs[call_id] = self.seqs.get(call_id, 0) + 1
        return self.seqs[call_id]

    def publish(self, monitor: str) -> str:
        """One message from ``monitor``: valid, replayed, mutated or garbage."""
        r = self.rng
        own = CALLS[monitor]
        other = CALLS["seat-2" if monitor == "seat-1" else "seat-1"]
        roll = r.random()
        if roll < 0.10 and self.sent:
            return r.choice(self.sent)[1]  # a resend, exact
        call_id = r.choice(other) if roll < 0.18 else r.choice(own)
        if roll < 0.26 and self.seqs.get(call_id):
            seq = r.randint(1, self.seqs[call_id])  # a seq already used, most likely for another event
        elif roll < 0.30:
            seq = r.choice([10**6, 2**53, 2**53 + 1, 0, -3])
        else:
            seq = self.next_seq(call_id)
        message: dict[str, Any] = {"v": 1, "kind": "publish", "seq": seq, "event": wire.to_json(self.event(call_id))}
        if roll < 0.62:
            return json.dumps(message, ensure_ascii=False)
        if roll < 0.90:
            return mutate(r, message)
        return garbage(r, message)


def mutate(r: random.Random, message: dict[str, Any]) -> str:
    target = message["event"] if r.random() < 0.8 else message
    key = r.choice(list(target))
    op = r.random()
    if op < 0.15:
        del target[key]
    elif op < 0.25:
        target["extra"] = "?"
    elif op < 0.3:
        target["kind"] = r.choice(["call.exploded", "action", "utterance.final", "hello"])
    else:
        target[key] = "@@FUZZ@@"
        return json.dumps(message, ensure_ascii=False).replace('"@@FUZZ@@"', r.choice(NASTY))
    return json.dumps(message, ensure_ascii=False)


def garbage(r: random.Random, message: dict[str, Any]) -> str:
    text = json.dumps(message, ensure_ascii=False)
    return r.choice([
        text[:r.randrange(len(text))],
        "[" * r.randrange(10, 3000),
        '{"v":1,"kind":"publish","seq":1,"event":' + "{\"a\":" * 500 + "1" + "}" * 501,
        "".join(chr(r.randrange(32, 0x3000)) for _ in range(r.randrange(1, 200))),
        "", "null", "[]", '{"v":1}', '{"v":2,"kind":"publish"}', '{"v":1,"kind":"hello","token":"x"}',
        '{"v":1,"kind":"watch","call_id":"s1-a"}', '{"v":1,"kind":"unwatch","call_id":5}',
        '{"v":1,"kind":"act","event":{"v":1,"kind":"action","call_id":"s1-a","time":1,"action":"red_card"}}',
        json.dumps({"v": 1, "kind": "publish", "seq": 1, "event": {**message["event"], "text": "x" * 9000}}),
    ])


async def login(url: str, name: str) -> ClientConnection:
    ws = await connect(url, max_size=None)
    await ws.send(json.dumps({"v": 1, "kind": "hello", "token": TOKENS[name]}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 5))["kind"] == "welcome"
    return ws


async def exchange(ws: ClientConnection, text: str, binary: bool) -> dict[str, Any] | None:
    """Send one message; the hub's one reply to it (None if the hub closed the connection instead)."""
    try:
        await ws.send(text.encode("utf-8", "surrogatepass") if binary else text)
        reply: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 5))
    except ConnectionClosed:
        return None
    return reply


def check_stored(store: CallStore, monitor: str, event: Event) -> None:
    """The store holds this acked event exactly (partials are never kept)."""
    if isinstance(event, UtterancePartial):
        return
    record = store.call(event.call_id)
    assert record.summary.seat == monitor, (event, record.summary)
    if isinstance(event, CallStarted):
        s = record.summary
        assert (s.source, s.caller, s.config_version, record.speakers) == (
            event.source, event.caller, event.config_version, event.speakers), event
        assert not event.started_at or s.started_at == event.started_at
    elif isinstance(event, UtteranceFinal):
        kept = [u for u in record.utterances if (u.utterance_id, u.start) == (event.utterance_id, event.start)]
        assert [(u.speaker, u.end, u.text, u.loudness_db, u.alternatives) for u in kept] == [
            (event.speaker, event.end, event.text, event.loudness_db, event.alternatives)], event
    elif isinstance(event, Alert):
        assert [a for a in record.alerts if a.alert_id == event.alert_id] == [dataclasses.replace(event, wall=None)]
    elif isinstance(event, LevelChanged):
        assert dataclasses.replace(event, wall=None) in record.levels, event
    elif isinstance(event, CallEnded):
        assert (record.summary.duration, record.summary.end_reason) == (event.time, event.reason), event


@pytest.mark.asyncio
async def test_the_hub_survives_thousands_of_hostile_messages_and_stores_every_acked_event(
        cfg: Config, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="kasuhara_live")
    hub_cfg = dataclasses.replace(cfg.hub, max_message_bytes=8192, ended_call_linger_s=60.0)
    fuzz = Fuzzer(random.Random(SEED))
    replies: dict[str, int] = {}
    with CallStore(tmp_path / "calls.sqlite") as store:
        async with run_hub(hub_cfg, USERS, sink=store, host="127.0.0.1", port=0) as hub:
            boss = ConsoleClient(hub.url, TOKENS["boss"])
            await boss.connect()
            seen: list[str] = []

            async def watch() -> None:  # a supervisor reading throughout: it must never be dropped
                async for message in boss:
                    seen.append(message["kind"])

            watcher = asyncio.create_task(watch())
            monitors = {name: await login(hub.url, name) for name in ("seat-1", "seat-2")}
            started, sent = time.monotonic(), 0
            while sent < MESSAGES and time.monotonic() - started < DEADLINE_S:
                monitor = fuzz.rng.choice(["seat-1", "seat-2"])
                text = fuzz.publish(monitor)
                reply = await exchange(monitors[monitor], text, binary=fuzz.rng.random() < 0.05)
                sent += 1
                if reply is None:  # a frame over 4 x max_message_bytes: closed (1009); the monitor comes back
                    assert monitors[monitor].close_code == 1009
                    monitors[monitor] = await login(hub.url, monitor)
                    continue
                replies[reply.get("code", reply["kind"])] = replies.get(reply.get("code", reply["kind"]), 0) + 1
                if reply["kind"] == "error":
                    assert reply["code"] in KNOWN_CODES and isinstance(reply["message"], str), reply
                    continue
                assert reply["kind"] == "ack", reply
                message = json.loads(text)  # what the hub acked must be a valid event, as sent
                event = wire.from_json(message["event"])
                assert (reply["call_id"], reply["seq"]) == (event.call_id, message["seq"])
                fuzz.acked.append((monitor, event))
                fuzz.sent.append((monitor, text))

            # Still up: a well-behaved monitor's call reaches a supervisor that connects now.
            async with Publisher(hub.url, TOKENS["seat-3"]) as pub, ConsoleClient(hub.url, TOKENS["boss"]) as late:
                assert late.welcome is not None and late.welcome.role == "supervisor"
                pub.publish(CallStarted("after-fuzz", 0.0, ("mixed",)))
                pub.publish(UtteranceFinal("after-fuzz", 1.0, "u1", "customer", 0.0, 1.0, "最後", -20.0))
                assert await pub.drain(5) and pub.refused() == 0

                async def final_seen() -> None:
                    async for message in late:
                        if message["kind"] == "event" and message["event"].get("text") == "最後":
                            return

                await asyncio.wait_for(final_seen(), 5)
            assert boss.connected and not watcher.done(), "the reading supervisor was dropped"
            watcher.cancel()
            await boss.close()
        for monitor, event in fuzz.acked:
            check_stored(store, monitor, event)
    assert sent >= 1000, f"only {sent} messages in {DEADLINE_S} s"
    # The mix really exercised both sides: plenty accepted, plenty refused for many reasons.
    assert replies.get("ack", 0) > sent // 10 and len(set(replies) - {"ack"}) >= 5, replies
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR], "a traceback was logged"
    assert "Traceback" not in caplog.text
