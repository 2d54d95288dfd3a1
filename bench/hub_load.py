"""Hub load: N simulated monitors x M supervisor consoles on loopback (benchmark, not a test).

The hub runs as its own process (``kasuhara-live hub``), so its memory (VmHWM/VmRSS from /proc) and CPU time
are its own; the simulated clients share one asyncio process. Each monitor uses the real ``Publisher`` and
publishes one call for the whole run: turns of 2-6 s of speech with a partial every 0.5 s, the final at the
end of the turn, an alert and a level change after about one caller final in ten, the agent's turns in
between. Every event carries ``wall`` = the publish time (Unix seconds); each console measures receive time
minus ``wall``: the end-to-end delivery latency, including the client process's own scheduling delays.

Each supervisor also watches ``--watch`` calls (their partials too); ``--agents`` adds one agent console per
monitor (every event of its call).

Usage: ``.venv/bin/python bench/hub_load.py [--monitors 200] [--supervisors 20] [--seconds 30] [--agents]
[--watch 1] [--out bench/HUB_RESULTS.md]``; prints a Markdown table and appends it to ``--out``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import websockets  # noqa: E402

from kasuhara_live.events import (  # noqa: E402
    Alert,
    CallEnded,
    CallStarted,
    Event,
    Level,
    LevelChanged,
    UtteranceFinal,
    UtterancePartial,
)
from kasuhara_live.hub.client import ConsoleClient, Publisher  # noqa: E402
from kasuhara_live.hub.protocol import SUMMARY_KINDS  # noqa: E402
from kasuhara_live.hub.users import hash_token, new_token  # noqa: E402

CALLER_LINES = ["お前のところの商品のせいで大変な目にあったんだよ", "責任者を出せって言ってるだろ",
                "今すぐ家まで謝りに来い", "何回電話させるんだよ", "誠意を見せろよ誠意を", "ふざけるなよ本当に"]
AGENT_LINES = ["大変申し訳ございません", "確認いたしますので少々お待ちください", "担当部署に申し伝えます",
               "そのようなご要望にはお応えいたしかねます"]


@dataclass
class Tally:
    """What the clients saw."""

    latencies: list[float] = field(default_factory=list)
    published: dict[str, int] = field(default_factory=dict)  # kind -> count
    partials_per_call: dict[str, int] = field(default_factory=dict)
    summary_events: int = 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def write_site(folder: Path, monitors: int, supervisors: int, port: int, with_store: bool = True) -> dict[str, str]:
    """Users file and site config for the run; returns name -> token."""
    tokens: dict[str, str] = {}
    lines: list[str] = []

    def add(name: str, role: str, agent: str = "") -> None:
        tokens[name] = new_token()
        lines.extend(["[[user]]", f'name = "{name}"', f'role = "{role}"'])
        if agent:
            lines.append(f'agent = "{agent}"')
        lines.extend([f'token_sha256 = "{hash_token(tokens[name])}"', ""])

    for i in range(monitors):
        add(f"agent-{i}", "agent")
        add(f"seat-{i}", "monitor", f"agent-{i}")
    for j in range(supervisors):
        add(f"boss-{j}", "supervisor")
    (folder / "users.toml").write_text("\n".join(lines), encoding="utf-8")
    # The hub writes every event to the call store before it broadcasts it, as in production (unless --no-store).
    store = "" if not with_store else str(folder / "calls.sqlite")
    (folder / "site.toml").write_text(f'[hub]\nusers_file = "users.toml"\nhost = "127.0.0.1"\nport = {port}\n'
                                      f'[store]\npath = "{store}"\n', encoding="utf-8")
    return tokens


def start_hub(folder: Path) -> subprocess.Popen[bytes]:
    log = (folder / "hub.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "kasuhara_live", "hub", "--config", str(folder / "site.toml")],
                            cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 30
    while time.time() < deadline:
        if "listening on" in (folder / "hub.log").read_text(encoding="utf-8", errors="replace"):
            return proc
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    raise SystemExit("hub did not start:\n" + (folder / "hub.log").read_text(encoding="utf-8", errors="replace"))


def proc_status(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        return dict(line.split(":", 1) for line in fh.read().splitlines() if ":" in line)


def sched_s(pid: int) -> tuple[float, float]:
    """Seconds on a CPU and seconds runnable but waiting for one (/proc/<pid>/schedstat)."""
    with open(f"/proc/{pid}/schedstat", encoding="ascii") as fh:
        on_cpu, waiting, _ = fh.read().split()
    return int(on_cpu) / 1e9, int(waiting) / 1e9


def proc_cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def simulate_call(pub: Publisher, call_id: str, seconds: float, tally: Tally, rng: random.Random) -> None:
    """One call: alternating turns, partials every 0.5 s of speech, finals, now and then an alert."""

    def send(event: Event, kind: str) -> None:
        pub.publish(event)
        tally.published[kind] = tally.published.get(kind, 0) + 1
        if kind in SUMMARY_KINDS:
            tally.summary_events += 1
        elif kind == "utterance.partial":
            tally.partials_per_call[call_id] = tally.partials_per_call.get(call_id, 0) + 1

    started = time.monotonic()
    utterance, level, audio_t = 0, Level.NONE, 0.0
    while time.monotonic() - started < seconds - 7:
        utterance += 1
        speaker = "customer" if utterance % 2 else "agent"
        text = rng.choice(CALLER_LINES if speaker == "customer" else AGENT_LINES)
        turn_s = rng.uniform(2.0, 6.0)
        uid, start = f"u{utterance:04d}", audio_t
        for step in range(1, int(turn_s / 0.5)):
            await asyncio.sleep(0.5)
            audio_t += 0.5
            shown = text[: max(1, int(len(text) * step * 0.5 / turn_s))]
            send(UtterancePartial(call_id, audio_t, uid, speaker, start, audio_t, shown, wall=time.time()),
                 "utterance.partial")
        await asyncio.sleep(0.5)
        audio_t += 0.5
        send(UtteranceFinal(call_id, audio_t, uid, speaker, start, audio_t, text, -20.0, wall=time.time()),
             "utterance.final")
        if speaker == "customer" and rng.random() < 0.1:
            send(Alert(call_id, audio_t, f"{call_id}-a{utterance}", "coercion", Level.WARNING, start, audio_t,
                       (text,), ("conduct",), "そのようなご要望にはお応えいたしかねます", wall=time.time()), "alert")
            if level is not Level.WARNING:
                send(LevelChanged(call_id, audio_t, Level.WARNING, level, "暴言", wall=time.time()),
                     "level.changed")
                level = Level.WARNING
        pause = rng.uniform(0.3, 1.0)
        await asyncio.sleep(pause)
        audio_t += pause
    send(CallEnded(call_id, audio_t, "hangup", wall=time.time()), "call.ended")


async def loop_lag(lags: list[float], stop: asyncio.Event) -> None:
    """How late a 10 ms timer fires in the client process: the clients' own share of the latency."""
    while not stop.is_set():
        before = time.monotonic()
        await asyncio.sleep(0.01)
        lags.append(time.monotonic() - before - 0.01)


