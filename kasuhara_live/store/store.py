"""The call store: SQLite through the standard library, WAL mode, one file per team.

Writing: :meth:`CallStore.record` takes the events of a call (the hub calls it before it broadcasts or acks
an event; ``replay --store`` calls it as events are produced) and commits each one, so an event a console
has seen, or a monitor has had acknowledged, is on disk even if the process is killed the next moment.
WAL with ``synchronous = NORMAL`` keeps committed transactions through a process crash. Partial
hypotheses are not stored: they are provisional and their final follows.

Reading: :meth:`calls` lists calls by date, level, category and agent; :meth:`call` returns one call
with everything recorded about it. QA labels and reviews are written here too; a call keeps one review per
reviewer, so two reviewers' judgements of the same call can be compared.
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
    Event,
    Level,
    LevelChanged,
    UtteranceFinal,
    UtterancePartial,
)
from kasuhara_live.store.recording import check_owner, record_event
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
    """How far QA has got with one call: alerts labelled, missed ranges added, the judgements if any."""

    labelled: int
    missed: int
    harassment: bool | None  # the latest reviewer's verdict; None while the call is not judged
    verdicts: tuple[tuple[str, bool], ...] = ()  # (reviewer, verdict) for every review, oldest first


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
    """One reviewer's judgement of a call beside what the field flagged on it: the detector's level and the
    agent's own actions (a call judged by two reviewers comes twice)."""

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
    reviews: list[CallReview] = field(default_factory=list)  # one per reviewer, oldest first

    @property
    def review(self) -> CallReview | None:
        """The latest review of the call (``None`` while nobody has judged it)."""
        return self.reviews[-1] if self.reviews else None

    def review_by(self, reviewer: str) -> CallReview | None:
        """``reviewer``'s own review of the call, if they have judged it."""
        return next((r for r in self.reviews if r.reviewer == reviewer), None)



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


def unusable(path: Path, exc: sqlite3.DatabaseError) -> StoreError:
    """The one-line error for a store SQLite cannot read: damaged pages (a bad disk, a copy taken mid-write)
    say how to recover; anything else (locked, read-only) says what SQLite said."""
    if any(sign in str(exc) for sign in ("malformed", "not a database", "disk I/O error", "decode")):
        return StoreError(f"the call store {path} is damaged ({exc}): restore it from a backup, or save what is "
                          f"still readable with `sqlite3 {path} .recover`")
    return StoreError(f"cannot use the call store {path}: {exc}")


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

    def verify(self) -> None:
        """Read every page once (SQLite's quick check): a damaged store fails here, before a screen opens on it,
        instead of inside the screen (raises sqlite3.DatabaseError, which leaving the ``with`` turns into one
        line)."""
        problems = [row[0] for row in self._db.execute("PRAGMA quick_check(1)")]
        if problems != ["ok"]:
            raise sqlite3.DatabaseError("database disk image is malformed: " + " ".join(str(problems[0]).split()))

    def __enter__(self) -> CallStore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        self.close()
        if isinstance(exc, sqlite3.DatabaseError):
            # SQLite finds a damaged page only when a query reads it, anywhere in a command: one line for all.
            raise unusable(self.path, exc) from None

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
        """Keep one event of a call taken by ``agent`` at the seat ``monitor``. Commits before returning.

        Idempotent: the same event twice is kept once. Never rewrites: a :class:`ConflictError` when the call
        is another seat's or purged, or a different event holds this event's key (see :mod:`.recording`).
        """
        try:
            if isinstance(event, UtterancePartial):
                check_owner(self._db, event.call_id, monitor)  # not kept, yet never in another seat's name
                return
            with self._transaction() as db:
                record_event(db, event, agent, monitor, team)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write to the call store {self.path}: {exc}") from None

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
        record.reviews = [CallReview(r[0], r[1], r[2], bool(r[3]), r[4], r[5], r[6]) for r in db.execute(
            "SELECT reviewer, conduct, demand, harassment, notes, lessons, reviewed_at FROM call_reviews"
            " WHERE call_id = ? ORDER BY reviewed_at, reviewer", (call_id,))]
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
        """The reviewer's judgement of the whole call on the two axes.

        One review per reviewer: a reviewer's later review replaces their own earlier one, never another's.
        """
        self._require_call(call_id)
        if conduct not in CONDUCT:
            raise StoreError(f"conduct {conduct!r} is not one of {', '.join(CONDUCT)}")
        if demand not in DEMAND:
            raise StoreError(f"demand {demand!r} is not one of {', '.join(DEMAND)}")
        with self._transaction() as db:
            db.execute("INSERT INTO call_reviews (call_id, reviewer, conduct, demand, harassment, notes, lessons,"
                       " reviewed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (call_id, reviewer) DO UPDATE SET"
                       " conduct = excluded.conduct, demand = excluded.demand, harassment = excluded.harassment,"
                       " notes = excluded.notes, lessons = excluded.lessons, reviewed_at = excluded.reviewed_at",
                       (call_id, reviewer, conduct, demand, int(harassment), notes, lessons, time.time()))

    # -- QA figures ----------------------------------------------------------------------------------------

    def review_states(self, call_ids: Sequence[str]) -> dict[str, ReviewState]:
        """How far each listed call has been reviewed (every call named gets a state, unreviewed ones too)."""
        marks = ",".join("?" * len(call_ids))
        verdicts: dict[str, list[tuple[str, bool]]] = {}
        for call_id, reviewer, harassment in self._db.execute(
                f"SELECT call_id, reviewer, harassment FROM call_reviews WHERE call_id IN ({marks})"
                " ORDER BY reviewed_at, reviewer", tuple(call_ids)):
            verdicts.setdefault(call_id, []).append((reviewer, bool(harassment)))
        rows = self._db.execute(
            "SELECT c.call_id, (SELECT count(*) FROM alert_labels l WHERE l.call_id = c.call_id),"
            " (SELECT count(*) FROM missed m WHERE m.call_id = c.call_id)"
            f" FROM calls c WHERE c.call_id IN ({marks})", tuple(call_ids)).fetchall()
        states = {}
        for call_id, labelled, missed in rows:
            judged = tuple(verdicts.get(call_id, ()))
            states[call_id] = ReviewState(labelled, missed, judged[-1][1] if judged else None, judged)
        return states

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
        """Every review of the calls started in [since, until), oldest call first and, within a call, oldest
        review first, with the flags the field raised on the call."""
        where, args = self._started(since, until)
        return [ReviewedCall(r[0], r[1], r[2], Level(r[3]), bool(r[4]), bool(r[5]), r[6], r[7], bool(r[8]), r[9])
                for r in self._db.execute(
            "SELECT c.call_id, c.agent, c.started_at, c.max_level,"
            " EXISTS (SELECT 1 FROM actions x WHERE x.call_id = c.call_id AND x.action = 'red_card'),"
            " EXISTS (SELECT 1 FROM actions x WHERE x.call_id = c.call_id AND x.action = 'join_requested'),"
            " r.conduct, r.demand, r.harassment, r.reviewer"
            f" FROM calls c JOIN call_reviews r ON r.call_id = c.call_id WHERE {where}"
            " ORDER BY c.started_at, c.call_id, r.reviewed_at, r.reviewer", args)]

    def has_call(self, call_id: str) -> bool:
        """Whether the store holds a call with this id (purged calls too: their id stays taken)."""
        return self._db.execute("SELECT 1 FROM calls WHERE call_id = ?", (call_id,)).fetchone() is not None

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
