"""The agent's console under Pilot at 80x24, fed by an in-memory hub link."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Footer

from kasuhara_live.config import Config, UiConfig
from kasuhara_live.console.agent import AgentConsole, MessagePanel
from kasuhara_live.console.app import console_app
from kasuhara_live.console.base import HubMessage
from kasuhara_live.console.link import EventMessage, MemoryLink, event_message
from kasuhara_live.console.modals import ConfirmRedCard, PostCallCheck
from kasuhara_live.console.supervisor import SupervisorConsole
from kasuhara_live.console.testing import ManualClock, match_snapshot, screen_text, settle
from kasuhara_live.console.transcript import TranscriptView
from kasuhara_live.console.widgets import (
    AlertPanel,
    CallTimer,
    LevelBanner,
    ScriptPanel,
    StatusBar,
)
from kasuhara_live.errors import KasuharaError
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

pytestmark = pytest.mark.asyncio

SIZE = (80, 24)
SNAPSHOTS = Path(__file__).parent / "__snapshots__" / "console"
SCRIPT = "人格を否定するご発言はお控えください。続く場合は、これ以上のご対応ができなくなります。"


def hub(event: Event) -> dict[str, Any]:
    return event_message(event, "sato", "seat-12")


def opening() -> list[dict[str, Any]]:
    """A call with a settled greeting and the caller still speaking."""
    return [hub(e) for e in (
        CallStarted("c1", 0.0, ("agent", "customer")),
        UtteranceFinal("c1", 3.0, "u1", "agent", 0.4, 2.9, "お電話ありがとうございます。佐藤でございます。"),
        UtterancePartial("c1", 5.0, "u2", "customer", 3.5, 5.0, "本当に無能", stable="本当に"),
    )]


def abuse() -> list[dict[str, Any]]:
    """The caller's words settle and are judged: an alert with its script and a level change."""
    return [hub(e) for e in (
        UtteranceFinal("c1", 6.0, "u2", "customer", 3.5, 5.8, "本当に無能だな、お前の会社は"),
        Alert("c1", 6.0, "c1-a001", "abuse", Level.WARNING, 3.5, 5.8, ("無能",), ("means_manner", "work_environment"),
              SCRIPT, "精神的な攻撃（暴言）：「無能」", "u2", source="term:abuse_munou"),
        LevelChanged("c1", 6.0, Level.WARNING, Level.NONE, "精神的な攻撃（暴言）：「無能」"),
    )]


def rendered(widget: Any) -> str:
    """The widget's text as drawn on screen, borders dropped and wrapped lines joined (Japanese wraps anywhere)."""
    lines = (strip.text for strip in widget.render_lines(widget.region.reset_offset))
    return "".join("".join(c for c in line if not "\u2500" <= c <= "\u259f").strip() for line in lines)


def shown(view: TranscriptView) -> list[str]:
    """The words of each utterance as drawn, in screen order."""
    return [view.text_of(line.utterance_id) for line in view.lines]


def words_style(view: TranscriptView, uid: str, words: str) -> set[str]:
    """Style attributes (bold, italic, dim) of the drawn characters of ``words`` in utterance ``uid``."""
    found: set[str] = set()
    for strip in view.strips_of(uid):
        for segment in strip:
            if segment.text.strip() and segment.text.strip() in words and segment.style is not None:
                found |= {a for a in ("bold", "italic", "dim") if getattr(segment.style, a)}
    return found


def styles(view: TranscriptView, uid: str) -> dict[str, set[str]]:
    """Attributes of the speaker label (keyed by speaker) and of the words of one utterance."""
    line = next(ln for ln in view.lines if ln.utterance_id == uid)
    label = "担当者" if line.speaker == "agent" else "お客様"
    return {line.speaker: words_style(view, uid, label), "words": words_style(view, uid, line.text)}


def acts(link: MemoryLink) -> list[dict[str, Any]]:
    return [m["event"] for m in link.sent if m["kind"] == "act"]


async def test_partials_are_provisional_until_their_final_settles_them(cfg: Config) -> None:
    link = MemoryLink("sato", "agent")
    app = AgentConsole(cfg, link, clock=ManualClock())
    async with app.run_test(size=SIZE) as pilot:
        link.feed(*opening())
        await settle(pilot, app, link)
        # One reader of the link: a websocket refuses two concurrent readers (and they would reorder events).
        assert [w.name for w in app.workers].count("hub-link") == 1
        view = app.query_one(TranscriptView)
        assert shown(view) == ["お電話ありがとうございます。佐藤でございます。", "本当に無能"]
        assert styles(view, "u1") == {"agent": {"bold"}, "words": set()}
        # The caller's partial: the agreed prefix 本当に settled (italic), the rest provisional (italic, dim).
        assert styles(view, "u2") == {"customer": {"bold"}, "words": {"italic", "dim"}}
        assert "dim" not in words_style(view, "u2", "本当に")
        assert any("お客様 本当に無能" in strip.text for strip in view.strips_of("u2"))
        link.feed(*abuse())
        await settle(pilot, app, link)
        assert len(view.lines) == 2  # the final replaced its partial, it did not add a line
        assert shown(view)[1] == "本当に無能だな、お前の会社は"
        assert styles(view, "u2") == {"customer": {"bold"}, "words": set()}


