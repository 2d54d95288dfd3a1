"""``review agreement``: the store's labels and reviews turned into the figures of :mod:`.agreement`, and printed.

Run it over successive weeks (``--from``/``--to``) and a falling precision or kappa is the criteria drifting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len

from kasuhara_live.judge import labels
from kasuhara_live.review.agreement import (
    ALL,
    AlertOutcome,
    CallAgreement,
    CallVerdict,
    CategoryFigures,
    Table2x2,
    call_agreement,
    category_figures,
    field_flag,
)
from kasuhara_live.review.filters import CallFilter
from kasuhara_live.review.render import pad
from kasuhara_live.review.texts import text
from kasuhara_live.store.store import CallStore


@dataclass(frozen=True)
class Figures:
    """Everything ``review agreement`` reports for one period."""

    categories: list[CategoryFigures]
    calls: CallAgreement


def gather(store: CallStore, query: CallFilter) -> Figures:
    """Read the period's alerts, labels, missed ranges and reviews, and compute the figures."""
    since, until = query.bounds()
    alerts = [AlertOutcome(v.category, v.label) for v in store.alert_verdicts(since=since, until=until)]
    verdicts = [CallVerdict(field_flag(c.max_level, c.red_card), c.red_card or c.join_requested, c.harassment)
                for c in store.reviewed_calls(since=since, until=until)]
    return Figures(category_figures(alerts, store.missed_counts(since=since, until=until)),
                   call_agreement(verdicts))


def _table_json(table: Table2x2) -> dict[str, Any]:
    return {"n": table.n, "flag_yes_reviewer_yes": table.yes_yes, "flag_yes_reviewer_no": table.yes_no,
            "flag_no_reviewer_yes": table.no_yes, "flag_no_reviewer_no": table.no_no,
            "observed": table.observed, "expected": table.expected, "kappa": table.kappa}


def as_json(figures: Figures, query: CallFilter) -> dict[str, Any]:
    """The figures as one JSON object (``precision``/``kappa`` are null where undefined)."""
    return {
        "from": query.first_day.isoformat() if query.first_day else None,
        "to": query.last_day.isoformat() if query.last_day else None,
        "categories": [{"category": f.category, "alerts": f.alerts, "labelled": f.labelled, "correct": f.correct,
                        "false_alarms": f.false_alarms, "precision": f.precision, "missed": f.missed}
                       for f in figures.categories],
        "field_vs_reviewer": _table_json(figures.calls.field),
        "agents_vs_reviewer": _table_json(figures.calls.agents),
    }


def _number(lang: str, value: float | None) -> str:
    return text(lang, "agreement.undefined") if value is None else f"{value:.2f}"


def _category_lines(lang: str, rows: list[CategoryFigures]) -> list[str]:
    keys = ("category", "alerts", "labelled", "correct", "false_alarm", "precision", "missed")
    head = [text(lang, f"agreement.col.{k}") for k in keys]
    body = [[text(lang, "agreement.all") if f.category == ALL else labels.category(lang, f.category), str(f.alerts),
             str(f.labelled), str(f.correct), str(f.false_alarms), "-" if f.precision is None else f"{f.precision:.2f}",
             str(f.missed)] for f in rows]
    widths = [max(cell_len(line[n]) for line in [head, *body]) for n in range(len(head))]
    out = []
    for line in [head, *body]:
        # The category left-aligned, the numbers right-aligned under their heading.
        cells = [pad(line[0], widths[0])] + [" " * (widths[n] - cell_len(c)) + c for n, c in enumerate(line) if n]
        out.append("  ".join(cells).rstrip())
    return out


def _table_lines(lang: str, title: str, table: Table2x2) -> list[str]:
    """The 2×2 table: flagged or not down the side, the reviewer's verdict across; columns by terminal cells."""
    side = [text(lang, "agreement.flagged"), text(lang, "agreement.not_flagged")]
    head = [text(lang, "agreement.reviewer_yes"), text(lang, "agreement.reviewer_no")]
    indent = 2 + max(cell_len(s) for s in side) + 2
    cells = [[table.yes_yes, table.yes_no], [table.no_yes, table.no_no]]
    rows = [" " * indent + "  ".join(head)]
    for name, (left, right) in zip(side, cells, strict=True):
        rows.append(pad("  " + name, indent) + f"{left:>{cell_len(head[0])}}  {right:>{cell_len(head[1])}}")
    return [title, *rows, text(lang, "agreement.kappa", kappa=_number(lang, table.kappa),
                               observed=_number(lang, table.observed), expected=_number(lang, table.expected),
                               n=table.n)]


def lines(lang: str, figures: Figures, query: CallFilter) -> list[str]:
    """The figures as text: the per-category table, then the two 2×2 tables with their kappa."""
    any_day = text(lang, "agreement.any")
    period = text(lang, "agreement.range", since=query.first_day or any_day, until=query.last_day or any_day) if (
        query.first_day or query.last_day) else text(lang, "agreement.all_time")
    out = [text(lang, "agreement.title"), period, ""]
    out += [*_category_lines(lang, figures.categories), ""]
    field = figures.calls.field
    if not field.n:
        return [*out, text(lang, "agreement.no_reviews")]
    out += [text(lang, "agreement.calls", n=field.n), ""]
    out += [*_table_lines(lang, text(lang, "agreement.field"), field), ""]
    return out + _table_lines(lang, text(lang, "agreement.agents"), figures.calls.agents)
