"""Genesys AudioHook (protocol version 2), sans I/O: one session fed the websocket's messages, answering with
actions for its edge (:mod:`kasuhara_live.ingest.audiohook`) to carry out.

Genesys Cloud is the *client*: it opens the websocket, sends ``open`` and, once we answer ``opened``, binary frames
of audio; also ``ping``, ``paused``/``resumed`` (a pause it started, or one we asked for), ``discarded`` (audio it
dropped), ``update``, ``error`` and finally ``close``, which we answer ``closed``.  We end a session early with
``disconnect`` (reason ``error`` plus one line of ``info``); the client then closes it.  Every text message has
``version`` "2", the session ``id``, ``type``, ``seq`` (1, 2, 3… per sender) and ``parameters``; the client's also
``serverseq`` (our last seq it saw) and ``position`` (its stream time, ``PT1.5S``); ours ``clientseq``.

Media: PCMU at 8000 Hz with both channels, ``external`` and ``internal`` in the order offered, else PCMU mono;
``opened`` names the one chosen.  Frames interleave its channels sample by sample.  ``internal`` (the centre's
side) is the agent, call channel 0; ``external`` (the remote party) the customer, channel 1.  A mono session feeds
silence to the channel it lacks, and a gap the client reports (``resumed`` or ``discarded``) becomes that much
silence on both, so the call's clock stays the phone system's.

Which agent takes the call (``CallMeta.agent_key``): the open's ``participant`` is the *customer* (``ani`` the
caller's number, ``dnis`` the number dialled); AudioHook names no agent.  The key is, first found:
``parameters.inputVariables.agent`` (set per call by an Architect flow, e.g. to the agent's extension or queue),
``parameters.customConfig.agent`` (set per AudioHook integration, e.g. one integration per team), then
``participant.dnis`` (for lines that belong to one seat), else "".  ``[ingest] agents`` maps it to a hub agent.

A ``conversationId`` of all zeros is Genesys's connection probe (when an integration is saved): it is answered
``opened`` but never reaches the call sink.  Anything malformed (not JSON, unknown type, wrong seq or id, audio
before ``opened`` or during a pause, a frame too long or of partial samples) ends this session with
``disconnect``; :attr:`AudioHookSession.failure` says why in one line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np

from kasuhara_live.ingest.g711 import decode_ulaw
from kasuhara_live.ingest.sink import CallMeta

RATE = 8000
NULL_UUID = "00000000-0000-0000-0000-000000000000"
MAX_TEXT_BYTES = 65536  # as the reference server: Genesys's own messages are a few hundred bytes
MAX_FRAME_BYTES = 64000  # 4 s of stereo PCMU; Genesys sends a fraction of a second per frame
MAX_GAP_S = 3600.0  # a pause or discard longer than this is not believed (it would be an hour of silence)
AGENT, CUSTOMER = 0, 1
CHANNEL_OF = {"internal": AGENT, "external": CUSTOMER}
SILENCE = np.zeros(RATE, dtype=np.int16)  # one second, shared read-only by every gap
SILENCE.flags.writeable = False

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DURATION = re.compile(r"^PT(\d{1,9}(\.\d{1,9})?)S$")


@dataclass(frozen=True)
class Send:
    """A text message for the client."""
    text: str


@dataclass(frozen=True)
class OpenCall:
    """Ask the call sink for this call; answer with :meth:`AudioHookSession.accept` or ``refuse``."""
    meta: CallMeta


@dataclass(frozen=True)
class Audio:
    """The next samples of one call channel (int16, 8000 Hz)."""
    channel: int
    samples: np.ndarray


@dataclass(frozen=True)
class EndCall:
    """The call is over; ``reason`` is ``closed``, ``sender_lost``, ``no_media``, ``protocol_error``…"""
    reason: str


@dataclass(frozen=True)
class Hangup:
    """Close the websocket now, with this close code and reason."""
    code: int
    reason: str


Action = Send | OpenCall | Audio | EndCall | Hangup


class State(Enum):
    AWAIT_OPEN = "await_open"
    OPENING = "opening"  # OpenCall handed out, the sink's answer not yet back
    ACTIVE = "active"
    PAUSED = "paused"
    DISCONNECTING = "disconnecting"  # we sent disconnect; only the client's close matters now
    CLOSED = "closed"


@dataclass(frozen=True)
class Media:
    """The chosen audio format: PCMU at 8000 Hz, channel names in frame order."""
    channels: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {"type": "audio", "format": "PCMU", "channels": list(self.channels), "rate": RATE}


class Violation(Exception):
    """The client broke the protocol; the text is the one-line ``info`` of our disconnect."""


def parse_duration(value: object, what: str) -> float:
    """Seconds from an ISO 8601 duration of the form ``PT12.5S`` (the only form AudioHook uses)."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None:
        raise Violation(f"{what} must be a duration like PT1.5S, not {str(value)[:40]!r}")
    return float(match.group(1))