async def test_an_alert_shows_level_evidence_and_the_script_to_read(cfg: Config) -> None:
    link = MemoryLink("sato", "agent")
    app = AgentConsole(cfg, link, clock=ManualClock())
    async with app.run_test(size=SIZE) as pilot:
        link.feed(*opening())
        await settle(pilot, app, link)
        assert app.query_one(LevelBanner).has_class("-none")
        assert "いまは通常どおり対応してください" in rendered(app.query_one(ScriptPanel))
        link.feed(*abuse())
        await settle(pilot, app, link)
        banner = app.query_one(LevelBanner)
        assert banner.has_class("-warning") and not banner.has_class("-none")
        assert "レベル：警告" in rendered(banner)
        alert = rendered(app.query_one(AlertPanel))
        assert "精神的な攻撃（暴言）" in alert and "「無能」" in alert and "手段・態様の相当性" in alert
        assert "検知の根拠：term:abuse_munou" in alert  # what raised it, under the criteria
        assert app.query_one(AlertPanel).has_class("-warning")
        assert SCRIPT in rendered(app.query_one(ScriptPanel))


async def test_keys_record_script_used_join_request_and_a_confirmed_red_card(cfg: Config) -> None:
    link = MemoryLink("sato", "agent")
    app = AgentConsole(cfg, link, clock=ManualClock())
    async with app.run_test(size=SIZE) as pilot:
        link.feed(*opening(), *abuse())
        await settle(pilot, app, link)
        await pilot.press("s")
        await pilot.pause()
        assert acts(link) == [{"v": 1, "kind": "action", "call_id": "c1", "time": 6.0, "action": "script_used",
                               "actor": "", "role": "", "detail": "abuse/clear_statement", "alert_id": "c1-a001"}]
        assert app.query_one(ScriptPanel).border_subtitle == "✓ 使用済み"
        assert "送信しました：スクリプト使用" in rendered(app.query_one(StatusBar))
        await pilot.press("j")
        await pilot.pause()
        assert acts(link)[-1]["action"] == "join_requested" and acts(link)[-1]["call_id"] == "c1"
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmRedCard)
        await pilot.press("n")  # changed their mind: nothing is recorded
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmRedCard) and len(acts(link)) == 2
        await pilot.press("r", "y")
        await pilot.pause()
        red = acts(link)[-1]
        assert (red["action"], red["alert_id"], red["detail"]) == ("red_card", "c1-a001", "abuse")


async def test_a_supervisor_message_is_shown_prominently(cfg: Config) -> None:
    link = MemoryLink("sato", "agent")
    app = AgentConsole(cfg, link, clock=ManualClock())
    async with app.run_test(size=SIZE) as pilot:
        link.feed(*opening())
        await settle(pilot, app, link)
        panel = app.query_one(MessagePanel)
        assert panel.has_class("-empty") and not panel.display
        link.feed(hub(Action("c1", 7.0, ActionKind.MESSAGE, actor="kimura", role="supervisor",
                             detail="対応を代わります", wall=12.0)))
        await settle(pilot, app, link)
        assert panel.display and not panel.has_class("-empty")
        assert "kimura：対応を代わります" in rendered(panel)
        assert "kimura：対応を代わります" in screen_text(app)


async def test_the_post_call_check_follows_the_end_of_the_call(cfg: Config) -> None:
    link = MemoryLink("sato", "agent")
    app = AgentConsole(cfg, link, clock=ManualClock())
    async with app.run_test(size=SIZE) as pilot:
        link.feed(*opening(), hub(CallEnded("c1", 42.0)))
        await settle(pilot, app, link)
        assert isinstance(app.screen, PostCallCheck)
        assert "いまの気分はどうですか？" in screen_text(app)
        await pilot.press("down", "enter", "enter")  # 少し疲れた; はい、話したい
        await pilot.pause()
        check = acts(link)[-1]
        assert check["action"] == "post_call_check" and check["call_id"] == "c1"
        assert json.loads(check["detail"]) == {"feeling": "tired", "talk": True}
        assert not isinstance(app.screen, PostCallCheck)
        assert "通話終了（00:42）" in rendered(app.query_one(CallTimer))


