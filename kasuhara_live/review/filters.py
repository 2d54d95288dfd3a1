"""What a reviewer types, read strictly: dates, times in a call, levels, categories, and the app's filter line.

Every bad value is a :class:`KasuharaError` that says what was expected, so the command line prints it as one
line and the app shows it on its status line.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from kasuhara_live.errors import KasuharaError
from kasuhara_live.events import Level
from kasuhara_live.judge import labels

CATEGORIES = tuple(labels.CATEGORY["en"])
# A missed range is harassment the detector did not flag: an ordinary call or a fair complaint is not one.
HARASSMENT_CATEGORIES = tuple(c for c in CATEGORIES if c not in ("complaint", "none"))
LEVELS = tuple(level.value for level in Level if level is not Level.NONE)

_TIME = re.compile(r"^(?:(?:(\d+):)?(\d{1,2}):)?(\d+(?:\.\d+)?)$")


FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9999, 12, 30)
"""The days a date option accepts: each must be a local day whose start and end are Unix times."""


def parse_date(value: str) -> date:
    """A ``YYYY-MM-DD`` day from :data:`FIRST_DAY` to :data:`LAST_DAY`."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise KasuharaError(f"bad date {value!r}: expected YYYY-MM-DD, e.g. 2025-05-01") from None
    check_day(day, repr(value))
    return day


def check_day(day: date, shown: str) -> None:
    """A :class:`KasuharaError` naming ``shown`` when ``day`` is outside :data:`FIRST_DAY`..:data:`LAST_DAY`."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise KasuharaError(f"date {shown} is out of range: expected a day from {FIRST_DAY} to {LAST_DAY}")


def day_bounds(first: date | None, last: date | None) -> tuple[float | None, float | None]:
    """Unix times [since, until) covering the local days ``first`` to ``last``, both included."""
    if first is not None and last is not None and first > last:
        raise KasuharaError(f"the date range ends ({last}) before it starts ({first})")
    since = datetime.combine(first, time()).timestamp() if first else None
    until = datetime.combine(last + timedelta(days=1), time()).timestamp() if last else None
    return since, until


def parse_time(value: str) -> float:
    """Seconds into a call from ``75``, ``75.5``, ``1:15``, ``01:15.5`` or ``1:01:15``."""
    match = _TIME.match(value.strip())
    if match is None or (match.group(2) is not None and float(match.group(3)) >= 60) or (
            match.group(1) is not None and int(match.group(2)) >= 60):
        raise KasuharaError(f"bad time {value!r}: expected seconds (75 or 75.5) or mm:ss (1:15)")
    hours, minutes, seconds = match.group(1), match.group(2), match.group(3)
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds)


MAX_SHOWN_SECONDS = 100 * 3600.0  # from here on (or for no number at all) a time is shown as --:--


def format_time(seconds: float, tenths: bool = True) -> str:
    """``mm:ss.s`` (``h:mm:ss.s`` from an hour on); whole seconds when ``tenths`` is false; ``--:--`` for a value
    no call can have (a store written before the wire checked its numbers may hold ``Infinity``)."""
    if not math.isfinite(seconds) or seconds >= MAX_SHOWN_SECONDS:
        return "--:--.-" if tenths else "--:--"
    whole, tenth = divmod(round(max(0.0, seconds) * 10), 10)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    out = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
    return f"{out}.{tenth}" if tenths else out


def time_range(start: str, end: str, duration: float | None) -> tuple[float, float]:
    """A range in a call: start before end, and inside the call when its length is known."""
    first, last = parse_time(start), parse_time(end)
    if first >= last:
        raise KasuharaError(f"bad time range {start}..{end}: the start must come before the end")
    # A little slack: the recorded duration is where the audio ended, and a reviewer rounds up to a second.
    if duration is not None and last > duration + 1.0:
        raise KasuharaError(f"bad time range {start}..{end}: the call lasts only {format_time(duration)}")
    return first, last


def _names(table: dict[str, dict[str, str]]) -> dict[str, str]:
    # Keys and their Japanese and English names all name the same thing, case-insensitively.
    return {name.casefold(): key for lang in table for key, name in table[lang].items()} | {
        key.casefold(): key for key in table["en"]}


def parse_level(value: str) -> Level:
    """A level by key or by its Japanese/English name (``warning``, ``警告``)."""
    key = _names(labels.LEVEL).get(value.strip().casefold())
    if key is None or key == Level.NONE.value:
        raise KasuharaError(f"unknown level {value!r}: expected one of {', '.join(LEVELS)}")
    return Level(key)


def parse_category(value: str, allowed: tuple[str, ...] = CATEGORIES) -> str:
    """A category key from its key or its Japanese/English name; only ``allowed`` ones are accepted."""
    key = _names(labels.CATEGORY).get(value.strip().casefold())
    if key is None or key not in allowed:
        raise KasuharaError(f"unknown category {value!r}: expected one of {', '.join(allowed)}")
    return key


@dataclass(frozen=True)
class CallFilter:
    """Which calls a listing shows: local days (both ends included), the lowest level reached, a category, an agent.

    ``level`` is a floor: ``warning`` lists the calls that reached warning or critical, the ones a weekly review
    of flagged calls reads.
    """

    first_day: date | None = None
    last_day: date | None = None
    level: Level | None = None
    category: str | None = None
    agent: str | None = None

    def bounds(self) -> tuple[float | None, float | None]:
        return day_bounds(self.first_day, self.last_day)

    def describe(self) -> str:
        """The filter as the app's filter line reads it back (empty for no filter)."""
        parts = []
        if self.first_day or self.last_day:
            parts.append(f"{self.first_day or ''}..{self.last_day or ''}")
        parts += [p for p in (self.level.value if self.level else None, self.category, self.agent) if p]
        return " ".join(parts)


_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DAYS = re.compile(r"^(\d{4}-\d{2}-\d{2})?\.\.(\d{4}-\d{2}-\d{2})?$")
_KEYS = ("from", "to", "level", "category", "agent")


def _words(line: str) -> list[tuple[str, str]]:
    """(field, value) for each word of a filter line, the field named or guessed from the value."""
    out = []
    for word in line.split():
        key, sep, value = word.partition(":")
        if sep and key.casefold() in _KEYS:
            out.append((key.casefold(), value))
        elif (days := _DAYS.match(word)) is not None:
            out += [(field, day) for field, day in (("from", days.group(1)), ("to", days.group(2))) if day]
        elif _DAY.match(word):
            out += [("from", word), ("to", word)]
        elif word.casefold() in _names(labels.CATEGORY):  # before levels: 通常 names both, and is no level floor
            out.append(("category", word))
        elif word.casefold() in _names(labels.LEVEL):
            out.append(("level", word))
        else:
            out.append(("agent", word))
    return out


def parse_filter(line: str) -> CallFilter:
    """The app's filter line: words in any order.

    A day (``2025-05-01``) or a range (``2025-05-01..2025-05-07``, either end optional), a level, a category (key or
    name), anything else an agent; ``from:``, ``to:``, ``level:``, ``category:``, ``agent:`` say it explicitly.
    """
    values: dict[str, str] = {}
    for field, value in _words(line):
        if field in values:
            raise KasuharaError(f"{value!r}: the filter already has a '{field}' ({values[field]!r})")
        values[field] = value
    first, last = values.get("from"), values.get("to")
    level, category = values.get("level"), values.get("category")
    result = CallFilter(parse_date(first) if first else None, parse_date(last) if last else None,
                        parse_level(level) if level else None, parse_category(category) if category else None,
                        values.get("agent") or None)
    result.bounds()  # a range that ends before it starts is refused here, not at the next listing
    return result
