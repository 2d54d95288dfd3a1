"""Live capture from a headset or sound card through sounddevice (PortAudio).

sounddevice is imported only when live capture is asked for, so machines without the PortAudio library
run everything else; its absence is then a clear error naming the package to install.
"""

from __future__ import annotations

import atexit
import queue
import threading
import time
from collections.abc import Callable, Generator, Iterator
from typing import Any, Protocol

import numpy as np

from kasuhara_live.audio.frames import SAMPLE_RATE, AudioChunk
from kasuhara_live.errors import AudioError, DeviceLost

_QUEUE_BLOCKS = 200  # ~20 s of 100 ms blocks: the pipeline may fall behind briefly, never unboundedly
_POLL_S = 0.25  # how often an empty queue checks that its stream is still alive
# A running device delivers a block every chunk_ms; this long with none (and the pipeline waiting) means it
# has gone, even where PortAudio still calls the stream active. Generous, so a loaded machine is not a loss.
STALL_S = 3.0
_START_S = 10.0  # the first block may take longer: a sound server or a Bluetooth headset starting up
_CLOSE_WAIT_S = 2.0  # a healthy stream closes in milliseconds


class _Stream(Protocol):
    @property
    def active(self) -> bool: ...


def delivered_blocks(blocks: queue.Queue[np.ndarray], stream: _Stream, device: str, *, poll_s: float = _POLL_S,
                     stall_s: float = STALL_S, start_s: float = _START_S,
                     clock: Callable[[], float] = time.monotonic) -> Iterator[np.ndarray]:
    """The blocks a running stream's callback queues, in order, until the device is lost (:class:`DeviceLost`).

    Lost: the stream stopped by itself (PortAudio ends it on a device or driver error) or nothing came for
    ``stall_s`` (``start_s`` before the first block). Without this a gone device leaves the monitor waiting
    forever and the call open at the hub.
    """
    last, allowed = clock(), start_s
    while True:
        try:
            block = blocks.get(timeout=poll_s)
        except queue.Empty:
            if not stream.active or clock() - last >= allowed:
                why = "its stream stopped" if not stream.active else f"no audio for {allowed:g} s"
                raise DeviceLost(f"lost input device {device} mid-call ({why}): unplugged, or its driver or "
                                 "sound server stopped") from None
            continue
        last, allowed = clock(), stall_s
        yield block


def _sounddevice() -> Any:
    try:
        import sounddevice
    except OSError:
        raise AudioError("live capture needs the PortAudio library: install it with "
                         "`sudo apt-get install libportaudio2` (or your OS's portaudio package)") from None
    except ImportError:
        raise AudioError("live capture needs the sounddevice package: `pip install sounddevice`") from None
    return sounddevice


def list_devices() -> str:
    """A printable table of the input devices PortAudio sees."""
    sd = _sounddevice()
    lines = []
    for index, dev in enumerate(sd.query_devices()):
        if dev["max_input_channels"] > 0:
            lines.append(f"{index:3d}  {dev['name']}  (inputs: {dev['max_input_channels']}, "
                         f"default rate: {int(dev['default_samplerate'])} Hz)")
    return "\n".join(lines) if lines else "no input devices found"


def _close(sd: Any, stream: Any) -> None:
    """Stop and close a stream without ever hanging the call's end on it.

    A lost device's driver or sound server may never answer (a hung PulseAudio blocks PortAudio's stop and
    close for good), so the stream is closed in a thread that is waited for only briefly.
    """
    def close() -> None:
        # ignore_errors: a lost device may fail to stop as well, and must not hide why the call ended.
        stream.stop(ignore_errors=True)
        stream.close(ignore_errors=True)

    closer = threading.Thread(target=close, name="close-input-stream", daemon=True)
    closer.start()
    closer.join(_CLOSE_WAIT_S)
    if closer.is_alive():
        # sounddevice's exit handler would stop this stream again and wait forever: the monitor could not exit.
        # The operating system releases the device when the process ends.
        handler = getattr(sd, "_exit_handler", None)
        if handler is not None:
            atexit.unregister(handler)


