"""The preview's fake hub: JSON lines in, hub messages out, watch filtering and echoed actions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from kasuhara_live import wire
from kasuhara_live.console.link import act_message, watch_message
from kasuhara_live.console.preview import PreviewLink, load_messages
from kasuhara_live.errors import KasuharaError
from kasuhara_live.events import Action, ActionKind, CallStarted, Event, UtterancePartial


def write_events(path: Path, call_id: str) -> Path:
    events: list[Event] = [CallStarted(call_id, 0.0, ("agent", "customer")),
              UtterancePartial(call_id, 1.5, "u1", "customer", 0.5, 1.5, "もしもし")]
    path.write_text("".join(wire.dumps(e) + "\n" for e in events) + "\n", encoding="utf-8")
    return path


def test_files_become_hub_messages_of_their_agents_staggered(tmp_path: Path) -> None:
    first = write_events(tmp_path / "a.jsonl", "c1")
    second = write_events(tmp_path / "b.jsonl", "c2")
    timed = load_messages([first, second], ["sato", "suzuki"], stagger=1.0)
    assert [(when, m["agent"], m["event"]["call_id"], m["event"]["kind"]) for when, m in timed] == [
        (0.0, "sato", "c1", "call.started"), (1.0, "suzuki", "c2", "call.started"),
        (1.5, "sato", "c1", "utterance.partial"), (2.5, "suzuki", "c2", "utterance.partial")]
    assert timed[0][1]["monitor"] == "seat-1" and timed[1][1]["monitor"] == "seat-2"


def test_a_line_that_is_not_json_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"v":1}\nnot json\n', encoding="utf-8")
    with pytest.raises(KasuharaError, match=r"bad.jsonl:2: not JSON"):
        load_messages([bad], ["sato"], 0.0)


@pytest.mark.asyncio
async def test_the_fake_hub_filters_partials_and_echoes_actions(tmp_path: Path) -> None:
    link = PreviewLink("kimura", "supervisor")
    for _, message in load_messages([write_events(tmp_path / "a.jsonl", "c1")], ["sato"], 0.0):
        link.deliver(message)
    assert link.fed == 1  # the partial of an unwatched call is not for a supervisor
    await link.send(watch_message("c1"))
    partial = {"v": 1, "kind": "event", "agent": "sato", "monitor": "", "event": wire.to_json(
        UtterancePartial("c1", 2.0, "u1", "customer", 0.5, 2.0, "もしもし、あの"))}
    link.deliver(partial)
    assert link.fed == 2
    await link.send(act_message(Action("c1", 2.0, ActionKind.MESSAGE, detail="対応を代わります")))
    messages = [message async for message in _take(link, 3)]
    echo = messages[-1]
    assert (echo["agent"], echo["event"]["actor"], echo["event"]["role"], echo["event"]["detail"]) == (
        "sato", "kimura", "supervisor", "対応を代わります")


async def _take(link: PreviewLink, count: int) -> AsyncIterator[dict[str, Any]]:
    taken = 0
    async for message in link:
        yield message
        taken += 1
        if taken == count:
            return
