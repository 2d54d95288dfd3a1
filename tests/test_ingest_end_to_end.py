"""The call server end to end, as a centre runs it: a real hub and `kasuhara-live ingest` (real Whisper, the real
judge) as processes; SIPp places SIPREC calls with RTP, an AudioHook client streams a call over a websocket, and a
supervisor's websocket client sees their finals and alerts, each call with the agent its metadata names.

Asserts what holds whatever the recogniser hears: finals of both speakers, an alert at or above warning on the
excerpt's two abusive lines, each call ended with its reason; never exact transcripts.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect

from kasuhara_live.hub.users import hash_token
from kasuhara_live.ingest.audiohook_client import load_stereo_8k, stream_call
from tests.sipp.siprec_pcap import siprec_pcap
from tests.test_ingest_sipp import FLAC, SCENARIOS, _raw_sockets

REPO = Path(__file__).resolve().parent.parent
# start, seconds: the agent, then 「は？ふざけるなよ。お前ら、客をなめてんのか！」 and 「本当に無能だな…」
EXCERPT = (47.0, 25.0)
TOKENS = {"sato": "sato-token", "suzuki": "suzuki-token", "boss": "boss-token", "callserver": "callserver-token"}
ROLES = {"sato": "agent", "suzuki": "agent", "boss": "supervisor", "callserver": "ingest"}

pytestmark = [
    pytest.mark.model,
    pytest.mark.skipif(not _raw_sockets() or subprocess.run(["which", "sipp"], capture_output=True).returncode,
                       reason="needs sipp (sip-tester) and raw sockets for its pcap replay"),
]


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def site(tmp: Path) -> Path:
    users = "".join(f'[[user]]\nname = "{n}"\nrole = "{ROLES[n]}"\ntoken_sha256 = "{hash_token(t)}"\n\n'
                    for n, t in TOKENS.items())
    (tmp / "users.toml").write_text(users)
    rtp = free_port(socket.SOCK_DGRAM) // 4 * 4
    path = tmp / "site.toml"
    path.write_text(f"""[hub]\nusers_file = "users.toml"\n[store]\npath = "{tmp / 'calls.sqlite'}"\n
[ingest]
sip_listen = "127.0.0.1:{free_port(socket.SOCK_DGRAM)}"
rtp_port_min = {min(rtp, 60000)}
rtp_port_max = {min(rtp, 60000) + 399}
audiohook_listen = "127.0.0.1:{free_port()}"
agents = ["sip:2001@pbx.example = sato", "2002 = suzuki"]
no_media_timeout_s = 4.0
""")
    return path


def start(args: list[str], pattern: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([sys.executable, "-m", "kasuhara_live", *args], cwd=REPO, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, **(env or {})})
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        found = re.search(pattern, line)
        if found:
            return process, found.group(1)
    raise AssertionError(f"{args[0]} did not start (exit {process.wait(10)}): {''.join(seen)[-2000:]}")


async def supervise(url: str, events: list[dict[str, Any]], done: asyncio.Event) -> None:
    async with connect(url) as ws:
        await ws.send(json.dumps({"v": 1, "kind": "hello", "token": TOKENS["boss"]}))
        while not done.is_set():
            try:
                message = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
            except TimeoutError:
                continue
            if message.get("kind") == "event":
                events.append(message)


async def sipp(sip: str, workdir: Path, media_port: int) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        "sipp", sip, "-sf", str(SCENARIOS / "siprec_uac.xml"), "-i", "127.0.0.1", "-p", "0", "-mi", "127.0.0.1",
        "-mp", str(media_port), "-m", "1", "-d", str(int(EXCERPT[1] * 1000) + 500), "-nostdin", "-timeout", "90s",
        "-timeout_error", cwd=workdir,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)


async def calls(sip: str, audiohook: str, tmp: Path) -> None:
    work = tmp / "sipp"
    work.mkdir()
    siprec_pcap(FLAC, work / "siprec.pcap", EXCERPT[1], EXCERPT[0])
    whole = await sipp(sip, work, free_port(socket.SOCK_DGRAM))
    cut = await sipp(sip, work, free_port(socket.SOCK_DGRAM))
    audio = load_stereo_8k(FLAC)[int(EXCERPT[0] * 8000) : int(sum(EXCERPT) * 8000)]
    streamed = asyncio.create_task(stream_call(audiohook, audio, customConfig={"agent": "2002"}))
    await asyncio.sleep(8)
    cut.send_signal(signal.SIGKILL)  # the sender dies mid-call: no BYE, no more RTP
    await cut.wait()
    assert await asyncio.wait_for(whole.wait(), 90) == 0
    await asyncio.wait_for(streamed, 90)


def by_call(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for message in events:
        out.setdefault(message["event"]["call_id"], []).append(message)
    return out


def test_siprec_and_audiohook_calls_reach_the_supervisor_with_their_agents(tmp_path: Path) -> None:
    config = site(tmp_path)
    hub, hub_url = start(["hub", "--config", str(config), "--port", "0"], r"listening on (ws://\S+) ")
    ingest = None
    try:
        ingest, _ = start(["ingest", "--config", str(config), "--hub", hub_url], r"kasuhara-live ingest: (.*)",
                          env={"KASUHARA_TOKEN": TOKENS["callserver"]})
        cfg_text = config.read_text()
        sip = re.search(r'sip_listen = "([^"]+)"', cfg_text).group(1)  # type: ignore[union-attr]
        hook = "ws://" + re.search(r'audiohook_listen = "([^"]+)"', cfg_text).group(1) + "/audiohook"  # type: ignore[union-attr]
        events: list[dict[str, Any]] = []

        async def run() -> None:
            done = asyncio.Event()
            watcher = asyncio.create_task(supervise(hub_url, events, done))
            await asyncio.sleep(0.5)
            await calls(sip, hook, tmp_path)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and sum(m["event"]["kind"] == "call.ended" for m in events) < 3:
                await asyncio.sleep(0.5)
            done.set()
            await watcher

        asyncio.run(run())
        ingest.send_signal(signal.SIGTERM)
        assert ingest.wait(60) == 0
    finally:
        for process in (ingest, hub):
            if process is not None and process.poll() is None:
                process.kill()
    ended = {c: [m for m in ms if m["event"]["kind"] == "call.ended"] for c, ms in by_call(events).items()}
    reasons = sorted(ms[0]["event"]["reason"] for ms in ended.values() if ms)
    assert reasons == ["bye", "closed", "no_media"], (reasons, {c: len(m) for c, m in by_call(events).items()})
    for messages in by_call(events).values():
        reason = next(m["event"]["reason"] for m in messages if m["event"]["kind"] == "call.ended")
        agents = {m["agent"] for m in messages}
        assert agents == ({"suzuki"} if reason == "closed" else {"sato"}) and {m["monitor"] for m in messages} \
            == {"callserver"}
        if reason == "no_media":
            continue  # cut at 8 s: whatever it said before, it ended
        speakers = {m["event"]["speaker"] for m in messages if m["event"]["kind"] == "utterance.final"}
        assert speakers == {"agent", "customer"}, (reason, speakers)
        severities = [m["event"]["severity"] for m in messages if m["event"]["kind"] == "alert"]
        assert {"warning", "critical"} & set(severities), (reason, severities)
