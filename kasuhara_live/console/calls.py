"""The consoles' view of calls, fed with decoded events: pure data, no Textual, no clock of its own.

A :class:`CallView` is one call as a person sees it (transcript, level, latest alert and its script, what people
did); a :class:`Board` is every call a console knows, ranked by urgency, with the supervisors' alert feed.
Hubs replay a live call's history to a console that (re)connects, so applying an event twice changes nothing.
Wall-clock seconds (``now``) are passed in by the caller; they only move the call timer between events and
decide when an ended call leaves the board.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

from kasuhara_live.config import CallConfig
from kasuhara_live.events import (
    Action,
    ActionKind,
    Alert,
    CallEnded,
    CallStarted,
    Event,
    Level,
    LevelChanged,
    UtteranceFinal,
    UtterancePartial,
)
from kasuhara_live.judge.scripts import Scripts, Step


@dataclass
class TranscriptLine:
    """One utterance on screen: provisional (a partial) until its final replaces it."""

    utterance_id: str
    speaker: str
    start: float
    end: float
    text: str
    stable: str = ""  # the prefix of a partial two hypotheses agreed on
    final: bool = False


@dataclass
class CallView:
    """Everything a console shows about one call."""

    call_id: str
    agent: str = ""
    monitor: str = ""
    speakers: tuple[str, ...] = ()
    source: str = ""
    started: float = 0.0  # audio time of call.started
    latest_time: float = 0.0  # the latest audio time any event of this call carried
    seen_at: float | None = None  # console clock when latest_time arrived: the timer runs on between events
    level: Level = Level.NONE
    level_reason: str = ""
    lines: list[TranscriptLine] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    ended: bool = False
    end_reason: str = ""
    ended_at: float | None = None  # console clock when call.ended arrived
    last_alert_seq: int = -1  # board-wide arrival number of the latest alert (audio times of calls differ)
    max_lines: int = 500

    # -- reading --------------------------------------------------------------------------------------

    @property
    def last_alert(self) -> Alert | None:
        return self.alerts[-1] if self.alerts else None

    @property
    def messages(self) -> list[Action]:
        """Supervisor messages to the agent on this call, oldest first."""
        return [a for a in self.actions if a.action is ActionKind.MESSAGE]

    def elapsed(self, now: float) -> float:
        """Seconds the call has lasted: audio time, run on by the console clock while the call is live."""
        seconds = self.latest_time - self.started
        if not self.ended and self.seen_at is not None:
            seconds += max(0.0, now - self.seen_at)
        return max(0.0, seconds)

    def acknowledged_by(self, alert_id: str) -> str:
        """Who acknowledged the alert ("" when nobody has)."""
        for action in self.actions:
            if action.action is ActionKind.ALERT_ACKNOWLEDGED and action.alert_id == alert_id:
                return action.actor or "?"
        return ""

    def has_action(self, kind: ActionKind, alert_id: str = "") -> bool:
        """Whether someone did ``kind`` on this call (about ``alert_id``, when given)."""
        return any(a.action is kind and (not alert_id or a.alert_id == alert_id) for a in self.actions)

    # -- feeding --------------------------------------------------------------------------------------

    def apply(self, event: Event, now: float, alert_seq: int = -1) -> bool:
        """Take one event of this call; ``False`` when it was already known (a replayed history)."""
        if event.time >= self.latest_time:
            self.latest_time, self.seen_at = event.time, now
        if isinstance(event, CallStarted):
            self.speakers, self.source, self.started = event.speakers, event.source, event.time
            return True
        if isinstance(event, UtterancePartial | UtteranceFinal):
            return self._put_line(event)
        if isinstance(event, Alert):
            if any(a.alert_id == event.alert_id for a in self.alerts):
                return False
            self.alerts.append(event)
            self.last_alert_seq = alert_seq
            return True
        if isinstance(event, LevelChanged):
            self.level, self.level_reason = event.level, event.reason
            return True
        if isinstance(event, CallEnded):
            if not self.ended:
                self.ended, self.end_reason, self.ended_at = True, event.reason, now
                self.latest_time = max(self.latest_time, self.started + event.time)
            return True
        if any(_same_action(event, known) for known in self.actions):
            return False
        self.actions.append(event)
        return True

    def _put_line(self, event: UtterancePartial | UtteranceFinal) -> bool:
        final = isinstance(event, UtteranceFinal)
        stable = event.stable if isinstance(event, UtterancePartial) else ""
        for line in reversed(self.lines):  # the utterance being spoken is nearly always at the end
            if line.utterance_id == event.utterance_id:
                if line.final and not final:
                    return False  # a late partial never undoes the settled text
                changed = (line.text, line.final, line.stable) != (event.text, final, stable)
                line.text, line.stable, line.final = event.text, stable, final
                line.start, line.end = event.start, event.end
                return changed
        line = TranscriptLine(event.utterance_id, event.speaker, event.start, event.end, event.text, stable, final)
        # Keep reading order by start time: two speakers overlap, and a short answer may settle first.
        index = len(self.lines)
        while index > 0 and self.lines[index - 1].start > line.start:
            index -= 1
        self.lines.insert(index, line)
        del self.lines[: max(0, len(self.lines) - self.max_lines)]
        return True


def _same_action(a: Action, b: Action) -> bool:
    """One action, whether shown at once by the console that sent it or echoed by the hub with its clock."""
    # The wire rounds times to milliseconds, so the echo's time is compared at that precision.
    return (a.action, round(a.time, 3), a.detail, a.alert_id) == (b.action, round(b.time, 3), b.detail,
                                                                 b.alert_id) and (
        not a.actor or not b.actor or a.actor == b.actor)


class FeedKind(StrEnum):
    """What a supervisor's feed row is about."""

    ALERT = "alert"
    JOIN = "join"  # an agent asks for help
    RED_CARD = "red_card"  # an agent ended a call for cause


