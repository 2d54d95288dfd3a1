"""Capacity: how many calls at once one machine carries in real time, through the call server, against one
`monitor` process per call (one model each), in the same run.

For each N in ``--calls``:

* **ingest**: a hub and ``kasuhara-live ingest`` (one recogniser for all calls) as processes; N SIPp processes
  place SIPREC calls on loopback at once, each sending ``--seconds`` of RTP (both streams, G.711 μ-law) cut from
  the samples at a different offset, then BYE;
* **processes**: the same hub; N ``kasuhara-live monitor --file CALL`` processes, each pacing the same audio in
  real time (today's per-seat design).

A supervisor's websocket client receives every event.  Per N and design it prints: calls ended, finals received,
finals lost (produced by the server or monitor but never received: must be 0), final latency and alert latency
(warning and above) p50/p95 — an event's arrival minus its call's start and the audio time it is about (the end
of the offending utterance; an alert raised on a partial may come before the utterance ends: negative) — the
worst lag of a call's end after its audio ended, CPU (cores busy, mean) and peak resident memory of the process(es)
under test, and whether it kept up with real time (every call's last events within 5 s of its audio's end).

Needs sipp (sip-tester), sox and raw sockets (SIPp's pcap replay).  The figures and the machine go to
bench/CAPACITY.md by hand; this prints a Markdown table.  Usage::

    .venv/bin/python bench/capacity.py --calls 2,4,8,12,16 --seconds 600
    .venv/bin/python bench/capacity.py --calls 12 --seconds 60 --designs ingest --config-extra 'max_calls = 20'
"""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from capacity_parts import (
    Sampler,
    Watch,
    agent_scenario,
    call_files,
    free_port,
    machine,
    measure,
    source_audio,
    start,
    write_site,
)

ENDED = re.compile(r"call (\S+): ended \((\w+)\), (\d+) finals")
MONITOR_SUMMARY = re.compile(r"call (\S+): (\d+) utterance\.final")


def sipp(folder: Path, scenario: Path, sip: str, index: int, seconds: float) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["sipp", sip, "-sf", str(scenario), "-i", "127.0.0.1", "-p", "0", "-mi", "127.0.0.1",
         "-mp", str(20000 + 8 * index), "-m", "1", "-d", str(int(seconds * 1000) + 500), "-key", "agent_ext",
         str(3000 + index), "-nostdin", "-timeout", f"{int(seconds) + 120}s", "-timeout_error"],
        cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def watched(watch: Watch, calls: int, body: Callable[[], None], timeout: float) -> None:
    """Run ``body`` (blocking: it starts and waits for the senders) while the supervisor listens, then wait until
    every call has ended (or ``timeout``)."""
    done = asyncio.Event()
    listener = asyncio.create_task(watch.run(done))
    await asyncio.sleep(0.5)
    await asyncio.to_thread(body)
    deadline = time.monotonic() + timeout
    while watch.ended() < calls and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    done.set()
    await listener


def run_ingest(work: Path, files: list[tuple[Path, Path]], seconds: float, extra: str) -> dict[str, Any]:
    calls = len(files)
    site, tokens = write_site(work, calls, extra)
    hub, url = start(["hub", "--config", str(site), "--port", "0"], r"listening on (ws://\S+) ", work / "hub.log")
    ingest, _ = start(["ingest", "--config", str(site), "--hub", url], r"kasuhara-live ingest: (.*)",
                      work / "ingest.log", env={"KASUHARA_TOKEN": tokens["callserver"]})
    sip = re.search(r'sip_listen = "([^"]+)"', site.read_text()).group(1)  # type: ignore[union-attr]
    scenario = agent_scenario(work)
    sampler = Sampler([ingest.pid])
    others = Sampler([hub.pid])  # the hub and the SIPp senders share the machine: their CPU is shown apart
    watch = Watch(url, tokens["boss"])

    def senders() -> None:
        sampler.start()
        running = [sipp(folder, scenario, sip, i, seconds) for i, (folder, _) in enumerate(files)]
        others.pids += [p.pid for p in running]
        others.start()
        for process in running:
            process.wait(seconds + 180)

    try:
        asyncio.run(watched(watch, calls, senders, 120.0))
    finally:
        sampler.stop()
        others.stop()
        ingest.send_signal(signal.SIGTERM)
        ingest.wait(120)
        hub.terminate()
        hub.wait(30)
    made = {m.group(1): int(m.group(3)) for m in ENDED.finditer((work / "ingest.log").read_text(errors="replace"))}
    return {**measure(watch, seconds, made), "cpu": mean(sampler.cpu), "rss_mb": sampler.rss_peak_mb,
            "others_cpu": mean(others.cpu)}


