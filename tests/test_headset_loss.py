"""A live device lost mid-call: detected, the call ended as ``device_lost``, everything before it delivered.

No audio device here: a fake stream stands for PortAudio's, scripted sources for the devices. The same path
through a real sound server (PulseAudio killed mid-call) is in test_headset_pulse.py.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Iterator

import numpy as np
import pytest

from kasuhara_live import wire
from kasuhara_live.audio.frames import AudioChunk
from kasuhara_live.audio.live import LiveSource, TwoDeviceSource, delivered_blocks
from kasuhara_live.audio.sources import FileSource
from kasuhara_live.config import Config
from kasuhara_live.errors import AudioError, DeviceLost
from kasuhara_live.events import CallEnded, UtteranceFinal
from kasuhara_live.monitor import MonitorResult, monitor_call
from kasuhara_live.pipeline import CallPipeline, run_call
from kasuhara_live.replay import stream_call
from tests.conftest import SAMPLES, FakeClock, LoudnessDetector, ScriptedTranscriber, quiet, tone
from tests.test_monitor import RecordingPublisher


class FakeStream:
    """PortAudio's stream as far as the watcher asks: is it still running?"""

    def __init__(self, active: bool = True) -> None:
        self.active = active


def _queued(*sizes: int) -> queue.Queue[np.ndarray]:
    blocks: queue.Queue[np.ndarray] = queue.Queue()
    for size in sizes:
        blocks.put(np.zeros((1, size), np.int16))
    return blocks


def test_blocks_of_a_running_stream_come_through_in_order() -> None:
    blocks = _queued(1600, 800, 400)
    watched = delivered_blocks(blocks, FakeStream(), "'mic'", poll_s=0.001, stall_s=5.0)
    assert [next(watched).shape[1] for _ in range(3)] == [1600, 800, 400]


def test_a_stream_that_stopped_by_itself_is_a_lost_device_once_its_queued_audio_is_used() -> None:
    stream = FakeStream(active=False)  # PortAudio ends the stream on a device or driver error
    watched = delivered_blocks(_queued(1600, 1600), stream, "'mic'", poll_s=0.001, stall_s=60.0)
    assert len(list(_until_lost(watched))) == 2  # the audio captured before the loss is not thrown away


def test_a_stream_that_delivers_nothing_is_a_lost_device_after_the_stall_time() -> None:
    clock = FakeClock()

    def ticking() -> float:
        clock.now += 0.5  # each empty poll is half a second later
        return clock.now

    watched = delivered_blocks(_queued(1600), FakeStream(active=True), "'mic'", poll_s=0.001, stall_s=3.0,
                               clock=ticking)
    started = clock.now
    with pytest.raises(DeviceLost, match=r"lost input device 'mic' mid-call \(no audio for 3 s\)"):
        list(watched)
    assert 3.0 <= clock.now - started <= 4.5  # not at the first empty poll: a slow block is not a loss


def test_a_device_slow_to_start_is_given_longer_than_a_stall() -> None:
    clock = FakeClock()

    def ticking() -> float:
        clock.now += 0.5
        return clock.now

    watched = delivered_blocks(_queued(), FakeStream(active=True), "'mic'", poll_s=0.001, stall_s=3.0,
                               start_s=10.0, clock=ticking)
    started = clock.now
    with pytest.raises(DeviceLost, match=r"\(no audio for 10 s\)"):
        next(watched)
    assert 10.0 <= clock.now - started <= 11.5


def test_a_short_gap_between_blocks_is_not_a_loss() -> None:
    blocks = _queued(1600)
    watched = delivered_blocks(blocks, FakeStream(), "'mic'", poll_s=0.01, stall_s=1.0)
    assert next(watched).shape[1] == 1600
    threading.Timer(0.1, blocks.put, (np.zeros((1, 800), np.int16),)).start()
    assert next(watched).shape[1] == 800


