"""The one place where events become JSON objects and back.

Every object has ``"v": 1`` and a ``"kind"``.  Decoding is strict: a missing or mistyped field, an unknown
kind or another version is a :class:`WireError` that says which, so a malformed message never reaches the
core.
"""

from __future__ import annotations

import dataclasses
import json
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
        return float(value)
    if tp is str and not isinstance(value, str):
        raise WireError(f"{kind}: field {name!r} must be a string")
    return value


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


def loads(line: str | bytes) -> Event:
    """Parse one JSON line into an event."""
    try:
        obj = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise WireError(f"message is not valid JSON: {exc}") from None
    return from_json(obj)
