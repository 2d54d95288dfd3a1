"""The call store: SQLite through the standard library, WAL mode, one file per team.

Writing: :meth:`CallStore.record` takes the events of a call (the hub calls it before it broadcasts or acks
an event; ``replay --store`` calls it as events are produced) and commits each one, so an event a console
has seen, or a monitor has had acknowledged, is on disk even if the process is killed the next moment.
WAL with ``synchronous = NORMAL`` keeps committed transactions through a process crash. Partial
hypotheses are not stored: they are provisional and their final follows.

Reading: :meth:`calls` lists calls by date, level, category and agent; :meth:`call` returns one call
with everything recorded about it. QA labels and reviews are written here too.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kasuhara_live.errors import StoreError
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
from kasuhara_live.store.schema import migrate

ALERT_LABELS = ("correct", "false_alarm")
CONDUCT = ("acceptable", "grey", "unacceptable")
DEMAND = ("valid", "grey", "invalid")


@dataclass(frozen=True)
class CallSummary:
    """One row of a call listing."""

    call_id: str
    agent: str
    seat: str
    team: str
    source: str
    caller: str
    config_version: str
    started_at: float
    duration: float | None
    end_reason: str | None
    max_level: Level
    categories: tuple[str, ...]
    alerts: int
    purged: bool


@dataclass(frozen=True)
class AlertLabel:
    """A reviewer's verdict on one alert."""

    alert_id: str
    label: str
    reviewer: str
    note: str
    labelled_at: float


@dataclass(frozen=True)
class Missed:
    """Harassment the detector did not flag, marked by a reviewer on the call's time line."""

    start: float
    end: float
    category: str
    reviewer: str
    note: str
    labelled_at: float


@dataclass(frozen=True)
class CallReview:
    """The reviewer's judgement of the whole call on the two axes (DOMAIN.md), with notes and lessons."""

    reviewer: str
    conduct: str
    demand: str
    harassment: bool
    notes: str
    lessons: str
    reviewed_at: float


@dataclass(frozen=True)
class ReviewState:
    """How far QA has got with one call: alerts labelled, missed ranges added, the judgement if any."""

    labelled: int
    missed: int
    harassment: bool | None  # the reviewer's verdict; None while the call is not judged


@dataclass(frozen=True)
class AlertVerdict:
    """One alert with the reviewer's label (``None`` while unlabelled): agreement figures across calls."""

    call_id: str
    alert_id: str
    category: str
    severity: Level
    label: str | None


@dataclass(frozen=True)
class ReviewedCall:
    """A judged call beside what the field flagged on it: the detector's level and the agent's own actions."""

    call_id: str
    agent: str
    started_at: float
    max_level: Level
    red_card: bool
    join_requested: bool
    conduct: str
    demand: str
    harassment: bool
    reviewer: str


@dataclass
class CallRecord:
    """Everything the store holds about one call."""

    summary: CallSummary
    speakers: tuple[str, ...]
    utterances: list[UtteranceFinal] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    levels: list[LevelChanged] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    labels: dict[str, AlertLabel] = field(default_factory=dict)
    missed: list[Missed] = field(default_factory=list)
    review: CallReview | None = None



@dataclass(frozen=True)
class AlertFact:
    """One alert without its words: what the trend report counts."""

    call_id: str
    time: float
    category: str
    severity: Level


@dataclass(frozen=True)
class ActionFact:
    """One action without free text: ``detail`` is kept for the structured kinds (script step, red-card
    category, post-call answers) and empty for supervisors' messages, which trends never read."""

    call_id: str
    time: float
    action: ActionKind
    detail: str


# One call's summary row: its columns, its alert categories and its alert count (see CallStore._summary).
_SUMMARY_SELECT = (
    "SELECT c.call_id, c.agent, c.seat, c.team, c.source, c.caller, c.config_version, c.started_at,"
    " c.duration, c.end_reason, c.max_level, c.purged_at,"
    " (SELECT group_concat(DISTINCT a.category) FROM alerts a WHERE a.call_id = c.call_id),"
    " (SELECT count(*) FROM alerts a WHERE a.call_id = c.call_id)"
    " FROM calls c"
)


def _create_private(path: Path) -> None:
    # Transcripts are personal data: the file (and SQLite's -wal/-shm beside it, which inherit the umask)
    # is readable by its owner only.
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)


