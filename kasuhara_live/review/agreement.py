"""Agreement figures for QA calibration: pure arithmetic on labels, no store, no I/O.

Two questions are asked of the reviewed calls (DOMAIN.md: field staff and headquarters drift apart, most of
all in the grey zone, so the figures are tracked week by week):

* per category, how many of the detector's alerts reviewers found correct (precision over labelled
  alerts) and how much harassment it missed;
* per call, whether the field's flag agrees with the reviewer's verdict beyond chance (Cohen's kappa on a
  2×2 table), for the field flag as a whole and for the agents' own flags alone;
* between two reviewers, over the calls both judged: the same kappa on their verdicts, and how often they put
  the call in the same place on each axis (reviewers drift apart too, and calibration sessions need the figure).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kasuhara_live.events import Level

CORRECT = "correct"
FALSE_ALARM = "false_alarm"


@dataclass(frozen=True)
class AlertOutcome:
    """One alert: its category and the reviewer's label (``None`` while unlabelled)."""

    category: str
    label: str | None


@dataclass(frozen=True)
class CallVerdict:
    """One reviewed call: what the field flagged and what the reviewer decided."""

    field_flag: bool  # the detector reached warning or above, or the agent played the red card
    agent_flag: bool  # the agent's own flag: a red card or a request for a supervisor to join
    harassment: bool  # the reviewer's verdict: カスハラ


def field_flag(max_level: Level, red_card: bool) -> bool:
    """The field's flag on a call: the detector's warning (or above), or the agent's red card."""
    return max_level >= Level.WARNING or red_card


@dataclass(frozen=True)
class CategoryFigures:
    """The detector's record in one category (or ``"all"``)."""

    category: str
    alerts: int
    labelled: int
    correct: int
    false_alarms: int
    missed: int

    @property
    def precision(self) -> float | None:
        """Correct / labelled; ``None`` when no alert of the category has been labelled yet."""
        return self.correct / self.labelled if self.labelled else None


ALL = "all"


def category_figures(alerts: Iterable[AlertOutcome], missed: Mapping[str, int]) -> list[CategoryFigures]:
    """Figures per category, sorted by category key, then the ``"all"`` row summing them."""
    counts: dict[str, list[int]] = {}  # category -> [alerts, labelled, correct, false alarms]
    for alert in alerts:
        row = counts.setdefault(alert.category, [0, 0, 0, 0])
        row[0] += 1
        if alert.label is not None:
            row[1] += 1
            row[2] += alert.label == CORRECT
            row[3] += alert.label == FALSE_ALARM
    categories = sorted(set(counts) | {c for c, n in missed.items() if n})
    rows = []
    for category in categories:
        alerted, labelled, correct, false_alarms = counts.get(category, [0, 0, 0, 0])
        rows.append(CategoryFigures(category, alerted, labelled, correct, false_alarms, missed.get(category, 0)))
    total = CategoryFigures(ALL, sum(r.alerts for r in rows), sum(r.labelled for r in rows),
                            sum(r.correct for r in rows), sum(r.false_alarms for r in rows),
                            sum(r.missed for r in rows))
    return [*rows, total]


@dataclass(frozen=True)
class Table2x2:
    """Two raters' yes/no answers on the same items.

    ``yes_yes``: both said yes; ``yes_no``: the first (the field) yes, the second (the reviewer) no; and so on.
    """

    yes_yes: int = 0
    yes_no: int = 0
    no_yes: int = 0
    no_no: int = 0

    @property
    def n(self) -> int:
        return self.yes_yes + self.yes_no + self.no_yes + self.no_no

    @property
    def observed(self) -> float | None:
        """The share of items both raters answered alike."""
        return (self.yes_yes + self.no_no) / self.n if self.n else None

    @property
    def expected(self) -> float | None:
        """The agreement two raters with these yes-rates would reach by chance."""
        n = self.n
        if not n:
            return None
        first_yes, second_yes = self.yes_yes + self.yes_no, self.yes_yes + self.no_yes
        return (first_yes * second_yes + (n - first_yes) * (n - second_yes)) / (n * n)

    @property
    def kappa(self) -> float | None:
        """Cohen's kappa; ``None`` when undefined (no items, or both raters gave one answer throughout)."""
        observed, expected = self.observed, self.expected
        if observed is None or expected is None or expected >= 1.0:
            return None
        return (observed - expected) / (1.0 - expected)


def cross_table(pairs: Iterable[tuple[bool, bool]]) -> Table2x2:
    """Count (first rater, second rater) answers into a 2×2 table."""
    cells = [0, 0, 0, 0]
    for first, second in pairs:
        cells[(0 if first else 2) + (0 if second else 1)] += 1
    return Table2x2(*cells)


@dataclass(frozen=True)
class CallAgreement:
    """Field flag vs reviewer, and the agents' own flags vs reviewer, over the same reviewed calls."""

    field: Table2x2
    agents: Table2x2


def call_agreement(calls: Iterable[CallVerdict]) -> CallAgreement:
    """The two 2×2 tables of the reviewed calls (first rater: the field or the agent; second: the reviewer)."""
    verdicts = list(calls)
    return CallAgreement(cross_table((c.field_flag, c.harassment) for c in verdicts),
                         cross_table((c.agent_flag, c.harassment) for c in verdicts))


@dataclass(frozen=True)
class ReviewerVerdict:
    """One reviewer's judgement of one call: the two axes and the verdict."""

    call_id: str
    reviewer: str
    conduct: str
    demand: str
    harassment: bool


@dataclass(frozen=True)
class ReviewerAgreement:
    """Two reviewers over the calls both judged: their verdicts (first reviewer down, second across), how often
    they chose the same conduct and the same demand, and how many calls only one of them judged."""

    first: str
    second: str
    verdicts: Table2x2
    conduct_agreed: int
    demand_agreed: int
    only_first: int
    only_second: int


def reviewer_agreement(reviews: Iterable[ReviewerVerdict], first: str, second: str) -> ReviewerAgreement:
    """Compare ``first``'s and ``second``'s judgements of the same calls (a call one of them skipped is counted
    aside, not in the table)."""
    by_reviewer: dict[str, dict[str, ReviewerVerdict]] = {first: {}, second: {}}
    for review in reviews:
        if review.reviewer in by_reviewer:
            by_reviewer[review.reviewer][review.call_id] = review
    mine, theirs = by_reviewer[first], by_reviewer[second]
    both = [(mine[c], theirs[c]) for c in mine if c in theirs]
    return ReviewerAgreement(
        first, second, cross_table((a.harassment, b.harassment) for a, b in both),
        sum(a.conduct == b.conduct for a, b in both), sum(a.demand == b.demand for a, b in both),
        sum(c not in theirs for c in mine), sum(c not in mine for c in theirs))