async def console(url: str, token: str, watch: list[str], tally: Tally, stop: asyncio.Event) -> None:
    async with ConsoleClient(url, token) as client:
        for call_id in watch:
            await client.watch(call_id)
        async for message in client:
            if message["kind"] == "event":
                tally.latencies.append(time.time() - message["event"]["wall"])
            elif message["kind"] == "disconnected":
                print(f"console {token[:6]}… disconnected: {message}", file=sys.stderr)
            if stop.is_set():
                break


@dataclass
class Results:
    elapsed: float
    hub_cpu: float
    client_cpu: float
    by_kind: dict[str, int]
    supervisors: Tally
    agents: Tally
    expected_supervisor: int
    expected_agent: int
    drained: bool
    client_lag: list[float]
    hub_wait: float  # seconds the hub was runnable but waited for a CPU (others' load)
    client_wait: float
    hwm: str
    rss: str

    @property
    def published(self) -> int:
        return sum(self.by_kind.values())

    @property
    def missing(self) -> int:
        return (self.expected_supervisor - len(self.supervisors.latencies)
                + self.expected_agent - len(self.agents.latencies))


async def run(args: argparse.Namespace, url: str, tokens: dict[str, str], hub_pid: int) -> Results:
    rng = random.Random(7)
    sup_tally, agent_tally, pub_tally = Tally(), Tally(), Tally()
    call_ids = [f"seat{i}-call" for i in range(args.monitors)]
    stop = asyncio.Event()
    watched = {j: [call_ids[(j * 7 + k) % args.monitors] for k in range(args.watch)] for j in range(args.supervisors)}
    publishers = [Publisher(url, tokens[f"seat-{i}"]) for i in range(args.monitors)]
    for pub in publishers:
        pub.start()
    for pub in publishers:
        if not await pub.wait_connected(30):
            raise SystemExit("a publisher could not connect")
    # Calls start first, so that watch finds them; the consoles connect a moment later.
    for pub, call_id in zip(publishers, call_ids, strict=True):
        pub.publish(CallStarted(call_id, 0.0, ("agent", "customer"), "bench", wall=time.time()))
    for pub in publishers:
        await pub.drain(30)
    consoles = [asyncio.create_task(console(url, tokens[f"boss-{j}"], watched[j], sup_tally, stop))
                for j in range(args.supervisors)]
    if args.agents:
        consoles += [asyncio.create_task(console(url, tokens[f"agent-{i}"], [], agent_tally, stop))
                     for i in range(args.monitors)]
    await asyncio.sleep(2.0)
    lags: list[float] = []
    lag_task = asyncio.create_task(loop_lag(lags, stop))
    cpu0, t0 = proc_cpu_s(hub_pid), time.monotonic()
    hub_sched0, client_sched0 = sched_s(hub_pid), sched_s(os.getpid())
    client_cpu0 = time.process_time()
    calls = [simulate_call(pub, call_id, args.seconds, pub_tally, random.Random(rng.random()))
             for pub, call_id in zip(publishers, call_ids, strict=True)]
    # Stagger the call starts over the first two seconds, as real calls are not in step.
    await asyncio.gather(*(delayed(call, rng.uniform(0, 2.0)) for call in calls))
    drained = all([await pub.drain(30) for pub in publishers])
    await asyncio.sleep(1.0)
    elapsed, hub_cpu = time.monotonic() - t0, proc_cpu_s(hub_pid) - cpu0
    client_cpu = time.process_time() - client_cpu0
    hub_wait = sched_s(hub_pid)[1] - hub_sched0[1]
    client_wait = sched_s(os.getpid())[1] - client_sched0[1]
    status = proc_status(hub_pid)
    stop.set()
    await lag_task
    for task in consoles:
        task.cancel()
    for pub in publishers:
        await pub.close()
    expected_supervisor = args.supervisors * pub_tally.summary_events + sum(
        pub_tally.partials_per_call.get(c, 0) for calls_ in watched.values() for c in calls_)
    return Results(elapsed, hub_cpu, client_cpu, dict(sorted(pub_tally.published.items())), sup_tally, agent_tally,
                   expected_supervisor, sum(pub_tally.published.values()) if args.agents else 0, drained,
                   lags, hub_wait, client_wait, status["VmHWM"].strip(), status["VmRSS"].strip())


