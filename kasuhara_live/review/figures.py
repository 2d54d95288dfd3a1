"""``review agreement``: the store's labels and reviews turned into the figures of :mod:`.agreement`, and printed.

Run it over successive weeks (``--from``/``--to``) and a falling precision or kappa is the criteria drifting.
A call judged by several reviewers counts once against the field's flags, with its latest review;
``--between A B`` compares two reviewers' own reviews of the same calls.
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
    ReviewerAgreement,
    ReviewerVerdict,
    Table2x2,
    call_agreement,
    category_figures,
    field_flag,
    reviewer_agreement,
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
    reviewers: ReviewerAgreement | None = None  # with ``--between A B``


def gather(store: CallStore, query: CallFilter, between: tuple[str, str] | None = None) -> Figures:
    """Read the period's alerts, labels, missed ranges and reviews, and compute the figures (and, given
    ``between``, the two reviewers' agreement)."""
    since, until = query.bounds()
    alerts = [AlertOutcome(v.category, v.label) for v in store.alert_verdicts(since=since, until=until)]
    reviews = store.reviewed_calls(since=since, until=until)
    latest = {c.call_id: c for c in reviews}  # oldest review first per call: the last one stays
    verdicts = [CallVerdict(field_flag(c.max_level, c.red_card), c.red_card or c.join_requested, c.harassment)
                for c in latest.values()]
    pair = None
    if between is not None:
        pair = reviewer_agreement((ReviewerVerdict(c.call_id, c.reviewer, c.conduct, c.demand, c.harassment)
                                   for c in reviews), *between)
    return Figures(category_figures(alerts, store.missed_counts(since=since, until=until)),
                   call_agreement(verdicts), pair)


def _table_json(table: Table2x2, first: str = "flag", second: str = "reviewer") -> dict[str, Any]:
    return {"n": table.n, f"{first}_yes_{second}_yes": table.yes_yes, f"{first}_yes_{second}_no": table.yes_no,
            f"{first}_no_{second}_yes": table.no_yes, f"{first}_no_{second}_no": table.no_no,
            "observed": table.observed, "expected": table.expected, "kappa": table.kappa}


def _reviewers_json(pair: ReviewerAgreement) -> dict[str, Any]:
    return {"first": pair.first, "second": pair.second, **_table_json(pair.verdicts, "first", "second"),
            "conduct_agreed": pair.conduct_agreed, "demand_agreed": pair.demand_agreed,
            "only_first": pair.only_first, "only_second": pair.only_second}


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
        "between_reviewers": _reviewers_json(figures.reviewers) if figures.reviewers else None,
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


def _table_lines(lang: str, title: str, table: Table2x2, side: list[str] | None = None,
                 head: list[str] | None = None) -> list[str]:
    """The 2×2 table: flagged or not down the side, the reviewer's verdict across (unless ``side`` and ``head``
    name other raters' answers); columns by terminal cells."""
    side = side or [text(lang, "agreement.flagged"), text(lang, "agreement.not_flagged")]
    head = head or [text(lang, "agreement.reviewer_yes"), text(lang, "agreement.reviewer_no")]
    indent = 2 + max(cell_len(s) for s in side) + 2
    cells = [[table.yes_yes, table.yes_no], [table.no_yes, table.no_no]]
    rows = [" " * indent + "  ".join(head)]
    for name, (left, right) in zip(side, cells, strict=True):
        rows.append(pad("  " + name, indent) + f"{left:>{cell_len(head[0])}}  {right:>{cell_len(head[1])}}")
    return [title, *rows, text(lang, "agreement.kappa", kappa=_number(lang, table.kappa),
                               observed=_number(lang, table.observed), expected=_number(lang, table.expected),
                               n=table.n)]


def _reviewer_lines(lang: str, pair: ReviewerAgreement) -> list[str]:
    """Two reviewers' verdicts on the calls both judged, their kappa, and how often the axes matched."""
    names = {"first": pair.first, "second": pair.second}
    table = pair.verdicts
    out = [text(lang, "agreement.between", **names),
           text(lang, "agreement.between_calls", n=table.n, only_first=pair.only_first,
                only_second=pair.only_second, **names)]
    if not table.n:
        return [*out, text(lang, "agreement.no_common", **names)]
    side = [text(lang, "agreement.says_yes", name=pair.first), text(lang, "agreement.says_no", name=pair.first)]
    head = [text(lang, "agreement.says_yes", name=pair.second), text(lang, "agreement.says_no_short")]
    out += ["", *_table_lines(lang, "", table, side, head)[1:]]
    return [*out, text(lang, "agreement.axes", conduct=pair.conduct_agreed, demand=pair.demand_agreed, n=table.n)]


def lines(lang: str, figures: Figures, query: CallFilter) -> list[str]:
    """The figures as text: the per-category table, the two 2×2 tables with their kappa, then the two reviewers'
    table when asked for."""
    any_day = text(lang, "agreement.any")
    period = text(lang, "agreement.range", since=query.first_day or any_day, until=query.last_day or any_day) if (
        query.first_day or query.last_day) else text(lang, "agreement.all_time")
    out = [text(lang, "agreement.title"), period, ""]
    out += [*_category_lines(lang, figures.categories), ""]
    field = figures.calls.field
    between = ["", *_reviewer_lines(lang, figures.reviewers)] if figures.reviewers else []
    if not field.n:
        return [*out, text(lang, "agreement.no_reviews"), *between]
    out += [text(lang, "agreement.calls", n=field.n), ""]
    out += [*_table_lines(lang, text(lang, "agreement.field"), field), ""]
    return out + _table_lines(lang, text(lang, "agreement.agents"), figures.calls.agents) + between
