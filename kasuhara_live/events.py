"""The event vocabulary every part of kasuhara-live speaks.

Events are frozen dataclasses.  Each carries the ``call_id`` it belongs to and ``time``: the audio time in
seconds (derived from sample counts) at which it was produced, so a recorded call replays identically.
``wall`` is set only when a wall clock is in play (``--realtime``, live capture): seconds since the
replay or capture started at the moment the event was emitted; it is how latency is measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    """Escalation levels, ordered: none < caution < warning < critical."""

    NONE = "none"
    CAUTION = "caution"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _LEVEL_RANK[self]

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank >= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank > other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank <= other.rank

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank < other.rank


_LEVEL_RANK = {Level.NONE: 0, Level.CAUTION: 1, Level.WARNING: 2, Level.CRITICAL: 3}


@dataclass(frozen=True)
class CallStarted:
    """A call began; ``speakers`` lists the channel names in channel order."""

    call_id: str
    time: float
    speakers: tuple[str, ...]
    source: str = ""
    wall: float | None = None
    started_at: float = 0.0  # Unix time the call began (the record's date); 0 when unknown
    caller: str = ""  # the caller's id as the monitor was given it, hashed (repeat callers, never the number)
    config_version: str = ""  # fingerprint of the config, lexicon and scripts that judged the call


@dataclass(frozen=True)
class UtterancePartial:
    """A provisional hypothesis of an utterance still being spoken.

    ``stable`` is the prefix two successive hypotheses agreed on (LocalAgreement-2): a console may show it
    as settled and the rest as provisional.
    """

    call_id: str
    time: float
    utterance_id: str
    speaker: str
    start: float
    end: float
    text: str
    stable: str = ""
    wall: float | None = None


@dataclass(frozen=True)
class UtteranceFinal:
    """The settled text of an utterance that has ended.

    ``loudness_db`` is the RMS level of the speech in dBFS: the detector compares it with the speaker's own
    baseline to notice shouting.
    """

    call_id: str
    time: float
    utterance_id: str
    speaker: str
    start: float
    end: float
    text: str
    loudness_db: float = -99.0
    wall: float | None = None
    # Other readings of the same audio by the recogniser, most likely first: the judge reads them too, since
    # Whisper base may put the right words in its second-best reading (土下座しろ behind 溶けさしろ).
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class Alert:
    """The detector's judgement on part of a call, with the response the agent should read now."""

    call_id: str
    time: float
    alert_id: str
    category: str
    severity: Level
    start: float
    end: float
    evidence: tuple[str, ...]
    criteria: tuple[str, ...]
    script: str
    reason: str = ""
    utterance_id: str = ""
    wall: float | None = None
    # What raised it, as an admin finds it in configs/ (see judge.cues.Cue.origin), the deciding origin first:
    # "term:insult_baka, grammar:command", "construction:<id>", "model:0.91", "call:shouting", "call:length",
    # "call:repeated_demand, term:demand_isharyo", "call:after_final_warning, …"; "" when not known (older events)
    source: str = ""


@dataclass(frozen=True)
class LevelChanged:
    """The call's escalation level moved; ``reason`` says why (in the configured UI language)."""

    call_id: str
    time: float
    level: Level
    previous: Level
    reason: str
    wall: float | None = None


@dataclass(frozen=True)
class CallEnded:
    """A call ended; ``time`` is its audio duration in seconds."""

    call_id: str
    time: float
    reason: str = "end_of_audio"
    wall: float | None = None


class ActionKind(StrEnum):
    """What a person did about a call, from a console."""

    SCRIPT_USED = "script_used"  # agent: read the scripted response (detail: the step)
    JOIN_REQUESTED = "join_requested"  # agent: asks a supervisor to join the call
    RED_CARD = "red_card"  # agent: ended the call for cause (レッドカード)
    POST_CALL_CHECK = "post_call_check"  # agent: how they feel after the call (detail: their answers)
    ALERT_ACKNOWLEDGED = "alert_acknowledged"  # supervisor: has seen the alert (alert_id)
    MESSAGE = "message"  # supervisor: a short message to the agent (detail: the text)


AGENT_ACTIONS = frozenset({ActionKind.SCRIPT_USED, ActionKind.JOIN_REQUESTED, ActionKind.RED_CARD,
                           ActionKind.POST_CALL_CHECK})
SUPERVISOR_ACTIONS = frozenset({ActionKind.ALERT_ACKNOWLEDGED, ActionKind.MESSAGE})


@dataclass(frozen=True)
class Action:
    """A person's action on a call: part of the call's record like the detector's events.

    ``actor`` and ``role`` are filled in by the hub from the authenticated connection, never trusted from the
    client.  ``time`` is the call's audio time the console had reached; ``wall`` is set by the hub: its Unix
    time when it accepted the action (unlike the pipeline's events, whose ``wall`` counts from the start of
    capture), so the record says when a person acted.
    """

    call_id: str
    time: float
    action: ActionKind
    actor: str = ""
    role: str = ""
    detail: str = ""
    alert_id: str = ""
    wall: float | None = None


Event = CallStarted | UtterancePartial | UtteranceFinal | Alert | LevelChanged | CallEnded | Action
