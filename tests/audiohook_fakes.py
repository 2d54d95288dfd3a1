"""A recording CallSink for the AudioHook tests (the real call core is not needed to test an adapter), a server on
a free loopback port, and synthetic calls."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import numpy as np

from kasuhara_live.config import IngestConfig
from kasuhara_live.ingest.audiohook import AudioHookServer, run_audiohook
from kasuhara_live.ingest.g711 import decode_ulaw, encode_ulaw
from kasuhara_live.ingest.sink import CallMeta, CallRefused

RATE = 8000


class RecordingCall:
    """A CallHandle that keeps every sample and every end it was given."""

    def __init__(self, meta: CallMeta, number: int) -> None:
        self.meta = meta
        self._call_id = f"call-{number}"
        self.chunks: dict[int, list[np.ndarray]] = {0: [], 1: []}
        self.rates: set[int] = set()
        self.ends: list[str] = []
        self.ended = asyncio.Event()

    @property
    def call_id(self) -> str:
        return self._call_id

    def audio(self, channel: int, samples: np.ndarray, rate: int = 8000) -> None:
        assert samples.dtype == np.int16 and samples.ndim == 1
        self.chunks[channel].append(samples.copy())
        self.rates.add(rate)

    def end(self, reason: str) -> None:
        self.ends.append(reason)
        self.ended.set()

    def channel(self, channel: int) -> np.ndarray:
        parts = self.chunks[channel]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)


class FakeSink:
    """Opens a RecordingCall per call, or refuses every call with ``refuse`` when it is set."""

    def __init__(self, refuse: str = "") -> None:
        self.refuse = refuse
        self.calls: list[RecordingCall] = []

    def open_call(self, meta: CallMeta) -> RecordingCall:
        if self.refuse:
            raise CallRefused(self.refuse)
        call = RecordingCall(meta, len(self.calls) + 1)
        self.calls.append(call)
        return call

    def call_of(self, session: str) -> RecordingCall:
        return next(call for call in self.calls if call.meta.session == session)


@contextlib.asynccontextmanager
async def server(ingest: IngestConfig, sink: FakeSink, **kwargs: object) -> AsyncIterator[AudioHookServer]:
    async with run_audiohook(ingest, sink, host="127.0.0.1", port=0, **kwargs) as running:  # type: ignore[arg-type]
        running.close_grace_s = 0.5
        yield running


def synthetic_call(seconds: float, seed: int = 1) -> np.ndarray:
    """Agent: a 440 Hz tone in bursts; customer: noise in other bursts (n × 2 int16)."""
    t = np.arange(int(seconds * RATE)) / RATE
    gate_a = (np.sin(2 * np.pi * 0.7 * t) > 0).astype(float)
    agent = 6000 * np.sin(2 * np.pi * 440 * t) * gate_a
    customer = np.random.default_rng(seed).normal(0, 3000, t.size) * (1 - gate_a)
    return np.stack([agent, customer], axis=1).astype(np.int16)


def through_ulaw(call: np.ndarray) -> np.ndarray:
    return decode_ulaw(encode_ulaw(call.reshape(-1))).reshape(-1, 2)
