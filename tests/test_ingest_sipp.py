"""The SIPREC server against a real third-party SIP client: SIPp (sip-tester) places recording sessions on loopback.

Each SIPp call sends the INVITE of ``tests/sipp/siprec_uac.xml`` (multipart SDP with two ``a=sendonly`` m-lines +
RFC 7865 metadata), ACKs, replays ``siprec.pcap`` (both streams: SIPp adds each packet's port offset to the
answer's first m=audio port) and sends BYE.  The pcap is cut from ``samples/harassment_call.flac``.

Needs ``sipp``, ``sox`` and raw sockets (root or CAP_NET_RAW: SIPp's pcap replay writes its own UDP headers).
Run alone: ``PYTHONPATH=$PWD pytest -q tests/test_ingest_sipp.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import socket
from pathlib import Path

import numpy as np
import pytest

from kasuhara_live.ingest.siprec import SiprecServer
from tests.sipp.siprec_pcap import siprec_pcap
from tests.siprec_helpers import FakeHandle, FakeSink, ingest_cfg

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE / "sipp"
FLAC = HERE.parent / "samples" / "harassment_call.flac"
START_S = 4.0  # agent 4.0–5.5 s, customer 6.3–10.9 s, agent again from 11.6 s: both sides speak and pause


def _raw_sockets() -> bool:
    try:
        socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP).close()
    except OSError:
        return False
    return True


pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.skipif(shutil.which("sipp") is None or shutil.which("sox") is None,
                       reason="needs sipp (sip-tester) and sox"),
    pytest.mark.skipif(not _raw_sockets(), reason="SIPp's pcap replay needs raw sockets (root or CAP_NET_RAW)"),
]


async def sipp(server: SiprecServer, workdir: Path, scenario: str, *args: str,
               media_port: int = 6000) -> asyncio.subprocess.Process:
    """Start SIPp in ``workdir`` (where its ``siprec.pcap`` is) against the server."""
    return await asyncio.create_subprocess_exec(
        "sipp", f"127.0.0.1:{server.port}", "-sf", str(SCENARIOS / scenario), "-i", "127.0.0.1", "-p", "0",
        "-mi", "127.0.0.1", "-mp", str(media_port), "-nostdin", "-timeout", "60s", "-timeout_error",
        "-trace_err", *args, cwd=workdir, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)


async def finished(process: asyncio.subprocess.Process, workdir: Path) -> None:
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    errors = "".join(p.read_text(errors="replace")[-2000:] for p in workdir.glob("*_errors.log"))
    assert process.returncode == 0, f"sipp failed ({process.returncode}): {stderr.decode()[-500:]} {errors}"


def workdir_with_pcap(path: Path, seconds: float) -> tuple[Path, np.ndarray]:
    path.mkdir()
    return path, siprec_pcap(FLAC, path / "siprec.pcap", seconds, START_S)


def envelope(samples: np.ndarray) -> np.ndarray:
    """Energy per 20 ms, in dB: follows who speaks when, whatever the codec did to the waveform."""
    frames = samples[: len(samples) // 160 * 160].astype(np.float64).reshape(-1, 160)
    return 10 * np.log10((frames**2).mean(axis=1) + 1.0)


def correlation(received: np.ndarray, source: np.ndarray) -> float:
    a, b = envelope(received), envelope(source)
    n = min(len(a), len(b))
    return float(np.corrcoef(a[:n], b[:n])[0, 1])


def assert_recorded(call: FakeHandle, source: np.ndarray, jitter_packets: int = 5) -> None:
    """Both channels as long as the source (± a few packets), channel 0 following the agent (left)."""
    assert call.ends == ["bye"], call.ends
    assert call.meta.agent_key == "sip:2001@pbx.example" and call.meta.caller == "0312345678"
    for channel, column in ((0, 0), (1, 1)):
        audio = call.channel(channel)
        assert abs(len(audio) - len(source)) <= jitter_packets * 160, (channel, len(audio), len(source))
        own, other = correlation(audio, source[:, column]), correlation(audio, source[:, 1 - column])
        assert own > 0.8 and own > other + 0.3, (channel, own, other)


async def until_ended(calls: list[FakeHandle], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not all(c.ends for c in calls):
            await asyncio.sleep(0.05)


@pytest.mark.parametrize("transport", ["u1", "t1"])
async def test_a_sipp_recording_session_gives_both_channels(tmp_path: Path, transport: str) -> None:
    workdir, source = workdir_with_pcap(tmp_path / "call", 6.0)
    sink = FakeSink()
    async with SiprecServer(ingest_cfg(), sink) as server:
        await finished(await sipp(server, workdir, "siprec_uac.xml", "-t", transport, "-m", "1", "-d", "7500"),
                       workdir)
        await until_ended(sink.calls)
        assert len(sink.calls) == 1 and sink.calls[0].meta.protocol == "siprec"
        assert_recorded(sink.calls[0], source)
        assert server.active_calls == 0 and not server.pool._used


async def test_a_killed_sipp_ends_by_no_media_while_another_call_completes(tmp_path: Path) -> None:
    long_dir, _ = workdir_with_pcap(tmp_path / "long", 20.0)
    short_dir, source = workdir_with_pcap(tmp_path / "short", 6.0)
    sink = FakeSink()
    async with SiprecServer(ingest_cfg(no_media_timeout_s=3.0), sink) as server:
        doomed = await sipp(server, long_dir, "siprec_uac.xml", "-m", "1", "-d", "20000", media_port=6100)
        normal = await sipp(server, short_dir, "siprec_uac.xml", "-m", "1", "-d", "7500", media_port=6200)
        await asyncio.sleep(2.5)
        doomed.send_signal(signal.SIGKILL)  # no BYE, no more RTP
        await doomed.wait()
        await finished(normal, short_dir)
        await until_ended(sink.calls)
        killed = next(c for c in sink.calls if f"-{doomed.pid}@" in c.meta.session)
        completed = next(c for c in sink.calls if f"-{normal.pid}@" in c.meta.session)
        assert killed.ends == ["no_media"]
        assert 1.5 * 8000 <= len(killed.channel(0)) <= 4 * 8000
        assert_recorded(completed, source)


async def test_a_peer_not_allowed_gets_403_from_sipp(tmp_path: Path) -> None:
    workdir, _ = workdir_with_pcap(tmp_path / "refused", 1.0)
    sink = FakeSink()
    async with SiprecServer(ingest_cfg(allow=("10.0.0.0/8",)), sink) as server:
        await finished(await sipp(server, workdir, "siprec_refused.xml", "-m", "1"), workdir)
    assert sink.calls == []


async def test_four_sipp_calls_at_once_all_complete(tmp_path: Path) -> None:
    workdir, source = workdir_with_pcap(tmp_path / "four", 3.0)
    sink = FakeSink()
    async with SiprecServer(ingest_cfg(), sink) as server:
        process = await sipp(server, workdir, "siprec_uac.xml", "-m", "4", "-l", "4", "-r", "20", "-d", "4500")
        peak = 0
        while process.returncode is None:
            peak = max(peak, server.active_calls)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(process.wait()), 0.05)
        await finished(process, workdir)
        await until_ended(sink.calls)
    assert len(sink.calls) == 4 and peak == 4
    assert len({c.meta.session for c in sink.calls}) == 4
    for call in sink.calls:
        assert_recorded(call, source)
