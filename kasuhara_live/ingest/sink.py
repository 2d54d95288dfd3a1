"""The seam between a phone-system protocol and the call core.

A protocol adapter (SIPREC, AudioHook) knows sockets, packets and codecs; the call core knows pipelines, the
recogniser and the hub.  They meet here: the adapter describes a new call with :class:`CallMeta`, asks the
:class:`CallSink` to open it, pushes each channel's decoded audio into the :class:`CallHandle` it got back and
ends it once, with a reason.  Tests drive either side alone with a fake of the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from kasuhara_live.errors import KasuharaError


class CallRefused(KasuharaError):
    """The core will not take this call (unknown agent, too many calls, shutting down); ``reason`` is one line."""


@dataclass(frozen=True)
class CallMeta:
    """What the phone system told us about a call, before any audio.

    ``agent_key`` is whatever names the agent's seat in that system (a SIPREC participant's AOR such as
    ``sip:2001@pbx.example``, an AudioHook participant or queue id); the site config maps it to a hub agent.
    ``caller`` is the customer's number as received: the core hashes it and never stores it.
    ``channels`` names each channel in the order :meth:`CallHandle.audio` numbers them.
    """

    protocol: str  # "siprec" | "audiohook"
    session: str  # the protocol's own id of the call: SIP Call-ID, AudioHook session id
    peer: str  # "host:port" of the sender
    agent_key: str = ""
    caller: str = ""
    channels: tuple[str, ...] = ("agent", "customer")


class CallHandle(Protocol):
    """One open call, fed by its adapter from the adapter's own thread or event loop."""

    @property
    def call_id(self) -> str: ...

    def audio(self, channel: int, samples: np.ndarray, rate: int = 8000) -> None:
        """The next samples of one channel (int16 mono at ``rate`` Hz), in arrival order; never blocks long."""
        ...

    def end(self, reason: str) -> None:
        """The call is over (``bye``, ``closed``, ``timeout``, ``sender_lost``…); later calls are ignored."""
        ...


class CallSink(Protocol):
    """Where adapters open calls: the call core, or a fake in an adapter's tests."""

    def open_call(self, meta: CallMeta) -> CallHandle:
        """A handle for a new call, or :class:`CallRefused`."""
        ...
