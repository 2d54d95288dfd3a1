"""The AudioHook server on a real loopback port, with the project's AudioHook client playing Genesys Cloud."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import json
import logging
import shutil
import ssl
import subprocess
from pathlib import Path

import numpy as np
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from kasuhara_live.config import Config, IngestConfig
from kasuhara_live.errors import AudioError, ConfigError
from kasuhara_live.ingest.audiohook import run_audiohook, split_listen
from kasuhara_live.ingest.audiohook_client import (
    AudioHookClient,
    AudioHookClientError,
    load_stereo_8k,
    stream_call,
)
from tests.audiohook_fakes import FakeSink, server, synthetic_call, through_ulaw
from tests.conftest import SAMPLES

pytestmark = pytest.mark.asyncio

RATE = 8000


@pytest.fixture()
def ingest(cfg: Config) -> IngestConfig:
    return dataclasses.replace(cfg.ingest, allow=("127.0.0.1",), api_key_sha256=(), max_calls=4,
                               no_media_timeout_s=30.0, tls_cert="", tls_key="")


def envelope(samples: np.ndarray, window: int = 400) -> np.ndarray:
    usable = samples[: samples.size // window * window].astype(np.float64).reshape(-1, window)
    return np.sqrt((usable ** 2).mean(axis=1))


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(envelope(a), envelope(b))[0, 1])


# -- a whole call ---------------------------------------------------------------------------------------------------


async def test_a_recorded_call_arrives_on_the_right_channels(ingest: IngestConfig) -> None:
    call = load_stereo_8k(SAMPLES / "harassment_call.flac")
    sink = FakeSink()
    async with server(ingest, sink) as running:
        result = await stream_call(running.url, call, speed=50, frame_ms=100, ping_every_s=20.0,
                                   customConfig={"agent": "sato"})
        assert running.calls == 0
    (handle,) = sink.calls
    assert handle.ends == ["closed"] and handle.rates == {RATE}
    assert handle.meta.protocol == "audiohook" and handle.meta.agent_key == "sato"
    assert handle.meta.caller == "+81312345678" and handle.meta.peer.startswith("127.0.0.1:")
    agent, customer = handle.channel(0), handle.channel(1)
    assert agent.size == customer.size == call.shape[0]
    assert correlation(agent, call[:, 0]) > 0.8 and correlation(customer, call[:, 1]) > 0.8
    assert correlation(agent, call[:, 0]) > correlation(agent, call[:, 1]) + 0.2  # not swapped
    expected = through_ulaw(call)
    np.testing.assert_array_equal(agent, expected[:, 0])
    np.testing.assert_array_equal(customer, expected[:, 1])
    check_replies(result.messages, handle.meta.session, pings=int(call.shape[0] / RATE // 20))


def check_replies(messages: list[dict[str, object]], session: str, pings: int) -> None:
    """opened, a pong per ping, closed: seq 1, 2, 3…; clientseq the client message each one answers."""
    assert [m["type"] for m in messages] == ["opened"] + ["pong"] * pings + ["closed"]
    assert [m["seq"] for m in messages] == list(range(1, pings + 3))
    assert [m["clientseq"] for m in messages] == list(range(1, pings + 3))  # open=1, pings 2.., close last
    assert all(m["id"] == session and m["version"] == "2" for m in messages)
    assert messages[0]["parameters"] == {"media": [{"type": "audio", "format": "PCMU",
                                                    "channels": ["external", "internal"], "rate": 8000}],
                                         "startPaused": False}


async def test_a_client_pause_is_silence_on_the_call_clock(ingest: IngestConfig) -> None:
    call = synthetic_call(3.0)
    sink = FakeSink()
    async with server(ingest, sink) as running:
        await stream_call(running.url, call, speed=0, frame_ms=20, pauses=[(1.0, 0.5)])
    (handle,) = sink.calls
    expected = through_ulaw(call)
    expected[8000:12000] = 0  # what Genesys did not send while paused
    for channel in (0, 1):
        np.testing.assert_array_equal(handle.channel(channel), expected[:, channel])
    assert handle.ends == ["closed"]


async def test_a_server_pause_is_answered_and_kept_on_the_clock(ingest: IngestConfig) -> None:
    call = synthetic_call(4.0)
    sink = FakeSink()
    async with server(ingest, sink) as running:
        streaming = asyncio.create_task(stream_call(running.url, call, speed=2, frame_ms=20))
        async with asyncio.timeout(10):
            while not sink.calls or sink.calls[0].channel(0).size < 4000:
                await asyncio.sleep(0.01)
        (handle,) = sink.calls
        assert await running.pause(handle.meta.session)
        await asyncio.sleep(0.2)
        assert await running.resume(handle.meta.session)
        assert not await running.pause("no-such-session")
        result = await streaming
    assert [m["type"] for m in result.messages if m["type"] in ("pause", "resume")] == ["pause", "resume"]
    received = np.stack([handle.channel(0), handle.channel(1)], axis=1)
    assert received.shape == call.shape and handle.ends == ["closed"]
    differs = np.flatnonzero((received != through_ulaw(call)).any(axis=1))
    assert differs.size and differs[0] >= 4000  # what was sent before the pause arrived intact
    assert not received[differs[0]: differs[-1] + 1].any()  # one stretch of silence where audio was discarded
    assert differs[-1] - differs[0] > 0.1 * RATE


async def test_a_mono_session(ingest: IngestConfig) -> None:
    call = synthetic_call(1.0)
    sink = FakeSink()
    mono = [{"type": "audio", "format": "PCMU", "channels": ["external"], "rate": 8000}]
    async with server(ingest, sink) as running:
        await stream_call(running.url, call, speed=0, media=mono)
    (handle,) = sink.calls
    assert not handle.channel(0).any()
    np.testing.assert_array_equal(handle.channel(1), through_ulaw(call)[:, 1])


# -- ends ------------------------------------------------------------------------------------------------------------


async def test_a_killed_socket_ends_only_its_own_call(ingest: IngestConfig) -> None:
    call = synthetic_call(2.0)
    sink = FakeSink()
    async with server(ingest, sink) as running:
        doomed = await AudioHookClient.connect(running.url)
        survivor = await AudioHookClient.connect(running.url)
        await doomed.open()
        await survivor.open()
        await doomed.send_audio(call[:4000])
        await survivor.send_audio(call[:4000])
        doomed.ws.transport.abort()  # no close message, no close frame: the sender is gone
        lost = sink.call_of(doomed.id)
        await asyncio.wait_for(lost.ended.wait(), 5)
        await survivor.send_audio(call[4000:])
        await survivor.close()
        kept = sink.call_of(survivor.id)
        await asyncio.wait_for(kept.ended.wait(), 5)
        assert running.calls == 0
    assert lost.ends == ["sender_lost"] and lost.channel(0).size == 4000
    assert kept.ends == ["closed"] and kept.channel(1).size == call.shape[0]


async def test_no_media_ends_the_call_and_closes_the_socket(ingest: IngestConfig) -> None:
    sink = FakeSink()
    async with server(dataclasses.replace(ingest, no_media_timeout_s=1.0), sink) as running:
        client = await AudioHookClient.connect(running.url)
        await client.open()
        await client.send_audio(synthetic_call(0.1))
        with pytest.raises(AudioHookClientError, match="no audio for 1 s"):
            await client.expect("never", timeout=5)
        result = await client.finish()
    assert sink.calls[0].ends == ["no_media"] and result.close_code == 1000


async def test_a_paused_client_that_keeps_pinging_is_not_timed_out(ingest: IngestConfig) -> None:
    sink = FakeSink()
    async with server(dataclasses.replace(ingest, no_media_timeout_s=1.0), sink) as running:
        client = await AudioHookClient.connect(running.url)
        await client.open()
        await client.send("paused", {})
        for _ in range(6):  # 1.8 s paused, well past the 1 s timeout
            await asyncio.sleep(0.3)
            await client.send("ping", {})
            await client.expect("pong")
        await client.send("resumed", {"start": "PT0S", "discarded": "PT1.8S"})
        await client.close()
    assert sink.calls[0].ends == ["closed"] and sink.calls[0].channel(0).size == 14400


async def test_shutdown_ends_calls(ingest: IngestConfig) -> None:
    sink = FakeSink()
    async with server(ingest, sink) as running:
        client = await AudioHookClient.connect(running.url)
        await client.open()
    with pytest.raises(AudioHookClientError, match="server shutting down"):
        await client.expect("never", timeout=5)
    assert sink.calls[0].ends == ["shutdown"]


# -- who may send calls ----------------------------------------------------------------------------------------------


async def refused_status(url: str, **kwargs: object) -> int:
    with pytest.raises(InvalidStatus) as info:
        await AudioHookClient.connect(url, **kwargs)  # type: ignore[arg-type]
    return info.value.response.status_code


async def test_peer_not_allowed(ingest: IngestConfig, caplog: pytest.LogCaptureFixture) -> None:
    sink = FakeSink()
    caplog.set_level(logging.INFO, logger="kasuhara_live.ingest.audiohook")
    async with server(dataclasses.replace(ingest, allow=("10.0.0.0/8",)), sink) as running:
        assert await refused_status(running.url) == 403
    refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert refusals == [refusals[0]] and "127.0.0.1 is not in ingest.allow" in refusals[0]
    assert sink.calls == []


async def test_api_key_and_path(ingest: IngestConfig) -> None:
    sink = FakeSink()
    keyed = dataclasses.replace(ingest, api_key_sha256=(hashlib.sha256(b"right-key").hexdigest().upper(),))
    async with server(keyed, sink) as running:
        assert await refused_status(running.url, api_key="wrong-key") == 401
        assert await refused_status(running.url) == 401
        assert await refused_status(running.url.replace("/audiohook", "/other")) == 404
        await stream_call(running.url, SAMPLES / "harassment_call.flac", speed=0, api_key="right-key")
        with pytest.raises(AudioError, match="not stereo"):
            await stream_call(running.url, SAMPLES / "complaint_call.flac", speed=0, api_key="right-key")
    assert [call.ends for call in sink.calls] == [["closed"]]
    assert sink.calls[0].channel(1).size == 176.946375 * RATE  # the whole file


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a test certificate")
async def test_tls(ingest: IngestConfig, tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    sink = FakeSink()
    async with server(dataclasses.replace(ingest, tls_cert=str(cert), tls_key=str(key)), sink) as running:
        assert running.url.startswith("wss://")
        trust = ssl.create_default_context(cafile=str(cert))
        await stream_call(running.url, synthetic_call(0.5), speed=0, ssl=trust)
        with pytest.raises(ssl.SSLCertVerificationError):
            await AudioHookClient.connect(running.url, ssl=ssl.create_default_context())
    assert [call.ends for call in sink.calls] == [["closed"]]
    with pytest.raises(ConfigError, match="go together"):
        async with run_audiohook(dataclasses.replace(ingest, tls_cert=str(cert)), sink, host="127.0.0.1", port=0):
            pass


async def test_max_calls_and_refusals(ingest: IngestConfig) -> None:
    sink = FakeSink()
    async with server(dataclasses.replace(ingest, max_calls=1), sink) as running:
        first = await AudioHookClient.connect(running.url)
        await first.open()
        second = await AudioHookClient.connect(running.url)
        with pytest.raises(AudioHookClientError, match=r"too many calls \(ingest.max_calls = 1\)"):
            await second.open()
        await second.close("disconnect")  # as Genesys answers a disconnect
        await first.close()
        await stream_call(running.url, synthetic_call(0.2), speed=0)  # room again
        sink.refuse = "unknown agent tel:+81120000000"
        refused = await AudioHookClient.connect(running.url)
        with pytest.raises(AudioHookClientError, match="call refused: unknown agent tel:"):
            await refused.open()
        assert running.calls == 0
    assert [call.ends for call in sink.calls] == [["closed"], ["closed"]]


# -- hostile input ends only that session ----------------------------------------------------------------------------


@pytest.mark.parametrize(("payload", "info"), [
    ("{not json", "not JSON"),
    (json.dumps({"version": "2", "type": "hello"}), "unknown message type"),
    (json.dumps({"version": "2", "type": "ping", "seq": 9}), "ping: seq 9 out of order, expected 2"),
    (b"\x01\x02\x03", "3 bytes"),
    (b"\xff" * 100_000, "100000 bytes"),
    (b"\xff" * 300_000, "message over"),  # beyond websockets' own limit: cut with 1009
])
async def test_hostile_message_mid_call(ingest: IngestConfig, payload: str | bytes, info: str,
                                        caplog: pytest.LogCaptureFixture) -> None:
    sink = FakeSink()
    caplog.set_level(logging.INFO, logger="kasuhara_live.ingest.audiohook")
    async with server(ingest, sink) as running:
        bystander = await AudioHookClient.connect(running.url)
        await bystander.open()
        client = await AudioHookClient.connect(running.url)
        await client.open()
        await client.send_audio(synthetic_call(0.1))
        with contextlib.suppress(ConnectionClosed):
            await client.ws.send(payload)
        result = await client.finish() if info == "message over" else None
        if result is None:
            with pytest.raises(AudioHookClientError, match="server disconnected"):
                await client.expect("never", timeout=5)
            result = await client.finish()  # the server hangs up after its grace, or we do
        hostile = sink.call_of(client.id)
        await asyncio.wait_for(hostile.ended.wait(), 5)
        await bystander.send_audio(synthetic_call(0.2))
        await bystander.close()
    assert hostile.ends == ["protocol_error"] and sink.call_of(bystander.id).ends == ["closed"]
    ended = [r.getMessage() for r in caplog.records if client.id in r.getMessage()]
    assert len(ended) == 1 and info in ended[0]


async def test_a_client_that_never_closes_after_disconnect_is_hung_up(ingest: IngestConfig) -> None:
    sink = FakeSink()
    async with server(ingest, sink) as running, connect(running.url) as ws:
        await ws.send("{not json")
        assert json.loads(await ws.recv())["type"] == "disconnect"
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)
        assert ws.close_reason == "text message is not JSON"


async def test_split_listen() -> None:
    assert split_listen("127.0.0.1:9443") == ("127.0.0.1", 9443)
    assert split_listen("[::1]:9443") == ("::1", 9443)
    for bad in ("9443", "host:", "host:99999", ":80"):
        with pytest.raises(ConfigError, match="audiohook_listen"):
            split_listen(bad)