def choose_media(offered: object) -> Media | None:
    """Stereo PCMU 8 kHz with both channels if offered, else mono PCMU 8 kHz; None when neither is."""
    if not isinstance(offered, list):
        raise Violation("open: parameters.media must be a list")
    usable: list[Media] = []
    for item in offered:
        if not isinstance(item, dict):
            raise Violation("open: every parameters.media entry must be an object")
        channels = item.get("channels")
        if (item.get("type") == "audio" and item.get("format") == "PCMU" and item.get("rate") == RATE
                and isinstance(channels, list) and channels
                and all(isinstance(c, str) and c in CHANNEL_OF for c in channels)
                and len(set(channels)) == len(channels)):
            usable.append(Media(tuple(channels)))
    stereo = [m for m in usable if len(m.channels) == 2]
    return stereo[0] if stereo else (usable[0] if usable else None)


def agent_key_of(params: dict[str, Any]) -> str:
    """The module docstring's rule: inputVariables.agent, customConfig.agent, participant.dnis, else ""."""
    for holder in ("inputVariables", "customConfig"):
        found = params.get(holder)
        if isinstance(found, dict) and isinstance(found.get("agent"), str) and found["agent"].strip():
            return str(found["agent"]).strip()[:200]
    participant = params.get("participant")
    dnis = participant.get("dnis") if isinstance(participant, dict) else None
    return dnis.strip()[:200] if isinstance(dnis, str) else ""


