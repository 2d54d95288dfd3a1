"""Helpers for driving a console under Textual's Pilot: a hand-moved clock, waiting, the screen as text."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from rich.console import Console
from textual.app import App
from textual.pilot import Pilot

from kasuhara_live.console.base import ConsoleApp
from kasuhara_live.console.link import MemoryLink


class ManualClock:
    """A console clock the test moves by hand (the call timer runs on it)."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def settle(pilot: Pilot[Any], app: ConsoleApp, link: MemoryLink, rounds: int = 500) -> None:
    """Wait until the console has handled every message fed to ``link``, then until the screen is idle."""
    for _ in range(rounds):
        if app.handled >= link.fed:
            break
        await pilot.pause(0.01)
    else:
        raise TimeoutError(f"the console handled {app.handled} of {link.fed} hub messages")
    await pilot.pause()
    await pilot.pause()


def screen_text(app: App[Any]) -> str:
    """What the terminal shows now, as plain text (like ``tmux capture-pane``), modal screens included."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, color_system=None,
                      record=True, legacy_windows=False, safe_box=False)
    # Textual renders screenshots this way (App.export_screenshot); only the export format differs.
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return "\n".join(line.rstrip() for line in console.export_text().splitlines())


UPDATE_SNAPSHOTS = "KASUHARA_UPDATE_SNAPSHOTS"


def match_snapshot(screen: str, path: Path) -> None:
    """Compare a screen's text with the one stored at ``path``.

    A missing snapshot is written and the test fails so that a person looks at it first; set
    ``KASUHARA_UPDATE_SNAPSHOTS=1`` to rewrite snapshots after an intended change of the layout.
    """
    if os.environ.get(UPDATE_SNAPSHOTS) == "1" or not path.exists():
        existed = path.exists()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(screen + "\n", encoding="utf-8")
        if not existed:
            raise AssertionError(f"snapshot {path} did not exist and was written: review it, then run again")
        return
    expected = path.read_text(encoding="utf-8").rstrip("\n")
    if screen != expected:
        raise AssertionError(f"the screen differs from {path} ({UPDATE_SNAPSHOTS}=1 rewrites it):\n{screen}")
