"""The review app under Pilot at 80x24: the list, a call, labels, missed ranges, judgements, playback."""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from rich.cells import cell_len
from textual.pilot import Pilot
from textual.widgets import DataTable, OptionList

from kasuhara_live.config import Config
from kasuhara_live.console.testing import screen_text
from kasuhara_live.events import Alert, CallEnded, CallStarted, Level, UtteranceFinal
from kasuhara_live.review.app import ReviewApp
from kasuhara_live.review.call_screen import CallReviewScreen
from kasuhara_live.review.list_screen import CallListScreen
from kasuhara_live.review.modals import JudgeDialog, MissedDialog
from kasuhara_live.review.playback import Which
from kasuhara_live.review.testing import DAY, fill_store
from kasuhara_live.review.testing import started_at as local_hour
from kasuhara_live.review.timeline import AlertEntry, UtteranceEntry
from kasuhara_live.store.store import CallStore
from tests.conftest import tone, write_wav

pytestmark = pytest.mark.asyncio

SIZE = (80, 24)


@pytest.fixture()
def store(tmp_path: Path) -> CallStore:
    opened = CallStore(tmp_path / "calls.sqlite")
    fill_store(opened, write_wav(tmp_path / "call.wav", [tone(21.0), tone(21.0)]))
    return opened


def nothing(name: str) -> str | None:
    return None  # a machine without any audio player


def app_for(cfg: Config, store: CallStore, which: Which = nothing, lang: str = "ja") -> ReviewApp:
    cfg = dataclasses.replace(cfg, ui=dataclasses.replace(cfg.ui, language=lang))
    return ReviewApp(cfg, store, "kimura", which=which)


def rows(app: ReviewApp) -> list[list[str]]:
    table = app.screen.query_one("#calls", DataTable)
    return [[str(cell) for cell in table.get_row_at(n)] for n in range(table.row_count)]


def status(app: ReviewApp) -> str:
    return str(app.screen.query_one(".status").render())


async def open_call(pilot: Pilot[int], app: ReviewApp, call_id: str) -> CallReviewScreen:
    ids = [r[0] for r in rows(app)]
    await pilot.press(*["down"] * ids.index(call_id), "enter")
    await pilot.pause()
    assert isinstance(app.screen, CallReviewScreen) and app.screen.call_id == call_id
    return app.screen


async def select(pilot: Pilot[int], screen: CallReviewScreen, index: int) -> None:
    screen.query_one("#timeline", OptionList).highlighted = index
    await pilot.pause()


def index_of_alert(screen: CallReviewScreen, alert_id: str) -> int:
    return next(n for n, e in enumerate(screen.entries) if isinstance(e, AlertEntry) and e.alert.alert_id == alert_id)


