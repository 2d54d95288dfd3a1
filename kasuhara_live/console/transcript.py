"""The live transcript: a Line-API scroll view that re-renders only the utterance that changed.

A call keeps up to ``console.transcript_lines`` utterances and a partial arrives about every second while
someone speaks; one widget per utterance made Textual lay out every utterance on every partial (≈0.6 ms per
line per update: a third of a second at 500 lines).  Here each utterance is rendered once per (text, width) by
Rich, which also wraps the Japanese and measures wide characters, and scrolling just picks rows.
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_right
from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from kasuhara_live.console.calls import TranscriptLine
from kasuhara_live.console.texts import text
from kasuhara_live.printable import printable

BAR_COLOUR = {"agent": "#5fafff", "customer": "#ffaf5f"}
SPEAKER_STYLE = {speaker: f"bold {colour}" for speaker, colour in BAR_COLOUR.items()}


def speaker_name(lang: str, speaker: str) -> str:
    """The on-screen name of a channel (``agent`` → 担当者); unknown channel names are shown as they are."""
    name = text(lang, f"speaker.{speaker}")
    return printable(speaker) if name == f"speaker.{speaker}" else name


def line_renderable(line: TranscriptLine, lang: str, label_width: int) -> Table:
    """One utterance: the speaker in a fixed column, so wrapped Japanese lines stay aligned under each other."""
    # Control characters made visible character by character, so the stable prefix stays a prefix.
    words, agreed = printable(line.text), printable(line.stable)
    said = Text(words, overflow="fold")  # Japanese has no spaces: break between characters
    if not line.final:
        # The agreed prefix reads as settled; the tail may still change, so it is drawn as provisional.
        stable = len(agreed) if words.startswith(agreed) else 0
        said.stylize("italic", 0, len(words))
        said.stylize("dim", stable, len(words))
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(width=label_width, no_wrap=True)
    grid.add_column(ratio=1)
    grid.add_row(Text(speaker_name(lang, line.speaker), style=SPEAKER_STYLE.get(line.speaker, "bold")), said)
    return grid


class TranscriptView(ScrollView, can_focus=True):
    """The words of a call, newest at the bottom; follows new words unless the reader has scrolled back."""

    def __init__(self, lang: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lang = lang
        self.label_width = max(Text(speaker_name(lang, s)).cell_len for s in ("agent", "customer", "mixed"))
        self.lines: list[TranscriptLine] = []  # a snapshot: the view model changes its lines in place
        self._rendered: dict[str, tuple[tuple[object, ...], list[Strip]]] = {}
        self._starts: list[int] = []  # first row of each line

    def sync(self, lines: Sequence[TranscriptLine]) -> None:
        """Show ``lines``: only new or changed utterances are rendered again."""
        self.lines = [dataclasses.replace(line) for line in lines]
        self._relayout()

    def clear(self) -> None:
        """Forget every line (a new call)."""
        self.lines = []
        self._rendered.clear()
        self._relayout()

    def strips_of(self, utterance_id: str) -> list[Strip]:
        """The rendered rows of one utterance (what the screen shows of it, unscrolled)."""
        return self._rendered.get(utterance_id, ((), []))[1]

    def text_of(self, utterance_id: str) -> str:
        """The words of one utterance as drawn, wrapped rows joined."""
        skip = 2 + self.label_width + 1  # the bar and its gap, the speaker column and the gap after it
        rows = (strip.crop(skip, strip.cell_length).text.rstrip() for strip in self.strips_of(utterance_id))
        return "".join(rows)

    def on_mount(self) -> None:
        self.anchor()  # follow the newest words until the reader scrolls back (and again once back at the end)

    def on_resize(self) -> None:
        self._relayout()

    def _relayout(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0:
            return  # not laid out yet: on_resize comes back
        starts: list[int] = []
        total = 0
        wanted = {line.utterance_id for line in self.lines}
        for uid in [uid for uid in self._rendered if uid not in wanted]:
            del self._rendered[uid]
        for line in self.lines:
            starts.append(total)
            total += len(self._line_strips(line, width))
        self._starts = starts
        self.virtual_size = Size(width, total)
        self.refresh()

    def _line_strips(self, line: TranscriptLine, width: int) -> list[Strip]:
        key = (line.text, line.stable, line.final, line.speaker, width)
        cached = self._rendered.get(line.utterance_id)
        if cached is not None and cached[0] == key:
            return cached[1]
        console = self.app.console
        rows = console.render_lines(line_renderable(line, self.lang, self.label_width),
                                    console.options.update_width(width - 2), pad=True)
        # A bar in the speaker's colour down the left of every row tells the voices apart at a glance.
        bar = [Segment("▌", Style.parse(BAR_COLOUR.get(line.speaker, "default"))), Segment(" ")]
        strips = [Strip([*bar, *Segment.adjust_line_length(row, width - 2)], width) for row in rows]
        self._rendered[line.utterance_id] = (key, strips)
        return strips

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.scrollable_content_region.width
        style: Style = self.rich_style
        if not self.lines or not 0 <= row < self.virtual_size.height:
            return Strip.blank(width, style)
        index = bisect_right(self._starts, row) - 1
        strips = self.strips_of(self.lines[index].utterance_id)
        offset = row - self._starts[index]
        if offset >= len(strips):
            return Strip.blank(width, style)
        return strips[offset].crop_extend(scroll_x, scroll_x + width, style).apply_style(style)