def run_processes(work: Path, files: list[tuple[Path, Path]], seconds: float, extra: str) -> dict[str, Any]:
    calls = len(files)
    site, tokens = write_site(work, calls, extra)
    hub, url = start(["hub", "--config", str(site), "--port", "0"], r"listening on (ws://\S+) ", work / "hub.log")
    watch = Watch(url, tokens["boss"])
    monitors: list[subprocess.Popen[bytes]] = []
    sampler = Sampler([])
    others = Sampler([hub.pid])
    outputs: list[str] = []

    def senders() -> None:
        for i, (_, wav) in enumerate(files):
            monitors.append(subprocess.Popen(
                [*python_m(), "monitor", "--config", str(site), "--file", str(wav), "--seat", f"seat{i}", "--hub",
                 url], cwd=work, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                env=env_with(tokens[f"seat{i}"])))
        sampler.pids = [m.pid for m in monitors]
        sampler.start()
        others.start()
        for monitor in monitors:
            out, _ = monitor.communicate(timeout=seconds + 600)
            outputs.append(out.decode(errors="replace"))

    try:
        asyncio.run(watched(watch, calls, senders, 120.0))
    finally:
        sampler.stop()
        others.stop()
        for monitor in monitors:
            if monitor.poll() is None:
                monitor.kill()
        hub.terminate()
        hub.wait(30)
    made = {m.group(1): int(m.group(2)) for text in outputs for m in MONITOR_SUMMARY.finditer(text)}
    return {**measure(watch, seconds, made), "cpu": mean(sampler.cpu), "rss_mb": sampler.rss_peak_mb,
            "others_cpu": mean(others.cpu)}


def python_m() -> list[str]:
    import sys

    return [sys.executable, "-m", "kasuhara_live"]


def env_with(token: str) -> dict[str, str]:
    import os

    return {**os.environ, "KASUHARA_TOKEN": token}


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def row(design: str, calls: int, r: dict[str, Any]) -> str:
    kept = "yes" if r["ended"] == calls and r["end_lag_max"] <= 5.0 and r["finals_lost"] == 0 else "**no**"
    return (f"| {design} | {calls} | {r['ended']}/{calls} | {r['finals']} | {r['finals_lost']} | "
            f"{r['final_p50']:.2f} / {r['final_p95']:.2f} | {r['alert_p50']:.2f} / {r['alert_p95']:.2f} "
            f"({r['alerts']}) | {r['end_lag_max']:.1f} | {r['cpu']:.2f} | {r['others_cpu']:.2f} | {r['rss_mb']:.0f} | "
            f"{kept} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", default="1,2,4,8,12,16", help="comma-separated numbers of simultaneous calls")
    parser.add_argument("--seconds", type=float, default=600.0, help="length of every call (default 600)")
    parser.add_argument("--designs", default="ingest,processes", help="ingest, processes or both (default)")
    parser.add_argument("--max-processes", type=int, default=4,
                        help="run the one-process-per-call design only up to this many calls (default 4)")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it (logs of the hub, the server, "
                        "the calls' audio) instead of a temporary folder")
    parser.add_argument("--config-extra", default="", help="TOML lines added to the [ingest] table's site file "
                        "(a later [asr] table may follow, e.g. '[asr]\\nfinal_beam_size = 2')")
    args = parser.parse_args()
    counts = [int(n) for n in args.calls.split(",")]
    designs = args.designs.split(",")
    print(f"Machine: {machine()}; calls of {args.seconds:.0f} s\n")
    print("| design | calls | ended | finals | finals lost | final latency p50 / p95 (s) | alert latency p50 / p95 "
          "(s) (alerts) | worst end lag (s) | CPU (cores) | hub + senders CPU | peak RSS (MB) | keeps up |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory(prefix="capacity-") as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        source = source_audio(work, args.seconds + max(counts) * 41.3)
        files = [call_files(source, work, i, args.seconds) for i in range(max(counts))]
        for calls in counts:
            for design in designs:
                if design == "processes" and calls > args.max_processes:
                    continue
                run = work / f"{design}-{calls}"
                run.mkdir()
                runner = run_ingest if design == "ingest" else run_processes
                print(row(design, calls, runner(run, files[:calls], args.seconds, args.config_extra)), flush=True)


if __name__ == "__main__":
    free_port()  # fail early where sockets are not allowed
    main()
