"""The hub's sans-I/O core driven with plain calls: authentication, roles, routing, history, acks."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest

from kasuhara_live import wire
from kasuhara_live.config import Config
from kasuhara_live.errors import ConflictError
from kasuhara_live.events import (
    Action,
    ActionKind,
    Alert,
    CallEnded,
    CallStarted,
    Event,
    Level,
    LevelChanged,
    UtteranceFinal,
    UtterancePartial,
)
from kasuhara_live.hub.protocol import (
    CLOSE_HELLO_REQUIRED,
    CLOSE_UNAUTHORIZED,
    Close,
    ConnId,
    HubState,
    Output,
    Send,
)
from kasuhara_live.hub.sequence import SEQ_WINDOW
from kasuhara_live.hub.users import Role, User, Users, hash_token
from tests.conftest import FakeClock

TOKENS = {"sato": "tok-sato", "suzuki": "tok-suzuki", "boss": "tok-boss", "seat-1": "tok-seat-1",
          "seat-2": "tok-seat-2", "callserver": "tok-callserver"}


def make_users() -> Users:
    return Users([
        User("sato", Role.AGENT, hash_token(TOKENS["sato"])),
        User("suzuki", Role.AGENT, hash_token(TOKENS["suzuki"])),
        User("boss", Role.SUPERVISOR, hash_token(TOKENS["boss"])),
        User("seat-1", Role.MONITOR, hash_token(TOKENS["seat-1"]), agent="sato"),
        User("seat-2", Role.MONITOR, hash_token(TOKENS["seat-2"]), agent="suzuki"),
        User("callserver", Role.INGEST, hash_token(TOKENS["callserver"])),
    ])


class RecordingSink:
    def __init__(self) -> None:
        self.events: list[tuple[Event, str]] = []
        self.fail = False

    def record(self, event: Event, agent: str, monitor: str = "", team: str = "") -> None:
        if self.fail:
            raise OSError("disk full")
        self.events.append((event, agent))


@dataclasses.dataclass
class Rig:
    hub: HubState
    clock: FakeClock
    sink: RecordingSink

    def login(self, name: str) -> ConnId:
        conn = self.hub.connect()
        out = self.say(conn, {"v": 1, "kind": "hello", "token": TOKENS[name]})
        assert to(out, conn)[0]["kind"] == "welcome"
        return conn

    def say(self, conn: ConnId, message: dict[str, Any] | str) -> list[Output]:
        text = message if isinstance(message, str) else json.dumps(message, ensure_ascii=False)
        return self.hub.receive(conn, text)

    def publish(self, conn: ConnId, seq: int, event: Event, agent: str | None = None) -> list[Output]:
        named = {} if agent is None else {"agent": agent}
        return self.say(conn, {"v": 1, "kind": "publish", "seq": seq, **named, "event": wire.to_json(event)})


@pytest.fixture()
def rig(cfg: Config) -> Rig:
    clock, sink = FakeClock(), RecordingSink()
    hub_cfg = dataclasses.replace(cfg.hub, history_events_per_call=20, ended_call_linger_s=60.0,
                                  max_message_bytes=4096)
    return Rig(HubState(hub_cfg, make_users(), clock=clock, sink=sink), clock, sink)


def to(outputs: list[Output], conn: ConnId) -> list[dict[str, Any]]:
    """The messages sent to one connection, decoded."""
    return [o.message for o in outputs if isinstance(o, Send) and o.conn == conn]


def events_to(outputs: list[Output], conn: ConnId) -> list[dict[str, Any]]:
    return [m["event"] for m in to(outputs, conn) if m["kind"] == "event"]


def closes(outputs: list[Output]) -> list[Close]:
    return [o for o in outputs if isinstance(o, Close)]


def partial(call: str, uid: str, text: str, t: float = 1.0) -> UtterancePartial:
    return UtterancePartial(call, t, uid, "customer", 0.5, t, text)


def final(call: str, uid: str, text: str, t: float = 2.0) -> UtteranceFinal:
    return UtteranceFinal(call, t, uid, "customer", 0.5, t, text, -20.0)


def alert(call: str) -> Alert:
    return Alert(call, 2.0, "a1", "dogeza", Level.WARNING, 0.5, 2.0, ("土下座しろ",), ("conduct",), "そのような…")


def action(call: str, kind: ActionKind, actor: str = "mallory", role: str = "supervisor") -> dict[str, Any]:
    return wire.to_json(Action(call, 3.0, kind, actor=actor, role=role, detail="clear_statement", wall=1.0))


# -- authentication --------------------------------------------------------------------------------------


def test_hello_with_a_valid_token_is_welcomed_with_user_and_role(rig: Rig) -> None:
    conn = rig.hub.connect()
    out = rig.say(conn, {"v": 1, "kind": "hello", "token": TOKENS["boss"]})
    assert to(out, conn) == [{"v": 1, "kind": "welcome", "user": "boss", "role": "supervisor"}]
    assert not closes(out) and rig.hub.user_of(conn) == make_users().by_name["boss"]


@pytest.mark.parametrize("hello", [
    {"v": 1, "kind": "hello", "token": "wrong"},
    {"v": 1, "kind": "hello", "token": ""},
    {"v": 1, "kind": "hello"},
    {"v": 1, "kind": "hello", "token": 12},
])
def test_a_bad_or_missing_token_is_unauthorized_and_closed(rig: Rig, hello: dict[str, Any]) -> None:
    conn = rig.hub.connect()
    out = rig.say(conn, hello)
    [error] = to(out, conn)
    assert error["kind"] == "error" and error["code"] == "unauthorized" and "add-user" in error["message"]
    assert closes(out) == [Close(conn, CLOSE_UNAUTHORIZED, "unauthorized")]
    # Whatever it sends afterwards is ignored, a valid hello included.
    assert rig.say(conn, {"v": 1, "kind": "hello", "token": TOKENS["boss"]}) == []
    assert rig.hub.user_of(conn) is None


@pytest.mark.parametrize("first", [
    {"v": 1, "kind": "publish", "seq": 1, "event": {}},
    {"v": 2, "kind": "hello", "token": TOKENS["boss"]},
    "{not json",
    "[1, 2]",
    "x" * 5000,
])
def test_anything_but_hello_first_is_hello_required_and_closed(rig: Rig, first: dict[str, Any] | str) -> None:
    conn = rig.hub.connect()
    out = rig.say(conn, first)
    assert [m["code"] for m in to(out, conn)] == ["hello_required"]
    assert closes(out) == [Close(conn, CLOSE_HELLO_REQUIRED, "hello_required")]


def test_hello_timeout_refuses_only_unauthenticated_connections(rig: Rig) -> None:
    silent, talker = rig.hub.connect(), rig.login("boss")
    out = rig.hub.hello_timeout(silent, 10.0)
    assert to(out, silent)[0]["code"] == "hello_required" and "10 s" in to(out, silent)[0]["message"]
    assert closes(out) == [Close(silent, CLOSE_HELLO_REQUIRED, "hello_required")]
    assert rig.hub.hello_timeout(talker, 10.0) == []


def test_a_second_hello_is_a_bad_message_and_the_connection_stays(rig: Rig) -> None:
    conn = rig.login("sato")
    out = rig.say(conn, {"v": 1, "kind": "hello", "token": TOKENS["boss"]})
    assert [m["code"] for m in to(out, conn)] == ["bad_message"] and not closes(out)
    assert rig.hub.user_of(conn) is not None and rig.hub.user_of(conn).name == "sato"  # type: ignore[union-attr]


# -- malformed messages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("message", "code", "words"), [
    ("{not json", "bad_json", "not valid json"),
    (b"\xff\xfe", "bad_json", "not valid json"),
    ("[1, 2]", "bad_message", "json object"),
    ('"hello"', "bad_message", "json object"),
    ('{"v": 1, "kind": "explode"}', "bad_message", "unknown message kind 'explode'"),
    ('{"v": 1}', "bad_message", "unknown message kind None"),
    ('{"v": 7, "kind": "watch", "call_id": "c1"}', "bad_message", "unsupported protocol version 7"),
    ('{"v": 1, "kind": "watch"}', "bad_message", "needs \"call_id\""),
    ('{"v": 1, "kind": "watch", "call_id": "c1", "id": [1]}', "bad_message", "\"id\" must be"),
    ('{"v": 1, "kind": "publish", "seq": 1}', "forbidden", "cannot publish"),
    ("{" + '"pad": "' + "あ" * 1400 + '"}', "too_large", "4096 bytes"),
])
def test_malformed_messages_get_an_error_and_the_connection_stays(rig: Rig, message: str | bytes, code: str,
                                                                  words: str) -> None:
    conn = rig.login("boss")
    out = rig.hub.receive(conn, message)
    [error] = to(out, conn)
    assert error["kind"] == "error" and error["code"] == code and words in error["message"], error
    assert error["message"] == error["message"].strip() and "\n" not in error["message"]
    assert not closes(out)
    # Still served: a valid request right after works.
    assert to(rig.say(conn, {"v": 1, "kind": "unwatch", "call_id": "c1"}), conn)[0]["kind"] == "unwatched"


@pytest.mark.parametrize("message", [
    '{"v": 1, "kind": "publish", "seq": 1, "event": {"v": 1, "kind": "utterance.final", "call_id": "c1", '
    '"time": 1, "utterance_id": "u1", "speaker": "customer", "start": 0, "end": 1, "text": "\\ud800"}}',
    '{"v": 1, "kind": "watch", "call_id": "\\udc00", "id": "\\uDBFF"}',
    b'{"v": 1, "kind": "watch", "call_id": "\\udc00"}',
])
def test_a_lone_surrogate_escape_is_refused_before_it_can_reach_anyone(rig: Rig, message: str | bytes) -> None:
    seat, sato = rig.login("seat-1"), rig.login("sato")
    out = rig.hub.receive(seat, message)
    assert [m["code"] for m in to(out, seat)] == ["bad_json"] and to(out, sato) == []
    for output in out:  # whatever the hub answers can be sent as UTF-8
        assert isinstance(output, Send) and output.text.encode("utf-8")


def test_a_surrogate_pair_is_just_an_emoji(rig: Rig) -> None:
    seat, sato = rig.login("seat-1"), rig.login("sato")
    event = {**wire.to_json(final("c1", "u1", "x")), "text": "PLACEHOLDER"}
    text = json.dumps({"v": 1, "kind": "publish", "seq": 1, "event": event}).replace("PLACEHOLDER", "\\ud83d\\ude00")
    assert events_to(rig.hub.receive(seat, text), sato)[0]["text"] == "😀"


def test_errors_echo_the_request_id(rig: Rig) -> None:
    conn = rig.login("sato")
    [error] = to(rig.say(conn, {"v": 1, "kind": "watch", "call_id": "nope", "id": "w-7"}), conn)
    assert error == {"v": 1, "kind": "error", "code": "unknown_call", "call_id": "nope", "id": "w-7",
                     "message": error["message"]}


# -- publish ---------------------------------------------------------------------------------------------


def test_publish_is_acked_recorded_and_routed_to_the_owning_agent_and_supervisors(rig: Rig) -> None:
    seat, sato, suzuki, boss = rig.login("seat-1"), rig.login("sato"), rig.login("suzuki"), rig.login("boss")
    out = rig.publish(seat, 1, CallStarted("c1", 0.0, ("agent", "customer"), "seat-1"))
    assert to(out, seat) == [{"v": 1, "kind": "ack", "call_id": "c1", "seq": 1}]
    [message] = to(out, sato)
    assert message["kind"] == "event" and message["agent"] == "sato" and message["monitor"] == "seat-1"
    assert message["event"]["kind"] == "call.started" and message["event"]["speakers"] == ["agent", "customer"]
    assert len(to(out, boss)) == 1 and to(out, suzuki) == []
    assert rig.sink.events == [(CallStarted("c1", 0.0, ("agent", "customer"), "seat-1"), "sato")]

    out = rig.publish(seat, 2, partial("c1", "u1", "土下座し"))
    assert [e["text"] for e in events_to(out, sato)] == ["土下座し"]
    assert to(out, boss) == [] and to(out, suzuki) == []  # supervisors get partials only when watching
    out = rig.publish(seat, 3, final("c1", "u1", "土下座しろ"))
    assert events_to(out, boss) == events_to(out, sato) == [wire.to_json(final("c1", "u1", "土下座しろ"))]


def test_every_summary_kind_reaches_supervisors(rig: Rig) -> None:
    seat, boss = rig.login("seat-1"), rig.login("boss")
    stream: list[Event] = [CallStarted("c1", 0.0, ("mixed",)), final("c1", "u1", "ふざけるな"), alert("c1"),
                           LevelChanged("c1", 2.0, Level.WARNING, Level.NONE, "暴言"), CallEnded("c1", 9.0)]
    kinds = [events_to(rig.publish(seat, i + 1, e), boss)[0]["kind"] for i, e in enumerate(stream)]
    assert kinds == ["call.started", "utterance.final", "alert", "level.changed", "call.ended"]


def test_broadcast_text_is_encoded_once_and_keeps_japanese_readable(rig: Rig) -> None:
    seat, sato, boss = rig.login("seat-1"), rig.login("sato"), rig.login("boss")
    out = rig.publish(seat, 1, final("c1", "u1", "土下座しろ"))
    texts = [o.text for o in out if isinstance(o, Send) and o.conn in (sato, boss)]
    assert len(texts) == 2 and texts[0] is texts[1] and "土下座しろ" in texts[0]


def test_a_resent_seq_is_acked_but_not_broadcast_or_recorded_again(rig: Rig) -> None:
    seat, sato = rig.login("seat-1"), rig.login("sato")
    sent = [CallStarted("c1", 0.0, ("mixed",)), final("c1", "u1", "一回目")]
    for seq, event in enumerate(sent, 1):
        rig.publish(seat, seq, event)
    for seq, event in enumerate(sent, 1):  # after a reconnect the publisher sends again what it had no ack for
        out = rig.publish(seat, seq, event)
        assert to(out, seat) == [{"v": 1, "kind": "ack", "call_id": "c1", "seq": seq}] and to(out, sato) == []
    assert len(rig.sink.events) == 2
    # A gap (partials the publisher dropped while the hub was away) is fine.
    assert events_to(rig.publish(seat, 9, final("c1", "u2", "三回目")), sato)[0]["text"] == "三回目"
    assert rig.hub.calls["c1"].max_seq == 9


@pytest.mark.parametrize("seq", [0, -1, "3", True, None, 1.5])
def test_publish_needs_a_positive_integer_seq(rig: Rig, seq: Any) -> None:
    seat = rig.login("seat-1")
    out = rig.say(seat, {"v": 1, "kind": "publish", "seq": seq, "event": wire.to_json(final("c1", "u1", "x"))})
    assert [m["code"] for m in to(out, seat)] == ["bad_message"] and rig.hub.calls == {}


def test_a_bad_event_is_refused_with_its_seq_and_the_connection_stays(rig: Rig) -> None:
    seat, sato = rig.login("seat-1"), rig.login("sato")
    bad = {**wire.to_json(final("c1", "u1", "x")), "loudness_db": "loud"}
    out = rig.say(seat, {"v": 1, "kind": "publish", "seq": 4, "event": bad})
    [error] = to(out, seat)
    assert error["code"] == "bad_event" and error["seq"] == 4 and error["call_id"] == "c1"
    assert "loudness_db" in error["message"] and to(out, sato) == [] and rig.sink.events == []
    out = rig.say(seat, {"v": 1, "kind": "publish", "seq": 5, "event": {"v": 1, "kind": "call.exploded"}})
    assert to(out, seat)[0]["code"] == "bad_event"
    assert to(rig.publish(seat, 6, final("c1", "u1", "x")), seat)[0]["kind"] == "ack"


def test_only_monitors_publish_and_never_actions(rig: Rig) -> None:
    seat, sato = rig.login("seat-1"), rig.login("sato")
    out = rig.say(seat, {"v": 1, "kind": "publish", "seq": 1, "event": action("c1", ActionKind.RED_CARD)})
    assert to(out, seat)[0]["code"] == "forbidden" and "actions" in to(out, seat)[0]["message"]
    out = rig.publish(sato, 1, final("c1", "u1", "x"))
    assert to(out, sato)[0]["code"] == "forbidden" and rig.hub.calls == {}


def test_a_call_belongs_to_the_monitor_that_published_it_first(rig: Rig) -> None:
    seat1, seat2, suzuki = rig.login("seat-1"), rig.login("seat-2"), rig.login("suzuki")
    rig.publish(seat1, 1, CallStarted("c1", 0.0, ("mixed",)))
    out = rig.publish(seat2, 2, final("c1", "u1", "乗っ取り"))
    assert to(out, seat2)[0]["code"] == "forbidden" and to(out, suzuki) == []


def test_a_call_server_names_each_calls_agent_and_it_reaches_that_agent(rig: Rig) -> None:
    server, sato, suzuki, boss = rig.login("callserver"), rig.login("sato"), rig.login("suzuki"), rig.login("boss")
    out = rig.publish(server, 1, CallStarted("s1", 0.0, ("agent", "customer")), agent="sato")
    [message] = to(out, sato)
    assert message["agent"] == "sato" and message["monitor"] == "callserver" and to(out, suzuki) == []
    assert len(to(out, boss)) == 1 and rig.sink.events[-1][1] == "sato"
    out = rig.publish(server, 1, CallStarted("s2", 0.0, ("agent", "customer")), agent="suzuki")
    assert len(to(out, suzuki)) == 1 and to(out, sato) == []
    # Later events of a call stay with the agent it started with, whatever they name.
    out = rig.publish(server, 2, final("s1", "u1", "土下座しろ"), agent="suzuki")
    assert events_to(out, sato)[0]["text"] == "土下座しろ" and to(out, suzuki) == []


@pytest.mark.parametrize("agent", [None, "", "nobody", "boss", "seat-1", 12])
def test_a_call_server_must_name_an_agent_user_for_a_new_call(rig: Rig, agent: Any) -> None:
    server = rig.login("callserver")
    out = rig.say(server, {"v": 1, "kind": "publish", "seq": 1, **({} if agent is None else {"agent": agent}),
                           "event": wire.to_json(CallStarted("s1", 0.0, ("mixed",)))})
    [error] = to(out, server)
    assert error["code"] == "forbidden" and "agent" in error["message"] and rig.hub.calls == {}


def test_a_call_server_is_capped_per_agent_not_as_one_seat(rig: Rig) -> None:
    server = rig.login("callserver")
    for i in range(rig.hub.max_live_calls):
        out = rig.publish(server, 1, CallStarted(f"a{i}", 0.0, ("mixed",)), agent="sato")
        assert to(out, server)[0]["kind"] == "ack"
    out = rig.publish(server, 1, CallStarted("a-over", 0.0, ("mixed",)), agent="sato")
    assert to(out, server)[0]["code"] == "too_many_calls" and "callserver/sato" in to(out, server)[0]["message"]
    # Another agent's calls through the same server are not held back by sato's.
    assert to(rig.publish(server, 1, CallStarted("b0", 0.0, ("mixed",)), agent="suzuki"), server)[0]["kind"] == "ack"


def test_a_call_server_neither_acts_nor_watches(rig: Rig) -> None:
    server, seat = rig.login("callserver"), rig.login("seat-1")
    rig.publish(seat, 1, CallStarted("c1", 0.0, ("mixed",)))
    assert to(rig.say(server, {"v": 1, "kind": "act", "event": action("c1", ActionKind.RED_CARD)}), server)[0]["code"] \
        == "forbidden"
    assert to(rig.say(server, {"v": 1, "kind": "watch", "call_id": "c1"}), server)[0]["code"] == "forbidden"


# -- act -------------------------------------------------------------------------------------------------


def test_an_agent_acts_on_its_own_call_with_identity_and_time_from_the_hub(rig: Rig) -> None:
    seat, sato, boss = rig.login("seat-1"), rig.login("sato"), rig.login("boss")
    rig.publish(seat, 1, CallStarted("c1", 0.0, ("mixed",)))
    rig.clock.now = 1234.5
    out = rig.say(sato, {"v": 1, "kind": "act", "id": "a-1", "event": action("c1", ActionKind.SCRIPT_USED)})
    assert {"v": 1, "kind": "ack", "call_id": "c1", "id": "a-1"} in to(out, sato)
    [sent] = events_to(out, boss)
    assert sent["actor"] == "sato" and sent["role"] == "agent" and sent["wall"] == 1234.5
    assert sent["action"] == "script_used" and sent["detail"] == "clear_statement"
    assert events_to(out, sato) == [sent]
    recorded, agent = rig.sink.events[-1]
    assert isinstance(recorded, Action) and recorded.actor == "sato" and agent == "sato"


def test_a_supervisor_acts_on_any_call_with_supervisor_actions_only(rig: Rig) -> None:
    seat2, suzuki, boss = rig.login("seat-2"), rig.login("suzuki"), rig.login("boss")
    rig.publish(seat2, 1, CallStarted("c2", 0.0, ("mixed",)))
    out = rig.say(boss, {"v": 1, "kind": "act", "event": action("c2", ActionKind.MESSAGE)})
    assert {"v": 1, "kind": "ack", "call_id": "c2"} in to(out, boss)
    assert events_to(out, suzuki)[0]["actor"] == "boss"
    out = rig.say(boss, {"v": 1, "kind": "act", "event": action("c2", ActionKind.RED_CARD)})
    assert to(out, boss)[0]["code"] == "forbidden" and "alert_acknowledged, message" in to(out, boss)[0]["message"]


@pytest.mark.parametrize(("who", "call", "kind", "code"), [
    ("sato", "c2", ActionKind.SCRIPT_USED, "forbidden"),  # another agent's call
    ("sato", "c1", ActionKind.MESSAGE, "forbidden"),  # a supervisor's action
    ("sato", "nope", ActionKind.SCRIPT_USED, "unknown_call"),
    ("seat-1", "c1", ActionKind.SCRIPT_USED, "forbidden"),  # monitors never act
])
def test_acts_that_are_refused(rig: Rig, who: str, call: str, kind: ActionKind, code: str) -> None:
    rig.publish(rig.login("seat-1"), 1, CallStarted("c1", 0.0, ("mixed",)))
    rig.publish(rig.login("seat-2"), 1, CallStarted("c2", 0.0, ("mixed",)))
    suzuki, conn = rig.login("suzuki"), rig.login(who)
    recorded = len(rig.sink.events)
    out = rig.say(conn, {"v": 1, "kind": "act", "event": action(call, kind)})
    assert [m["code"] for m in to(out, conn)] == [code]
    assert to(out, suzuki) == [] and len(rig.sink.events) == recorded


def test_act_must_carry_an_action_event(rig: Rig) -> None:
    rig.publish(rig.login("seat-1"), 1, CallStarted("c1", 0.0, ("mixed",)))
    sato = rig.login("sato")
    out = rig.say(sato, {"v": 1, "kind": "act", "event": wire.to_json(final("c1", "u1", "x"))})
    assert to(out, sato)[0]["code"] == "bad_event" and "not 'utterance.final'" in to(out, sato)[0]["message"]
    out = rig.say(sato, {"v": 1, "kind": "act", "event": {**action("c1", ActionKind.SCRIPT_USED), "action": "nap"}})
    assert to(out, sato)[0]["code"] == "bad_event"


# -- watch and history ------------------------------------------------------------------------------------


def test_a_supervisor_gets_partials_only_while_watching(rig: Rig) -> None:
    seat, boss, other = rig.login("seat-1"), rig.login("boss"), rig.login("boss")
    rig.publish(seat, 1, CallStarted("c1", 0.0, ("mixed",)))
    rig.publish(seat, 2, partial("c1", "u1", "ど"))
    [history] = to(rig.say(boss, {"v": 1, "kind": "watch", "call_id": "c1"}), boss)
    assert history["kind"] == "history" and history["scope"] == "full" and history["call_id"] == "c1"
    assert [e["kind"] for e in history["events"]] == ["call.started", "utterance.partial"]
    out = rig.publish(seat, 3, partial("c1", "u1", "どげざ"))
    assert [e["text"] for e in events_to(out, boss)] == ["どげざ"] and to(out, other) == []
    assert to(rig.say(boss, {"v": 1, "kind": "unwatch", "call_id": "c1"}), boss) == [
        {"v": 1, "kind": "unwatched", "call_id": "c1"}]
    assert to(rig.publish(seat, 4, partial("c1", "u1", "どげざしろ")), boss) == []


def test_an_agent_may_watch_only_its_own_calls(rig: Rig) -> None:
    rig.publish(rig.login("seat-2"), 1, CallStarted("c2", 0.0, ("mixed",)))
    rig.publish(rig.login("seat-1"), 1, CallStarted("c1", 0.0, ("mixed",)))
    sato = rig.login("sato")
    [error] = to(rig.say(sato, {"v": 1, "kind": "watch", "call_id": "c2"}), sato)
    assert error["code"] == "forbidden" and "not yours" in error["message"]
    [history] = to(rig.say(sato, {"v": 1, "kind": "watch", "call_id": "c1"}), sato)
    assert history["kind"] == "history" and history["call_id"] == "c1"
    seat = rig.login("seat-1")
    [error] = to(rig.say(seat, {"v": 1, "kind": "watch", "call_id": "c1"}), seat)
    assert error["code"] == "forbidden"


def test_a_late_console_gets_the_history_it_may_see(rig: Rig) -> None:
    seat1, seat2 = rig.login("seat-1"), rig.login("seat-2")
    rig.publish(seat1, 1, CallStarted("c1", 0.0, ("mixed",)))
    for seq, text in enumerate(["ど", "どげ", "どげざ"], start=2):
        rig.publish(seat1, seq, partial("c1", "u1", text))
    rig.publish(seat1, 5, final("c1", "u1", "土下座しろ"))
    rig.publish(seat1, 6, partial("c1", "u2", "いま"))
    rig.publish(seat1, 7, partial("c1", "u2", "いますぐ"))
    rig.publish(seat2, 1, CallStarted("c2", 0.0, ("mixed",)))

    conn = rig.hub.connect()
    out = rig.say(conn, {"v": 1, "kind": "hello", "token": TOKENS["sato"]})
    welcome, history = to(out, conn)
    assert welcome["kind"] == "welcome" and history["kind"] == "history" and history["call_id"] == "c1"
    assert history["scope"] == "full" and not history["ended"] and not history["truncated"]
    # Superseded partials are gone: what is left is what a console shows.
    assert [(e["kind"], e.get("text")) for e in history["events"]] == [
        ("call.started", None), ("utterance.final", "土下座しろ"), ("utterance.partial", "いますぐ")]

    conn = rig.hub.connect()
    messages = to(rig.say(conn, {"v": 1, "kind": "hello", "token": TOKENS["boss"]}), conn)
    assert [(m["kind"], m.get("call_id"), m.get("scope")) for m in messages] == [
        ("welcome", None, None), ("history", "c1", "summary"), ("history", "c2", "summary")]
    assert [e["kind"] for e in messages[1]["events"]] == ["call.started", "utterance.final"]


def test_history_is_bounded_per_call(rig: Rig) -> None:
    seat = rig.login("seat-1")
    for seq in range(1, 31):
        rig.publish(seat, seq, final("c1", f"u{seq}", f"発話{seq}"))
    conn = rig.hub.connect()
    history = to(rig.say(conn, {"v": 1, "kind": "hello", "token": TOKENS["sato"]}), conn)[1]
    assert history["truncated"] and [e["text"] for e in history["events"]] == [f"発話{i}" for i in range(11, 31)]


def test_ended_calls_linger_then_are_forgotten(rig: Rig) -> None:
    seat, sato, suzuki, boss = rig.login("seat-1"), rig.login("sato"), rig.login("suzuki"), rig.login("boss")
    rig.publish(seat, 1, CallStarted("c1", 0.0, ("mixed",)))
    to(rig.say(boss, {"v": 1, "kind": "watch", "call_id": "c1"}), boss)
    rig.publish(seat, 2, CallEnded("c1", 30.0))
    rig.clock.now += 59.0
    assert rig.hub.expire() == [] and rig.hub.calls["c1"].ended
    # A post-call check comes after the call ended: still accepted while the call lingers.
    out = rig.say(sato, {"v": 1, "kind": "act", "event": action("c1", ActionKind.POST_CALL_CHECK)})
    assert to(out, sato)[-1]["kind"] == "ack"
    rig.clock.now += 1.0
    out = rig.hub.expire()
    forget = {"v": 1, "kind": "forget", "call_id": "c1"}
    assert to(out, sato) == [forget] and to(out, boss) == [forget] and to(out, suzuki) == []
    assert rig.hub.calls == {}
    out = rig.say(sato, {"v": 1, "kind": "act", "event": action("c1", ActionKind.POST_CALL_CHECK)})
    assert to(out, sato)[0]["code"] == "unknown_call"


def test_a_call_whose_monitor_went_silent_is_forgotten(rig: Rig) -> None:
    seat, boss = rig.login("seat-1"), rig.login("boss")
    rig.publish(seat, 1, CallStarted("c1", 0.0, ("mixed",)))
    rig.clock.now += rig.hub.silent_s - 1.0
    rig.publish(seat, 2, final("c1", "u1", "まだ話している"))
    rig.clock.now += rig.hub.silent_s - 1.0
    assert rig.hub.expire() == [] and "c1" in rig.hub.calls  # each event keeps a live call on the board
    rig.clock.now += 1.0
    assert to(rig.hub.expire(), boss) == [{"v": 1, "kind": "forget", "call_id": "c1"}]
    assert rig.hub.calls == {}


def test_a_closed_connection_receives_nothing_more(rig: Rig) -> None:
    seat, sato, boss = rig.login("seat-1"), rig.login("sato"), rig.login("boss")
    rig.say(boss, {"v": 1, "kind": "watch", "call_id": "c1"})
    rig.hub.disconnect(sato)
    rig.hub.disconnect(boss)
    out = rig.publish(seat, 1, final("c1", "u1", "x"))
    assert [o.conn for o in out] == [seat]


def test_a_failing_sink_propagates_and_the_event_is_not_counted_as_received(rig: Rig) -> None:
    seat, sato = rig.login("seat-1"), rig.login("sato")
    rig.sink.fail = True
    with pytest.raises(OSError):
        rig.publish(seat, 1, final("c1", "u1", "x"))
    rig.sink.fail = False
    # The publisher got no ack, so it sends the event again: this time it goes through.
    assert events_to(rig.publish(seat, 1, final("c1", "u1", "x")), sato)[0]["text"] == "x"


class ConflictingSink(RecordingSink):
    """A store that already holds every call, as another seat's."""

    def record(self, event: Event, agent: str, monitor: str = "", team: str = "") -> None:
        raise ConflictError(f"call {event.call_id!r} is stored as seat 'seat-9''s", owned=True)


