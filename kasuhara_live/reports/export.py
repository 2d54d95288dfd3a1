"""The privacy export of one call (a data-subject request, a hand-over to legal): JSON or Markdown.

JSON holds the record as stored (transcript, alerts, level changes, actions, reviews) with stable field names;
Markdown is the readable part of the incident report: header, transcript with alerts, actions, judgement.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

from kasuhara_live.printable import json_printable
from kasuhara_live.reports.document import Document, Section
from kasuhara_live.reports.formatting import local_time_or_none
from kasuhara_live.reports.incident import IncidentReport
from kasuhara_live.reports.render_md import render_markdown
from kasuhara_live.store.store import CallRecord

EXPORT_VERSION = 1


def _plain(items: list[Any]) -> list[dict[str, Any]]:
    # call_id repeats the top-level id on every row and wall is transport bookkeeping: dropped for readability.
    return [{k: v for k, v in dataclasses.asdict(item).items() if k != "call_id"} for item in items]


def export_json(record: CallRecord, redacted: bool) -> str:
    """The whole record as indented JSON (UTF-8 text, Japanese unescaped)."""
    summary = dataclasses.asdict(record.summary)
    moment = local_time_or_none(record.summary.started_at)  # None: a start time no calendar holds (damaged store)
    summary["started_at_local"] = moment.isoformat(timespec="seconds") if moment else None
    data = {
        "v": EXPORT_VERSION,
        "kind": "call_export",
        "redacted": redacted,
        "call": summary,
        "speakers": list(record.speakers),
        "utterances": _plain(record.utterances),
        "alerts": _plain(record.alerts),
        "levels": _plain(record.levels),
        "actions": _plain(record.actions),
        "labels": [dataclasses.asdict(label) for label in record.labels.values()],
        "missed": [dataclasses.asdict(m) for m in record.missed],
        # ``review``: the latest (as before reviews were kept per reviewer); ``reviews``: every reviewer's own.
        "review": dataclasses.asdict(record.review) if record.review else None,
        "reviews": [dataclasses.asdict(review) for review in record.reviews],
    }
    # C0 controls are escaped by json itself; DEL and C1 (CSI) too, as this often goes straight to a terminal.
    return json_printable(json.dumps(_finite(data), ensure_ascii=False, indent=2)) + "\n"


def _finite(value: Any) -> Any:
    """``value`` with every float that is no number (Infinity in a store older than the wire's checks) as None:
    JSON has no Infinity, and a strict reader would refuse the whole export for it."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def export_markdown(record: CallRecord, lang: str, redacted: bool, footer: str) -> str:
    """The record as Markdown: header, the exchange with alerts in place, actions and the alert judgements."""
    report = IncidentReport(record, lang)
    notices = [report.t("incident.confidential")] + ([report.t("incident.redacted")] if redacted else [])
    judgement = report.judgement()
    sections = (Section(report.t("sec.summary"), (report.header(),)), report.exchange(), report.actions(),
                judgement[1])
    return render_markdown(Document(lang, report.t("incident.title"), record.summary.call_id,
                                    notices=tuple(notices), sections=sections, footer=(footer,)))
