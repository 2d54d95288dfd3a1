"""The pieces of bench/capacity.py: call audio, the processes it starts, what it measures."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kasuhara_live.hub.users import hash_token  # noqa: E402
from tests.sipp.siprec_pcap import siprec_pcap  # noqa: E402

SAMPLE = REPO / "samples" / "harassment_call.flac"  # stereo: left the agent, right the customer
SCENARIO = REPO / "tests" / "sipp" / "siprec_uac.xml"
OFFSET_STEP_S = 41.3  # call i starts this much further into the source: calls do not speak in lockstep


def machine() -> str:
    """CPU model, cores and memory of this machine, for the figures' heading."""
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    memory = re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text())
    gib = int(memory.group(1)) / 1024 / 1024 if memory else 0
    return f"{model.group(1).strip() if model else 'unknown CPU'}, {os.cpu_count()} cores, {gib:.0f} GiB"


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def source_audio(work: Path, seconds: float) -> Path:
    """The stereo sample call, repeated until long enough, as one 8 kHz phone-band file (left agent, right customer).
    (The complaint sample is mono: both voices in one channel, no use for a stereo recording server.)"""
    once = float(subprocess.run(["soxi", "-D", str(SAMPLE)], capture_output=True, text=True, check=True).stdout)
    repeats = int(seconds / once) + 2
    out = work / "source.wav"
    subprocess.run(["sox", *[str(SAMPLE)] * repeats, "-r", "8000", "-c", "2", str(out)], check=True)
    return out


def call_files(source: Path, work: Path, index: int, seconds: float) -> tuple[Path, Path]:
    """Call ``index``: a folder with its SIPREC pcap (for SIPp) and the same audio as a file (for a monitor)."""
    start = index * OFFSET_STEP_S
    folder = work / f"call{index:02d}"
    folder.mkdir(exist_ok=True)
    siprec_pcap(source, folder / "siprec.pcap", seconds, start)
    wav = folder / "call.wav"
    subprocess.run(["sox", str(source), str(wav), "trim", str(start), str(seconds)], check=True)
    return folder, wav


def agent_scenario(work: Path) -> Path:
    """The SIPREC scenario with the agent's extension taken from ``-key agent_ext``: one agent per call."""
    text = SCENARIO.read_text().replace("sip:2001@pbx.example", "sip:[agent_ext]@pbx.example")
    out = work / "siprec_agents.xml"
    out.write_text(text)
    return out


def write_site(work: Path, calls: int, extra: str) -> tuple[Path, dict[str, str]]:
    """Users (agents, a supervisor, the call server, one monitor per seat) and a site file; returns the tokens."""
    tokens = {"boss": "boss-token", "callserver": "callserver-token"}
    users = [("boss", "supervisor", ""), ("callserver", "ingest", "")]
    for i in range(calls):
        users += [(f"agent{i}", "agent", ""), (f"seat{i}", "monitor", f"agent{i}")]
        tokens[f"seat{i}"] = f"seat{i}-token"
    text = ""
    for name, role, agent in users:
        token = tokens.get(name, f"{name}-token")
        text += f'[[user]]\nname = "{name}"\nrole = "{role}"\ntoken_sha256 = "{hash_token(token)}"\n'
        text += f'agent = "{agent}"\n\n' if agent else "\n"
    (work / "users.toml").write_text(text)
    agents = ", ".join(f'"{3000 + i} = agent{i}"' for i in range(calls))
    site = work / "site.toml"
    site.write_text(f'[hub]\nusers_file = "users.toml"\n[store]\npath = "{work / "calls.sqlite"}"\n\n[ingest]\n'
                    f'sip_listen = "127.0.0.1:{free_port(socket.SOCK_DGRAM)}"\nrtp_port_min = 42000\n'
                    f'rtp_port_max = 42999\naudiohook_listen = ""\nagents = [{agents}]\nmax_calls = {calls + 4}\n'
                    f"{extra}\n")
    return site, tokens