def test_an_event_the_store_refuses_is_an_error_and_its_call_is_not_held(cfg: Config) -> None:
    rig = Rig(HubState(cfg.hub, make_users(), clock=FakeClock(), sink=ConflictingSink()), FakeClock(),
              RecordingSink())
    seat, sato = rig.login("seat-1"), rig.login("sato")
    out = rig.publish(seat, 1, CallStarted("c1", 0.0, ("mixed",)))
    [error] = to(out, seat)
    assert error["code"] == "forbidden" and error["seq"] == 1 and "seat-9" in error["message"]
    assert to(out, sato) == [] and rig.hub.calls == {}


def test_another_event_under_a_used_seq_is_a_conflict_and_an_unseen_lower_seq_is_new(rig: Rig) -> None:
    seat, sato = rig.login("seat-1"), rig.login("sato")
    rig.publish(seat, 5, final("c1", "u5", "五"))
    [error] = to(rig.publish(seat, 5, final("c1", "u6", "六")), seat)
    assert error["code"] == "conflict" and error["seq"] == 5
    out = rig.publish(seat, 3, final("c1", "u3", "三"))  # out of order, but never seen: a new event
    assert to(out, seat)[-1]["kind"] == "ack" and events_to(out, sato)[0]["text"] == "三"
    assert [e.text for e, _ in rig.sink.events] == ["五", "三"]  # type: ignore[union-attr]