async def test_the_timer_turns_with_the_call_length_thresholds(cfg: Config) -> None:
    link = MemoryLink("sato", "agent")
    clock = ManualClock()
    app = AgentConsole(cfg, link, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        link.feed(*opening())
        await settle(pilot, app, link)
        timer = app.query_one(CallTimer)
        assert timer.has_class("-none") and "通話時間 00:05 ／ 上限 30:00" in rendered(timer)
        clock.now += cfg.call.caution_minutes * 60.0
        app.tick()
        await pilot.pause()
        assert timer.has_class("-caution") and "10:05" in rendered(timer)
        clock.now += (cfg.call.limit_minutes - cfg.call.caution_minutes) * 60.0
        app.tick()
        await pilot.pause()
        assert timer.has_class("-critical")


async def test_hub_trouble_is_shown_and_the_screen_stays(cfg: Config) -> None:
    link = MemoryLink("sato", "agent")
    app = AgentConsole(cfg, link, clock=ManualClock())
    async with app.run_test(size=SIZE) as pilot:
        link.feed(*opening(), {"v": 1, "kind": "disconnected", "code": 1006, "reason": ""})
        await settle(pilot, app, link)
        status = app.query_one(StatusBar)
        assert "切断中" in rendered(status) and status.has_class("-offline")
        link.fail_sends = True
        await pilot.press("j")
        await pilot.pause()
        assert "送信できませんでした" in rendered(status)
        link.feed({"v": 1, "kind": "welcome", "user": "sato", "role": "agent"},
                  {"v": 1, "kind": "error", "code": "forbidden", "message": "call 'c9' is not yours"},
                  {"v": 1, "kind": "event", "agent": "sato", "event": {"v": 1, "kind": "alert"}})
        await settle(pilot, app, link)
        assert "接続中" in rendered(status) and not status.has_class("-offline")
        assert "不正なメッセージ" in rendered(status)  # the malformed event is reported, not fatal
        assert app.last_error.startswith("不正なメッセージを受信しました: alert: missing field")
        assert app.is_running and len(app.query_one(TranscriptView).lines) == 2


async def test_history_rebuilds_the_call_and_a_replay_changes_nothing(cfg: Config) -> None:
    link = MemoryLink("sato", "agent")
    app = AgentConsole(cfg, link, clock=ManualClock())
    events = [m["event"] for m in (*opening(), *abuse())]
    history = {"v": 1, "kind": "history", "call_id": "c1", "agent": "sato", "monitor": "seat-12", "scope": "full",
               "ended": False, "truncated": False, "events": events}
    async with app.run_test(size=SIZE) as pilot:
        link.feed(history, history)
        await settle(pilot, app, link)
        assert shown(app.query_one(TranscriptView)) == [
            "お電話ありがとうございます。佐藤でございます。", "本当に無能だな、お前の会社は"]
        assert app.query_one(LevelBanner).has_class("-warning")
        assert SCRIPT in rendered(app.query_one(ScriptPanel))


async def test_the_english_console(cfg: Config) -> None:
    link = MemoryLink("sato", "agent")
    app = AgentConsole(dataclasses.replace(cfg, ui=UiConfig("en")), link, clock=ManualClock())
    async with app.run_test(size=SIZE) as pilot:
        link.feed(*opening(), *abuse())
        await settle(pilot, app, link)
        assert "Level: warning" in rendered(app.query_one(LevelBanner))
        assert "verbal abuse" in rendered(app.query_one(AlertPanel))
        screen = screen_text(app)
        assert "Caller" in screen and "Script used" in screen and "Red card" in screen
        assert app.query_one(Footer) is not None


async def test_the_agent_screen_at_80x24(cfg: Config, tmp_path: Any) -> None:
    """The whole screen as a person sees it: nothing cut off, the Japanese wrapped inside its panel."""
    link = MemoryLink("sato", "agent")
    app = AgentConsole(cfg, link, clock=ManualClock())
    async with app.run_test(size=SIZE) as pilot:
        link.feed(*opening(), *abuse())
        await settle(pilot, app, link)
        match_snapshot(screen_text(app), SNAPSHOTS / "agent_80x24.txt")
        screen = screen_text(app).splitlines()
        svg = app.save_screenshot(str(tmp_path / "agent.svg"))
    assert len(screen) == 24
    assert screen[0].startswith(" ● 接続中  sato  通話 c1")
    assert screen[1].strip().startswith("レベル：警告")
    assert any("│▌ 担当者 お電話ありがとうございます。佐藤で" in line for line in screen)
    assert any("│▌ お客様 本当に無能だな、お前の会社は" in line for line in screen)
    assert any("人格を否定するご発言はお控えください。" in line for line in screen)
    assert screen[-1].split() == ["s", "スクリプト使用", "j", "応援要請", "r", "レッドカード", "p", "通話後チェック"]
    text = Path(svg).read_text(encoding="utf-8")
    assert "応対スクリプト" in text and "精神的な攻撃" in text


async def test_a_new_call_takes_the_screen_and_an_old_ones_events_do_not_take_it_back(cfg: Config) -> None:
    link = MemoryLink("sato", "agent")
    app = AgentConsole(cfg, link, clock=ManualClock())
    async with app.run_test(size=SIZE) as pilot:
        link.feed(*opening())  # c1 never ends: its monitor died
        link.feed(hub(CallStarted("c2", 0.0, ("agent", "customer"))),
                  hub(UtteranceFinal("c2", 2.0, "u1", "agent", 0.3, 1.9, "お電話ありがとうございます")),
                  hub(UtteranceFinal("c1", 9.0, "u3", "customer", 7.0, 8.9, "まだいるぞ")))
        await settle(pilot, app, link)
        assert app.call_id == "c2"
        assert shown(app.query_one(TranscriptView)) == ["お電話ありがとうございます"]
        assert "通話 c2" in rendered(app.query_one(StatusBar))


async def test_the_console_follows_the_role_the_hub_gave(cfg: Config) -> None:
    assert isinstance(console_app(cfg, MemoryLink("sato", "agent")), AgentConsole)
    assert isinstance(console_app(cfg, MemoryLink("kimura", "supervisor")), SupervisorConsole)
    with pytest.raises(KasuharaError, match="knows sato as agent, not supervisor"):
        console_app(cfg, MemoryLink("sato", "agent"), "supervisor")
    with pytest.raises(KasuharaError, match="unknown console role 'monitor'"):
        console_app(cfg, MemoryLink("seat-1", "monitor"))


async def test_a_call_time_of_infinity_never_stops_the_agent_console(cfg: Config) -> None:
    # `time: Infinity` was acked and relayed, and the console died formatting the call's length; the hub
    # replays history on every reconnect, so it kept dying.
    link = MemoryLink("sato", "agent")
    app = AgentConsole(cfg, link, clock=ManualClock())
    infinite = hub(UtteranceFinal("c1", 6.0, "u2", "customer", 3.5, 5.8, "本当に無能だな"))
    infinite["event"]["time"] = float("inf")
    async with app.run_test(size=SIZE) as pilot:
        link.feed(*opening(), infinite)
        await settle(pilot, app, link)
        timer = rendered(app.query_one(CallTimer))
        # The wire may refuse the number (an error on the status line) or pass it: either way, the screen stays.
        assert "通話時間 --:-- ／ 上限 30:00" in timer or "通話時間 00:05 ／ 上限 30:00" in timer
        # An event that reaches the board however it came (a history decoded before the wire checked numbers).
        app.post_message(HubMessage(EventMessage("sato", "seat-12", CallEnded("c1", float("inf")))))
        await pilot.pause(1.2)  # and a tick of the timer
        assert "通話終了（--:--）" in rendered(app.query_one(CallTimer))
        assert app.is_running


async def test_the_agent_console_shows_wire_text_as_data(cfg: Config) -> None:
    # A category holding `[/]` took the red-card dialog down (Rich MarkupError); escapes reached the terminal.
    link = MemoryLink("sato", "agent")
    app = AgentConsole(cfg, link, clock=ManualClock())
    hostile = Alert("c1", 6.0, "c1-a001", "[/]", Level.WARNING, 3.5, 5.8, ("無能\x1b[2J",), ("[red]",),
                    "[bold]お控えください\x1b]0;x\x07", "[/]", "u2", source="[/]\x9b")
    async with app.run_test(size=SIZE) as pilot:
        link.feed(*opening(), hub(hostile), hub(LevelChanged("c1", 6.0, Level.WARNING, Level.NONE, "[/]\x1b[5m")),
                  hub(Action("c1", 7.0, ActionKind.MESSAGE, actor="[/]kimura", role="supervisor",
                             detail="[bold]代わります\x1b[31m")))
        await settle(pilot, app, link)
        assert "根拠：「無能\\x1b[2J」" in rendered(app.query_one(AlertPanel))
        assert "[bold]お控えください\\x1b]0;x\\x07" in rendered(app.query_one(ScriptPanel))
        assert "[/]\\x1b[5m" in rendered(app.query_one(LevelBanner))
        assert "[/]kimura：[bold]代わります\\x1b[31m" in rendered(app.query_one(MessagePanel))
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmRedCard) and "理由：[/]" in screen_text(app)
        assert "\x1b" not in screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running
