"""How one event enters the store: kept once, never rewritten, never taken over by another seat.

The store is the evidence behind incident reports and QA, so writing is strict: an event that is already
stored identically is a no-op (a resend after a reconnect), and anything else under a key the store already
holds is a :class:`ConflictError`, whose message says what: another seat's call, a purged call, a call start
or end that differs from the stored one, or a different utterance, alert or level change under the same id.
The hub refuses such an event instead of acknowledging it, so nothing is acked that is not stored.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
from typing import Any

from kasuhara_live.errors import ConflictError
from kasuhara_live.events import (
    Action,
    Alert,
    CallEnded,
    CallStarted,
    Event,
    Level,
    LevelChanged,
    UtteranceFinal,
)


def record_event(db: sqlite3.Connection, event: Event, agent: str, monitor: str, team: str) -> None:
    """Write one event (not a partial) inside the caller's transaction, or raise :class:`ConflictError`."""
    _ensure_call(db, event, agent, monitor, team)
    if isinstance(event, UtteranceFinal):
        _insert_once(db, "utterances", "(call_id, utterance_id, speaker, start, end, text, loudness_db, alternatives)",
                     (event.call_id, event.utterance_id, event.speaker, event.start, event.end, event.text,
                      event.loudness_db, json.dumps(list(event.alternatives), ensure_ascii=False)),
                     "call_id = ? AND utterance_id = ? AND start = ?",
                     (event.call_id, event.utterance_id, event.start),
                     f"utterance {event.utterance_id!r} (start {event.start:g} s) of call {event.call_id!r}")
    elif isinstance(event, Alert):
        _insert_once(db, "alerts", "(call_id, alert_id, time, category, severity, start, end, evidence, criteria,"
                     " script, reason, utterance_id, source)",
                     (event.call_id, event.alert_id, event.time, event.category, event.severity.value, event.start,
                      event.end, json.dumps(list(event.evidence), ensure_ascii=False), json.dumps(list(event.criteria)),
                      event.script, event.reason, event.utterance_id, event.source),
                     "call_id = ? AND alert_id = ?", (event.call_id, event.alert_id),
                     f"alert {event.alert_id!r} of call {event.call_id!r}")
        _raise_level(db, event.call_id, event.severity)
    elif isinstance(event, LevelChanged):
        _insert_once(db, "level_changes", "(call_id, time, level, previous, reason)",
                     (event.call_id, event.time, event.level.value, event.previous.value, event.reason),
                     "call_id = ? AND time = ? AND level = ? AND previous = ?",
                     (event.call_id, event.time, event.level.value, event.previous.value),
                     f"the level change to {event.level.value} at {event.time:g} s of call {event.call_id!r}")
        _raise_level(db, event.call_id, event.level)
    elif isinstance(event, Action):
        # The same person doing the same thing at the same moment of the call is one action (a double click):
        # kept once, whatever the hub's clock said the second time.
        db.execute("INSERT OR IGNORE INTO actions (call_id, time, action, actor, role, detail, alert_id, wall)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   (event.call_id, event.time, event.action.value, event.actor, event.role, event.detail,
                    event.alert_id, event.wall))
    elif isinstance(event, CallEnded):
        _end_call(db, event)


def check_owner(db: sqlite3.Connection, call_id: str, monitor: str) -> None:
    """Refuse what ``monitor`` says about a stored call of another seat (also what is not kept: partials, which
    would otherwise let another seat claim a live call after a hub restart)."""
    row = db.execute("SELECT seat FROM calls WHERE call_id = ?", (call_id,)).fetchone()
    if row is not None and row[0] != monitor:
        raise _owned(call_id, row[0])


def _owned(call_id: str, seat: str) -> ConflictError:
    owner = f"seat {seat!r}" if seat else "a replay (no seat)"
    return ConflictError(f"call {call_id!r} is stored as {owner}'s: another seat cannot add to it or rewrite it "
                         "(use a call id unique to this seat)", owned=True)


def _ensure_call(db: sqlite3.Connection, event: Event, agent: str, monitor: str, team: str) -> None:
    row = db.execute("SELECT seat, source, speakers, caller, config_version, started_at, purged_at FROM calls"
                     " WHERE call_id = ?", (event.call_id,)).fetchone()
    if row is None:
        if isinstance(event, CallStarted):
            db.execute("INSERT INTO calls (call_id, agent, seat, team, source, speakers, caller, config_version,"
                       " started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (event.call_id, agent, monitor, team, event.source, json.dumps(list(event.speakers)),
                        event.caller, event.config_version, event.started_at or time.time()))
        else:
            # An event of a call whose start was never seen still has a home.
            db.execute("INSERT INTO calls (call_id, agent, seat, team, started_at) VALUES (?, ?, ?, ?, ?)",
                       (event.call_id, agent, monitor, team, time.time() - event.time))
        return
    seat, source, speakers, caller, config_version, started_at, purged_at = row
    if seat != monitor:
        raise _owned(event.call_id, seat)
    if purged_at is not None:
        raise ConflictError(f"call {event.call_id!r} was purged from the store (retention): nothing can be added "
                            "to it")
    if isinstance(event, CallStarted):
        stored = (source, speakers, caller, config_version, started_at if event.started_at else 0.0)
        given = (event.source, json.dumps(list(event.speakers)), event.caller, event.config_version,
                 event.started_at)
        if stored != given:
            raise ConflictError(f"call {event.call_id!r} is already stored with another start (source, speakers, "
                                "caller, config or start time): a stored call is never rewritten; use a new call id")


def _insert_once(db: sqlite3.Connection, table: str, columns: str, values: Sequence[Any], key: str,
                 key_values: Sequence[Any], what: str) -> None:
    """Insert a row unless its key is taken; a taken key must hold exactly these values."""
    marks = ", ".join("?" * len(values))
    if db.execute(f"INSERT OR IGNORE INTO {table} {columns} VALUES ({marks})", tuple(values)).rowcount:
        return
    stored = db.execute(f"SELECT {columns.strip('()')} FROM {table} WHERE {key}", tuple(key_values)).fetchone()
    if stored is None:  # OR IGNORE also skips a row that breaks NOT NULL (SQLite stores NaN as NULL)
        raise ConflictError(f"{what} could not be stored: a value is missing or not a number")
    if tuple(stored) != tuple(values):
        raise ConflictError(f"{what} is already stored with other content: stored evidence is never rewritten; "
                            "give each event its own id")


def _end_call(db: sqlite3.Connection, event: CallEnded) -> None:
    stored = db.execute("SELECT duration, end_reason FROM calls WHERE call_id = ?", (event.call_id,)).fetchone()
    if stored[0] is None:
        db.execute("UPDATE calls SET duration = ?, end_reason = ? WHERE call_id = ?",
                   (event.time, event.reason, event.call_id))
    elif tuple(stored) != (event.time, event.reason):
        raise ConflictError(f"call {event.call_id!r} already ended in the store ({stored[0]:g} s, {stored[1]!r}): a "
                            "stored call is never rewritten")


def _raise_level(db: sqlite3.Connection, call_id: str, level: Level) -> None:
    row = db.execute("SELECT max_level FROM calls WHERE call_id = ?", (call_id,)).fetchone()
    if row is not None and level > Level(row[0]):
        db.execute("UPDATE calls SET max_level = ? WHERE call_id = ?", (level.value, call_id))
