"""A recording CallSink for the AudioHook tests: the real call core is not needed to test an adapter."""

from __future__ import annotations

import asyncio

import numpy as np

from kasuhara_live.ingest.sink import CallMeta, CallRefused


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