def start(args: list[str], pattern: str, log: Path,
          env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """A kasuhara-live process whose stderr goes to ``log``; waits for ``pattern`` there and returns its group."""
    handle = log.open("wb")
    process = subprocess.Popen([sys.executable, "-m", "kasuhara_live", *args], cwd=REPO, stdout=handle,
                               stderr=handle, env={**os.environ, **(env or {})})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = re.search(pattern, log.read_text(errors="replace"))
        if found:
            return process, found.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    raise SystemExit(f"capacity: {args[0]} did not start: {log.read_text(errors='replace')[-800:]}")


class Sampler(threading.Thread):
    """CPU (cores busy) and resident memory of a set of processes, sampled every second."""

    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.cpu: list[float] = []
        self.rss_peak_mb = 0.0
        self._halt = threading.Event()
        self._tick = os.sysconf("SC_CLK_TCK")

    def _totals(self) -> tuple[float, float]:
        cpu = rss = 0.0
        for pid in self.pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                cpu += (int(fields[11]) + int(fields[12])) / self._tick
                rss += int(re.search(r"VmRSS:\s*(\d+)", Path(f"/proc/{pid}/status").read_text()).group(1)) / 1024  # type: ignore[union-attr]
            except (OSError, AttributeError, IndexError):
                continue
        return cpu, rss

    def run(self) -> None:
        last, then = self._totals()[0], time.monotonic()
        while not self._halt.wait(1.0):
            cpu, rss = self._totals()
            now = time.monotonic()
            self.cpu.append((cpu - last) / (now - then))
            last, then = cpu, now
            self.rss_peak_mb = max(self.rss_peak_mb, rss)

    def stop(self) -> None:
        self._halt.set()


@dataclass
class Watch:
    """Everything a supervisor receives, with the time it arrived."""

    url: str
    token: str
    received: list[tuple[float, dict[str, Any]]] = field(default_factory=list)

    async def run(self, done: asyncio.Event) -> None:
        from websockets.asyncio.client import connect

        async with connect(self.url, max_size=None) as ws:
            await ws.send(json.dumps({"v": 1, "kind": "hello", "token": self.token}))
            while not done.is_set():
                try:
                    message = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
                except TimeoutError:
                    continue
                if message.get("kind") == "event":
                    self.received.append((time.monotonic(), message))

    def ended(self) -> int:
        return sum(1 for _, m in self.received if m["event"]["kind"] == "call.ended")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


def measure(watch: Watch, seconds: float, made: dict[str, int]) -> dict[str, Any]:
    """Latencies from the supervisor's side: an event's arrival minus (its call's start + the audio time it is
    about). ``made``: finals each call produced, by its own count (for finals lost)."""
    started: dict[str, float] = {}
    finals: dict[str, int] = {}
    final_lat, alert_lat, end_lag = [], [], []
    for at, message in watch.received:
        event = message["event"]
        call = event["call_id"]
        if event["kind"] == "call.started":
            started[call] = at
        elif call not in started:
            continue
        elif event["kind"] == "utterance.final":
            finals[call] = finals.get(call, 0) + 1
            final_lat.append(at - started[call] - event["end"])
        elif event["kind"] == "alert" and event["severity"] in ("warning", "critical"):
            alert_lat.append(at - started[call] - event["end"])
        elif event["kind"] == "call.ended":
            end_lag.append(at - started[call] - seconds)
    lost = sum(max(0, n - finals.get(call, 0)) for call, n in made.items()) if made else -1
    return {"calls": len(started), "ended": len(end_lag), "finals": sum(finals.values()), "finals_lost": lost,
            "final_p50": percentile(final_lat, 0.5), "final_p95": percentile(final_lat, 0.95),
            "alert_p50": percentile(alert_lat, 0.5), "alert_p95": percentile(alert_lat, 0.95),
            "alerts": len(alert_lat), "end_lag_max": max(end_lag) if end_lag else float("nan")}