def test_a_seq_older_than_the_window_is_recorded_and_acked_but_not_broadcast(rig: Rig) -> None:
    seat, sato = rig.login("seat-1"), rig.login("sato")
    rig.publish(seat, SEQ_WINDOW + 10, final("c1", "u1", "最新"))
    out = rig.publish(seat, 2, final("c1", "u2", "古い"))
    assert to(out, seat) == [{"v": 1, "kind": "ack", "call_id": "c1", "seq": 2}] and to(out, sato) == []
    assert [e.text for e, _ in rig.sink.events] == ["最新", "古い"]  # type: ignore[union-attr]


def test_a_monitor_may_hold_four_live_calls(rig: Rig) -> None:
    seat = rig.login("seat-1")
    for n in range(4):
        rig.publish(seat, 1, CallStarted(f"c{n}", 0.0, ("mixed",)))
    [error] = to(rig.publish(seat, 1, CallStarted("c4", 0.0, ("mixed",))), seat)
    assert error["code"] == "too_many_calls" and error["call_id"] == "c4" and "c4" not in rig.hub.calls
    assert len(rig.sink.events) == 4
    rig.publish(seat, 2, CallEnded("c0", 1.0))
    assert to(rig.publish(seat, 1, CallStarted("c4", 0.0, ("mixed",))), seat)[0]["kind"] == "ack"


