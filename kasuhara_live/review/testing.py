"""Synthetic calls for the review tests and demos: a store filled through :meth:`CallStore.record`, as the hub does.

Three calls on three local days (``DAY``, the day after, the day after that), each telling a different story:

* ``c-sato`` (sato): a complaint, then intimidation (warning), then the agent's red card;
* ``c-suzuki`` (suzuki): a complaint only (caution);
* ``c-tanaka`` (tanaka): a threat (critical); the agent raised no flag.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

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
)
from kasuhara_live.store.store import CallStore

DAY = date(2025, 5, 1)
SPEAKERS = ("agent", "customer")


def started_at(day: date, hour: int) -> float:
    """The Unix time of ``hour`` o'clock local time on ``day`` (listings filter by local days)."""
    return datetime.combine(day, time(hour)).timestamp()


def _alert(call_id: str, n: int, utterance: UtteranceFinal, category: str, level: Level, words: str,
           source: str = "") -> Alert:
    return Alert(call_id, utterance.end, f"{call_id}-a{n:03d}", category, level, utterance.start, utterance.end,
                 (words,), ("means_manner",), "これ以上のご対応はできかねます。", "", utterance.utterance_id,
                 source=source)


def _sato(source: str) -> Iterator[Event]:
    c = "c-sato"
    yield CallStarted(c, 0.0, SPEAKERS, source, started_at=started_at(DAY, 10))
    yield UtteranceFinal(c, 3.0, "u1", "agent", 0.5, 3.0, "お電話ありがとうございます。")
    late = UtteranceFinal(c, 8.0, "u2", "customer", 4.0, 8.0, "注文した商品がまだ届かないんですけど")
    yield late
    yield _alert(c, 1, late, "complaint", Level.CAUTION, "まだ届かない")
    yield LevelChanged(c, 8.0, Level.CAUTION, Level.NONE, "クレーム")
    yield UtteranceFinal(c, 12.0, "u3", "agent", 9.0, 12.0, "申し訳ございません。")
    rude = UtteranceFinal(c, 16.0, "u4", "customer", 13.0, 16.0, "ふざけるなよ、なめてんのか")
    yield rude
    yield _alert(c, 2, rude, "intimidation", Level.WARNING, "ふざけるな", "term:intim_fuzakeruna")
    yield LevelChanged(c, 16.0, Level.WARNING, Level.CAUTION, "威圧的な言動")
    yield Action(c, 17.0, ActionKind.SCRIPT_USED, "sato", "agent", "clear_statement", f"{c}-a002")
    yield Action(c, 20.0, ActionKind.RED_CARD, "sato", "agent", "intimidation", f"{c}-a002")
    yield CallEnded(c, 21.0, "red_card")


def _suzuki(source: str) -> Iterator[Event]:
    c = "c-suzuki"
    yield CallStarted(c, 0.0, SPEAKERS, source, started_at=started_at(DAY + timedelta(days=1), 11))
    late = UtteranceFinal(c, 6.0, "u1", "customer", 1.0, 6.0, "三日も待っているのにまだ届かない")
    yield late
    yield _alert(c, 1, late, "complaint", Level.CAUTION, "まだ届かない")
    yield LevelChanged(c, 6.0, Level.CAUTION, Level.NONE, "クレーム")
    yield UtteranceFinal(c, 10.0, "u2", "customer", 7.0, 10.0, "あんたじゃ話にならない")
    yield CallEnded(c, 12.0)


def _tanaka(source: str) -> Iterator[Event]:
    c = "c-tanaka"
    yield CallStarted(c, 0.0, SPEAKERS, source, started_at=started_at(DAY + timedelta(days=2), 9))
    threat = UtteranceFinal(c, 5.0, "u1", "customer", 1.0, 5.0, "火をつけるぞ、覚えておけ")
    yield threat
    yield _alert(c, 1, threat, "threat", Level.CRITICAL, "火をつけるぞ", "term:threat_arson, grammar:rough_ending")
    yield LevelChanged(c, 5.0, Level.CRITICAL, Level.NONE, "脅迫")
    yield CallEnded(c, 15.0)


def fill_store(store: CallStore, audio: Path | None = None) -> list[str]:
    """Record the three calls (their ``source`` is ``audio``, when given); their ids, oldest first."""
    source = str(audio) if audio is not None else ""
    calls = {"c-sato": ("sato", _sato), "c-suzuki": ("suzuki", _suzuki), "c-tanaka": ("tanaka", _tanaka)}
    for agent, events in calls.values():
        for event in events(source):
            store.record(event, agent, f"seat-{agent}", "team-a")
    return list(calls)
