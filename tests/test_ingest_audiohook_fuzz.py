"""Seeded hostile AudioHook sessions against a real server while a good session streams: the good call completes,
every hostile call the sink opened is ended exactly once, and the server keeps taking calls."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import random
import uuid
from typing import Any

import numpy as np
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from kasuhara_live.config import Config, IngestConfig
from kasuhara_live.ingest.audiohook_client import STEREO, stream_call
from kasuhara_live.ingest.audiohook_protocol import AudioHookSession, EndCall, OpenCall, Send
from tests.audiohook_fakes import FakeSink, server, synthetic_call, through_ulaw

SEED = 20261207
WEIRD: list[Any] = [None, -1, 0, 2**60, 1.5, True, "", "x" * 300, [], {}, {"a": [1]}, "PT-1S", "\u3042" * 50,
                    [["external"]], [{"type": "audio", "channels": [[1], {}], "rate": 8000, "format": "PCMU"}]]


@pytest.fixture()
def ingest(cfg: Config) -> IngestConfig:
    return dataclasses.replace(cfg.ingest, allow=("127.0.0.1",), api_key_sha256=(), no_media_timeout_s=30.0)


def valid(kind: str, seq: int, sid: str, rng: random.Random) -> dict[str, Any]:
    parameters: dict[str, Any] = {
        "open": {"organizationId": str(uuid.uuid4()), "conversationId": str(uuid.uuid4()),
                 "participant": {"id": str(uuid.uuid4()), "ani": "+8190", "aniName": "", "dnis": "+81120"},
                 "media": STEREO},
        "resumed": {"start": "PT0S", "discarded": "PT0.5S"}, "discarded": {"start": "PT0S", "discarded": "PT1S"},
        "close": {"reason": "end"}, "update": {"language": "ja-JP"}, "error": {"code": 429, "message": "slow"},
    }.get(kind, {})
    serverseq = 0 if kind == "open" else rng.choice([0, 1])  # an open's 1 would be wrong; later ones may be right
    return {"version": "2", "id": sid, "type": kind, "seq": seq, "serverseq": serverseq, "position": "PT0.1S",
            "parameters": parameters}


def mutated_text(rng: random.Random, seq: int, sid: str) -> str:
    kind = rng.choice(["open", "ping", "paused", "resumed", "discarded", "close", "update", "error", "pong"])
    message = valid(kind, seq, sid, rng)
    choice = rng.randrange(7)
    if choice == 0:
        message.pop(rng.choice(list(message)))
    elif choice == 1:
        message[rng.choice(list(message))] = rng.choice(WEIRD)
    elif choice == 2 and kind == "open" and rng.random() < 0.5:
        message["parameters"]["media"] = [{**STEREO[0], rng.choice(list(STEREO[0])): rng.choice(WEIRD)}]
    elif choice == 2 and message["parameters"]:
        message["parameters"][rng.choice(list(message["parameters"]))] = rng.choice(WEIRD)
    elif choice == 3:
        return json.dumps(message)[: rng.randrange(1, 60)]
    elif choice == 4:
        return "".join(chr(rng.randrange(1, 0x3000)) for _ in range(rng.randrange(1, 200)))
    elif choice == 5:
        return "[" * rng.randrange(1000, 50_000)
    return json.dumps(message)  # 6, or 2 without parameters: maybe even valid, in the wrong place


def mutated_open(rng: random.Random, sid: str) -> str:
    """A well-formed open with one value deep inside (media entry, participant, configs) made strange."""
    message = valid("open", 1, sid, rng)
    params = message["parameters"]
    params["customConfig"], params["inputVariables"] = {"agent": "team"}, {"agent": "2001"}
    params["media"] = [dict(STEREO[0])]
    holder = rng.choice([params, params["media"][0], params["participant"], params["customConfig"],
                         params["inputVariables"]])
    holder[rng.choice(list(holder))] = rng.choice(WEIRD)
    return json.dumps(message)


def mutated_binary(rng: random.Random) -> bytes:
    size = rng.choice([0, 1, 3, 159, 160, 161, 64_001, rng.randrange(1, 70_000)])
    return rng.randbytes(size)


async def hostile_session(url: str, rng: random.Random) -> None:
    sid = str(uuid.uuid4())
    with contextlib.suppress(ConnectionClosed, TimeoutError, InvalidStatus, OSError):
        async with connect(url, additional_headers={"Audiohook-Session-Id": sid}, max_size=2**20,
                           close_timeout=0.5) as ws:
            seq = 0
            if rng.random() < 0.7:
                seq = 1
                await ws.send(mutated_open(rng, sid) if rng.random() < 0.4 else json.dumps(valid("open", 1, sid, rng)))
                await asyncio.wait_for(ws.recv(), 2)
                if rng.random() < 0.5:
                    await ws.send(rng.randbytes(320))
            for _ in range(rng.randint(1, 3)):
                seq += 1
                await ws.send(mutated_text(rng, seq, sid) if rng.random() < 0.6 else mutated_binary(rng))
            await finish_rudely(ws, rng)


async def finish_rudely(ws: ClientConnection, rng: random.Random) -> None:
    how = rng.randrange(3)
    if how == 0:
        ws.transport.abort()
    elif how == 1:
        await asyncio.wait_for(ws.recv(), 0.5)  # maybe the disconnect; then we leave without a close message
    else:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(2):
                async for _ in ws:  # wait for the server to hang up after its grace
                    pass


@pytest.mark.asyncio
async def test_fuzzed_sessions_never_hurt_a_good_one(ingest: IngestConfig, caplog: pytest.LogCaptureFixture) -> None:
    rng = random.Random(SEED)
    sink = FakeSink()
    call = synthetic_call(8.0)
    caplog.set_level(logging.INFO)
    async with server(ingest, sink) as running:
        running.close_grace_s = 0.2
        good = asyncio.create_task(stream_call(running.url, call, speed=2, frame_ms=20, ping_every_s=0.5))
        for _ in range(80):
            await hostile_session(running.url, rng)
        result = await good
        after = await stream_call(running.url, synthetic_call(0.3), speed=0)
        async with asyncio.timeout(5):
            while running.calls:
                await asyncio.sleep(0.05)
    kept = sink.call_of(result.session)
    assert kept.ends == ["closed"] and not result.disconnect_info
    np.testing.assert_array_equal(kept.channel(0), through_ulaw(call)[:, 0])
    assert sink.call_of(after.session).ends == ["closed"]
    assert len(sink.calls) > 20  # the fuzz did reach open calls, not only the handshake
    assert all(len(c.ends) == 1 for c in sink.calls)
    assert {e for c in sink.calls for e in c.ends} >= {"protocol_error", "sender_lost"}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_sessions_without_sockets_survive_thousands_of_mutations() -> None:
    """The session alone, fed far more mutations than a socket test can afford: it never raises, numbers its
    replies 1, 2, 3…, ends a call at most once, and says nothing after its disconnect but closed."""
    rng = random.Random(SEED + 1)
    for _ in range(3000):
        sid = str(uuid.uuid4())
        session = AudioHookSession("fuzz:1", sid)
        replies: list[dict[str, Any]] = []
        ends = 0
        first = mutated_open(rng, sid) if rng.random() < 0.5 else json.dumps(valid("open", 1, sid, rng))
        inputs: list[str | bytes] = [first] + [
            mutated_text(rng, seq, sid) if rng.random() < 0.6 else mutated_binary(rng) for seq in range(2, 6)]
        for data in inputs:
            actions = session.receive_text(data) if isinstance(data, str) else session.receive_binary(data)
            if any(isinstance(a, OpenCall) for a in actions):
                actions += session.accept() if rng.random() < 0.8 else session.refuse("no")
            replies += [json.loads(a.text) for a in actions if isinstance(a, Send)]
            ends += sum(isinstance(a, EndCall) for a in actions)
        assert [r["seq"] for r in replies] == list(range(1, len(replies) + 1))
        assert ends <= 1
        kinds = [r["type"] for r in replies]
        if "disconnect" in kinds:
            assert set(kinds[kinds.index("disconnect") + 1:]) <= {"closed"}