def test_a_monitors_history_is_bounded_ended_calls_going_first(rig: Rig) -> None:
    rig.hub.history_bytes_per_monitor = 4000
    rig.hub.max_ended_calls = 1
    seat, boss = rig.login("seat-1"), rig.login("boss")
    for call in ("old", "older"):
        rig.publish(seat, 1, CallStarted(call, 0.0, ("mixed",)))
        out = rig.publish(seat, 2, CallEnded(call, 5.0))
    assert to(out, boss)[-1] == {"v": 1, "kind": "forget", "call_id": "old"}  # one ended call may linger
    rig.publish(seat, 1, CallStarted("c1", 0.0, ("mixed",)))
    forgotten = []
    for n in range(2, 12):
        out = rig.publish(seat, n, final("c1", f"u{n}", "あ" * 300))  # about 1 kB each
        forgotten += [m["call_id"] for m in to(out, boss) if m["kind"] == "forget"]
        assert to(out, seat)[-1]["kind"] == "ack"
    assert forgotten == ["older"] and set(rig.hub.calls) == {"c1"}
    info = rig.hub.calls["c1"]
    assert 1 < info.history_events < 10  # the oldest finals gave way; every event was still recorded
    assert len(rig.sink.events) == 2 * 2 + 11


def test_a_reloaded_users_file_refuses_the_revoked_at_once(rig: Rig) -> None:
    sato, boss = rig.login("sato"), rig.login("boss")
    users = [u for u in make_users().by_name.values() if u.name != "sato"]
    out = rig.hub.replace_users(Users([User("sato", Role.AGENT, hash_token("sato's new token")), *users]))
    [error] = to(out, sato)
    assert error["code"] == "unauthorized" and closes(out) == [Close(sato, CLOSE_UNAUTHORIZED, "unauthorized")]
    assert to(out, boss) == [] and rig.hub.user_of(sato) is None
    conn = rig.hub.connect()
    assert to(rig.say(conn, {"v": 1, "kind": "hello", "token": TOKENS["sato"]}), conn)[0]["code"] == "unauthorized"