class CallStore:
    """One SQLite store. Not shared between threads: open one per thread (SQLite handles the locking)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        old_umask = os.umask(0o077)
        try:
            _create_private(self.path)
            self._db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            self._db.execute("PRAGMA journal_mode = WAL")
        except sqlite3.DatabaseError as exc:
            if "not a database" in str(exc):
                raise StoreError(f"{self.path} is not a kasuhara-live call store: {exc}") from None
            raise StoreError(f"cannot open the call store {self.path}: {exc}") from None
        except OSError as exc:
            raise StoreError(f"cannot open the call store {self.path}: {exc.strerror}") from None
        finally:
            os.umask(old_umask)
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.execute("PRAGMA foreign_keys = ON")
        try:
            migrate(self._db, str(self.path))
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is not a kasuhara-live call store: {exc}") from None
        self._levels: dict[str, Level] = {}

    @classmethod
    def existing(cls, path: Path) -> CallStore:
        """Open a store that must already exist (readers: a mistyped path is an error, not a new empty store)."""
        if not path.exists():
            raise StoreError(f"no call store at {path}: give --store PATH or set store.path in the config")
        return cls(path)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> CallStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- writing events ----------------------------------------------------------------------------------

    def record(self, event: Event, agent: str = "", monitor: str = "", team: str = "") -> None:
        """Keep one event of a call (idempotent: the same event twice is kept once). Commits before returning."""
        if isinstance(event, UtterancePartial):
            return
        try:
            with self._transaction() as db:
                self._ensure_call(db, event, agent, monitor, team)
                self._write(db, event)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write to the call store {self.path}: {exc}") from None

    def _ensure_call(self, db: sqlite3.Connection, event: Event, agent: str, monitor: str, team: str) -> None:
        if isinstance(event, CallStarted):
            db.execute(
                "INSERT INTO calls (call_id, agent, seat, team, source, speakers, caller, config_version, started_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (call_id) DO UPDATE SET agent = excluded.agent,"
                " seat = excluded.seat, team = excluded.team, source = excluded.source,"
                " speakers = excluded.speakers, caller = excluded.caller,"
                " config_version = excluded.config_version, started_at = excluded.started_at",
                (event.call_id, agent, monitor, team, event.source, json.dumps(list(event.speakers)), event.caller,
                 event.config_version, event.started_at or time.time()))
        else:
            # An event of a call whose start was never seen (a hub restarted mid-call) still has a home.
            db.execute("INSERT OR IGNORE INTO calls (call_id, agent, seat, team, started_at) VALUES (?, ?, ?, ?, ?)",
                       (event.call_id, agent, monitor, team, time.time() - event.time))

    def _write(self, db: sqlite3.Connection, event: Event) -> None:
        if isinstance(event, UtteranceFinal):
            db.execute("INSERT OR IGNORE INTO utterances VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (event.call_id, event.utterance_id, event.speaker, event.start, event.end, event.text,
                        event.loudness_db, json.dumps(list(event.alternatives), ensure_ascii=False)))
        elif isinstance(event, Alert):
            db.execute("INSERT OR IGNORE INTO alerts (call_id, alert_id, time, category, severity, start, end,"
                       " evidence, criteria, script, reason, utterance_id, source)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (event.call_id, event.alert_id, event.time, event.category, event.severity.value,
                        event.start, event.end, json.dumps(list(event.evidence), ensure_ascii=False),
                        json.dumps(list(event.criteria)), event.script, event.reason, event.utterance_id,
                        event.source))
            self._raise_level(db, event.call_id, event.severity)
        elif isinstance(event, LevelChanged):
            db.execute("INSERT OR IGNORE INTO level_changes (call_id, time, level, previous, reason)"
                       " VALUES (?, ?, ?, ?, ?)",
                       (event.call_id, event.time, event.level.value, event.previous.value, event.reason))
            self._raise_level(db, event.call_id, event.level)
        elif isinstance(event, Action):
            db.execute("INSERT OR IGNORE INTO actions (call_id, time, action, actor, role, detail, alert_id, wall)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (event.call_id, event.time, event.action.value, event.actor, event.role, event.detail,
                        event.alert_id, event.wall))
        elif isinstance(event, CallEnded):
            db.execute("UPDATE calls SET duration = ?, end_reason = ? WHERE call_id = ?",
                       (event.time, event.reason, event.call_id))

    def _raise_level(self, db: sqlite3.Connection, call_id: str, level: Level) -> None:
        row = db.execute("SELECT max_level FROM calls WHERE call_id = ?", (call_id,)).fetchone()
        if row is not None and level > Level(row[0]):
            db.execute("UPDATE calls SET max_level = ? WHERE call_id = ?", (level.value, call_id))

    # -- reading -----------------------------------------------------------------------------------------

    def calls(self, *, since: float | None = None, until: float | None = None, min_level: Level | None = None,
              category: str | None = None, agent: str | None = None, limit: int = 1000) -> list[CallSummary]:
        """Calls started in [since, until), newest first, filtered by their highest level, a category, an agent."""
        where, args = self._started(since, until)
        if agent:
            where += " AND c.agent = ?"
            args.append(agent)
        if category:
            where += " AND EXISTS (SELECT 1 FROM alerts a WHERE a.call_id = c.call_id AND a.category = ?)"
            args.append(category)
        out = self._summaries(f"{where} ORDER BY c.started_at DESC LIMIT ?", [*args, limit])
        if min_level is not None:
            out = [c for c in out if c.max_level >= min_level]
        return out

    def _summaries(self, condition: str, args: Sequence[Any]) -> list[CallSummary]:
        """Call summaries for ``WHERE condition`` (which may carry its ORDER BY and LIMIT)."""
        rows = self._db.execute(_SUMMARY_SELECT + f" WHERE {condition}", tuple(args)).fetchall()
        return [self._summary(row) for row in rows]

    @staticmethod
    def _summary(row: Sequence[Any]) -> CallSummary:
        categories = tuple(sorted(row[12].split(","))) if row[12] else ()
        return CallSummary(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9],
                           Level(row[10]), categories, row[13], row[11] is not None)

    def call(self, call_id: str) -> CallRecord:
        """Everything about one call; a :class:`StoreError` naming the call if the store does not hold it."""
        found = self.calls_by_id([call_id])
        if not found:
            raise StoreError(f"no call {call_id!r} in the store {self.path}: `kasuhara-live review list` shows "
                             "the calls it holds")
        db = self._db
        speakers = tuple(json.loads(db.execute("SELECT speakers FROM calls WHERE call_id = ?",
                                               (call_id,)).fetchone()[0]))
        record = CallRecord(found[0], speakers)
        # An utterance's ``time`` (when its final was emitted) is kept as its end: as good for reading.
        record.utterances = [UtteranceFinal(call_id, r[3], r[0], r[1], r[2], r[3], r[4], r[5],
                                            alternatives=tuple(json.loads(r[6]))) for r in db.execute(
            "SELECT utterance_id, speaker, start, end, text, loudness_db, alternatives FROM utterances"
            " WHERE call_id = ? ORDER BY start", (call_id,))]
        record.alerts = [Alert(call_id, r[1], r[0], r[2], Level(r[3]), r[4], r[5], tuple(json.loads(r[6])),
                               tuple(json.loads(r[7])), r[8], r[9], r[10], source=r[11]) for r in db.execute(
            "SELECT alert_id, time, category, severity, start, end, evidence, criteria, script, reason, utterance_id,"
            " source FROM alerts WHERE call_id = ? ORDER BY time, alert_id", (call_id,))]
        record.levels = [LevelChanged(call_id, r[0], Level(r[1]), Level(r[2]), r[3]) for r in db.execute(
            "SELECT time, level, previous, reason FROM level_changes WHERE call_id = ? ORDER BY time, id",
            (call_id,))]
        record.actions = [Action(call_id, r[0], ActionKind(r[1]), r[2], r[3], r[4], r[5], r[6]) for r in db.execute(
            "SELECT time, action, actor, role, detail, alert_id, wall FROM actions WHERE call_id = ? ORDER BY time, id",
            (call_id,))]
        record.labels = {r[0]: AlertLabel(*r) for r in db.execute(
            "SELECT alert_id, label, reviewer, note, labelled_at FROM alert_labels WHERE call_id = ?", (call_id,))}
        record.missed = [Missed(*r) for r in db.execute(
            "SELECT start, end, category, reviewer, note, labelled_at FROM missed WHERE call_id = ? ORDER BY start",
            (call_id,))]
        row = db.execute("SELECT reviewer, conduct, demand, harassment, notes, lessons, reviewed_at FROM call_reviews"
                         " WHERE call_id = ?", (call_id,)).fetchone()
        record.review = CallReview(row[0], row[1], row[2], bool(row[3]), row[4], row[5], row[6]) if row else None
        return record

    def calls_by_id(self, call_ids: Sequence[str]) -> list[CallSummary]:
        return self._summaries(f"c.call_id IN ({','.join('?' * len(call_ids))})", call_ids)

    # -- QA review -----------------------------------------------------------------------------------------

    def label_alert(self, call_id: str, alert_id: str, label: str, reviewer: str, note: str = "") -> None:
        """Mark an alert correct or a false alarm (a later label replaces an earlier one)."""
        if label not in ALERT_LABELS:
            raise StoreError(f"unknown alert label {label!r}: expected one of {', '.join(ALERT_LABELS)}")
        if self._db.execute("SELECT 1 FROM alerts WHERE call_id = ? AND alert_id = ?",
                            (call_id, alert_id)).fetchone() is None:
            raise StoreError(f"call {call_id!r} has no alert {alert_id!r}")
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO alert_labels VALUES (?, ?, ?, ?, ?, ?)",
                       (call_id, alert_id, label, reviewer, note, time.time()))

    def add_missed(self, call_id: str, start: float, end: float, category: str, reviewer: str,
                   note: str = "") -> None:
        """Record harassment the detector missed, by its time range in the call."""
        self._require_call(call_id)
        if not 0 <= start < end:
            raise StoreError(f"a missed range needs 0 <= start < end, got {start}..{end}")
        with self._transaction() as db:
            db.execute("INSERT INTO missed (call_id, start, end, category, reviewer, note, labelled_at)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?)", (call_id, start, end, category, reviewer, note, time.time()))

    def review_call(self, call_id: str, reviewer: str, conduct: str, demand: str, harassment: bool,
                    notes: str = "", lessons: str = "") -> None:
        """The reviewer's judgement of the whole call on the two axes (a later review replaces it)."""
        self._require_call(call_id)
        if conduct not in CONDUCT:
            raise StoreError(f"conduct {conduct!r} is not one of {', '.join(CONDUCT)}")
        if demand not in DEMAND:
            raise StoreError(f"demand {demand!r} is not one of {', '.join(DEMAND)}")
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO call_reviews VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (call_id, reviewer, conduct, demand, int(harassment), notes, lessons, time.time()))

    # -- QA figures ----------------------------------------------------------------------------------------

    def review_states(self, call_ids: Sequence[str]) -> dict[str, ReviewState]:
        """How far each listed call has been reviewed (every call named gets a state, unreviewed ones too)."""
        marks = ",".join("?" * len(call_ids))
        rows = self._db.execute(
            "SELECT c.call_id, (SELECT count(*) FROM alert_labels l WHERE l.call_id = c.call_id),"
            " (SELECT count(*) FROM missed m WHERE m.call_id = c.call_id), r.harassment"
            f" FROM calls c LEFT JOIN call_reviews r ON r.call_id = c.call_id WHERE c.call_id IN ({marks})",
            tuple(call_ids)).fetchall()
        return {r[0]: ReviewState(r[1], r[2], None if r[3] is None else bool(r[3])) for r in rows}

    @staticmethod
    def _started(since: float | None, until: float | None, column: str = "c.started_at") -> tuple[str, list[Any]]:
        where, args = ["1 = 1"], list[Any]()
        if since is not None:
            where.append(f"{column} >= ?")
            args.append(since)
        if until is not None:
            where.append(f"{column} < ?")
            args.append(until)
        return " AND ".join(where), args

    def alert_verdicts(self, *, since: float | None = None, until: float | None = None) -> list[AlertVerdict]:
        """Every alert of the calls started in [since, until), labelled or not, oldest call first."""
        where, args = self._started(since, until)
        return [AlertVerdict(r[0], r[1], r[2], Level(r[3]), r[4]) for r in self._db.execute(
            "SELECT a.call_id, a.alert_id, a.category, a.severity, l.label FROM alerts a"
            " JOIN calls c ON c.call_id = a.call_id"
            " LEFT JOIN alert_labels l ON l.call_id = a.call_id AND l.alert_id = a.alert_id"
            f" WHERE {where} ORDER BY c.started_at, a.call_id, a.time, a.alert_id", args)]

    def missed_counts(self, *, since: float | None = None, until: float | None = None) -> dict[str, int]:
        """Missed ranges per category, over the calls started in [since, until)."""
        where, args = self._started(since, until)
        return {r[0]: r[1] for r in self._db.execute(
            "SELECT m.category, count(*) FROM missed m JOIN calls c ON c.call_id = m.call_id"
            f" WHERE {where} GROUP BY m.category ORDER BY m.category", args)}

    def reviewed_calls(self, *, since: float | None = None, until: float | None = None) -> list[ReviewedCall]:
        """The judged calls started in [since, until), oldest first, with the flags the field raised on them."""
        where, args = self._started(since, until)
        return [ReviewedCall(r[0], r[1], r[2], Level(r[3]), bool(r[4]), bool(r[5]), r[6], r[7], bool(r[8]), r[9])
                for r in self._db.execute(
            "SELECT c.call_id, c.agent, c.started_at, c.max_level,"
            " EXISTS (SELECT 1 FROM actions x WHERE x.call_id = c.call_id AND x.action = 'red_card'),"
            " EXISTS (SELECT 1 FROM actions x WHERE x.call_id = c.call_id AND x.action = 'join_requested'),"
            " r.conduct, r.demand, r.harassment, r.reviewer"
            f" FROM calls c JOIN call_reviews r ON r.call_id = c.call_id WHERE {where}"
            " ORDER BY c.started_at, c.call_id", args)]

    def _require_call(self, call_id: str) -> None:
        if self._db.execute("SELECT 1 FROM calls WHERE call_id = ?", (call_id,)).fetchone() is None:
            raise StoreError(f"no call {call_id!r} in the store {self.path}")

    # -- trend facts ---------------------------------------------------------------------------------------

    def calls_between(self, since: float, until: float) -> list[CallSummary]:
        """Every call started in [since, until), oldest first (no row limit: the trend report counts them all)."""
        where, args = self._started(since, until)
        return self._summaries(f"{where} ORDER BY c.started_at, c.call_id", args)

    def alert_facts(self, since: float, until: float) -> list[AlertFact]:
        """The alerts of the calls started in [since, until), without evidence or scripts."""
        where, args = self._started(since, until)
        return [AlertFact(r[0], r[1], r[2], Level(r[3])) for r in self._db.execute(
            "SELECT a.call_id, a.time, a.category, a.severity FROM alerts a JOIN calls c ON c.call_id = a.call_id"
            f" WHERE {where} ORDER BY c.started_at, a.call_id, a.time, a.alert_id", args)]

    def action_facts(self, since: float, until: float) -> list[ActionFact]:
        """The actions on the calls started in [since, until); messages come without their text."""
        where, args = self._started(since, until)
        return [ActionFact(r[0], r[1], ActionKind(r[2]), r[3]) for r in self._db.execute(
            "SELECT x.call_id, x.time, x.action, CASE WHEN x.action = 'message' THEN '' ELSE x.detail END"
            f" FROM actions x JOIN calls c ON c.call_id = x.call_id WHERE {where}"
            " ORDER BY c.started_at, x.call_id, x.time, x.id", args)]

    # -- retention -----------------------------------------------------------------------------------------

    def purge(self, older_than_days: float, now: float | None = None) -> int:
        """Remove transcripts, evidence words, scripts and audio references of calls older than the retention.

        What remains (levels, categories, times, actions, what raised each alert: rule and term ids) is what the
        trend report needs and holds no words.
        Returns the number of calls purged.
        """
        cutoff = (time.time() if now is None else now) - older_than_days * 86400
        with self._transaction() as db:
            ids = [r[0] for r in db.execute("SELECT call_id FROM calls WHERE started_at < ? AND purged_at IS NULL",
                                            (cutoff,))]
            for call_id in ids:
                db.execute("DELETE FROM utterances WHERE call_id = ?", (call_id,))
                db.execute("UPDATE alerts SET evidence = '[]', script = '', reason = '' WHERE call_id = ?", (call_id,))
                db.execute("UPDATE level_changes SET reason = '' WHERE call_id = ?", (call_id,))
                db.execute("UPDATE actions SET detail = '' WHERE call_id = ? AND action = 'message'", (call_id,))
                db.execute("UPDATE missed SET note = '' WHERE call_id = ?", (call_id,))
                db.execute("UPDATE calls SET source = '', purged_at = ? WHERE call_id = ?", (time.time(), call_id))
        return len(ids)