def _until_lost(blocks: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
    with pytest.raises(DeviceLost):
        yield from blocks


def _speech_then_lost(cfg: Config) -> Iterator[AudioChunk]:
    """Two stereo utterances (agent, then customer), the customer's cut off by the loss."""
    agent = np.concatenate([tone(1.0), quiet(1.0)])
    customer = np.concatenate([quiet(1.0), tone(1.0)])
    audio = np.vstack([agent, customer])
    block = 16000 * cfg.audio.chunk_ms // 1000
    for start in range(0, audio.shape[1] - block * 3, block):
        yield AudioChunk(np.ascontiguousarray(audio[:, start : start + block]), start)
    raise DeviceLost("lost input device 'headset' mid-call (its stream stopped)")


def test_a_lost_device_ends_the_call_with_its_reason_and_flushes_the_open_utterance(cfg: Config) -> None:
    pipeline = CallPipeline("c1", cfg, ("agent", "customer"), ScriptedTranscriber(), LoudnessDetector)
    events = []
    with pytest.raises(DeviceLost):
        for event in run_call(pipeline, _speech_then_lost(cfg)):
            events.append(event)
    assert isinstance(events[-1], CallEnded) and events[-1].reason == "device_lost"
    speakers = [e.speaker for e in events if isinstance(e, UtteranceFinal)]
    assert speakers == ["agent", "customer"]  # the customer's utterance, open at the loss, is kept


class LostSource:
    """The sample call as if from a stereo headset that is unplugged ``after`` seconds in."""

    def __init__(self, cfg: Config, after: float) -> None:
        self.file = FileSource(SAMPLES / "harassment_call.flac", cfg.audio.chunk_ms)
        self.after = after

    @property
    def channels(self) -> int:
        return 2

    @property
    def name(self) -> str:
        return "device:headset"

    def chunks(self) -> Iterator[AudioChunk]:
        for chunk in self.file.chunks():
            if chunk.end > self.after * 16000:
                raise DeviceLost("lost input device 'headset' mid-call (its stream stopped)")
            yield chunk


def test_the_monitor_delivers_everything_before_the_loss_and_says_why_the_call_ended(cfg: Config) -> None:
    publisher = RecordingPublisher()

    async def run() -> MonitorResult:
        return await monitor_call(LostSource(cfg, 40.0), "c1", cfg, ScriptedTranscriber(), [], publisher, realtime=True,
                                  live=True)

    result = asyncio.run(run())
    assert result.lost.startswith("lost input device 'headset' mid-call") and result.delivered
    assert publisher.drained
    published = [wire.kind_of(e) for e in publisher.events]
    assert published.count("utterance.final") == result.counts["utterance.final"] > 0
    last = publisher.events[-1]
    assert isinstance(last, CallEnded) and last.reason == "device_lost"


class ScriptedDevice:
    """One device of a two-device call: some blocks, then lost (or not); logs its starts, reads and stops."""

    def __init__(self, name: str, log: list[str], blocks: int, lost: bool) -> None:
        self.name, self.log, self.blocks, self.lost = name, log, blocks, lost

    def start(self) -> str:
        self.log.append(f"start {self.name}")
        return self.name

    def read(self, stream: str) -> Iterator[AudioChunk]:
        self.log.append(f"read {stream}")
        for n in range(self.blocks):
            yield AudioChunk(np.zeros((1, 1600), np.int16), n * 1600)
        if self.lost:
            raise DeviceLost(f"lost input device {stream!r} mid-call (its stream stopped)")

    def stop(self, stream: str) -> None:
        self.log.append(f"stop {stream}")


def _two_devices(log: list[str], caller_blocks: int) -> TwoDeviceSource:
    two = TwoDeviceSource(None, None)
    two.agent = ScriptedDevice("agent", log, 100, lost=False)  # type: ignore[assignment]
    two.caller = ScriptedDevice("caller", log, caller_blocks, lost=True)  # type: ignore[assignment]
    return two


def test_two_devices_start_together_before_either_is_read() -> None:
    # Paired by arrival: a device started only after the other's first block would lag the call by that long.
    log: list[str] = []
    chunks = iter(_two_devices(log, 3).chunks())
    assert log == ["start agent", "start caller"]  # started when the call's audio is asked for, not read yet
    assert next(chunks).channels == 2


def test_two_devices_one_lost_stops_both_at_once() -> None:
    log: list[str] = []
    with pytest.raises(DeviceLost, match="'caller'"):
        list(_two_devices(log, 3).chunks())
    assert {"stop agent", "stop caller"} <= set(log[-2:])  # not left open until garbage collection


def test_the_headset_tests_tell_swapped_speakers_apart() -> None:
    # The alignment tests/test_headset_pulse.py checks live finals with: right as the sample has it, at any
    # start-up loss it allows; wrong with the channels swapped, wherever the excerpt is placed.
    from tests.test_headset_pulse import excerpt_lines, misplaced

    estimate, lost_at_start = 0.5, 1.7  # the excerpt then starts at 0.5 - 1.7 s in call time
    finals = [(line.speaker, max(0.0, line.start - 1.2), line.end - 1.2) for line in excerpt_lines()]
    assert len(finals) == 4 and not misplaced(finals, estimate, lag=lost_at_start + 0.2)
    swapped = [("customer" if speaker == "agent" else "agent", start, end) for speaker, start, end in finals]
    assert misplaced(swapped, estimate, lag=lost_at_start + 0.2)
    assert misplaced(swapped, estimate, lag=30.0)  # wherever the excerpt is put
    assert misplaced(finals, estimate, lag=0.2)  # lost more at the start than the events allow


def test_a_device_that_cannot_be_opened_fails_before_the_call_starts(cfg: Config) -> None:
    # Otherwise the hub would hold a started call that never ends.
    events: list[object] = []
    with pytest.raises(AudioError, match="kasuhara-no-such-device"):
        stream_call(LiveSource("kasuhara-no-such-device", 2), "c1", cfg, ScriptedTranscriber(), events.append,
                    realtime=True, live=True)
    assert events == []
