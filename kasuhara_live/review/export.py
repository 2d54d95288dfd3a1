"""``review export``: what reviewers decided, as labelled utterances for ``train-model`` and ``eval``.

QA staff label alerts (correct / false alarm) and mark harassment the detector missed by its time range; those
decisions, joined to the utterances they are about, are exactly the labelled data a site needs to measure the
judge on its own callers (``kasuhara-live eval``) and to retrain its model (``kasuhara-live train-model``).
Pure: call records in, rows out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kasuhara_live.events import Alert
from kasuhara_live.store.store import CallRecord

HEADER = ("id", "level", "category", "text")


@dataclass(frozen=True)
class LabelledRow:
    id: str  # <call id>/<utterance id>
    level: str
    category: str
    text: str

    def tsv(self) -> str:
        # a tab or a line break inside a transcript would break the row
        return "\t".join(" ".join(field.split()) for field in (self.id, self.level, self.category, self.text))


def labelled_rows(records: Iterable[CallRecord], speakers: tuple[str, ...]) -> list[LabelledRow]:
    """One row per utterance a reviewer decided on, in call and time order.

    An alert labelled correct gives its utterance the alert's level and category (the highest such alert, if
    several); one labelled a false alarm gives ``none`` unless another alert on it was labelled correct; a
    missed range gives every utterance of the judged ``speakers`` that overlaps it ``warning`` and the range's
    category (a reviewer's "missed" outranks a "false alarm" on the same words). An alert's level may have come
    from the call rather than the words (the same demand a third time, harassment after the final warning):
    such rows say more about the call than about the sentence, and a reviewer may want to read them first.
    """
    rows: list[LabelledRow] = []
    for record in records:
        call_id = record.summary.call_id
        by_id = {u.utterance_id: u for u in record.utterances}
        correct: dict[str, Alert] = {}  # per utterance, the highest alert labelled correct
        false_alarms: set[str] = set()
        for alert in record.alerts:
            label = record.labels.get(alert.alert_id)
            if label is None or alert.utterance_id not in by_id:
                continue
            if label.label != "correct":
                false_alarms.add(alert.utterance_id)
            elif alert.utterance_id not in correct or alert.severity > correct[alert.utterance_id].severity:
                correct[alert.utterance_id] = alert
        decided = {u: ("none", "none") for u in false_alarms} | {
            u: (alert.severity.value, alert.category) for u, alert in correct.items()}
        for missed in record.missed:
            for utterance in record.utterances:
                if utterance.speaker in speakers and utterance.start < missed.end and utterance.end > missed.start:
                    decided[utterance.utterance_id] = ("warning", missed.category)
        for utterance in sorted((by_id[u] for u in decided), key=lambda u: u.start):
            level, category = decided[utterance.utterance_id]
            rows.append(LabelledRow(f"{call_id}/{utterance.utterance_id}", level, category, utterance.text))
    return rows
