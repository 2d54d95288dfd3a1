"""The one place where events become JSON objects and back.

Every object has ``"v": 1`` and a ``"kind"``.  Decoding is strict: a missing or mistyped field, an unknown
kind or another version is a :class:`WireError` that says which, so a malformed message never reaches the
core.  Every number must be finite and within the range :data:`RANGES` states for its field, and
:func:`parse` refuses deep nesting and long numbers before ``json.loads`` sees them: one bad value must not
reach a store (SQLite turns NaN into NULL), a screen (``Infinity`` seconds) or the parser's recursion.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import typing
from enum import StrEnum
from typing import Any

from kasuhara_live.errors import WireError
from kasuhara_live.events import (
    Action,
    Alert,
    CallEnded,
    CallStarted,
    Event,
    LevelChanged,
    UtteranceFinal,
    UtterancePartial,
)

WIRE_VERSION = 1

KINDS: dict[str, type[Any]] = {
    "call.started": CallStarted,
    "utterance.partial": UtterancePartial,
    "utterance.final": UtteranceFinal,
    "alert": Alert,
    "level.changed": LevelChanged,
    "call.ended": CallEnded,
    "action": Action,
}
_KIND_OF = {cls: kind for kind, cls in KINDS.items()}
# Resolved once: resolving annotations costs more than decoding an event, and the hub decodes every one.
_HINTS = {kind: typing.get_type_hints(cls) for kind, cls in KINDS.items()}

MAX_DEPTH = 16  # a hub message nests 4 deep at most (publish > event > evidence list); the rest is hostile
MAX_NUMBER_CHARS = 32  # a float's repr is at most 24 characters; 4,300 digits would stop int() with an error
AUDIO_TIME_MAX_S = 86400.0  # no call lasts a day
UNIX_TIME_MAX = 4102444800.0  # 2100-01-01 UTC: far beyond any real date, well within what datetime can show

# The inclusive range of every number field of the wire events (all of them are floats).
RANGES: dict[str, tuple[float, float]] = {
    "time": (0.0, AUDIO_TIME_MAX_S),  # audio seconds since the call started
    "start": (0.0, AUDIO_TIME_MAX_S),
    "end": (0.0, AUDIO_TIME_MAX_S),
    "wall": (0.0, UNIX_TIME_MAX),  # seconds since capture started, or Unix time (actions, some monitors)
    "started_at": (0.0, UNIX_TIME_MAX),  # Unix time; 0 = unknown
    "loudness_db": (-200.0, 20.0),  # dBFS: the pipeline writes -99 for silence and at most about +3
}

# A JSON string; an unterminated one runs to the end, so the pattern never fails once begun (no backtracking).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?')
_LONG_NUMBER = re.compile(rf"[-+0-9.eE]{{{MAX_NUMBER_CHARS + 1},}}")
_INNERMOST = re.compile(r"\[[^\[\]{}]*\]|\{[^\[\]{}]*\}")  # a bracket pair with no bracket inside


def kind_of(event: Event) -> str:
    """The wire kind of an event, e.g. ``"utterance.final"``."""
    return _KIND_OF[type(event)]


def to_json(event: Event) -> dict[str, Any]:
    """Turn an event into a JSON-ready dict with ``v`` and ``kind`` first; ``wall`` only when set."""
    out: dict[str, Any] = {"v": WIRE_VERSION, "kind": kind_of(event)}
    for f in dataclasses.fields(event):
        value = getattr(event, f.name)
        if f.name == "wall" and value is None:
            continue
        if isinstance(value, StrEnum):
            value = value.value
        elif isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, float):
            value = round(value, 3)
        out[f.name] = value
    return out


def dumps(event: Event) -> str:
    """One JSON line (no newline), UTF-8 text kept readable (no \\u escapes for Japanese)."""
    return json.dumps(to_json(event), ensure_ascii=False, separators=(",", ":"))


def _field_value(kind: str, name: str, value: Any, tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if isinstance(tp, type) and issubclass(tp, StrEnum):
        try:
            return tp(value)
        except ValueError:
            allowed = ", ".join(member.value for member in tp)
            raise WireError(f"{kind}: field {name!r} = {value!r} is not one of {allowed}") from None
    if origin is tuple:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise WireError(f"{kind}: field {name!r} must be a list of strings")
        return tuple(value)
    if tp == float | None:
        if value is None:
            return None
        tp = float
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise WireError(f"{kind}: field {name!r} must be a number")
        return _in_range(kind, name, value)
    if tp is str and not isinstance(value, str):
        raise WireError(f"{kind}: field {name!r} must be a string")
    return value


def _in_range(kind: str, name: str, value: int | float) -> float:
    lo, hi = RANGES[name]
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        number = math.inf if value > 0 else -math.inf
    if not math.isfinite(number) or not lo <= number <= hi:
        shown = repr(number) if math.isfinite(number) else json.dumps(number)  # NaN, Infinity as JSON spells them
        raise WireError(f"{kind}: field {name!r} = {shown} is out of range: expected a finite number from "
                        f"{lo:g} to {hi:g}")
    return number


def from_json(obj: Any) -> Event:
    """Rebuild an event from a decoded JSON object, validating version, kind and every field."""
    if not isinstance(obj, dict):
        raise WireError("message must be a JSON object")
    if obj.get("v") != WIRE_VERSION:
        raise WireError(f"unsupported wire version {obj.get('v')!r}: this build speaks v{WIRE_VERSION}")
    kind = obj.get("kind")
    cls = KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None or not isinstance(kind, str):
        raise WireError(f"unknown event kind {kind!r}: expected one of {', '.join(KINDS)}")
    hints = _HINTS[kind]
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in obj:
            if f.default is dataclasses.MISSING:
                raise WireError(f"{kind}: missing field {f.name!r}")
            continue
        kwargs[f.name] = _field_value(kind, f.name, obj[f.name], hints[f.name])
    event: Event = cls(**kwargs)
    return event


def check_bounds(text: str) -> None:
    """Refuse, before parsing, JSON nested deeper than :data:`MAX_DEPTH` or holding a number longer than
    :data:`MAX_NUMBER_CHARS` characters: the parser would recurse, or spend time on digits, for them."""
    if text.count("[") + text.count("{") <= MAX_DEPTH and _LONG_NUMBER.search(text) is None:
        return  # nearly every message: decided by two scans in C
    bare = _STRING.sub('""', text)  # brackets and digits inside strings are text
    number = _LONG_NUMBER.search(bare)
    if number is not None:
        raise WireError(f"message has a number of {len(number.group())} characters, more than "
                        f"{MAX_NUMBER_CHARS}: send numbers as plain decimals")
    if bare.count("[") + bare.count("{") <= MAX_DEPTH:
        return
    # Each pass removes the innermost pairs, so the passes needed to empty the text are its nesting depth;
    # all in C, however many brackets an attacker sends.
    for _ in range(MAX_DEPTH):
        bare, removed = _INNERMOST.subn("", bare)
        if not removed:
            return  # what is left is malformed, and json.loads will say so
    if _INNERMOST.search(bare) is not None:
        raise WireError(f"message is nested deeper than {MAX_DEPTH} levels: send flat JSON objects")


def parse(data: str | bytes) -> Any:
    """Decode one JSON message (UTF-8 if bytes), bounded as :func:`check_bounds` says; a :class:`WireError`
    for anything that is not valid, bounded JSON.  ``NaN`` and ``Infinity`` parse; the field checks refuse
    them."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise WireError("message is not valid JSON: it is not UTF-8 text") from None
    else:
        text = data
    check_bounds(text)
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError, as is int()'s digit limit
        raise WireError(f"message is not valid JSON: {exc}") from None


def loads(line: str | bytes) -> Event:
    """Parse one JSON line into an event."""
    return from_json(parse(line))
