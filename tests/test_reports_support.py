"""A call store filled with synthetic calls, and the report commands run as the CLI runs them.

Other ``test_reports_*`` modules import from here. The store holds, in the period 2025-01-13..26 (JST):
``call-1`` (threat → red card, demand, supervisor actions, post-call check, review, a label, a missed range),
``call-2`` (a complaint, same hashed caller), ``call-3`` (ordinary, no caller, another team), and
``call-old`` outside the period.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

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
)
from kasuhara_live.reports.commands import add_commands
from kasuhara_live.store.store import CallStore

JST = dt.timezone(dt.timedelta(hours=9))
T1 = dt.datetime(2025, 1, 14, 10, 30, tzinfo=JST).timestamp()
T2 = dt.datetime(2025, 1, 15, 13, 30, tzinfo=JST).timestamp()
T3 = dt.datetime(2025, 1, 22, 9, 0, tzinfo=JST).timestamp()
T_OLD = dt.datetime(2024, 12, 1, 9, 0, tzinfo=JST).timestamp()
CALLER = "abcdef0123456789"
SCRIPT_DEMAND = "そのご要望にはお応えいたしかねます。"
INJECTION = "<script>alert(1)</script>"
# What raised call-1's alerts (the first one has none: an alert recorded before alerts named their source)
SOURCE_DEMAND = "term:demand_seii, grammar:command"
SOURCE_THREAT = "call:after_final_warning, term:threat_korosu"


def pinned_tokyo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Reports are in local time: pin it to JST (a POSIX TZ string needs no tz database). Use in a fixture."""
    monkeypatch.setenv("TZ", "JST-9")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(autouse=True)
def _tokyo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from pinned_tokyo(monkeypatch)


def harassment_call() -> list[Event]:
    c = "call-1"
    return [
        CallStarted(c, 0.0, ("agent", "customer"), "calls/0312345678.wav", started_at=T1, caller=CALLER,
                    config_version="cfg123"),
        UtteranceFinal(c, 3.0, "u1", "agent", 0.0, 3.0, "お電話ありがとうございます。担当の佐藤です。"),
        UtteranceFinal(c, 8.0, "u2", "customer", 4.0, 8.0, "注文番号12345の商品がまだ届かない"),
        Alert(c, 8.0, "call-1-a001", "complaint", Level.CAUTION, 4.0, 8.0, ("まだ届かない",), (),
              "ご不便をおかけしており申し訳ございません。", "クレーム（正当な苦情）：「まだ届かない」", "u2"),
        LevelChanged(c, 8.0, Level.CAUTION, Level.NONE, "クレーム（正当な苦情）：「まだ届かない」"),
        UtteranceFinal(c, 14.0, "u3", "customer", 10.0, 14.0, f"ふざけるな{INJECTION}誠意を見せろ、10万円払え"),
        Alert(c, 14.0, "call-1-a002", "excessive_demand", Level.WARNING, 10.0, 14.0, ("誠意を見せろ",),
              ("demand_validity", "means_manner"), SCRIPT_DEMAND, "過大な要求：「誠意を見せろ」", "u3",
              source=SOURCE_DEMAND),
        LevelChanged(c, 14.0, Level.WARNING, Level.CAUTION, "過大な要求：「誠意を見せろ」"),
        Action(c, 15.0, ActionKind.SCRIPT_USED, "sato", "agent", "excessive_demand/clear_statement", "call-1-a002"),
        Action(c, 16.0, ActionKind.ALERT_ACKNOWLEDGED, "kimura", "supervisor", "", "call-1-a002"),
        Action(c, 17.0, ActionKind.MESSAGE, "kimura", "supervisor", "落ち着いて、03-1234-5678 の件は私が引き取ります"),
        Action(c, 18.0, ActionKind.JOIN_REQUESTED, "sato", "agent"),
        UtteranceFinal(c, 24.0, "u4", "customer", 20.0, 24.0, "殺すぞ、山田一郎が新宿の店に行くからな",
                       alternatives=("ころすぞ山田一郎が新宿の店に行くからな",)),
        Alert(c, 24.0, "call-1-a003", "threat", Level.CRITICAL, 20.0, 24.0, ("殺すぞ",),
              ("means_manner", "work_environment"), "脅迫にあたるため、お電話を終了いたします。",
              "身体的な攻撃・脅迫：「殺すぞ」", "u4", source=SOURCE_THREAT),
        LevelChanged(c, 24.0, Level.CRITICAL, Level.WARNING, "身体的な攻撃・脅迫：「殺すぞ」"),
        Action(c, 26.0, ActionKind.RED_CARD, "sato", "agent", "threat", "call-1-a003"),
        CallEnded(c, 600.0, "end_of_audio"),
        Action(c, 600.0, ActionKind.POST_CALL_CHECK, "sato", "agent", '{"feeling":"upset","talk":true}',
               wall=T1 + 660),
    ]


