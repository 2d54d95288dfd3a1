"""Live capture from a headset or sound card through sounddevice (PortAudio).

sounddevice is imported only when live capture is asked for, so machines without the PortAudio library
run everything else; its absence is then a clear error naming the package to install.
"""

from __future__ import annotations

import queue
from collections.abc import Iterator
from typing import Any

import numpy as np

from kasuhara_live.audio.frames import SAMPLE_RATE, AudioChunk
from kasuhara_live.errors import AudioError

_QUEUE_BLOCKS = 200  # ~20 s of 100 ms blocks: the pipeline may fall behind briefly, never unboundedly


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

    def chunks(self) -> Iterator[AudioChunk]:
        sd = _sounddevice()
        try:
            stream = sd.InputStream(device=self.device, channels=self._channels, samplerate=SAMPLE_RATE,
                                    dtype="int16", blocksize=self.block, callback=self._callback)
        except Exception as exc:
            raise AudioError(f"cannot open input device {self.device!r}: {exc}") from None
        position = 0
        with stream:
            while True:
                block = self._queue.get()
                yield AudioChunk(block, position)
                position += block.shape[1]


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
        position = 0
        for agent, caller in zip(self.agent.chunks(), self.caller.chunks(), strict=False):
            size = min(agent.length, caller.length)
            yield AudioChunk(np.vstack([agent.samples[:, :size], caller.samples[:, :size]]), position)
            position += size


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