async def delayed(coro: object, delay: float) -> None:
    await asyncio.sleep(delay)
    await coro  # type: ignore[misc]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def table(args: argparse.Namespace, r: Results) -> str:
    delivered = len(r.supervisors.latencies) + len(r.agents.latencies)
    rows = [
        "| calls (monitors) | supervisors | agent consoles | seconds | events published | published/s "
        "| deliveries/s | missing deliveries | hub CPU (% of one core) | hub peak RSS (VmHWM) |",
        "|---|---|---|---|---|---|---|---|---|---|",
        f"| {args.monitors} | {args.supervisors} | {args.monitors if args.agents else 0} | {r.elapsed:.1f} "
        f"| {r.published} | {r.published / r.elapsed:.0f} | {delivered / r.elapsed:.0f} | {r.missing} "
        f"| {100 * r.hub_cpu / r.elapsed:.0f} | {r.hwm} |",
        "",
        "| delivered to | messages | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |",
        "|---|---|---|---|---|---|",
    ]
    for name, tally in (("supervisors", r.supervisors), ("agents", r.agents)):
        if tally.latencies:
            rows.append(f"| {name} | {len(tally.latencies)} | {pct(tally.latencies, 0.5):.1f} "
                        f"| {pct(tally.latencies, 0.95):.1f} | {pct(tally.latencies, 0.99):.1f} "
                        f"| {max(tally.latencies) * 1000:.1f} |")
    rows += ["", f"Published by kind: {r.by_kind}; every event acked: {r.drained}; client process CPU: "
             f"{100 * r.client_cpu / r.elapsed:.0f} % of one core; client event-loop lag (a 10 ms timer firing late) "
             f"p50 {pct(r.client_lag, 0.5):.1f} ms, p99 {pct(r.client_lag, 0.99):.1f} ms; hub RSS at the end: "
             f"{r.rss}.",
             f"Time runnable but waiting for a CPU (other tenants' load; /proc/<pid>/schedstat): hub "
             f"{100 * r.hub_wait / r.elapsed:.0f} %, client process {100 * r.client_wait / r.elapsed:.0f} % of the "
             "run."]
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monitors", type=int, default=200)
    parser.add_argument("--supervisors", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--watch", type=int, default=1, help="calls each supervisor watches (partials too)")
    parser.add_argument("--agents", action="store_true", help="one agent console per monitor")
    parser.add_argument("--no-store", action="store_true", help="the hub keeps nothing (no call store)")
    parser.add_argument("--out", default=str(REPO / "bench" / "HUB_RESULTS.md"))
    args = parser.parse_args()
    if args.seconds < 10 or args.monitors < 1 or args.monitors > 2000 or args.supervisors > 500:
        parser.error("--seconds at least 10, --monitors 1..2000, --supervisors up to 500")
    with tempfile.TemporaryDirectory(prefix="hub-load-") as tmp:
        folder = Path(tmp)
        port = free_port()
        tokens = write_site(folder, args.monitors, args.supervisors, port, not args.no_store)
        hub = start_hub(folder)
        try:
            results = asyncio.run(run(args, f"ws://127.0.0.1:{port}", tokens, hub.pid))
        finally:
            hub.terminate()
            hub.wait(10)
    command = "bench/hub_load.py " + " ".join(sys.argv[1:])
    load = os.getloadavg()[0]  # others share this machine: the 1-minute load says how much
    header = (f"## {args.monitors} calls, {args.supervisors} supervisors"
              f"{', agent consoles' if args.agents else ''}"
              f"{', no store' if args.no_store else ', with the call store'}"
              f"\n\nCommand: `.venv/bin/python {command.strip()}`\n\n"
              f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores, Python "
              f"{platform.python_version()}, websockets {websockets.__version__}; load average before the end "
              f"{load:.1f}.\n\n")
    text = header + table(args, results) + "\n"
    print(text)
    out = Path(args.out)
    if not out.exists():
        out.write_text("# Hub load benchmark results\n\n", encoding="utf-8")
    with out.open("a", encoding="utf-8") as fh:
        fh.write("\n" + text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
