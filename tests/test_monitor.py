"""The monitor: pipeline in a worker thread → events handed to the publisher on the event loop, in order."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import threading

from kasuhara_live import wire
from kasuhara_live.audio.sources import FileSource
from kasuhara_live.config import Config
from kasuhara_live.events import CallEnded, CallStarted, Event, UtteranceFinal
from kasuhara_live.monitor import monitor_call, new_call_id
from tests.conftest import REPO, SAMPLES, ScriptedTranscriber


class RecordingPublisher:
    """A fake publisher that remembers the thread each event arrived on."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.threads: set[str] = set()
        self.drained = False

    def publish(self, event: Event) -> None:
        self.events.append(event)
        self.threads.add(threading.current_thread().name)

    async def drain(self, timeout: float) -> bool:
        await asyncio.sleep(0)
        self.drained = True
        return True

    def refused(self, call_id: str | None = None) -> int:
        return 0

    def refusal(self, call_id: str) -> str:
        return ""


def test_events_reach_the_publisher_on_the_loop_thread_in_order(cfg: Config) -> None:
    publisher = RecordingPublisher()
    source = FileSource(SAMPLES / "complaint_call.flac", cfg.audio.chunk_ms)

    async def run() -> None:
        result = await monitor_call(source, "c1", cfg, ScriptedTranscriber(), [], publisher, realtime=False)
        assert result.delivered and result.counts["utterance.final"] > 10

    asyncio.run(run())
    events = publisher.events
    assert isinstance(events[0], CallStarted) and isinstance(events[-1], CallEnded)
    assert events[-1].reason == "end_of_audio" and publisher.drained
    assert publisher.threads == {threading.main_thread().name}  # never called from the pipeline's thread
    finals = [e for e in events if isinstance(e, UtteranceFinal)]
    assert [f.start for f in finals] == sorted(f.start for f in finals)


def test_a_stopped_monitor_still_ends_the_call(cfg: Config) -> None:
    publisher = RecordingPublisher()
    stop = threading.Event()
    stop.set()
    source = FileSource(SAMPLES / "complaint_call.flac", cfg.audio.chunk_ms)
    asyncio.run(monitor_call(source, "c1", cfg, ScriptedTranscriber(), [], publisher, realtime=False, stop=stop))
    kinds = [wire.kind_of(e) for e in publisher.events]
    assert kinds == ["call.started", "call.ended"]
    assert isinstance(publisher.events[-1], CallEnded) and publisher.events[-1].reason == "stopped"


def test_call_ids_are_per_seat_and_time() -> None:
    assert new_call_id("seat-3", 0.0).startswith("seat-3-")
    assert new_call_id("seat-3", 0.0) != new_call_id("seat-3", 1.0)


def test_call_ids_of_one_seat_in_one_second_do_not_collide() -> None:
    # Two hosts with one short name, or a monitor started twice: same seat, same second, other calls.
    ids = {new_call_id("seat-3", 0.0) for _ in range(1000)}
    assert len(ids) == 1000 and all(re.fullmatch(r"seat-3-\d{4}-\d{6}-[0-9a-f]{8}", i) for i in ids)


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kasuhara_live", *args], capture_output=True, text=True, cwd=REPO,
                          env=env, timeout=60)


def test_monitor_and_console_without_a_token_say_how_to_get_one() -> None:
    env = {k: v for k, v in os.environ.items() if k != "KASUHARA_TOKEN"}
    for command in (["monitor", "--file", str(SAMPLES / "complaint_call.flac")], ["console", "--role", "agent"]):
        done = _cli(*command, env=env)
        assert done.returncode == 2, done
        assert done.stderr.count("\n") == 1 and "no hub token" in done.stderr and "hub add-user" in done.stderr


def test_console_with_an_unreachable_hub_is_one_line(tmp_path: object) -> None:
    env = {**os.environ, "KASUHARA_TOKEN": "not-a-real-token"}
    done = _cli("console", "--role", "supervisor", "--hub", "ws://127.0.0.1:9", env=env)
    assert done.returncode == 2, done
    assert done.stderr.count("\n") == 1 and "cannot reach the hub" in done.stderr


def test_caller_ids_are_stored_as_keyed_hashes() -> None:
    from kasuhara_live.monitor import hash_caller

    hashed = hash_caller("090-1234-5678", "site-secret")
    assert len(hashed) == 16 and "1234" not in hashed
    assert hashed == hash_caller("090-1234-5678", "site-secret") != hash_caller("090-1234-5678", "other")
    assert hash_caller("", "site-secret") == ""