class LiveSource:
    """Capture from one input device: 1 channel (mixed) or 2 channels (agent left, customer right)."""

    def __init__(self, device: int | str | None, channels: int, chunk_ms: int = 100,
                 sample_rate: int = SAMPLE_RATE) -> None:
        if channels not in (1, 2):
            raise AudioError(f"live capture takes 1 or 2 channels, not {channels}")
        if sample_rate != SAMPLE_RATE:
            raise AudioError(f"live capture runs at {SAMPLE_RATE} Hz; audio.live_sample_rate = {sample_rate} "
                             "is not supported yet")
        self.device = device
        self._channels = channels
        self.block = SAMPLE_RATE * chunk_ms // 1000
        self._queue: queue.Queue[np.ndarray] = queue.Queue(maxsize=_QUEUE_BLOCKS)
        self.overflows = 0

    @property
    def channels(self) -> int:
        return self._channels

    @property
    def name(self) -> str:
        return f"device:{self.device if self.device is not None else 'default'}"

    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        try:
            self._queue.put_nowait(indata.T.copy())
        except queue.Full:
            self.overflows += 1  # audio the pipeline could not keep up with; counted, not silently lost

    def start(self) -> Any:
        """Open and start the device's stream: the audio's time 0. An :class:`AudioError` if it cannot."""
        sd = _sounddevice()
        try:
            stream = sd.InputStream(device=self.device, channels=self._channels, samplerate=SAMPLE_RATE,
                                    dtype="int16", blocksize=self.block, callback=self._callback)
        except Exception as exc:
            raise AudioError(f"cannot open input device {self.device!r}: {exc}") from None
        try:
            stream.start()
        except Exception as exc:
            _close(sd, stream)
            raise AudioError(f"cannot start input device {self.device!r}: {exc}") from None
        return stream

    def read(self, stream: Any) -> Iterator[AudioChunk]:
        """A started stream's audio, in chunks, until its device is lost (:class:`DeviceLost`)."""
        label = repr(self.device) if self.device is not None else "(the system default)"
        position = 0
        for block in delivered_blocks(self._queue, stream, label):
            yield AudioChunk(block, position)
            position += block.shape[1]

    def stop(self, stream: Any) -> None:
        """Stop and close a started stream (never blocking for long on a lost device)."""
        _close(_sounddevice(), stream)

    def chunks(self) -> Iterator[AudioChunk]:
        # The device starts now, not at the first chunk asked for: one that cannot be opened fails before the
        # call has started at the hub, and the call's time 0 is the capture's.
        return self._until_closed(self.start())

    def _until_closed(self, stream: Any) -> Generator[AudioChunk, None, None]:
        try:
            yield from self.read(stream)
        finally:
            self.stop(stream)


class TwoDeviceSource:
    """The agent's microphone and the caller's audio from two devices, as one stereo call (agent left).

    Each device keeps its own clock; blocks are paired in arrival order, which holds within a block as long
    as both devices run at the nominal rate (USB headsets and softphone loopbacks do, to well under 0.1 %).
    """

    def __init__(self, agent_device: int | str | None, caller_device: int | str | None, chunk_ms: int = 100,
                 sample_rate: int = SAMPLE_RATE) -> None:
        self.agent = LiveSource(agent_device, 1, chunk_ms, sample_rate)
        self.caller = LiveSource(caller_device, 1, chunk_ms, sample_rate)

    @property
    def channels(self) -> int:
        return 2

    @property
    def name(self) -> str:
        return f"{self.agent.name}+{self.caller.name}"

    @property
    def overflows(self) -> int:
        return self.agent.overflows + self.caller.overflows

    def chunks(self) -> Iterator[AudioChunk]:
        # Both devices start together: blocks are paired in arrival order, so a device started only after the
        # other's first block (which a sound server may take a second or two to deliver) would lag by that long.
        agent = self.agent.start()
        try:
            caller = self.caller.start()
        except AudioError:
            self.agent.stop(agent)
            raise
        return self._paired(agent, caller)

    def _paired(self, agent_stream: Any, caller_stream: Any) -> Generator[AudioChunk, None, None]:
        position = 0
        try:
            for agent, caller in zip(self.agent.read(agent_stream), self.caller.read(caller_stream), strict=False):
                size = min(agent.length, caller.length)
                yield AudioChunk(np.vstack([agent.samples[:, :size], caller.samples[:, :size]]), position)
                position += size
        finally:
            # When one device is lost the other's stream is closed now, not whenever it is collected.
            self.agent.stop(agent_stream)
            self.caller.stop(caller_stream)


def parse_device(value: str) -> int | str | None:
    """A device from the config or the command line: "" is the default device, digits an index, else a name."""
    if not value:
        return None
    return int(value) if value.isdigit() else value


def open_capture(input_device: str, caller_device: str, channels: int, chunk_ms: int,
                 sample_rate: int) -> LiveSource | TwoDeviceSource:
    """The live source a monitor's config describes: one device (mono or stereo) or two devices."""
    if caller_device:
        return TwoDeviceSource(parse_device(input_device), parse_device(caller_device), chunk_ms, sample_rate)
    return LiveSource(parse_device(input_device), channels, chunk_ms, sample_rate)
