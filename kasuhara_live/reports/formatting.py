"""Numbers and times as people read them in reports: call clock, durations, local dates.

Every formatter is total: a value no call can have (``Infinity``, a start time of 1e300 in a damaged or forged
store) is shown as "–" instead of stopping the whole report.
"""

from __future__ import annotations

import datetime as dt
import math

UNKNOWN = "–"
MAX_SHOWN_SECONDS = 100 * 3600.0  # a position or length from here on is no call's


def _showable(seconds: float) -> bool:
    return math.isfinite(seconds) and seconds < MAX_SHOWN_SECONDS


def clock(seconds: float) -> str:
    """A position in the call: ``mm:ss`` (``h:mm:ss`` past an hour)."""
    if not _showable(seconds):
        return UNKNOWN
    total = int(max(0.0, seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def clock_range(start: float, end: float) -> str:
    """``mm:ss–mm:ss``."""
    return f"{clock(start)}–{clock(end)}"


def duration(lang: str, seconds: float | None) -> str:
    """A call's length in words: ``4分12秒`` / ``4 min 12 s``; "–" when unknown."""
    if seconds is None or not _showable(seconds):
        return UNKNOWN
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}分{secs:02d}秒" if lang == "ja" else f"{minutes} min {secs:02d} s"


def minutes(lang: str, seconds: float) -> str:
    """A duration in minutes with one decimal: ``4.2分`` / ``4.2 min``."""
    if not math.isfinite(seconds):
        return UNKNOWN
    value = f"{seconds / 60:.1f}"
    return f"{value}分" if lang == "ja" else f"{value} min"


def local_time(unix: float) -> dt.datetime:
    """A Unix time in the local time zone of the machine producing the report (a ``ValueError`` for one no
    calendar holds: see :func:`local_time_or_none`)."""
    moment = local_time_or_none(unix)
    if moment is None:
        raise ValueError(f"{unix!r} is not a time a calendar can show")
    return moment


def local_time_or_none(unix: float) -> dt.datetime | None:
    """:func:`local_time`, or ``None`` for a value that is no date (not finite, past the year 9999)."""
    if not math.isfinite(unix):
        return None
    try:
        return dt.datetime.fromtimestamp(unix).astimezone()
    except (OverflowError, OSError, ValueError):
        return None


def local_datetime(unix: float) -> str:
    """``2025-01-14 10:32 JST``: when a call happened, in local time ("–" for a time no calendar holds)."""
    moment = local_time_or_none(unix)
    if moment is None:
        return UNKNOWN
    return f"{moment:%Y-%m-%d %H:%M} {moment.tzname() or ''}".rstrip()


def percent(part: int, whole: int) -> str:
    """``12%`` (no decimals: management reads shares, not precision); "–" for an empty whole."""
    return f"{round(100 * part / whole)}%" if whole else "–"
