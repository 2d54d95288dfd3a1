"""``kasuhara-live review``: the QA review app over one call store.

The list of calls (:mod:`.list_screen`) opens a call for review (:mod:`.call_screen`); labels, missed ranges and
judgements are written to the store as they are made. Japanese by default, English with ``ui.language = "en"``.
"""

from __future__ import annotations

import shutil
from pathlib import PurePath
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from kasuhara_live.config import Config
from kasuhara_live.review.keys import localize_bindings
from kasuhara_live.review.list_screen import CallListScreen
from kasuhara_live.review.playback import Which
from kasuhara_live.review.texts import text
from kasuhara_live.store.store import CallStore


class ReviewApp(App[int]):
    """The reviewer's app; ``which`` finds the audio player (tests give it a PATH of their own)."""

    CSS_PATH: ClassVar[list[str | PurePath]] = ["review.tcss"]
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+q", "quit", "key.quit")]

    def __init__(self, cfg: Config, store: CallStore, reviewer: str, *, which: Which = shutil.which) -> None:
        super().__init__()
        self.lang = cfg.ui.language
        self.store = store
        self.reviewer = reviewer
        self.which = which
        localize_bindings(self, self.lang)

    def on_mount(self) -> None:
        self.title = text(self.lang, "title")
        self.push_screen(CallListScreen(self.lang, self.store, self.reviewer, self.which))
