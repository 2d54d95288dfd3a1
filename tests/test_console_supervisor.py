"""The supervisor's console under Pilot at 80x24: the board, the feed, one call's screen, messages."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text

from kasuhara_live.config import Config
from kasuhara_live.console.base import HubMessage
from kasuhara_live.console.link import EventMessage, MemoryLink, event_message
from kasuhara_live.console.modals import ComposeMessage
from kasuhara_live.console.supervisor import BoardTable, CallScreen, SupervisorConsole
from kasuhara_live.console.testing import ManualClock, match_snapshot, screen_text, settle
from kasuhara_live.console.transcript import TranscriptView
from kasuhara_live.console.widgets import AlertPanel, alert_text
from kasuhara_live.events import (
    Action,
    ActionKind,
    Alert,
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


def hub(event: Event, agent: str) -> dict[str, Any]:
    return event_message(event, agent, f"seat-{agent}")


def alert(call_id: str, n: int, t: float, severity: Level, category: str, words: str) -> Alert:
    return Alert(call_id, t, f"{call_id}-a{n:03d}", category, severity, t - 2, t, (words,), ("means_manner",),
                 "大きな声や威圧的なご発言をされますと、これ以上のご対応ができなくなります。")


def three_calls() -> list[dict[str, Any]]:
    """sato: a warning; suzuki: a complaint; tanaka: a threat (critical), then asks for help."""
    out: list[dict[str, Any]] = []
    for call_id, agent in (("c-sato", "sato"), ("c-suzuki", "suzuki"), ("c-tanaka", "tanaka")):
        out.append(hub(CallStarted(call_id, 0.0, ("agent", "customer")), agent))
        out.append(hub(UtteranceFinal(call_id, 4.0, "u1", "customer", 1.0, 3.8, "もしもし、注文の件で"), agent))
    out += [
        hub(alert("c-suzuki", 1, 20.0, Level.CAUTION, "complaint", "まだ届かない"), "suzuki"),
        hub(LevelChanged("c-suzuki", 20.0, Level.CAUTION, Level.NONE, "クレーム"), "suzuki"),
        hub(alert("c-sato", 1, 30.0, Level.WARNING, "intimidation", "ふざけるな"), "sato"),
        hub(LevelChanged("c-sato", 30.0, Level.WARNING, Level.NONE, "威圧的な言動"), "sato"),
        hub(alert("c-tanaka", 1, 40.0, Level.CRITICAL, "threat", "殺すぞ"), "tanaka"),
        hub(LevelChanged("c-tanaka", 40.0, Level.CRITICAL, Level.NONE, "脅迫"), "tanaka"),
        hub(Action("c-tanaka", 41.0, ActionKind.JOIN_REQUESTED, actor="tanaka", role="agent", wall=5.0), "tanaka"),
    ]
    return out


def rows(app: SupervisorConsole, table_id: str) -> list[list[str]]:
    table = app.query_one(table_id, BoardTable)
    return [[str(cell) for cell in table.get_row_at(n)] for n in range(table.row_count)]


def acts(link: MemoryLink) -> list[dict[str, Any]]:
    return [m["event"] for m in link.sent if m["kind"] == "act"]


async def test_calls_are_ranked_by_urgency_and_the_feed_is_newest_first(cfg: Config) -> None:
    link = MemoryLink("kimura", "supervisor")
    app = SupervisorConsole(cfg, link, clock=ManualClock())
    async with app.run_test(size=SIZE) as pilot:
        link.feed(*three_calls())
        await settle(pilot, app, link)
        assert [w.name for w in app.workers].count("hub-link") == 1
        assert [(r[0], r[1], r[3].strip(), r[4]) for r in rows(app, "#calls")] == [
            ("tanaka", "c-tanaka", "緊急", "身体的な攻撃・脅迫"),
            ("sato", "c-sato", "警告", "威圧的な言動"),
            ("suzuki", "c-suzuki", "注意", "クレーム（正当な苦情）"),
        ]
        feed = rows(app, "#feed")
        assert feed[0][:2] == ["★ 応援要請", "tanaka"]  # the call for help stands out on top
        assert [r[3] for r in feed[1:]] == ["身体的な攻撃・脅迫「殺すぞ」", "威圧的な言動「ふざけるな」",
                                            "クレーム（正当な苦情）「まだ届かない」"]
        assert all(r[0] == "未確認" for r in feed[1:])
        assert "通話 3 件" in screen_text(app).splitlines()[0]


async def test_acknowledging_the_selected_alert(cfg: Config) -> None:
    link = MemoryLink("kimura", "supervisor")
    app = SupervisorConsole(cfg, link, clock=ManualClock())
    async with app.run_test(size=SIZE) as pilot:
        link.feed(*three_calls())
        await settle(pilot, app, link)
        await pilot.press("tab")  # to the feed
        assert app.focused is app.query_one("#feed", BoardTable)
        await pilot.press("a")  # the join request is not an alert: nothing is sent
        await pilot.pause()
        assert acts(link) == []
        await pilot.press("down", "down", "a")  # sato's warning
        await pilot.pause()
        ack = acts(link)[-1]
        assert (ack["action"], ack["call_id"], ack["alert_id"], ack["time"]) == (
            "alert_acknowledged", "c-sato", "c-sato-a001", 30.0)
        assert rows(app, "#feed")[2][0] == "確認済"
        # The hub's echo of the same action is recognised: still one acknowledgement, still one feed row.
        link.feed(hub(Action("c-sato", 30.0, ActionKind.ALERT_ACKNOWLEDGED, actor="kimura", role="supervisor",
                             alert_id="c-sato-a001", wall=9.0), "sato"))
        await settle(pilot, app, link)
        assert len(app.board.calls["c-sato"].actions) == 1 and len(rows(app, "#feed")) == 4


async def test_enter_watches_a_call_and_leaving_unwatches_it(cfg: Config) -> None:
    link = MemoryLink("kimura", "supervisor")
    app = SupervisorConsole(cfg, link, clock=ManualClock())
    async with app.run_test(size=SIZE) as pilot:
        link.feed(*three_calls())
        await settle(pilot, app, link)
        await pilot.press("down", "enter")  # c-sato, second by urgency
        await pilot.pause()
        assert link.sent[-1] == {"v": 1, "kind": "watch", "call_id": "c-sato"}
        assert isinstance(app.screen, CallScreen) and app.screen.call_id == "c-sato"
        link.feed(hub(UtterancePartial("c-sato", 45.0, "u2", "customer", 43.0, 45.0, "土下座し", stable="土下"),
                      "sato"))
        await settle(pilot, app, link)
        view = app.screen.query_one(TranscriptView)
        assert [view.text_of(line.utterance_id) for line in view.lines] == ["もしもし、注文の件で", "土下座し"]
        assert not view.lines[-1].final
        text = screen_text(app)
        assert "モニタリング中：sato（c-sato）" in text and "威圧的な言動" in text
        await pilot.press("a")  # acknowledge from the call's own screen
        await pilot.pause()
        assert acts(link)[-1]["alert_id"] == "c-sato-a001"
        await pilot.press("escape")
        await pilot.pause()
        assert link.sent[-1] == {"v": 1, "kind": "unwatch", "call_id": "c-sato"}
        assert not isinstance(app.screen, CallScreen)


async def test_a_message_to_the_agent_chosen_or_typed(cfg: Config) -> None:
    link = MemoryLink("kimura", "supervisor")
    app = SupervisorConsole(cfg, link, clock=ManualClock())
    async with app.run_test(size=SIZE) as pilot:
        link.feed(*three_calls())
        await settle(pilot, app, link)
        await pilot.press("m")  # to tanaka, the top call
        await pilot.pause()
        assert isinstance(app.screen, ComposeMessage) and "tanaka さんへのメッセージ" in screen_text(app)
        await pilot.press("down", "enter")
        await pilot.pause()
        sent = acts(link)[-1]
        assert (sent["action"], sent["call_id"], sent["detail"]) == ("message", "c-tanaka", cfg.console.
                                                                      supervisor_messages[1])
        await pilot.press("m", "tab")
        await pilot.press(*"すぐ行きます")
        await pilot.press("enter")
        await pilot.pause()
        assert acts(link)[-1]["detail"] == "すぐ行きます"
        await pilot.press("m", "escape")
        await pilot.pause()
        assert len(acts(link)) == 2 and not isinstance(app.screen, ComposeMessage)


async def test_red_cards_stand_out_and_forgotten_calls_leave(cfg: Config) -> None:
    link = MemoryLink("kimura", "supervisor")
    app = SupervisorConsole(cfg, link, clock=ManualClock())
    async with app.run_test(size=SIZE) as pilot:
        link.feed(*three_calls(), hub(Action("c-sato", 50.0, ActionKind.RED_CARD, actor="sato", role="agent",
                                              detail="intimidation", alert_id="c-sato-a001"), "sato"))
        await settle(pilot, app, link)
        assert rows(app, "#feed")[0] == ["★ レッドカード", "sato", " 警告 ", "c-sato  威圧的な言動"]
        link.feed({"v": 1, "kind": "forget", "call_id": "c-sato"})
        await settle(pilot, app, link)
        assert [r[1] for r in rows(app, "#calls")] == ["c-tanaka", "c-suzuki"]
        assert all(r[1] != "sato" for r in rows(app, "#feed"))


async def test_the_feed_and_the_call_screen_say_what_raised_an_alert(cfg: Config) -> None:
    link = MemoryLink("kimura", "supervisor")
    app = SupervisorConsole(cfg, link, clock=ManualClock())
    # Words and a site's own rule id that look like Rich markup are shown as they are, never read as markup.
    raised = dataclasses.replace(alert("c-sato", 1, 30.0, Level.WARNING, "intimidation", "[bold]ふざけるな"),
                                 source="construction:[red]x[/red]")
    async with app.run_test(size=SIZE) as pilot:
        link.feed(hub(CallStarted("c-sato", 0.0, ("agent", "customer")), "sato"), hub(raised, "sato"))
        await settle(pilot, app, link)
        [row] = app.query_one("#feed", BoardTable).get_row_at(0)[3:]
        assert isinstance(row, Text) and row.plain == "威圧的な言動「[bold]ふざけるな」  construction:[red]x[/red]"
        assert [(row.plain[span.start:span.end], str(span.style)) for span in row.spans] == [
            ("construction:[red]x[/red]", "dim")]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CallScreen)
        panel = app.screen.query_one(AlertPanel)
        assert "根拠：「[bold]ふざけるな」" in panel.render().plain
        assert panel.render().plain.endswith("\n検知の根拠：construction:[red]x[/red]")
        shown = alert_text("ja", raised)  # what the panel shows: the source on a line of its own, dim
        assert [(shown.plain[span.start:span.end], str(span.style)) for span in shown.spans][-1] == (
            "検知の根拠：construction:[red]x[/red]", "dim")


async def test_the_supervisor_screen_at_80x24(cfg: Config, tmp_path: Any) -> None:
    link = MemoryLink("kimura", "supervisor")
    app = SupervisorConsole(cfg, link, clock=ManualClock())
    async with app.run_test(size=SIZE) as pilot:
        link.feed(*three_calls())
        await settle(pilot, app, link)
        match_snapshot(screen_text(app), SNAPSHOTS / "supervisor_80x24.txt")
        screen = screen_text(app).splitlines()
        svg = app.save_screenshot(str(tmp_path / "supervisor.svg"))
    assert len(screen) == 24 and all(len(line) <= 80 for line in screen)
    assert screen[0].startswith(" ● 接続中  kimura  通話 3 件")
    assert any("tanaka      c-tanaka" in line and "緊急" in line for line in screen)
    assert any("★ 応援要請" in line for line in screen)
    assert screen[-1].split() == ["⏎", "通話を開く", "tab", "切替", "a", "確認", "m", "メッセージ"]
    text = Path(svg).read_text(encoding="utf-8")
    assert "身体的な攻撃・脅迫" in text


async def test_text_from_the_wire_is_shown_as_data_never_as_markup_or_escapes(cfg: Config) -> None:
    # A call id, category or evidence holding `[/]` once took the console down (Rich MarkupError), `[bold]`
    # restyled it, and an escape sequence went to the terminal as it was.
    call_id, agent = "c-[/]1", "[/]sato"
    hostile = Alert(call_id, 30.0, f"{call_id}-a001", "[/]", Level.WARNING, 27.0, 30.0,
                    ("[bold]殺すぞ[/]\x1b]0;pwned\x07",), ("[red]",), "[/]落ち着いて\x1b[2J", "[/]", "u1",
                    source="[/]term:\x9b31m")
    link = MemoryLink("kimura", "supervisor")
    app = SupervisorConsole(cfg, link, clock=ManualClock())
    async with app.run_test(size=SIZE) as pilot:
        link.feed(hub(CallStarted(call_id, 0.0, ("agent", "[/]")), agent),
                  hub(UtteranceFinal(call_id, 30.0, "u1", "[/]", 27.0, 30.0, "[bold]ふざけるな\x1b[31m"), agent),
                  hub(hostile, agent),
                  hub(LevelChanged(call_id, 30.0, Level.WARNING, Level.NONE, "[/]\x1b[31m"), agent),
                  hub(Action(call_id, 31.0, ActionKind.JOIN_REQUESTED, actor="[/]", role="agent"), agent),
                  hub(Action(call_id, 32.0, ActionKind.RED_CARD, actor="[/]", role="agent", detail="[/]\x1b[5m"),
                      agent))
        await settle(pilot, app, link)
        assert rows(app, "#calls") == [[agent, call_id, "00:32", " 警告 ", "[/]"]]
        feed = rows(app, "#feed")
        assert [r[1] for r in feed] == [agent] * 3
        assert feed[0][3] == "c-[/]1  [/]\\x1b[5m"
        assert feed[2][3] == "[/]「[bold]殺すぞ[/]\\x1b]0;pwned\\x07」  [/]term:\\x9b31m"
        board = screen_text(app)
        assert "[/]sato" in board and "\x1b" not in board and "\x9b" not in board
        await pilot.press("enter")  # the call's own screen: banner, transcript, alert, script
        await pilot.pause()
        assert isinstance(app.screen, CallScreen)
        shown = screen_text(app)
        assert "[bold]ふざけるな\\x1b[31m" in shown.replace("\n", "")
        assert "[/]落ち着いて\\x1b[2J" in shown and "\x1b" not in shown
        await pilot.press("m")  # the message dialog names the agent as sent
        await pilot.pause()
        assert isinstance(app.screen, ComposeMessage) and "[/]sato さんへのメッセージ" in screen_text(app)
        assert app.is_running


@pytest.mark.parametrize("number", ["Infinity", "1e300"])
async def test_a_call_time_no_call_can_have_never_stops_the_console(cfg: Config, number: str) -> None:
    # `time: Infinity` was acked and relayed, and the console died on it (OverflowError formatting the length).
    link = MemoryLink("kimura", "supervisor")
    app = SupervisorConsole(cfg, link, clock=ManualClock())
    started = hub(CallStarted("c-sato", 0.0, ("agent", "customer")), "sato")
    spoken = hub(UtteranceFinal("c-sato", 4.0, "u1", "customer", 1.0, 3.8, "もしもし"), "sato")
    spoken["event"]["time"] = float(number)
    async with app.run_test(size=SIZE) as pilot:
        link.feed(started, spoken, *three_calls()[2:4])
        await settle(pilot, app, link)
        await pilot.pause(1.2)  # a tick of the call timers
        durations = {r[1]: r[2] for r in rows(app, "#calls")}
        # The wire may refuse the number (an error on the status line) or pass it: either way, a placeholder.
        assert durations["c-sato"] in ("--:--", "00:00") and durations["c-suzuki"] == "00:04"
        assert app.is_running
        # Even an event that reaches the board without the wire's checks (a decoded history, a future field).
        app.post_message(HubMessage(EventMessage("sato", "seat-sato", UtteranceFinal(
            "c-sato", math.inf, "u2", "customer", 5.0, 6.0, "はい"))))
        await pilot.pause(1.2)
        assert {r[1]: r[2] for r in rows(app, "#calls")}["c-sato"] == "--:--"
        await pilot.press("enter")  # its screen and timer too
        await pilot.pause()
        assert isinstance(app.screen, CallScreen) and "--:--" in screen_text(app)
        assert app.is_running
