"""One call as a reviewer reads it: utterances in time order with their alerts under them, and between them the
level changes, people's actions and the missed ranges reviewers added. Pure: a :class:`CallRecord` in, entries out.
"""

from __future__ import annotations

from dataclasses import dataclass

from kasuhara_live.events import Action, Alert, LevelChanged, UtteranceFinal
from kasuhara_live.store.store import AlertLabel, CallRecord, Missed


@dataclass(frozen=True)
class UtteranceEntry:
    utterance: UtteranceFinal


@dataclass(frozen=True)
class AlertEntry:
    alert: Alert
    label: AlertLabel | None


@dataclass(frozen=True)
class LevelEntry:
    change: LevelChanged


@dataclass(frozen=True)
class ActionEntry:
    action: Action


@dataclass(frozen=True)
class MissedEntry:
    missed: Missed


Entry = UtteranceEntry | AlertEntry | LevelEntry | ActionEntry | MissedEntry


def timeline(record: CallRecord) -> list[Entry]:
    """The call's entries in time order; an alert follows the utterance it rests on (by ``utterance_id``).

    An alert whose utterance is not in the record (a purged transcript, a call-level alert) takes its own place
    at the start of its evidence. At equal times an utterance comes before events, and events keep their order.
    """
    spoken = {u.utterance_id for u in record.utterances}
    under: dict[str, list[Alert]] = {}
    keyed: list[tuple[float, int, int, list[Entry]]] = []
    for alert in record.alerts:
        if alert.utterance_id in spoken:
            under.setdefault(alert.utterance_id, []).append(alert)
        else:
            keyed.append((alert.start, 1, len(keyed), [AlertEntry(alert, record.labels.get(alert.alert_id))]))
    for utterance in record.utterances:
        group: list[Entry] = [UtteranceEntry(utterance)]
        group += [AlertEntry(a, record.labels.get(a.alert_id)) for a in under.pop(utterance.utterance_id, [])]
        keyed.append((utterance.start, 0, len(keyed), group))
    keyed += [(change.time, 1, len(keyed) + n, [LevelEntry(change)]) for n, change in enumerate(record.levels)]
    keyed += [(action.time, 1, len(keyed) + n, [ActionEntry(action)]) for n, action in enumerate(record.actions)]
    keyed += [(missed.start, 1, len(keyed) + n, [MissedEntry(missed)]) for n, missed in enumerate(record.missed)]
    return [entry for *_, group in sorted(keyed, key=lambda k: k[:3]) for entry in group]


def segment(entry: Entry) -> tuple[float, float] | None:
    """The stretch of audio an entry stands for (what the app plays for it), or ``None`` for a moment in time."""
    if isinstance(entry, UtteranceEntry):
        return entry.utterance.start, entry.utterance.end
    if isinstance(entry, AlertEntry):
        return entry.alert.start, entry.alert.end
    if isinstance(entry, MissedEntry):
        return entry.missed.start, entry.missed.end
    return None