def complaint_call() -> list[Event]:
    c = "call-2"
    return [
        CallStarted(c, 0.0, ("mixed",), "calls/b.wav", started_at=T2, caller=CALLER, config_version="cfg123"),
        UtteranceFinal(c, 5.0, "u1", "mixed", 1.0, 5.0, "どうなってるんですか"),
        Alert(c, 5.0, "call-2-a001", "complaint", Level.CAUTION, 1.0, 5.0, ("どうなってるんですか",), (),
              "ご不便をおかけしており申し訳ございません。", "クレーム（正当な苦情）：「どうなってるんですか」", "u1"),
        LevelChanged(c, 5.0, Level.CAUTION, Level.NONE, "クレーム（正当な苦情）：「どうなってるんですか」"),
        CallEnded(c, 60.0),
    ]


def ordinary_call(call_id: str = "call-3", started_at: float = T3) -> list[Event]:
    return [
        CallStarted(call_id, 0.0, ("mixed",), "calls/c.wav", started_at=started_at, config_version="cfg123"),
        UtteranceFinal(call_id, 5.0, "u1", "mixed", 1.0, 5.0, "住所の変更をお願いします"),
        CallEnded(call_id, 120.0),
    ]


def fill_store(path: Path) -> Path:
    """A store with the four calls, the review of call-1 and its labels."""
    with CallStore(path) as store:
        for event in harassment_call():
            store.record(event, agent="sato", monitor="seat-12", team="team-a")
        for event in complaint_call():
            store.record(event, agent="tanaka", monitor="seat-13", team="team-a")
        for event in ordinary_call():
            store.record(event, agent="suzuki", monitor="seat-20", team="team-b")
        for event in ordinary_call("call-old", T_OLD):
            store.record(event, agent="suzuki", monitor="seat-20", team="team-b")
        store.review_call("call-1", "lead", "unacceptable", "invalid", True,
                          notes="担当者は手順どおり冷静に対応した", lessons="脅迫は即時に警察相談の手順へ")
        store.label_alert("call-1", "call-1-a002", "correct", "lead")
        store.add_missed("call-1", 10.0, 12.0, "intimidation", "lead", "大声")
    return path


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return fill_store(tmp_path / "calls.sqlite")


def run(*argv: str) -> tuple[int, str, str]:
    """Run a report subcommand as ``kasuhara-live`` does: a KasuharaError is one line and exit status 2."""
    parser = argparse.ArgumentParser(prog="kasuhara-live")
    sub = parser.add_subparsers(dest="command", required=True)
    add_commands(sub, lambda p: p.add_argument("--config", metavar="PATH"))
    args = parser.parse_args(list(argv))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = args.func(args)
        except KasuharaError as exc:
            print(f"kasuhara-live: error: {exc}", file=err)
            code = 2
    return code, out.getvalue(), err.getvalue()


def english_config(tmp_path: Path) -> Path:
    path = tmp_path / "site.toml"
    path.write_text('[ui]\nlanguage = "en"\n', encoding="utf-8")
    return path


VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "wbr", "col", "source", "area", "base", "embed",
                  "track", "param"})
SVG_LEAVES = frozenset({"rect", "line", "circle", "polyline", "path"})


class StrictParser(HTMLParser):
    """Checks that every element is closed in order (html.parser itself accepts anything)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.in_style = False
        self.problems: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append(tag)
        self.in_style = tag == "style"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass  # <rect .../>: complete

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()
        self.in_style = False

    def handle_data(self, data: str) -> None:
        if not self.in_style:
            self.text.append(data)


def check_html(html: str) -> str:
    """Assert the page is well-formed and self-contained; return its visible text."""
    parser = StrictParser()
    parser.feed(html)
    parser.close()
    assert parser.problems == []
    assert parser.stack == []
    lowered = html.lower()
    for external in ("http://", "https://", "src=", "<link", "@import", "url(", "<script"):
        assert external not in lowered, external
    return "".join(parser.text)


def test_fixture_store_holds_the_four_calls(store_path: Path) -> None:
    with CallStore(store_path) as store:
        assert {c.call_id for c in store.calls()} == {"call-1", "call-2", "call-3", "call-old"}
        record = store.call("call-1")
    assert record.summary.max_level is Level.CRITICAL
    assert record.review is not None and record.review.harassment