def _is_seq(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53


def _text(value: object) -> str:
    """A hostile value, quoted and cut short for a one-line error (containers by kind: never repr'd whole)."""
    if value is None or isinstance(value, str | int | float):
        return repr(value)[:60]
    return f"a {type(value).__name__}"


class AudioHookSession:
    """One AudioHook session, from the websocket's first message to its last.

    Feed it :meth:`receive_text` and :meth:`receive_binary`; carry out the actions they return in order.  The
    edge answers an :class:`OpenCall` with :meth:`accept` or :meth:`refuse`, and tells the session when the
    socket dropped (:meth:`lost`), when no audio came in time (:meth:`timed_out`) or when the server stops.
    """

    def __init__(self, peer: str, session_id: str = "") -> None:
        self.peer = peer
        self.id = session_id  # the Audiohook-Session-Id header; the open's id must match it when given
        self.state = State.AWAIT_OPEN
        self.seq = 0
        self.clientseq = 0
        self.media: Media | None = None
        self.probe = False
        self.failure = ""  # why we ended the session, one line; "" while nothing went wrong
        self.client_error = ""  # the client's last error message, for the log
        self.client_closed = False  # the client ended the session with a close message
        self.samples = 0  # per channel, gaps included: the call's clock at 8000 Hz
        self._call_live = False
        self._handlers: dict[str, Callable[[dict[str, Any]], list[Action]]] = {
            "open": self._on_open, "close": self._on_close, "ping": self._on_ping, "paused": self._on_paused,
            "resumed": self._on_resumed, "discarded": self._on_discarded, "update": self._on_update,
            "error": self._on_error,
        }

    def receive_text(self, text: str) -> list[Action]:
        """One text message from the client."""
        if self.state is State.CLOSED:
            return []
        try:
            message = self._validate(text)
            if self.state is State.DISCONNECTING and message["type"] != "close":
                return []  # it crossed our disconnect; only its close is awaited
            return self._handlers[message["type"]](message)
        except Violation as exc:
            return self._disconnect(str(exc), "protocol_error")

    def receive_binary(self, data: bytes) -> list[Action]:
        """One binary message: interleaved PCMU samples of the chosen media's channels."""
        if self.state in (State.DISCONNECTING, State.CLOSED):
            return []
        if self.state is not State.ACTIVE or self.media is None:
            when = "during a pause" if self.state is State.PAUSED else "before opened"
            return self._disconnect(f"audio frame {when}", "protocol_error")
        width = len(self.media.channels)
        if not 0 < len(data) <= MAX_FRAME_BYTES or len(data) % width:
            return self._disconnect(f"audio frame of {len(data)} bytes: expected 1 to {MAX_FRAME_BYTES} bytes, "
                                    f"whole samples of {width} channel(s)", "protocol_error")
        if self.probe:
            return []
        samples = decode_ulaw(data).reshape(-1, width)
        self.samples += samples.shape[0]
        by_channel = {CHANNEL_OF[name]: np.ascontiguousarray(samples[:, i])
                      for i, name in enumerate(self.media.channels)}
        for channel in (AGENT, CUSTOMER):
            by_channel.setdefault(channel, np.zeros(samples.shape[0], dtype=np.int16))  # mono: the other is silent
        return [Audio(AGENT, by_channel[AGENT]), Audio(CUSTOMER, by_channel[CUSTOMER])]

    def accept(self) -> list[Action]:
        """The sink took the call; a session that ended meanwhile ends the new call at once."""
        if self.state is not State.OPENING:
            return [EndCall("protocol_error" if self.failure else "closed")]
        self._call_live = True
        return self._opened()

    def refuse(self, reason: str) -> list[Action]:
        """The sink (or the server's call limit) will not take this call: disconnect with the reason."""
        if self.state is not State.OPENING:
            return []
        return self._disconnect(f"call refused: {reason}", "")

    def timed_out(self, seconds: float) -> list[Action]:
        """No audio came for ``seconds``: end the call and hang up."""
        return [*self._disconnect(f"no audio for {seconds:g} s", "no_media"), Hangup(1000, "no audio")]

    def shutdown(self) -> list[Action]:
        """The server stops: end the call and hang up."""
        return [*self._disconnect("server shutting down", "shutdown"), Hangup(1001, "server shutting down")]

    def lost(self, reason: str = "sender_lost") -> list[Action]:
        """The websocket is gone (closed without a close transaction, or dropped)."""
        actions = self._end(reason)
        self.state = State.CLOSED
        return actions

    def pause(self) -> list[Action]:
        """Ask the client to pause its audio (it answers ``paused``)."""
        return [self._send("pause", {})] if self.state in (State.ACTIVE, State.PAUSED) else []

    def resume(self) -> list[Action]:
        """Ask the client to resume (it answers ``resumed`` with the duration it discarded)."""
        return [self._send("resume", {})] if self.state in (State.ACTIVE, State.PAUSED) else []

    def _validate(self, text: str) -> dict[str, Any]:
        if len(text) > MAX_TEXT_BYTES:
            raise Violation(f"text message of {len(text)} characters: at most {MAX_TEXT_BYTES}")
        try:
            message = json.loads(text)
        except (ValueError, RecursionError):
            raise Violation("text message is not JSON") from None
        if not isinstance(message, dict):
            raise Violation("text message is not a JSON object")
        if message.get("version") != "2":
            raise Violation(f"version {_text(message.get('version'))}: only \"2\" is spoken here")
        kind = message.get("type")
        if not isinstance(kind, str) or kind not in self._handlers:
            raise Violation(f"unknown message type {_text(kind)}")
        seq, serverseq = message.get("seq", -1), message.get("serverseq", -1)
        if not _is_seq(seq) or seq != self.clientseq + 1:
            raise Violation(f"{kind}: seq {_text(seq)} out of order, expected {self.clientseq + 1}")
        if not _is_seq(serverseq) or serverseq > self.seq:
            raise Violation(f"{kind}: serverseq {_text(serverseq)} is not one we sent (last {self.seq})")
        parse_duration(message.get("position"), f"{kind}: position")
        if not isinstance(message.get("parameters"), dict):
            raise Violation(f"{kind}: parameters must be an object")
        self._check_id(message.get("id"), kind)
        self.clientseq = seq
        return message

    def _check_id(self, found: object, kind: str) -> None:
        if self.state is State.AWAIT_OPEN:
            if kind != "open":
                raise Violation(f"{kind} before open: the first message must be open")
            if not isinstance(found, str) or not _UUID.match(found):
                raise Violation(f"open: id {_text(found)} is not a UUID")
            if self.id and found.lower() != self.id.lower():
                raise Violation(f"open: id {found} differs from the Audiohook-Session-Id header {self.id[:40]}")
            self.id = found
        elif found != self.id:
            raise Violation(f"{kind}: id {_text(found)} is not this session's")

    def _on_open(self, message: dict[str, Any]) -> list[Action]:
        if self.state is not State.AWAIT_OPEN:
            raise Violation("open: this session is already open")
        params: dict[str, Any] = message["parameters"]
        conversation, participant = params.get("conversationId"), params.get("participant")
        if not isinstance(conversation, str) or not _UUID.match(conversation):
            raise Violation(f"open: conversationId {_text(conversation)} is not a UUID")
        if not isinstance(participant, dict) or not isinstance(participant.get("ani", ""), str):
            raise Violation("open: participant must be an object with a string ani")
        media = choose_media(params.get("media"))
        if media is None:
            return self._disconnect("open: no media we take was offered (PCMU at 8000 Hz, channels external "
                                    "and/or internal)", "")
        self.media = media
        if conversation == NULL_UUID:
            self.probe = True  # Genesys checking that we answer: no call behind it
            return self._opened()
        self.state = State.OPENING
        caller = str(participant.get("ani", ""))[:64]
        return [OpenCall(CallMeta(protocol="audiohook", session=self.id, peer=self.peer,
                                  agent_key=agent_key_of(params), caller=caller))]

    def _on_close(self, message: dict[str, Any]) -> list[Action]:
        self.client_closed = True
        actions = self._end("closed")
        self.state = State.CLOSED
        return [*actions, self._send("closed", {})]

    def _on_ping(self, message: dict[str, Any]) -> list[Action]:
        return [self._send("pong", {})]

    def _on_paused(self, message: dict[str, Any]) -> list[Action]:
        self._require_open("paused")
        self.state = State.PAUSED
        return []

    def _on_resumed(self, message: dict[str, Any]) -> list[Action]:
        self._require_open("resumed")
        params = message["parameters"]
        parse_duration(params.get("start"), "resumed: start")
        discarded = parse_duration(params.get("discarded"), "resumed: discarded")
        was_paused, self.state = self.state is State.PAUSED, State.ACTIVE
        return self._gap(discarded) if was_paused else []

    def _on_discarded(self, message: dict[str, Any]) -> list[Action]:
        self._require_open("discarded")
        params = message["parameters"]
        parse_duration(params.get("start"), "discarded: start")
        return self._gap(parse_duration(params.get("discarded"), "discarded: discarded"))

    def _on_update(self, message: dict[str, Any]) -> list[Action]:
        self._require_open("update")
        return []  # a language change: the recogniser is Japanese whatever Genesys thinks

    def _on_error(self, message: dict[str, Any]) -> list[Action]:
        params = message["parameters"]
        self.client_error = f"{_text(params.get('code'))} {_text(params.get('message'))}"
        return []

    def _require_open(self, kind: str) -> None:
        if self.state not in (State.ACTIVE, State.PAUSED):
            raise Violation(f"{kind} before opened")

    def _gap(self, seconds: float) -> list[Action]:
        """Silence on both channels for audio the client did not send, so the call's clock stays right."""
        if seconds > MAX_GAP_S:
            raise Violation(f"a gap of {seconds:g} s: at most {MAX_GAP_S:g} s is taken")
        missing = round(seconds * RATE)
        if self.probe or not missing:
            return []
        self.samples += missing
        actions: list[Action] = []
        while missing > 0:
            block = SILENCE[: min(missing, RATE)]
            actions += [Audio(AGENT, block), Audio(CUSTOMER, block)]
            missing -= block.size
        return actions

    def _opened(self) -> list[Action]:
        assert self.media is not None  # set by _on_open before any path here
        self.state = State.ACTIVE
        return [self._send("opened", {"media": [self.media.as_json()], "startPaused": False})]

    def _disconnect(self, info: str, end_reason: str) -> list[Action]:
        """End the call (if one is live) and tell the client why; it answers with close."""
        if self.state in (State.DISCONNECTING, State.CLOSED):
            return []
        self.failure = info
        actions = self._end(end_reason) if end_reason else []
        self.state = State.DISCONNECTING
        return [*actions, self._send("disconnect", {"reason": "error", "info": info})]

    def _end(self, reason: str) -> list[Action]:
        if not self._call_live:
            return []
        self._call_live = False
        return [EndCall(reason)]

    def _send(self, kind: str, parameters: dict[str, Any]) -> Send:
        self.seq += 1
        return Send(json.dumps({"version": "2", "type": kind, "seq": self.seq, "clientseq": self.clientseq,
                                "id": self.id or NULL_UUID, "parameters": parameters}, ensure_ascii=False))
