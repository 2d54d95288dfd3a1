"""The headset path through a real audio stack: the sample call played into PulseAudio null sinks, captured by
``kasuhara-live monitor`` (a real CLI process: sounddevice → PortAudio → ALSA's pulse plugin) with the
embedded Whisper, and published to a real hub.  Set up by tests/pulse_env.py.

Whatever the recogniser hears, these hold: each speaker's finals lie where the sample has that speaker's
lines (agent left, customer right), a warning or worse reaches the hub, and the hub has every event the
monitor counted.  No transcript is compared.
"""

from __future__ import annotations

import csv
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kasuhara_live import wire
from kasuhara_live.config import Config
from kasuhara_live.demo import BackgroundHub
from kasuhara_live.events import Alert, CallEnded, CallStarted, Event, Level, UtteranceFinal, UtterancePartial
from kasuhara_live.hub.users import Role, User, Users, hash_token
from tests.conftest import REPO, SAMPLES
from tests.pulse_env import PulseEnv, device, missing_tools, pulse_env

pytestmark = [
    pytest.mark.model,
    pytest.mark.skipif(bool(missing_tools()), reason=f"PulseAudio tools missing ({', '.join(missing_tools())}): "
                       "install pulseaudio and pulseaudio-utils (scripts/setup.sh does)"),
]

# 47.0–66.3 s of the sample: agent, customer (ふざけるなよ…なめてんのか: a warning), agent, customer (insults).
EXCERPT = (47.0, 66.3)
TOKEN = "tok-seat-1"
COUNTED = ("utterance.final", "alert", "level.changed")


@dataclass(frozen=True)
class Line:
    start: float
    end: float
    speaker: str


