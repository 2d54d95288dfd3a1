"""Agreement statistics for QA calibration: Cohen's kappa on known tables, precision per category."""

from __future__ import annotations

import pytest

from kasuhara_live.events import Level
from kasuhara_live.review.agreement import (
    AlertOutcome,
    CallVerdict,
    Table2x2,
    call_agreement,
    category_figures,
    cross_table,
    field_flag,
)


def test_perfect_agreement_is_one() -> None:
    assert Table2x2(yes_yes=7, no_no=5).kappa == pytest.approx(1.0)


def test_agreement_at_chance_level_is_zero() -> None:
    # Both raters say yes half the time, independently: they agree exactly as often as chance predicts.
    table = Table2x2(25, 25, 25, 25)
    assert table.observed == pytest.approx(0.5) and table.expected == pytest.approx(0.5)
    assert table.kappa == pytest.approx(0.0)


def test_textbook_example() -> None:
    # Wikipedia's "Cohen's kappa" example: 50 proposals, 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no.
    table = Table2x2(yes_yes=20, yes_no=5, no_yes=10, no_no=15)
    assert table.n == 50 and table.observed == pytest.approx(0.7) and table.expected == pytest.approx(0.5)
    assert table.kappa == pytest.approx(0.4)


def test_systematic_disagreement_is_negative() -> None:
    assert Table2x2(yes_no=4, no_yes=6).kappa == pytest.approx(-0.9230769, abs=1e-6)


def test_kappa_is_undefined_without_variation_or_items() -> None:
    assert Table2x2().kappa is None and Table2x2().observed is None
    assert Table2x2(yes_yes=9).kappa is None  # everyone flagged, every call harassment: chance explains it all


def test_cross_table_counts_each_cell() -> None:
    pairs = [(True, True), (True, False), (True, False), (False, True), (False, False), (False, False),
             (False, False)]
    assert cross_table(pairs) == Table2x2(1, 2, 1, 3)


def test_field_flag_is_warning_or_a_red_card() -> None:
    assert field_flag(Level.WARNING, False) and field_flag(Level.CRITICAL, False)
    assert field_flag(Level.CAUTION, True)
    assert not field_flag(Level.CAUTION, False) and not field_flag(Level.NONE, False)


def test_call_agreement_keeps_field_and_agents_apart() -> None:
    calls = [CallVerdict(True, True, True), CallVerdict(True, False, False), CallVerdict(False, False, False)]
    found = call_agreement(calls)
    assert found.field == Table2x2(1, 1, 0, 1) and found.field.kappa == pytest.approx(0.4)
    assert found.agents == Table2x2(1, 0, 0, 2) and found.agents.kappa == pytest.approx(1.0)


def test_category_figures_and_the_total() -> None:
    alerts = [AlertOutcome("abuse", "correct"), AlertOutcome("abuse", "false_alarm"), AlertOutcome("abuse", None),
              AlertOutcome("threat", "correct")]
    rows = category_figures(alerts, {"dogeza": 2, "abuse": 1, "sexual": 0})
    assert [(r.category, r.alerts, r.labelled, r.correct, r.false_alarms, r.missed) for r in rows] == [
        ("abuse", 3, 2, 1, 1, 1), ("dogeza", 0, 0, 0, 0, 2), ("threat", 1, 1, 1, 0, 0), ("all", 4, 3, 2, 1, 3)]
    assert [r.precision for r in rows] == [pytest.approx(0.5), None, pytest.approx(1.0), pytest.approx(2 / 3)]
