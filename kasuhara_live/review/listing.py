"""The list of calls to review: which calls match a filter, how far each has been reviewed, as a table or JSON."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len

from kasuhara_live.judge import labels
from kasuhara_live.printable import printable
from kasuhara_live.review.filters import CallFilter, format_time
from kasuhara_live.review.render import categories, local_start, pad, started
from kasuhara_live.review.texts import text
from kasuhara_live.store.store import CallStore, CallSummary, ReviewState


@dataclass(frozen=True)
class ListRow:
    """One call in the list, with how far QA has got with it."""

    summary: CallSummary
    state: ReviewState


def list_rows(store: CallStore, query: CallFilter) -> list[ListRow]:
    """The calls matching ``query``, newest first."""
    since, until = query.bounds()
    calls = store.calls(since=since, until=until, min_level=query.level, category=query.category,
                        agent=query.agent)
    states = store.review_states([c.call_id for c in calls]) if calls else {}
    return [ListRow(c, states.get(c.call_id, ReviewState(0, 0, None))) for c in calls]


def row_json(row: ListRow) -> dict[str, Any]:
    """A call as one JSON object: keys and values in English, times as ISO-8601 local time and seconds (``null``
    for a start no calendar holds or a length that is not a finite number: JSON has no ``Infinity``)."""
    summary, state = row.summary, row.state
    moment = local_start(summary.started_at)
    duration = summary.duration if summary.duration is not None and math.isfinite(summary.duration) else None
    return {
        "call_id": summary.call_id, "started": moment.isoformat(timespec="seconds") if moment else None,
        "agent": summary.agent, "duration": duration, "max_level": summary.max_level.value,
        "categories": list(summary.categories), "alerts": summary.alerts, "labelled": state.labelled,
        "missed": state.missed, "reviewed": state.harassment is not None, "harassment": state.harassment,
        "reviews": dict(state.verdicts), "purged": summary.purged,
    }


def state_text(lang: str, row: ListRow) -> str:
    """How far the call has been reviewed, in words: labels given, missed ranges added, judged or not."""
    parts = []
    if row.summary.alerts:
        parts.append(text(lang, "state.labelled", labelled=row.state.labelled, alerts=row.summary.alerts))
    if row.state.missed:
        parts.append(text(lang, "state.missed", missed=row.state.missed))
    judged = len(row.state.verdicts)
    parts.append(text(lang, "state.reviewed_by", n=judged) if judged > 1 else
                 text(lang, "state.reviewed" if row.state.harassment is not None else "state.unreviewed"))
    return ("・" if lang == "ja" else ", ").join(parts)


def table_lines(lang: str, rows: list[ListRow]) -> list[str]:
    """A plain-text table with columns padded by terminal cells, so Japanese lines up; the count below it."""
    if not rows:
        return [text(lang, "list.empty")]
    head = [text(lang, f"col.{key}") for key in ("call", "start", "agent", "duration", "level", "alerts")]
    head += [text(lang, "col.state"), text(lang, "col.categories")]
    body = [[printable(row.summary.call_id), started(row.summary), printable(row.summary.agent) or "-",
             format_time(row.summary.duration or 0.0, tenths=False), labels.LEVEL[lang][row.summary.max_level.value],
             str(row.summary.alerts), state_text(lang, row), categories(lang, row.summary.categories) or "-"]
            for row in rows]
    widths = [max(cell_len(line[n]) for line in [head, *body]) for n in range(len(head))]
    out = ["  ".join(pad(cell, widths[n]) for n, cell in enumerate(line)).rstrip() for line in [head, *body]]
    return [*out, text(lang, "list.count", count=len(rows))]

