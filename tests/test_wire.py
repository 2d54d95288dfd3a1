from __future__ import annotations

import json
import math

import pytest

from kasuhara_live import wire
from kasuhara_live.errors import WireError
from kasuhara_live.events import (
    Action,
    ActionKind,
    Alert,
    CallEnded,
    CallStarted,
    Level,
    UtteranceFinal,
    UtterancePartial,
)

EVENTS = [
    CallStarted("c1", 0.0, ("agent", "customer"), "a.flac"),
    UtterancePartial("c1", 3.1, "u0001", "customer", 1.0, 3.1, "土下座し", "土下", wall=3.2),
    UtteranceFinal("c1", 4.0, "u0001", "customer", 1.0, 3.6, "土下座しろ", -12.5),
    Alert("c1", 4.0, "a1", "dogeza", Level.WARNING, 1.0, 3.6, ("土下座しろ",), ("conduct",), "そのようなご要望には…",
          source="term:dogeza, grammar:command"),
    CallEnded("c1", 60.0),
    Action("c1", 42.0, ActionKind.SCRIPT_USED, "sato", "agent", "clear_statement", "a1", wall=42.5),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_round_trip(event: wire.Event) -> None:
    line = wire.dumps(event)
    obj = json.loads(line)
    assert obj["v"] == 1 and obj["kind"] == wire.kind_of(event) and obj["call_id"] == "c1"
    assert wire.loads(line) == event


def test_japanese_is_not_escaped_and_wall_only_when_set() -> None:
    line = wire.dumps(EVENTS[2])
    assert "土下座しろ" in line and "wall" not in line
    assert json.loads(wire.dumps(EVENTS[1]))["wall"] == 3.2


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"v": 2, "kind": "call.ended", "call_id": "c", "time": 1}', "unsupported wire version 2"),
        ('{"v": 1, "kind": "call.exploded"}', "unknown event kind 'call.exploded'"),
        ('{"v": 1, "kind": "call.ended", "time": 1}', "missing field 'call_id'"),
        ('{"v": 1, "kind": "call.ended", "call_id": "c", "time": "soon"}', "field 'time' must be a number"),
        ('{"v": 1, "kind": "call.ended", "call_id": 5, "time": 1}', "field 'call_id' must be a string"),
    ],
)
def test_malformed_messages_are_wire_errors(message: str, expected: str) -> None:
    with pytest.raises(WireError, match=expected):
        wire.loads(message)


def test_an_alert_names_what_raised_it_and_an_older_one_without_it_still_reads() -> None:
    obj = wire.to_json(EVENTS[3])
    assert obj["source"] == "term:dogeza, grammar:command"
    assert wire.from_json(obj).source == "term:dogeza, grammar:command"  # type: ignore[union-attr]
    del obj["source"]  # an alert from a monitor that predates the field
    old = wire.from_json(obj)
    assert isinstance(old, Alert) and old.source == "" and old.evidence == ("土下座しろ",)
    obj["source"] = ["term:dogeza"]
    with pytest.raises(WireError, match="field 'source' must be a string"):
        wire.from_json(obj)


def test_alert_severity_must_be_a_level() -> None:
    obj = wire.to_json(EVENTS[3])
    obj["severity"] = "apocalyptic"
    with pytest.raises(WireError, match="not one of none, caution, warning, critical"):
        wire.from_json(obj)


def test_levels_are_ordered() -> None:
    assert Level.NONE < Level.CAUTION < Level.WARNING < Level.CRITICAL
    assert max([Level.WARNING, Level.CRITICAL, Level.NONE], key=lambda lv: lv.rank) is Level.CRITICAL


def test_action_kind_must_be_known() -> None:
    obj = wire.to_json(EVENTS[5])
    obj["action"] = "self_destruct"
    with pytest.raises(WireError, match="field 'action' = 'self_destruct' is not one of script_used"):
        wire.from_json(obj)


# -- numbers: finite, in range; shapes bounded before parsing --------------------------------------------------


@pytest.mark.parametrize(("field", "value"), [
    ("time", math.inf), ("time", math.nan), ("start", -0.1), ("end", 86400.5), ("loudness_db", 21.0),
    ("loudness_db", -math.inf), ("loudness_db", 10**400), ("wall", -1.0), ("wall", 1e300)])
def test_every_number_must_be_finite_and_in_its_range(field: str, value: float) -> None:
    obj = {**wire.to_json(EVENTS[2]), field: value}
    with pytest.raises(WireError, match=f"field '{field}' = .* is out of range: expected a finite number"):
        wire.from_json(obj)


def test_started_at_is_unknown_or_a_unix_time_before_2100() -> None:
    obj = wire.to_json(EVENTS[0])
    for ok in (0.0, 1_800_000_000.0, wire.UNIX_TIME_MAX):
        assert wire.from_json({**obj, "started_at": ok}).started_at == ok  # type: ignore[union-attr]
    with pytest.raises(WireError, match="'started_at' = 1e\\+300 is out of range"):
        wire.from_json({**obj, "started_at": 1e300})


class _NoParser:
    """Stands in for the json module: any call to loads means the bounds were not checked first."""

    @staticmethod
    def loads(text: str) -> object:
        raise AssertionError("parsed before the bounds were checked")


@pytest.mark.parametrize(("text", "expected"), [
    ("[" * 2000 + "]" * 2000, "nested deeper than 16 levels"),
    ('{"v": 1, "a": ' + "[" * 17 + "]" * 17 + "}", "nested deeper than 16 levels"),
    ('{"n": ' + "7" * 4300 + "}", "number of 4300 characters"),
    ('{"n": 1.' + "0" * 40 + "}", "number of 42 characters"),
])
def test_deep_nesting_and_long_numbers_are_refused_before_parsing(monkeypatch: pytest.MonkeyPatch, text: str,
                                                                  expected: str) -> None:
    monkeypatch.setattr(wire, "json", _NoParser)
    with pytest.raises(WireError, match=expected):
        wire.parse(text)


def test_brackets_and_digits_inside_strings_are_text_and_sixteen_levels_are_fine() -> None:
    text = json.dumps({"text": "[{" * 300 + "1" * 300, "escaped": '\\"[[[['}, ensure_ascii=False)
    assert wire.parse(text)["text"].startswith("[{[{")
    assert wire.parse("[" * 16 + "]" * 16) == [[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]
    assert wire.parse(b'{"t": "\xe5\x9c\x9f"}') == {"t": "土"}
    with pytest.raises(WireError, match="not valid JSON"):
        wire.parse(b"\xff\xfe")