def excerpt_lines() -> list[Line]:
    """The sample's lines inside the excerpt, in excerpt time (samples/harassment_call.tsv)."""
    with open(SAMPLES / "harassment_call.tsv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    first, last = EXCERPT
    return [Line(float(r["start"]) - first, float(r["end"]) - first, r["speaker"]) for r in rows
            if float(r["start"]) >= first and float(r["end"]) <= last]


class HubRecord:
    """The hub's sink: every event it accepted, readable from the test's thread."""

    def __init__(self) -> None:
        self._events: list[Event] = []
        self._lock = threading.Lock()
        self.changed = time.monotonic()

    def record(self, event: Event, agent: str, monitor: str = "", team: str = "") -> None:
        with self._lock:
            self._events.append(event)
            self.changed = time.monotonic()

    def events(self) -> list[Event]:
        with self._lock:
            return list(self._events)

    def wait(self, found: Callable[[list[Event]], bool], timeout: float, what: str) -> list[Event]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if found(events := self.events()):
                return events
            time.sleep(0.1)
        raise AssertionError(f"the hub did not get {what} within {timeout:g} s: "
                             f"{[wire.kind_of(e) for e in self.events()][-20:]}")

    def wait_quiet(self, seconds: float, timeout: float) -> None:
        """Until nothing has arrived for ``seconds``: the monitor has transcribed what it heard."""
        deadline = time.monotonic() + timeout
        while time.monotonic() - self.changed < seconds and time.monotonic() < deadline:
            time.sleep(0.2)


@pytest.fixture()
def hub(cfg: Config) -> Iterator[tuple[str, HubRecord]]:
    users = Users([User("sato", Role.AGENT, hash_token("tok-sato")),
                   User("seat-1", Role.MONITOR, hash_token(TOKEN), agent="sato")])
    record = HubRecord()
    background = BackgroundHub(cfg, users, sink=record)
    url = background.start()
    try:
        yield url, record
    finally:
        background.stop()


@pytest.fixture()
def pulse() -> Iterator[PulseEnv]:
    with pulse_env() as env:
        yield env


@pytest.fixture(scope="module")
def excerpt(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The excerpt as stereo (the headset) and as its left and right channels (the two devices)."""
    out = tmp_path_factory.mktemp("excerpt")
    first, last = EXCERPT
    stereo = out / "stereo.wav"
    subprocess.run(["sox", str(SAMPLES / "harassment_call.flac"), str(stereo), "trim", str(first), f"={last}"],
                   check=True)
    files = {"stereo": stereo}
    for name, channel in (("agent", "1"), ("caller", "2")):
        files[name] = out / f"{name}.wav"
        subprocess.run(["sox", str(stereo), str(files[name]), "remix", channel], check=True)
    return files


class Monitor:
    """``kasuhara-live monitor`` as a seat runs it, in its own process, output kept in files."""

    def __init__(self, tmp: Path, env: dict[str, str], *args: str) -> None:
        self.out, self.err = tmp / "monitor.out", tmp / "monitor.err"
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.process = subprocess.Popen([sys.executable, "-m", "kasuhara_live", "monitor", "--seat", "seat-1",
                                             *args], cwd=REPO, env={**env, "KASUHARA_TOKEN": TOKEN},
                                            stdout=out, stderr=err)

    def finish(self, timeout: float = 60.0) -> tuple[int, str, str]:
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"the monitor did not exit within {timeout:g} s: {self.stderr()[-1500:]}") from None
        return code, self.out.read_text(), self.stderr()

    def stderr(self) -> str:
        return self.err.read_text(errors="replace")

    def stop(self) -> tuple[int, str, str]:
        self.process.send_signal(signal.SIGINT)  # Ctrl-C: the monitor ends the call and delivers it
        return self.finish()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def counted(summary: str) -> dict[str, int]:
    """What the monitor says it produced: ``call ID: 4 utterance.final, 2 alert, 3 level.changed; …``."""
    found = dict((kind, int(n)) for n, kind in re.findall(r"(\d+) (utterance\.final|alert|level\.changed)", summary))
    assert set(found) == set(COUNTED), summary
    return found


def of_call(events: list[Event], call_id: str) -> dict[str, int]:
    kinds = [wire.kind_of(e) for e in events if e.call_id == call_id]
    return {kind: kinds.count(kind) for kind in COUNTED}


def started(record: HubRecord, monitor: Monitor) -> CallStarted:
    """The monitor's call.started at the hub; a monitor that exits first (no such device) fails with its error."""
    def found(events: list[Event]) -> bool:
        if monitor.process.poll() is not None:
            raise AssertionError(f"the monitor exited before its call started: {monitor.stderr()[-1500:]}")
        return any(isinstance(e, CallStarted) for e in events)

    events = record.wait(found, 120.0, "call.started")
    call = next(e for e in events if isinstance(e, CallStarted))
    assert call.speakers == ("agent", "customer")
    return call


def play_call(pulse: PulseEnv, record: HubRecord, monitor: Monitor,
              plays: dict[str, Path]) -> tuple[CallStarted, float]:
    """Once the monitor's call has started, play each file into its sink; the playback's start in call time."""
    call = started(record, monitor)  # the devices have started: they start before the call
    begun = time.time()
    players = [pulse.play(sink, audio) for sink, audio in plays.items()]
    for player in players:
        _, err = player.communicate(timeout=120)
        assert player.returncode == 0, err
    return call, begun - call.started_at


def misplaced(finals: list[tuple[str, float, float]], estimate: float, lag: float) -> list[str]:
    """The finals ``(speaker, start, end)`` that do not lie within one of their own speaker's lines.

    Where the excerpt starts in call time is known only roughly: ``estimate`` (the playback's start after
    call.started) is late by what the capture loses while PortAudio and PulseAudio start up, which is at most
    ``lag`` (the least the monitor's events trailed their audio).  So the offset that places the most finals
    right is looked for in [estimate - lag - 0.3, estimate + 0.5]; no offset places all of the excerpt's lines
    with their speakers swapped (agent, customer, agent, customer).
    """
    lines = excerpt_lines()

    def wrong(offset: float) -> list[str]:
        out = []
        for speaker, start, end in finals:
            middle = (start + end) / 2 - offset  # over a second inside its line, whatever the VAD cut
            owners = {line.speaker for line in lines if line.start - 1.0 <= middle <= line.end + 1.0}
            if owners != {speaker}:
                out.append(f"{speaker} {start:.1f}-{end:.1f} s lies on {owners or 'no line'} (offset {offset:.2f})")
        return out

    steps = int((lag + 0.8) / 0.05) + 1
    return min((wrong(estimate + 0.5 - step * 0.05) for step in range(steps)), key=len)


def capture_lag(events: list[Event]) -> float:
    """An upper bound on the audio lost at the capture's start: no utterance event can come before its audio."""
    return min(e.wall - e.time for e in events
               if isinstance(e, UtteranceFinal | UtterancePartial) and e.wall is not None)


def assert_speakers_on_their_channels(events: list[Event], estimate: float) -> None:
    """Every final is its own speaker's line of the sample (agent left, customer right); both are heard."""
    finals = [e for e in events if isinstance(e, UtteranceFinal)]
    assert not misplaced([(f.speaker, f.start, f.end) for f in finals], estimate, capture_lag(events))
    assert {f.speaker for f in finals} == {"agent", "customer"}


def assert_call_delivered(record: HubRecord, call: CallStarted, summary: str, reason: str) -> list[Event]:
    events = [e for e in record.events() if e.call_id == call.call_id]
    ended = [e for e in events if isinstance(e, CallEnded)]
    assert len(ended) == 1 and ended[0].reason == reason and events[-1] is ended[0]
    assert of_call(events, call.call_id) == counted(summary)  # the hub has all the monitor counted
    assert "all delivered to the hub" in summary
    return events


def assert_the_call_was_judged(events: list[Event]) -> None:
    alerts = [e for e in events if isinstance(e, Alert)]
    assert any(a.severity >= Level.WARNING for a in alerts), [a.severity for a in alerts]


def test_a_stereo_headset_is_captured_transcribed_by_speaker_and_delivered(
        pulse: PulseEnv, hub: tuple[str, HubRecord], excerpt: dict[str, Path], tmp_path: Path) -> None:
    url, record = hub
    monitor = Monitor(tmp_path, pulse.env, "--stereo", "--input-device", device("headset"), "--hub", url)
    try:
        call, offset = play_call(pulse, record, monitor, {"headset": excerpt["stereo"]})
        record.wait_quiet(5.0, timeout=60.0)
        code, summary, err = monitor.stop()
    finally:
        monitor.close()
    assert code == 0, err[-1500:]
    events = assert_call_delivered(record, call, summary, "stopped")
    assert_speakers_on_their_channels(events, offset)
    assert_the_call_was_judged(events)


def test_two_devices_agent_microphone_and_caller_loopback(
        pulse: PulseEnv, hub: tuple[str, HubRecord], excerpt: dict[str, Path], tmp_path: Path) -> None:
    url, record = hub
    site = tmp_path / "site.toml"  # the devices as a seat's config names them
    site.write_text(f'[monitor]\nhub_url = "{url}"\ninput_device = "{device("agent")}"\n'
                    f'caller_device = "{device("caller")}"\n')
    monitor = Monitor(tmp_path, pulse.env, "--config", str(site))
    try:
        call, offset = play_call(pulse, record, monitor, {"agent": excerpt["agent"], "caller": excerpt["caller"]})
        record.wait_quiet(5.0, timeout=60.0)
        code, summary, err = monitor.stop()
    finally:
        monitor.close()
    assert code == 0, err[-1500:]
    assert f"device:{device('agent')}+device:{device('caller')}" in err  # both devices, agent first
    events = assert_call_delivered(record, call, summary, "stopped")
    assert_speakers_on_their_channels(events, offset)
    assert_the_call_was_judged(events)


@pytest.mark.parametrize(("how", "why"), [("kill", "its stream stopped"), ("freeze", "no audio for 3 s")])
def test_a_device_lost_mid_call_ends_the_call_and_loses_nothing_said_before(
        pulse: PulseEnv, hub: tuple[str, HubRecord], excerpt: dict[str, Path], tmp_path: Path, how: str,
        why: str) -> None:
    # kill: the sound server dies (as a USB headset unplugged: PortAudio ends the stream). freeze: it hangs
    # (no audio, the stream still "active", and closing it would block for ever).
    url, record = hub
    monitor = Monitor(tmp_path, pulse.env, "--stereo", "--input-device", device("headset"), "--hub", url)
    try:
        call = started(record, monitor)
        player = pulse.play("headset", excerpt["stereo"])
        record.wait(lambda es: any(isinstance(e, UtteranceFinal) for e in es), 60.0, "a final")
        if how == "kill":  # mid-call, with the customer speaking
            pulse.kill()
        else:
            pulse.freeze()
        code, summary, err = monitor.finish(timeout=60.0)
        player.kill()
        player.wait(timeout=10)
    finally:
        monitor.close()
    assert code == 2, err[-1500:]
    message = err.strip().splitlines()[-1]
    assert message.startswith(f"kasuhara-live: error: lost input device '{device('headset')}' mid-call ({why})")
    assert message.endswith("the call was ended as device_lost") and "Traceback" not in err
    events = assert_call_delivered(record, call, summary, "device_lost")
    assert any(isinstance(e, UtteranceFinal) for e in events)
