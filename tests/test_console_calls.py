"""The consoles' pure layer: the view of calls, the board, hub messages and UI texts (no Textual)."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys

import pytest

from kasuhara_live import wire
from kasuhara_live.config import CallConfig, Config, resolve_config_file
from kasuhara_live.console import link
from kasuhara_live.console.calls import (
    Board,
    CallView,
    FeedKind,
    duration_level,
    format_duration,
    script_detail,
    script_step,
)
from kasuhara_live.console.texts import TEXT, text
from kasuhara_live.errors import WireError
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
from kasuhara_live.judge.scripts import load_scripts


def partial(uid: str, text: str, t: float, speaker: str = "customer", start: float = 0.0, stable: str = "",
            call_id: str = "c1") -> UtterancePartial:
    return UtterancePartial(call_id, t, uid, speaker, start, t, text, stable)


def final(uid: str, text: str, t: float, speaker: str = "customer", start: float = 0.0,
          call_id: str = "c1") -> UtteranceFinal:
    return UtteranceFinal(call_id, t, uid, speaker, start, t, text)


def alert(alert_id: str, t: float, severity: Level = Level.WARNING, category: str = "abuse",
          call_id: str = "c1", script: str = "お控えください") -> Alert:
    return Alert(call_id, t, alert_id, category, severity, t - 1, t, ("無能",), ("means_manner",), script)


def history() -> list[Event]:
    return [
        CallStarted("c1", 0.0, ("agent", "customer")),
        partial("u1", "お電話ありがと", 1.5, "agent", 0.4),
        final("u1", "お電話ありがとうございます", 3.0, "agent", 0.4),
        partial("u2", "本当に無能", 5.0, start=3.5, stable="本当に"),
        alert("c1-a001", 5.0),
        LevelChanged("c1", 5.0, Level.WARNING, Level.NONE, "精神的な攻撃（暴言）：「無能」"),
        final("u2", "本当に無能だな", 6.0, start=3.5),
    ]


def test_a_final_replaces_its_partial_in_place() -> None:
    call = CallView("c1")
    for event in history():
        call.apply(event, now=0.0)
    assert [(ln.utterance_id, ln.text, ln.final) for ln in call.lines] == [
        ("u1", "お電話ありがとうございます", True), ("u2", "本当に無能だな", True)]
    assert call.level is Level.WARNING and call.level_reason.startswith("精神的な攻撃")
    assert call.last_alert is not None and call.last_alert.alert_id == "c1-a001"


def test_a_partial_keeps_its_stable_prefix_and_a_late_partial_never_undoes_a_final() -> None:
    call = CallView("c1")
    call.apply(partial("u1", "本当に無能", 1.0, stable="本当に"), 0.0)
    assert (call.lines[0].stable, call.lines[0].final) == ("本当に", False)
    call.apply(final("u1", "本当に無能だな", 2.0), 0.0)
    assert call.apply(partial("u1", "本当に", 1.5), 0.0) is False
    assert (call.lines[0].text, call.lines[0].final, call.lines[0].stable) == ("本当に無能だな", True, "")


def test_lines_read_in_start_order_when_speakers_overlap() -> None:
    call = CallView("c1")
    call.apply(final("u2", "はい", 5.0, "agent", start=4.0), 0.0)
    call.apply(final("u1", "もしもし", 6.0, "customer", start=2.0), 0.0)
    call.apply(partial("u3", "それで", 7.0, "customer", start=6.5), 0.0)
    assert [ln.utterance_id for ln in call.lines] == ["u1", "u2", "u3"]


def test_the_transcript_keeps_only_the_newest_lines() -> None:
    call = CallView("c1", max_lines=3)
    for n in range(5):
        call.apply(final(f"u{n}", f"発話{n}", float(n), start=float(n)), 0.0)
    assert [ln.text for ln in call.lines] == ["発話2", "発話3", "発話4"]


def test_a_replayed_history_changes_nothing() -> None:
    board = Board()
    for event in history():
        board.apply(event, 0.0, "sato", "seat-12")
    before = dataclasses.asdict(board.calls["c1"])
    feed_before = len(board.feed)
    for event in history():
        _, item = board.apply(event, 0.0, "sato", "seat-12")
        assert item is None
    assert dataclasses.asdict(board.calls["c1"]) == before
    assert len(board.feed) == feed_before == 1


def test_an_action_shown_at_once_is_recognised_in_the_hubs_echo() -> None:
    call = CallView("c1")
    mine = Action("c1", 5.0000001, ActionKind.SCRIPT_USED, actor="sato", role="agent", detail="abuse/clear_statement",
                  alert_id="c1-a001")
    echo = dataclasses.replace(mine, time=5.0, wall=12.5)
    assert call.apply(mine, 0.0) is True
    assert call.apply(echo, 0.0) is False
    assert call.has_action(ActionKind.SCRIPT_USED, "c1-a001")
    assert not call.has_action(ActionKind.SCRIPT_USED, "c1-a002")
    assert call.apply(Action("c1", 6.0, ActionKind.ALERT_ACKNOWLEDGED, actor="kimura", alert_id="c1-a001"), 0.0)
    assert call.acknowledged_by("c1-a001") == "kimura"
    assert call.acknowledged_by("c1-a002") == ""


def test_the_timer_runs_on_the_console_clock_between_events_and_stops_at_the_end() -> None:
    call = CallView("c1")
    call.apply(CallStarted("c1", 0.0, ("agent", "customer")), now=100.0)
    call.apply(final("u1", "はい", 30.0), now=130.0)
    assert call.elapsed(now=140.0) == pytest.approx(40.0)
    call.apply(CallEnded("c1", 42.0), now=150.0)
    assert call.elapsed(now=500.0) == pytest.approx(42.0)


def test_the_board_ranks_by_level_then_latest_alert_then_length_with_ended_calls_last() -> None:
    board = Board()
    for call_id, length in (("quiet-long", 300.0), ("quiet-short", 10.0), ("warn-old", 5.0), ("warn-new", 5.0),
                            ("critical", 1.0), ("ended-critical", 1.0)):
        board.apply(CallStarted(call_id, 0.0, ("agent", "customer")), 0.0)
        board.apply(final("u1", "はい", length, call_id=call_id), 0.0)
    board.apply(alert("w1", 5.0, call_id="warn-old"), 0.0)
    board.apply(alert("w2", 5.0, call_id="warn-new"), 0.0)
    for call_id in ("warn-old", "warn-new"):
        board.apply(LevelChanged(call_id, 5.0, Level.WARNING, Level.NONE, "r"), 0.0)
    for call_id in ("critical", "ended-critical"):
        board.apply(LevelChanged(call_id, 1.0, Level.CRITICAL, Level.NONE, "r"), 0.0)
    board.apply(CallEnded("ended-critical", 1.0), 0.0)
    assert [c.call_id for c in board.ranked(now=0.0)] == [
        "critical", "warn-new", "warn-old", "quiet-long", "quiet-short", "ended-critical"]
    assert board.live_count() == 5


def test_the_feed_has_alerts_join_requests_and_red_cards_newest_first() -> None:
    board = Board()
    board.apply(CallStarted("c1", 0.0, ("agent", "customer")), 0.0, "sato")
    board.apply(alert("c1-a001", 5.0), 0.0)
    board.apply(Action("c1", 6.0, ActionKind.JOIN_REQUESTED, actor="sato"), 0.0)
    board.apply(Action("c1", 6.5, ActionKind.SCRIPT_USED, actor="sato"), 0.0)  # not a feed row
    board.apply(Action("c1", 7.0, ActionKind.RED_CARD, actor="sato", detail="abuse"), 0.0)
    rows = board.newest_first()
    assert [r.kind for r in rows] == [FeedKind.RED_CARD, FeedKind.JOIN, FeedKind.ALERT]
    assert all(r.agent == "sato" and r.call_id == "c1" for r in rows)


def test_a_welcome_may_be_a_dict_or_an_object() -> None:
    @dataclasses.dataclass
    class Welcome:
        user: str
        role: str

    memory = link.MemoryLink("sato", "agent")
    assert (link.welcome_field(memory, "user"), link.welcome_field(memory, "role")) == ("sato", "agent")
    memory.welcome = Welcome("kimura", "supervisor")
    assert (link.welcome_field(memory, "user"), link.welcome_field(memory, "role")) == ("kimura", "supervisor")
    memory.welcome = None
    assert link.welcome_field(memory, "user") == ""


def test_ended_calls_leave_the_board_after_the_linger_time() -> None:
    board = Board()
    board.apply(CallStarted("c1", 0.0, ("agent", "customer")), 0.0)
    board.apply(alert("c1-a001", 1.0), 0.0)
    board.apply(CallEnded("c1", 2.0), now=10.0)
    board.apply(CallStarted("c2", 0.0, ("agent", "customer")), 0.0)
    assert board.prune(now=300.0, linger_s=300.0) == []
    assert board.prune(now=311.0, linger_s=300.0) == ["c1"]
    assert list(board.calls) == ["c2"] and board.feed == []


def test_call_length_levels_follow_the_configured_thresholds() -> None:
    limits = CallConfig(caution_minutes=10.0, warning_minutes=20.0, limit_minutes=30.0)
    assert duration_level(599.0, limits) is Level.NONE
    assert duration_level(600.0, limits) is Level.CAUTION
    assert duration_level(1200.0, limits) is Level.WARNING
    assert duration_level(1800.0, limits) is Level.CRITICAL
    assert (format_duration(65.9), format_duration(3725.0)) == ("01:05", "1:02:05")


@pytest.mark.parametrize("seconds", [math.inf, -math.inf, math.nan, 1e300, 100 * 3600.0])
def test_a_call_length_no_call_can_have_is_a_placeholder(seconds: float) -> None:
    # Infinity once killed both consoles (int() of it), and the hub replays history on every reconnect.
    assert format_duration(seconds) == "--:--"
    assert format_duration(-5.0) == "00:00" and format_duration(99 * 3600 + 59) == "99:00:59"
    call = CallView("c1")
    call.apply(CallStarted("c1", 0.0, ("agent",)), 10.0)
    call.apply(UtteranceFinal("c1", seconds, "u1", "agent", 0.0, 1.0, "はい"), 10.0)
    shown = format_duration(call.elapsed(20.0))  # inf and 1e300 move the call's time on; nan and -inf do not
    assert shown == ("--:--" if seconds > 0 else "00:10")
    duration_level(call.elapsed(20.0), CallConfig(10.0, 20.0, 30.0))  # a level for any length, never an error


def test_the_step_of_a_script_is_recovered_from_the_scripts_file(cfg: Config) -> None:
    scripts = load_scripts(resolve_config_file(cfg, cfg.judge.scripts_file))
    wording = scripts.table["ja"]["abuse"]["clear_statement"]
    assert script_step(scripts, "ja", alert("a", 1.0, script=wording)) == "clear_statement"
    assert script_detail(scripts, "ja", alert("a", 1.0, script=wording)) == "abuse/clear_statement"
    assert script_detail(scripts, "ja", alert("a", 1.0, script="現場で書き換えた文言")) == "abuse"
    assert script_detail(None, "ja", alert("a", 1.0, script=wording)) == "abuse"


def test_hub_messages_decode_into_typed_records() -> None:
    event = CallStarted("c1", 0.0, ("agent", "customer"))
    decoded = link.decode(link.event_message(event, "sato", "seat-12"))
    assert decoded == link.EventMessage("sato", "seat-12", event)
    assert link.decode({"v": 1, "kind": "error", "code": "forbidden", "message": "no"}) == link.ErrorMessage(
        "forbidden", "no")
    assert link.decode({"v": 1, "kind": "disconnected"}) == link.ConnectionMessage(False)
    assert link.decode({"v": 1, "kind": "connected"}) == link.ConnectionMessage(True)
    assert link.decode({"v": 1, "kind": "welcome", "user": "sato", "role": "agent"}) == link.ConnectionMessage(True)
    assert link.decode({"v": 1, "kind": "forget", "call_id": "c1"}) == link.ForgetMessage("c1")
    history = {"v": 1, "kind": "history", "call_id": "c1", "agent": "sato", "monitor": "seat-12", "scope": "full",
               "ended": False, "truncated": False, "events": [wire.to_json(event)]}
    assert link.decode(history) == link.HistoryMessage("c1", "sato", "seat-12", (event,))
    # Acks, unwatch replies and kinds of a newer hub are not for people to see.
    for kind in ("ack", "unwatched", "gossip"):
        assert link.decode({"v": 1, "kind": kind}) is None


@pytest.mark.parametrize(("message", "complaint"), [
    ({"v": 2, "kind": "event"}, "version"),
    ({"v": 1}, "no 'kind'"),
    ({"v": 1, "kind": "history", "call_id": "c1", "events": "none"}, "must be a list"),
    ({"v": 1, "kind": "event", "agent": "sato", "event": {"v": 1, "kind": "alert"}}, "missing field"),
    ({"v": 1, "kind": "error", "code": 3, "message": "x"}, "'code' must be a string"),
    ([1, 2], "JSON object"),
])
def test_malformed_hub_messages_are_wire_errors(message: object, complaint: str) -> None:
    with pytest.raises(WireError, match=complaint):
        link.decode(message)


def test_console_messages_carry_version_kind_and_the_action_event() -> None:
    action = Action("c1", 5.0, ActionKind.ALERT_ACKNOWLEDGED, alert_id="c1-a001")
    message = link.act_message(action)
    assert (message["v"], message["kind"], message["event"]["kind"]) == (1, "act", "action")
    assert message["event"]["action"] == "alert_acknowledged" and message["event"]["alert_id"] == "c1-a001"
    assert link.watch_message("c1") == {"v": 1, "kind": "watch", "call_id": "c1"}
    assert link.unwatch_message("c1") == {"v": 1, "kind": "unwatch", "call_id": "c1"}


def test_every_ui_text_exists_in_both_languages() -> None:
    assert set(TEXT["ja"]) == set(TEXT["en"])
    assert text("ja", "timer", elapsed="01:00", limit="30:00") == "通話時間 01:00 ／ 上限 30:00"
    assert text("en", "no.such.key") == "no.such.key"


def test_the_pure_layer_does_not_import_textual() -> None:
    code = ("import sys, kasuhara_live.console.calls, kasuhara_live.console.link, kasuhara_live.console.texts; "
            "sys.exit('textual' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
