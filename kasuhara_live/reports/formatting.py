"""Numbers and times as people read them in reports: call clock, durations, local dates."""

from __future__ import annotations

import datetime as dt


def clock(seconds: float) -> str:
    """A position in the call: ``mm:ss`` (``h:mm:ss`` past an hour)."""
    total = int(max(0.0, seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def clock_range(start: float, end: float) -> str:
    """``mm:ss–mm:ss``."""
    return f"{clock(start)}–{clock(end)}"


def duration(lang: str, seconds: float | None) -> str:
    """A call's length in words: ``4分12秒`` / ``4 min 12 s``; "–" when unknown."""
    if seconds is None:
        return "–"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}分{secs:02d}秒" if lang == "ja" else f"{minutes} min {secs:02d} s"


def minutes(lang: str, seconds: float) -> str:
    """A duration in minutes with one decimal: ``4.2分`` / ``4.2 min``."""
    value = f"{seconds / 60:.1f}"
    return f"{value}分" if lang == "ja" else f"{value} min"


def local_time(unix: float) -> dt.datetime:
    """A Unix time in the local time zone of the machine producing the report."""
    return dt.datetime.fromtimestamp(unix).astimezone()


def local_datetime(unix: float) -> str:
    """``2025-01-14 10:32 JST``: when a call happened, in local time."""
    moment = local_time(unix)
    return f"{moment:%Y-%m-%d %H:%M} {moment.tzname() or ''}".rstrip()


def percent(part: int, whole: int) -> str:
    """``12%`` (no decimals: management reads shares, not precision); "–" for an empty whole."""
    return f"{round(100 * part / whole)}%" if whole else "–"
