"""What reviewers type: times in a call, days, levels, categories and the app's filter line."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from kasuhara_live.errors import KasuharaError
from kasuhara_live.events import Level
from kasuhara_live.review.filters import (
    HARASSMENT_CATEGORIES,
    CallFilter,
    day_bounds,
    format_time,
    parse_category,
    parse_filter,
    parse_level,
    parse_time,
    time_range,
)


@pytest.mark.parametrize(("typed", "seconds"), [("75", 75.0), ("75.5", 75.5), ("1:15", 75.0), ("01:15.5", 75.5),
                                                ("1:01:15", 3675.0), (" 0:05 ", 5.0)])
def test_times_in_a_call(typed: str, seconds: float) -> None:
    assert parse_time(typed) == pytest.approx(seconds)


@pytest.mark.parametrize("typed", ["", "abc", "1:75", "-3", "1:2:3:4", "1:60:00", "1,5"])
def test_bad_times_are_one_line_errors(typed: str) -> None:
    with pytest.raises(KasuharaError, match="bad time") as caught:
        parse_time(typed)
    assert "\n" not in str(caught.value)


def test_format_time_round_trips() -> None:
    assert format_time(75.46) == "01:15.5" and format_time(3675.0, tenths=False) == "1:01:15"
    assert parse_time(format_time(123.4)) == pytest.approx(123.4)


def test_a_time_range_must_run_forward_and_fit_the_call() -> None:
    assert time_range("0:10", "0:20", 60.0) == (10.0, 20.0)
    with pytest.raises(KasuharaError, match="must come before"):
        time_range("20", "10", 60.0)
    with pytest.raises(KasuharaError, match=r"lasts only 01:00\.0"):
        time_range("50", "1:30", 60.0)


def test_days_cover_whole_local_days() -> None:
    since, until = day_bounds(date(2025, 5, 1), date(2025, 5, 7))
    assert since == datetime(2025, 5, 1).timestamp() and until == datetime(2025, 5, 8).timestamp()
    with pytest.raises(KasuharaError, match="ends"):
        day_bounds(date(2025, 5, 7), date(2025, 5, 1))


def test_levels_and_categories_by_key_or_name() -> None:
    assert parse_level("警告") is Level.WARNING and parse_level("Critical") is Level.CRITICAL
    assert parse_category("土下座の要求") == "dogeza" and parse_category("threat") == "threat"
    with pytest.raises(KasuharaError, match="unknown level 'none'"):
        parse_level("none")
    with pytest.raises(KasuharaError, match="unknown category 'complaint'"):
        parse_category("complaint", HARASSMENT_CATEGORIES)  # a fair complaint is no missed harassment


def test_the_filter_line() -> None:
    assert parse_filter("") == CallFilter()
    assert parse_filter("2025-05-01..2025-05-07 警告 threat sato") == CallFilter(
        date(2025, 5, 1), date(2025, 5, 7), Level.WARNING, "threat", "sato")
    assert parse_filter("2025-05-03") == CallFilter(date(2025, 5, 3), date(2025, 5, 3))
    assert parse_filter("..2025-05-03 agent:warning") == CallFilter(None, date(2025, 5, 3), agent="warning")
    assert parse_filter("from:2025-05-01 level:critical").describe() == "2025-05-01.. critical"
    for bad, message in (("sato suzuki", "already has"), ("2025-13-01", "bad date"),
                         ("2025-05-07..2025-05-01", "ends"), ("level:none", "unknown level")):
        with pytest.raises(KasuharaError, match=message):
            parse_filter(bad)