@pytest_asyncio.fixture()
async def running(cfg: Config, store: CallStore) -> AsyncIterator[tuple[ReviewApp, Pilot[int]]]:
    app = app_for(cfg, store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        yield app, pilot


async def test_the_list_shows_the_calls_lined_up(running: tuple[ReviewApp, Pilot[int]]) -> None:
    app, _ = running
    assert isinstance(app.screen, CallListScreen)
    assert [(r[0], r[2], r[4], r[5], r[7]) for r in rows(app)] == [
        ("c-tanaka", "tanaka", "緊急", "0/1", "身体的な攻撃・脅迫"),
        ("c-suzuki", "suzuki", "注意", "0/1", "クレーム（正当な苦情）"),
        ("c-sato", "sato", "警告", "0/2", "クレーム（正当な苦情）、威圧的な言動"),
    ]
    lines = screen_text(app).splitlines()
    assert len(lines) == 24 and "3 件の通話" in lines[0] and "レビュー担当：kimura" in lines[0]
    # Japanese takes two cells a character: each column starts at the same cell on the header and every row.
    header = next(line for line in lines if "通話ID" in line)
    body = [line for line in lines if line.startswith(" c-")]
    for title, value in (("開始", "05-0"), ("担当者", "sato"), ("最高", "警告"), ("ラベル", "0/2")):
        row = next(line for line in body if f" {value}" in line)
        assert cell_len(header[:header.index(f" {title}")]) == cell_len(row[:row.index(f" {value}")]), title
    assert all(cell_len(line) <= 80 for line in lines)
    assert "c-tanaka  2025-05-03 09:00" in "\n".join(lines)  # the selected call in full below the table
    assert "開く" in lines[-1] and "絞り込み" in lines[-1]


async def test_the_filter_line(running: tuple[ReviewApp, Pilot[int]]) -> None:
    app, pilot = running
    await pilot.press("slash", *"警告 ..2025-05-02", "enter")
    await pilot.pause()
    assert [r[0] for r in rows(app)] == ["c-sato"]
    assert "1 件の通話  [..2025-05-02 warning]" in status(app)
    assert app.focused is app.screen.query_one("#calls")
    await pilot.press("slash", "ctrl+a", "ctrl+k", *"nobody", "enter")  # an agent with no calls
    await pilot.pause()
    assert rows(app) == [] and "条件に合う通話はありません" in screen_text(app)
    await pilot.press("slash", "ctrl+a", "ctrl+k", *"2025-05-09..2025-05-01", "enter")
    await pilot.pause()
    assert "絞り込み条件を読めません：the date range ends" in status(app)
    assert rows(app) == []  # the last good filter still holds


async def test_enter_opens_the_transcript_with_alerts_in_place(running: tuple[ReviewApp, Pilot[int]]) -> None:
    app, pilot = running
    screen = await open_call(pilot, app, "c-sato")
    kinds = [type(e).__name__ for e in screen.entries]
    assert kinds[:4] == ["UtteranceEntry", "UtteranceEntry", "AlertEntry", "LevelEntry"]
    shown = screen_text(app)
    assert "c-sato　2025-05-01 10:00　担当 sato　00:21　警告　ラベル 0/2" in shown
    assert "00:04.0 お客様 注文した商品がまだ届かないんですけど" in shown
    assert " 注意  クレーム（正当な苦情）「まだ届かない」" in shown and "未ラベル" in shown
    assert "00:20.0 操作：レッドカード（sato）" in shown
    await pilot.press("escape")
    await pilot.pause()
    assert isinstance(app.screen, CallListScreen)


async def test_c_and_f_label_the_selected_alert(running: tuple[ReviewApp, Pilot[int]], store: CallStore) -> None:
    app, pilot = running
    screen = await open_call(pilot, app, "c-sato")
    await select(pilot, screen, 0)  # an utterance: nothing to label
    await pilot.press("c")
    await pilot.pause()
    assert "アラートを選んでください" in status(app) and store.call("c-sato").labels == {}
    await select(pilot, screen, index_of_alert(screen, "c-sato-a002"))
    await pilot.press("c")
    await pilot.pause()
    assert store.call("c-sato").labels["c-sato-a002"].label == "correct"
    assert "c-sato-a002：正しい" in status(app) and "ラベル：正しい（kimura）" in screen_text(app)
    await select(pilot, screen, index_of_alert(screen, "c-sato-a001"))
    await pilot.press("f")
    await pilot.pause()
    labels = store.call("c-sato").labels
    assert (labels["c-sato-a001"].label, labels["c-sato-a001"].reviewer) == ("false_alarm", "kimura")
    assert screen.query_one("#timeline", OptionList).highlighted == index_of_alert(screen, "c-sato-a001")
    await pilot.press("escape")
    await pilot.pause()
    assert next(r for r in rows(app) if r[0] == "c-sato")[5] == "2/2"  # the list shows the labels on return


async def test_m_adds_a_missed_range_prefilled_from_the_line(running: tuple[ReviewApp, Pilot[int]],
                                                               store: CallStore) -> None:
    app, pilot = running
    screen = await open_call(pilot, app, "c-suzuki")
    await select(pilot, screen, next(n for n, e in enumerate(screen.entries) if isinstance(e, UtteranceEntry)
                                     and e.utterance.utterance_id == "u2"))
    await pilot.press("m")
    await pilot.pause()
    assert isinstance(app.screen, MissedDialog)
    assert "見逃したハラスメントを追加" in screen_text(app)
    await pilot.press("ctrl+s")  # no category chosen yet
    await pilot.pause()
    assert isinstance(app.screen, MissedDialog) and "カテゴリーを選んで Enter" in screen_text(app)
    await pilot.press("down", "enter", *"あんた呼ばわり", "enter")  # the second category: abuse
    await pilot.pause()
    assert isinstance(app.screen, CallReviewScreen)
    [missed] = store.call("c-suzuki").missed
    assert (missed.start, missed.end, missed.category, missed.reviewer, missed.note) == (
        7.0, 10.0, "abuse", "kimura", "あんた呼ばわり")
    assert "見逃し 00:07.0-00:10.0 精神的な攻撃（暴言）（kimura）" in screen_text(app)


async def test_a_bad_missed_range_stays_in_the_dialog(running: tuple[ReviewApp, Pilot[int]],
                                                       store: CallStore) -> None:
    app, pilot = running
    await open_call(pilot, app, "c-suzuki")
    await pilot.press("m")
    await pilot.pause()
    dialog = app.screen
    assert isinstance(dialog, MissedDialog)
    await pilot.click("#start")
    await pilot.press("ctrl+a", "ctrl+k", *"0:11", "tab", "ctrl+a", "ctrl+k", *"0:08", "ctrl+s")
    await pilot.pause()
    assert app.screen is dialog and "the start must come before the end" in screen_text(app)
    await pilot.press("escape")
    await pilot.pause()
    assert isinstance(app.screen, CallReviewScreen) and store.call("c-suzuki").missed == []


async def test_j_records_the_two_axis_judgement(running: tuple[ReviewApp, Pilot[int]], store: CallStore) -> None:
    app, pilot = running
    await open_call(pilot, app, "c-tanaka")
    await pilot.press("j")
    await pilot.pause()
    assert isinstance(app.screen, JudgeDialog) and "通話の判定（行為と要求の2軸）" in screen_text(app)
    await pilot.press("ctrl+s")  # nothing chosen
    await pilot.pause()
    assert isinstance(app.screen, JudgeDialog) and "行為・要求・カスハラの3つを選んでください" in screen_text(app)
    # conduct: the third choice; demand: the second; harassment: the first; then notes and lessons.
    await pilot.press("right", "right", "enter", "tab", "right", "enter", "tab", "enter", "tab", *"脅迫は明白",
                      "tab", *"即時に通報", "enter")
    await pilot.pause()
    assert isinstance(app.screen, CallReviewScreen)
    review = store.call("c-tanaka").review
    assert review is not None
    assert (review.conduct, review.demand, review.harassment, review.notes, review.lessons, review.reviewer) == (
        "unacceptable", "grey", True, "脅迫は明白", "即時に通報", "kimura")
    assert "判定: 行為 許容できない／要求 グレー／カスハラ 該当する（kimura）" in screen_text(app)
    await pilot.press("j")  # a second look starts from the first judgement
    await pilot.pause()
    await pilot.press("tab", "tab", "right", "enter", "ctrl+s")  # harassment: no
    await pilot.pause()
    review = store.call("c-tanaka").review
    assert review is not None and not review.harassment and review.notes == "脅迫は明白"


async def test_j_saves_this_reviewers_own_judgement_beside_anothers(cfg: Config, store: CallStore) -> None:
    store.review_call("c-tanaka", "yamada", "unacceptable", "invalid", True, "明白な脅迫", "即時に通報")
    app = app_for(cfg, store)  # kimura
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert next(r for r in rows(app) if r[0] == "c-tanaka")[6] == ""  # kimura has not judged it
        await open_call(pilot, app, "c-tanaka")
        # Not yamada's judgement as if it were kimura's: only that someone else has judged the call.
        assert "判定（他1名も判定済）: 未判定" in screen_text(app)
        await pilot.press("j")
        await pilot.pause()
        assert isinstance(app.screen, JudgeDialog) and app.screen.review is None  # not prefilled from yamada's
        await pilot.press("right", "enter", "tab", "right", "enter", "tab", "right", "enter", "tab", *"判断保留",
                          "ctrl+s")  # grey, grey, harassment: no
        await pilot.pause()
        assert isinstance(app.screen, CallReviewScreen)
        assert "判定（他1名も判定済）: 行為 グレー／要求 グレー／カスハラ 該当しない（kimura）" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert next(r for r in rows(app) if r[0] == "c-tanaka")[6] == "なし"  # kimura's own verdict
    record = store.call("c-tanaka")
    yamada, kimura = record.review_by("yamada"), record.review_by("kimura")
    assert yamada is not None
    assert (yamada.harassment, yamada.notes, yamada.lessons) == (True, "明白な脅迫", "即時に通報")
    assert kimura is not None and (kimura.conduct, kimura.demand, kimura.harassment, kimura.notes) == (
        "grey", "grey", False, "判断保留")


async def test_space_without_a_player_says_so(running: tuple[ReviewApp, Pilot[int]]) -> None:
    app, pilot = running
    screen = await open_call(pilot, app, "c-sato")
    await select(pilot, screen, 1)
    await pilot.press("space")
    await pilot.pause()
    assert "エラー：no audio player found" in status(app)
    assert app.screen.query_one(".status").has_class("-error")
    level_change = next(n for n, e in enumerate(screen.entries) if type(e).__name__ == "LevelEntry")
    await select(pilot, screen, level_change)
    await pilot.press("space")
    await pilot.pause()
    assert "再生できる範囲がありません" in status(app)


async def test_space_plays_the_selected_line(cfg: Config, store: CallStore, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    player = bin_dir / "play"
    player.write_text(f'#!/bin/sh\necho "$@" > {tmp_path}/args\n', encoding="utf-8")
    player.chmod(player.stat().st_mode | stat.S_IXUSR)
    app = app_for(cfg, store, lambda name: shutil.which(name, path=str(bin_dir)))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_call(pilot, app, "c-sato")
        await select(pilot, screen, 1)  # u2, 4.0-8.0
        await pilot.press("space")
        for _ in range(200):
            if (tmp_path / "args").exists():
                break
            await pilot.pause(0.01)
        assert "再生中：c-sato 00:04.0-00:08.0（play）" in status(app)
        assert (tmp_path / "args").read_text().split()[-3:] == ["trim", "4.000", "4.000"]


async def test_english_ui(cfg: Config, store: CallStore) -> None:
    app = app_for(cfg, store, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert rows(app)[0][4] == "critical" and "3 calls" in status(app)
        screen = await open_call(pilot, app, "c-sato")
        await select(pilot, screen, index_of_alert(screen, "c-sato-a002"))
        await pilot.press("f")
        await pilot.pause()
        shown = screen_text(app)
        assert "Caller" in shown and "Label: false alarm (kimura)" in shown and "False alarm" in shown


async def test_stored_text_is_shown_as_data_and_a_bad_start_time_as_a_placeholder(cfg: Config, tmp_path: Path) -> None:
    # A call id or category holding `[/]` took the list down (Rich MarkupError), escapes reached the terminal,
    # and one start time of 1e300 stopped the whole list.
    path = tmp_path / "hostile.sqlite"
    call_id = "c-[/]1"
    utterance = UtteranceFinal(call_id, 5.0, "u1", "customer", 1.0, 5.0, "ふざけるな\x1b[2J\x9b31m")
    with CallStore(path) as store:
        for event in (CallStarted(call_id, 0.0, ("agent", "customer"), started_at=local_hour(DAY, 10)), utterance,
                      Alert(call_id, 5.0, f"{call_id}-a001", "[/]", Level.WARNING, 1.0, 5.0, ("[bold]ふざけるな",),
                            (), "", "", "u1", source="[/]\x1b[31m"), CallEnded(call_id, 9.0)):
            store.record(event, "[/]sato", "seat-1")
        store.record(CallStarted("c-far", 0.0, ("agent",), started_at=local_hour(DAY, 11)), "suzuki", "seat-2")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE calls SET started_at = 1e300 WHERE call_id = 'c-far'")
    with CallStore(path) as store:
        app = app_for(cfg, store)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, CallListScreen)
            assert sorted((r[0], r[1], r[2], r[7]) for r in rows(app)) == [
                ("c-[/]1", "05-01 10:00", "[/]sato", "[/]"), ("c-far", "-", "suzuki", "")]
            await open_call(pilot, app, call_id)
            shown = screen_text(app)
            assert "ふざけるな\\x1b[2J\\x9b31m" in shown and "c-[/]1　2025-05-01 10:00　担当 [/]sato" in shown
            assert "[/]「[bold]ふざけるな」" in shown and "\x1b" not in shown and "\x9b" not in shown
            assert app.is_running