# -- the documentation's examples are what the hub really speaks ----------------------------------------------

DOC = Path(__file__).resolve().parent.parent / "docs" / "hub-protocol.md"


def doc_examples() -> dict[str, list[dict[str, Any]]]:
    """Every ```json block of docs/hub-protocol.md, by kind."""
    blocks = re.findall(r"```json\n(.*?)\n```", DOC.read_text(encoding="utf-8"), flags=re.S)
    examples: dict[str, list[dict[str, Any]]] = {}
    for block in blocks:
        message = json.loads(block)
        assert message["v"] == 1, block
        examples.setdefault(message["kind"], []).append(message)
    return examples


def test_the_documented_examples_are_accepted_and_match_what_the_hub_sends(cfg: Config) -> None:
    examples = doc_examples()
    assert set(examples) == {"hello", "welcome", "publish", "ack", "event", "history", "forget", "watch", "unwatch",
                             "unwatched", "act", "error"}
    users = Users([User("sato", Role.AGENT, hash_token("t-sato")), User("suzuki", Role.SUPERVISOR,
                   hash_token("t-suzuki")), User("seat-12", Role.MONITOR, hash_token("t-seat"), agent="sato")])
    clock = FakeClock()
    hub = HubState(dataclasses.replace(cfg.hub, ended_call_linger_s=1.0), users, clock=clock)
    sent: dict[str, list[dict[str, Any]]] = {}

    def say(conn: ConnId, message: dict[str, Any]) -> None:
        for out in hub.receive(conn, json.dumps(message, ensure_ascii=False)):
            if isinstance(out, Send):
                sent.setdefault(out.message["kind"], []).append(out.message)

    conns = {}
    for name, token in (("seat-12", "t-seat"), ("sato", "t-sato"), ("suzuki", "t-suzuki")):
        conns[name] = hub.connect()
        say(conns[name], {**examples["hello"][0], "token": token})
    say(conns["seat-12"], {"v": 1, "kind": "publish", "seq": 1, "event": examples["history"][0]["events"][0]})
    say(conns["seat-12"], examples["publish"][0])
    say(conns["seat-12"], {"v": 1, "kind": "publish", "seq": 43, "event": examples["event"][0]["event"]})
    say(conns["suzuki"], examples["watch"][0])
    say(conns["suzuki"], examples["unwatch"][0])
    say(conns["sato"], examples["act"][0])
    say(conns["sato"], {"v": 1, "kind": "watch", "call_id": "seat07-20250101-0915", "id": "r-18"})
    say(conns["seat-12"], {"v": 1, "kind": "publish", "seq": 44, "event": {
        "v": 1, "kind": "call.ended", "call_id": "seat12-20250101-0931", "time": 20.0}})
    clock.now += 2.0
    for out in hub.expire():
        sent.setdefault(out.message["kind"], []).append(out.message)  # type: ignore[union-attr]

    assert [e["code"] for e in sent.get("error", [])] == ["unknown_call"]  # only the watch of a call nobody has
    for kind, documented in examples.items():
        if kind in ("hello", "publish", "watch", "unwatch", "act"):
            continue  # client messages: accepted above (no error but the one expected)
        for example in documented:
            shapes = {tuple(sorted(m)) for m in sent[kind]}
            assert tuple(sorted(example)) in shapes, (kind, sorted(example), shapes)
        for example in documented:
            for event in example.get("events", [example["event"]] if "event" in example else []):
                wire.from_json(event)  # every embedded event is a valid wire event
