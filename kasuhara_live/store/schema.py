"""The store's schema as numbered migrations; ``PRAGMA user_version`` says which have run.

A migration is never edited once released: a change is a new migration appended to the list, so a store
written by any earlier version is brought up to date when it is opened.
"""

from __future__ import annotations

import sqlite3

from kasuhara_live.errors import StoreError

MIGRATIONS: tuple[str, ...] = (
    # 1: calls and everything the detector and people said about them
    """
    CREATE TABLE calls (
        call_id TEXT PRIMARY KEY,
        agent TEXT NOT NULL DEFAULT '',
        seat TEXT NOT NULL DEFAULT '',
        team TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL DEFAULT '',          -- the audio file or device the call came from
        speakers TEXT NOT NULL DEFAULT '[]',
        caller TEXT NOT NULL DEFAULT '',          -- keyed hash of the caller's id, never the number
        config_version TEXT NOT NULL DEFAULT '',
        started_at REAL NOT NULL,                 -- Unix time
        duration REAL,                            -- audio seconds, when ended
        end_reason TEXT,
        max_level TEXT NOT NULL DEFAULT 'none',
        purged_at REAL                            -- transcript and audio reference removed (retention)
    );
    CREATE INDEX calls_started ON calls (started_at);
    CREATE INDEX calls_agent ON calls (agent, started_at);
    CREATE TABLE utterances (
        call_id TEXT NOT NULL REFERENCES calls (call_id) ON DELETE CASCADE,
        utterance_id TEXT NOT NULL,
        speaker TEXT NOT NULL,
        start REAL NOT NULL,
        end REAL NOT NULL,
        text TEXT NOT NULL,
        loudness_db REAL NOT NULL,
        PRIMARY KEY (call_id, utterance_id, start)
    );
    CREATE TABLE alerts (
        call_id TEXT NOT NULL REFERENCES calls (call_id) ON DELETE CASCADE,
        alert_id TEXT NOT NULL,
        time REAL NOT NULL,
        category TEXT NOT NULL,
        severity TEXT NOT NULL,
        start REAL NOT NULL,
        end REAL NOT NULL,
        evidence TEXT NOT NULL,                   -- JSON list of the words
        criteria TEXT NOT NULL,                   -- JSON list
        script TEXT NOT NULL,
        reason TEXT NOT NULL,
        utterance_id TEXT NOT NULL,
        PRIMARY KEY (call_id, alert_id)
    );
    CREATE TABLE level_changes (
        id INTEGER PRIMARY KEY,
        call_id TEXT NOT NULL REFERENCES calls (call_id) ON DELETE CASCADE,
        time REAL NOT NULL,
        level TEXT NOT NULL,
        previous TEXT NOT NULL,
        reason TEXT NOT NULL,
        UNIQUE (call_id, time, level, previous)
    );
    CREATE TABLE actions (
        id INTEGER PRIMARY KEY,
        call_id TEXT NOT NULL REFERENCES calls (call_id) ON DELETE CASCADE,
        time REAL NOT NULL,
        action TEXT NOT NULL,
        actor TEXT NOT NULL,
        role TEXT NOT NULL,
        detail TEXT NOT NULL,
        alert_id TEXT NOT NULL,
        wall REAL,
        UNIQUE (call_id, time, action, actor, detail, alert_id)
    );
    CREATE TABLE alert_labels (
        call_id TEXT NOT NULL,
        alert_id TEXT NOT NULL,
        label TEXT NOT NULL CHECK (label IN ('correct', 'false_alarm')),
        reviewer TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        labelled_at REAL NOT NULL,
        PRIMARY KEY (call_id, alert_id),
        FOREIGN KEY (call_id, alert_id) REFERENCES alerts (call_id, alert_id) ON DELETE CASCADE
    );
    CREATE TABLE missed (
        id INTEGER PRIMARY KEY,
        call_id TEXT NOT NULL REFERENCES calls (call_id) ON DELETE CASCADE,
        start REAL NOT NULL,
        end REAL NOT NULL,
        category TEXT NOT NULL,
        reviewer TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        labelled_at REAL NOT NULL
    );
    CREATE TABLE call_reviews (
        call_id TEXT PRIMARY KEY REFERENCES calls (call_id) ON DELETE CASCADE,
        reviewer TEXT NOT NULL,
        conduct TEXT NOT NULL CHECK (conduct IN ('acceptable', 'grey', 'unacceptable')),
        demand TEXT NOT NULL CHECK (demand IN ('valid', 'grey', 'invalid')),
        harassment INTEGER NOT NULL,              -- the reviewer's verdict: 1 = カスハラ
        notes TEXT NOT NULL DEFAULT '',
        lessons TEXT NOT NULL DEFAULT '',
        reviewed_at REAL NOT NULL
    );
    """,
    # 2: the recogniser's other readings of each final (what an alert's words may come from)
    """
    ALTER TABLE utterances ADD COLUMN alternatives TEXT NOT NULL DEFAULT '[]';
    """,
    # 3: what raised each alert (term:<id>, grammar:<rule>, model:<probability>, call:<signal>…); '' before
    """
    ALTER TABLE alerts ADD COLUMN source TEXT NOT NULL DEFAULT '';
    """,
    # 4: one review per reviewer and call (a second reviewer no longer replaces the first one's judgement);
    # SQLite cannot change a primary key in place, so the table is rebuilt and the reviews copied over.
    """
    CREATE TABLE call_reviews_per_reviewer (
        call_id TEXT NOT NULL REFERENCES calls (call_id) ON DELETE CASCADE,
        reviewer TEXT NOT NULL,
        conduct TEXT NOT NULL CHECK (conduct IN ('acceptable', 'grey', 'unacceptable')),
        demand TEXT NOT NULL CHECK (demand IN ('valid', 'grey', 'invalid')),
        harassment INTEGER NOT NULL,
        notes TEXT NOT NULL DEFAULT '',
        lessons TEXT NOT NULL DEFAULT '',
        reviewed_at REAL NOT NULL,
        PRIMARY KEY (call_id, reviewer)
    );
    INSERT INTO call_reviews_per_reviewer (call_id, reviewer, conduct, demand, harassment, notes, lessons,
                                           reviewed_at)
        SELECT call_id, reviewer, conduct, demand, harassment, notes, lessons, reviewed_at FROM call_reviews;
    DROP TABLE call_reviews;
    ALTER TABLE call_reviews_per_reviewer RENAME TO call_reviews;
    CREATE INDEX call_reviews_reviewer ON call_reviews (reviewer, call_id);
    """,
)


def schema_version(conn: sqlite3.Connection) -> int:
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    return version


def migrate(conn: sqlite3.Connection, path: str) -> None:
    """Bring the store up to the latest schema, one migration per transaction."""
    version = schema_version(conn)
    if version > len(MIGRATIONS):
        raise StoreError(f"store {path} has schema version {version}, newer than this kasuhara-live "
                            f"understands ({len(MIGRATIONS)}): upgrade kasuhara-live")
    for number in range(version + 1, len(MIGRATIONS) + 1):
        # executescript commits first; the migration and its version bump then commit together.
        conn.executescript(f"BEGIN;\n{MIGRATIONS[number - 1]}\nPRAGMA user_version = {number};\nCOMMIT;")