@dataclass
class FeedItem:
    """One row of the supervisors' feed."""

    seq: int
    kind: FeedKind
    call_id: str
    agent: str
    alert: Alert | None = None
    action: Action | None = None


_FEED_ACTIONS = {ActionKind.JOIN_REQUESTED: FeedKind.JOIN, ActionKind.RED_CARD: FeedKind.RED_CARD}


class Board:
    """Every call a console knows, and the feed of alerts and agents' calls for help."""

    def __init__(self, max_lines: int = 500, feed_limit: int = 500) -> None:
        self.calls: dict[str, CallView] = {}
        self.feed: list[FeedItem] = []  # oldest first
        self.max_lines = max_lines
        self.feed_limit = feed_limit
        self._seq = 0

    def apply(self, event: Event, now: float, agent: str = "", monitor: str = "") -> tuple[CallView, FeedItem | None]:
        """Take one event; returns its call and the feed row it added (``None`` when it added none)."""
        call = self.calls.get(event.call_id)
        if call is None:
            call = self.calls[event.call_id] = CallView(event.call_id, max_lines=self.max_lines)
        call.agent = agent or call.agent
        call.monitor = monitor or call.monitor
        self._seq += 1
        if not call.apply(event, now, self._seq):
            return call, None
        item: FeedItem | None = None
        if isinstance(event, Alert):
            item = FeedItem(self._seq, FeedKind.ALERT, call.call_id, call.agent, alert=event)
        elif isinstance(event, Action) and event.action in _FEED_ACTIONS:
            item = FeedItem(self._seq, _FEED_ACTIONS[event.action], call.call_id, call.agent, action=event)
        if item is not None:
            self.feed.append(item)
            del self.feed[: max(0, len(self.feed) - self.feed_limit)]
        return call, item

    def newest_first(self) -> list[FeedItem]:
        """The feed as a supervisor reads it."""
        return self.feed[::-1]

    def ranked(self, now: float) -> list[CallView]:
        """Calls by urgency: live before ended, then level (highest first), most recent alert, longest call."""
        return sorted(self.calls.values(), key=lambda c: (c.ended, -c.level.rank, -c.last_alert_seq, -c.elapsed(now)))

    def live_count(self) -> int:
        return sum(1 for c in self.calls.values() if not c.ended)

    def forget(self, call_id: str) -> bool:
        """Drop a call and its feed rows (the hub has forgotten it); ``False`` if it was not here."""
        if self.calls.pop(call_id, None) is None:
            return False
        self.feed = [item for item in self.feed if item.call_id != call_id]
        return True

    def prune(self, now: float, linger_s: float) -> list[str]:
        """Drop calls that ended more than ``linger_s`` ago (and their feed rows); returns their ids."""
        gone = [c.call_id for c in self.calls.values()
                if c.ended and c.ended_at is not None and now - c.ended_at > linger_s]
        for call_id in gone:
            self.forget(call_id)
        return gone


def duration_level(seconds: float, call: CallConfig) -> Level:
    """How the call's length stands against the configured thresholds (拘束: long calls are a harm too)."""
    minutes = seconds / 60.0
    if minutes >= call.limit_minutes:
        return Level.CRITICAL
    if minutes >= call.warning_minutes:
        return Level.WARNING
    if minutes >= call.caution_minutes:
        return Level.CAUTION
    return Level.NONE


MAX_SHOWN_SECONDS = 100 * 3600.0
"""Call lengths from here on (or not a number at all: a peer may send ``Infinity``) show as :data:`NO_DURATION`."""
NO_DURATION = "--:--"


def format_duration(seconds: float) -> str:
    """``mm:ss``, or ``h:mm:ss`` from an hour on; :data:`NO_DURATION` for a value no call can have."""
    if not math.isfinite(seconds) or seconds >= MAX_SHOWN_SECONDS:
        return NO_DURATION
    whole = int(max(0.0, seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def script_step(scripts: Scripts, language: str, alert: Alert) -> str:
    """Which escalation step the alert's script is ("" when the wording is not in this console's scripts).

    Alerts carry the words, not the step; the step is what the record of "script used" needs, so it is
    recovered from the same scripts file the detector used.
    """
    for step in Step:
        if scripts.text(language, alert.category, step) == alert.script:
            return step.value
    return ""


def script_detail(scripts: Scripts | None, language: str, alert: Alert) -> str:
    """The ``detail`` of a script-used action: ``category/step`` (just the category when the step is unknown)."""
    step = script_step(scripts, language, alert) if scripts is not None else ""
    return f"{alert.category}/{step}" if step else alert.category
