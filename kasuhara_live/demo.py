"""``kasuhara-live demo``: the whole live system on one machine, with nothing to set up.

A hub on a free loopback port with throwaway users, one monitor per sample call (each a seat of its own
agent) replaying the call in real time, and the supervisor's console, or the agent's, in the foreground.
``--headless`` replaces the console with a plain feed of what a supervisor receives, for tests and CI.

Every part is the real one (websocket hub, monitors publishing through the hub client, the Textual console
reading through it); only the users are made up for the occasion, and their tokens never leave the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from kasuhara_live.asr.scheduler import BatchScheduler
from kasuhara_live.asr.transcriber import Transcriber
from kasuhara_live.audio.sources import FileSource
from kasuhara_live.config import Config
from kasuhara_live.console.link import (
    ConnectionMessage,
    EventMessage,
    HistoryMessage,
    decode,
)
from kasuhara_live.errors import KasuharaError
from kasuhara_live.events import Alert, CallEnded, CallStarted, Event, LevelChanged, UtteranceFinal
from kasuhara_live.hub.client import ConsoleClient
from kasuhara_live.hub.protocol import EventSink
from kasuhara_live.hub.server import run_hub
from kasuhara_live.hub.users import Role, User, Users, hash_token, new_token
from kasuhara_live.judge import labels
from kasuhara_live.judge.detector import Detector
from kasuhara_live.monitor import MonitorResult, monitor_call, open_publisher
from kasuhara_live.printable import printable
from kasuhara_live.replay import alert_headline, format_clock
from kasuhara_live.store.store import CallStore

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples"
DEFAULT_SAMPLES = ("harassment_call.flac", "complaint_call.flac")
AGENT_NAMES = ("sato", "suzuki", "takahashi", "tanaka", "ito", "watanabe", "yamamoto", "nakamura")
SUPERVISOR = "supervisor"


@dataclass
class DemoUsers:
    """Made-up users for one demo run: a supervisor, and an agent with a monitor (seat) per call."""

    users: Users
    tokens: dict[str, str]
    seats: list[tuple[str, str]]  # (monitor user, agent user) per call

    @classmethod
    def make(cls, calls: int) -> DemoUsers:
        if calls > len(AGENT_NAMES):
            raise KasuharaError(f"the demo runs at most {len(AGENT_NAMES)} calls at once, not {calls}")
        tokens: dict[str, str] = {}
        records: list[User] = []

        def add(name: str, role: Role, agent: str = "") -> None:
            tokens[name] = new_token()
            records.append(User(name, role, hash_token(tokens[name]), agent))

        add(SUPERVISOR, Role.SUPERVISOR)
        seats = []
        for index in range(calls):
            agent, seat = AGENT_NAMES[index], f"seat-{index + 1}"
            add(agent, Role.AGENT)
            add(seat, Role.MONITOR, agent)
            seats.append((seat, agent))
        return cls(Users(records), tokens, seats)


class BackgroundHub:
    """The real hub, running in a thread with its own event loop, on a free loopback port."""

    def __init__(self, cfg: Config, users: Users, store_path: Path | None = None,
                 sink: EventSink | None = None) -> None:
        """``store_path``: keep the calls in a store; else ``sink`` (tests record what the hub accepted)."""
        self.cfg, self.users, self.store_path, self.sink = cfg, users, store_path, sink
        self.url = ""
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="hub", daemon=True)

    def start(self, timeout: float = 10.0) -> str:
        self._thread.start()
        if not self._ready.wait(timeout) or self._error is not None:
            raise KasuharaError(f"the demo hub did not start: {self._error or 'timed out'}")
        return self.url

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported to the starting thread, which raises a clear error
            self._error = exc
            self._ready.set()

    async def _main(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        # The store's connection belongs to this thread, where the hub records before it broadcasts.
        store = CallStore(self.store_path) if self.store_path else None
        try:
            # Plain ws:// on loopback: the demo's hub is not reachable from elsewhere.
            sink = store if store is not None else self.sink
            async with run_hub(self.cfg.hub, self.users, sink=sink, host="127.0.0.1", port=0,
                               ssl_context=None) as hub:
                self.url = f"ws://127.0.0.1:{hub.port}"
                self._ready.set()
                await self._stop.wait()
        finally:
            if store is not None:
                store.close()


@dataclass
class SeatRun:
    """One monitored sample call in its own thread."""

    path: Path
    seat: str
    agent: str
    result: MonitorResult | None = None
    error: BaseException | None = None
    thread: threading.Thread | None = None
    stop: threading.Event = field(default_factory=threading.Event)


def _run_seat(run: SeatRun, cfg: Config, url: str, token: str, transcriber: Transcriber, detector: Detector,
              speed: float) -> None:
    async def main() -> MonitorResult:
        source = FileSource(run.path, cfg.audio.chunk_ms)
        call_id = run.path.stem  # the demo's hub is new on every run, so the name is unique there
        async with open_publisher(cfg, url, token) as publisher:
            return await monitor_call(source, call_id, cfg, transcriber, [detector.for_call(call_id)], publisher,
                                      realtime=True, speed=speed, stop=run.stop,
                                      config_version=detector.config_version)

    try:
        run.result = asyncio.run(main())
    except BaseException as exc:  # shown by the demo as one line
        run.error = exc


class FeedPrinter:
    """What a supervisor receives, as plain lines in the UI language (the headless demo's output)."""

    def __init__(self, out: TextIO, language: str) -> None:
        self.out, self.language = out, language

    def handle(self, message: dict[str, Any]) -> list[Event]:
        """Print one hub message; return the call events it carried."""
        incoming = decode(message)
        if isinstance(incoming, EventMessage):
            events: list[Event] = [incoming.event]
        elif isinstance(incoming, HistoryMessage):
            events = list(incoming.events)
        else:
            if isinstance(incoming, ConnectionMessage) and not incoming.connected:
                self.out.write("-- hub connection lost; reconnecting\n")
            return []
        agent = incoming.agent
        for event in events:
            line = self.line(event, agent)
            if line:  # the hub's words go to a terminal: control characters made visible
                self.out.write(printable(line, newlines=True) + "\n")
        self.out.flush()
        return events

    def line(self, event: Event, agent: str) -> str:
        lang = self.language
        where = f"[{event.call_id}]"
        if isinstance(event, CallStarted):
            return f"{where} == call started (agent {agent}, {event.source})"
        if isinstance(event, UtteranceFinal):
            return f"{where} {format_clock(event.start)} {event.speaker}: {event.text}"
        if isinstance(event, Alert):
            return f"{where}   {alert_headline(event, lang)}\n{where}      → {event.script}"
        if isinstance(event, LevelChanged):
            level = labels.LEVEL[lang][event.level.value]
            return f"{where}   level → {level}: {event.reason}"
        if isinstance(event, CallEnded):
            return f"{where} == call ended ({format_clock(event.time)}, {event.reason})"
        return ""


async def _print_feed(url: str, token: str, printer: FeedPrinter, calls: int, done: threading.Event) -> None:
    ended: set[str] = set()
    async with ConsoleClient(url, token) as client:
        iterator = aiter(client)
        while len(ended) < calls:
            try:
                message = await asyncio.wait_for(anext(iterator), timeout=1.0)
            except TimeoutError:
                if done.is_set():
                    return  # every monitor has stopped (one may have failed) and nothing more is coming
                continue
            ended.update(e.call_id for e in printer.handle(message) if isinstance(e, CallEnded))


@contextlib.asynccontextmanager
async def _console_link(url: str, token: str) -> AsyncIterator[ConsoleClient]:
    async with ConsoleClient(url, token) as client:
        yield client


def run_demo(cfg: Config, samples: Sequence[Path], transcriber: Transcriber, detector: Detector, *,
             role: str = "supervisor", headless: bool = False, speed: float = 1.0, out: TextIO,
             store_path: Path | None = None) -> int:
    """Run the demo until the calls end (headless) or the person quits the console; ``store_path`` keeps them."""
    users = DemoUsers.make(len(samples))
    hub = BackgroundHub(cfg, users.users, store_path)
    url = hub.start()
    # The seats share one recogniser: their utterances are decoded together in batches (finals first).
    shared = BatchScheduler(transcriber, cfg.asr, name="demo-asr")
    runs = [SeatRun(path, seat, agent) for path, (seat, agent) in zip(samples, users.seats, strict=True)]
    all_done = threading.Event()

    def supervise() -> None:
        for run in runs:
            if run.thread is not None:
                run.thread.join()
        all_done.set()

    for run in runs:
        run.thread = threading.Thread(target=_run_seat, name=run.seat, daemon=True,
                                      args=(run, cfg, url, users.tokens[run.seat], shared, detector, speed))
        run.thread.start()
    threading.Thread(target=supervise, name="seats", daemon=True).start()
    try:
        if headless:
            out.write(f"demo hub at {url}; {len(runs)} calls: "
                      + ", ".join(f"{r.seat} ({r.agent}) ← {r.path.name}" for r in runs) + "\n")
            asyncio.run(_print_feed(url, users.tokens[SUPERVISOR], FeedPrinter(out, cfg.ui.language), len(runs),
                                    all_done))
            code = 0
        else:
            from kasuhara_live.console.app import run_console

            name = SUPERVISOR if role == "supervisor" else runs[0].agent
            code = run_console(cfg, role, lambda: _console_link(url, users.tokens[name]))
    finally:
        for run in runs:
            run.stop.set()
        all_done.wait(timeout=30)
        shared.close(timeout=5)
        hub.stop()
    for run in runs:
        if run.error is not None:
            raise KasuharaError(f"monitor {run.seat} ({run.path.name}) failed: {run.error}")
        if headless and run.result is not None:
            out.write(run.result.summary() + "\n")
    return code
