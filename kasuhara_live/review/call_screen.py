"""One call under review: the transcript with its alerts in place, labelled and judged from the keyboard.

``c`` / ``f`` label the selected alert correct or a false alarm, ``m`` adds a missed range (prefilled from the
selected line), ``j`` records the two-axis judgement (the reviewer's own: each reviewer keeps one per call),
``space`` plays the selected line's audio, ``s`` stops it. Every change is written to the store at once and the
screen is redrawn from what the store then holds.
"""

from __future__ import annotations

import shutil
from typing import ClassVar

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from kasuhara_live.errors import KasuharaError
from kasuhara_live.judge import labels
from kasuhara_live.printable import printable
from kasuhara_live.review.filters import format_time
from kasuhara_live.review.keys import localize_bindings
from kasuhara_live.review.modals import JudgeDialog, Judgement, MissedDialog, MissedRange
from kasuhara_live.review.playback import Playback, Which, prepare
from kasuhara_live.review.render import (
    alert_text,
    event_text,
    event_time,
    judgement,
    speaker_name,
    speaker_width,
    started,
)
from kasuhara_live.review.texts import text
from kasuhara_live.review.timeline import AlertEntry, Entry, UtteranceEntry, segment, timeline
from kasuhara_live.store.store import CallRecord, CallStore

TIME_WIDTH = len(format_time(0.0))


def entry_renderable(lang: str, entry: Entry) -> RenderableType:
    """One line of the call as an option: columns, so wrapped Japanese stays under its own start."""
    grid = Table.grid(padding=(0, 1), expand=True)
    if isinstance(entry, UtteranceEntry):
        utterance = entry.utterance
        grid.add_column(width=TIME_WIDTH, no_wrap=True)
        grid.add_column(width=speaker_width(lang), no_wrap=True)
        grid.add_column(ratio=1)
        style = "bold #ffaf5f" if utterance.speaker == "customer" else "bold #5fafff"
        grid.add_row(Text(format_time(utterance.start), style="dim"), Text(speaker_name(lang, utterance.speaker),
                     style=style), Text(printable(utterance.text), overflow="fold"))
        return grid
    grid.add_column(width=TIME_WIDTH, no_wrap=True)
    grid.add_column(ratio=1)
    if isinstance(entry, AlertEntry):
        # Under the words it rests on, past the time column: the alert belongs to the line above.
        body = alert_text(lang, entry)
        body.overflow = "fold"
        grid.add_row(Text(""), body)
    else:
        grid.add_row(Text(format_time(event_time(entry)), style="dim"), event_text(lang, entry))
    return grid


class CallReviewScreen(Screen[None]):
    """A stored call for a reviewer: read, label, add what was missed, judge, listen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "key.back"),
        Binding("c", "label('correct')", "key.correct"),
        Binding("f", "label('false_alarm')", "key.false_alarm"),
        Binding("m", "missed", "key.missed"),
        Binding("j", "judge", "key.judge"),
        Binding("space", "play", "key.play"),
        Binding("s", "stop", "key.stop", show=False),
    ]

    def __init__(self, lang: str, store: CallStore, call_id: str, reviewer: str, which: Which = shutil.which) -> None:
        super().__init__()
        self.lang = lang
        self.store = store
        self.call_id = call_id
        self.reviewer = reviewer
        self.which = which
        self.record: CallRecord = store.call(call_id)
        self.entries: list[Entry] = []
        self.playback: Playback | None = None
        localize_bindings(self, lang)

    def compose(self) -> ComposeResult:
        yield Static(id="call-header")
        yield OptionList(id="timeline")
        yield Static(classes="status")
        yield Footer()

    def on_mount(self) -> None:
        self.redraw()
        timeline_list = self.query_one("#timeline", OptionList)
        timeline_list.highlighted = 0 if self.entries else None
        timeline_list.focus()
        self.say(text(self.lang, "reviewer", reviewer=self.reviewer))

    def on_unmount(self) -> None:
        self.action_stop(quiet=True)

    # -- drawing ----------------------------------------------------------------------------------------------

    def redraw(self) -> None:
        """Read the call again and draw it, keeping the selected line."""
        self.record = self.store.call(self.call_id)
        lang = self.lang
        # The reviewer's own judgement; others' are only counted, so a second opinion is formed independently.
        call, review = self.record.summary, self.record.review_by(self.reviewer)
        others = sum(r.reviewer != self.reviewer for r in self.record.reviews)
        first = Text(text(lang, "call.compact", call_id=printable(call.call_id), start=started(call),
                          agent=printable(call.agent) or "-",
                          duration=format_time(call.duration or 0.0, tenths=False),
                          level=labels.LEVEL[lang][call.max_level.value], alerts=len(self.record.alerts),
                          labelled=len(self.record.labels)), style="bold")
        # Others' judgements only counted, up front where a narrow screen does not cut it off.
        title = text(lang, "review.title_others", n=others) if others else text(lang, "review.title")
        second = Text(title + ": ", style="bold")
        second.append(judgement(lang, review) if review else text(lang, "review.none"),
                      style="bold red" if review and review.harassment else "")
        # Two lines at any width (review.tcss does not wrap them): the transcript gets the rest of the screen.
        self.query_one("#call-header", Static).update(Text("\n").join([first, second]))
        self.entries = timeline(self.record)
        options = self.query_one("#timeline", OptionList)
        keep = options.highlighted
        options.clear_options()
        options.add_options([Option(entry_renderable(lang, e), id=str(n)) for n, e in enumerate(self.entries)])
        if not self.entries:
            options.add_option(Option(Text(text(lang, "call.purged" if self.record.summary.purged else
                                                 "call.no_transcript"), style="italic"), disabled=True))
        elif keep is not None:
            options.highlighted = min(keep, len(self.entries) - 1)

    def say(self, message: str, error: bool = False) -> None:
        """A word on the status line; errors stand out."""
        status = self.query_one(".status", Static)
        status.set_class(error, "-error")
        # Text, not a markup string: an error names the call, and its id is whatever the wire gave.
        status.update(Text(printable(text(self.lang, "error", error=message) if error else message)))

    @property
    def selected(self) -> Entry | None:
        index = self.query_one("#timeline", OptionList).highlighted
        return self.entries[index] if index is not None and index < len(self.entries) else None

    # -- keys -------------------------------------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(None)

    def action_label(self, label: str) -> None:
        entry = self.selected
        if not isinstance(entry, AlertEntry):
            self.say(text(self.lang, "not_alert"), error=True)
            return
        alert_id = entry.alert.alert_id
        self.store.label_alert(self.call_id, alert_id, label, self.reviewer)
        self.redraw()
        self.say(text(self.lang, "labelled", alert_id=alert_id, label=text(self.lang, f"label.{label}")))

    def action_missed(self) -> None:
        entry = self.selected
        span = segment(entry) if entry is not None else None

        def added(answer: MissedRange | None) -> None:
            if answer is None:
                return
            self.store.add_missed(self.call_id, answer.start, answer.end, answer.category, self.reviewer,
                                  answer.note)
            self.redraw()
            self.say(text(self.lang, "missed.added"))

        self.app.push_screen(MissedDialog(self.lang, span[0] if span else None, span[1] if span else None,
                                          self.record.summary.duration), added)

    def action_judge(self) -> None:
        def judged(answer: Judgement | None) -> None:
            if answer is None:
                return
            self.store.review_call(self.call_id, self.reviewer, answer.conduct, answer.demand, answer.harassment,
                                   answer.notes, answer.lessons)
            self.redraw()
            self.say(text(self.lang, "judged"))

        # Prefilled from this reviewer's own earlier review only: saving never replaces another reviewer's.
        self.app.push_screen(JudgeDialog(self.lang, self.record.review_by(self.reviewer)), judged)

    def action_play(self) -> None:
        entry = self.selected
        span = segment(entry) if entry is not None else None
        if span is None:
            self.say(text(self.lang, "nothing_to_play"), error=True)
            return
        self.action_stop(quiet=True)
        try:
            playback = prepare(self.record.summary, span[0], span[1], self.which)
            playback.begin()
        except KasuharaError as exc:
            self.say(str(exc), error=True)
            return
        self.playback = playback
        self.say(text(self.lang, "playing", call_id=self.call_id, start=format_time(playback.start),
                      end=format_time(playback.end), player=playback.player))
        self.run_worker(lambda: self._wait(playback), thread=True, group="playback", exit_on_error=False)

    def _wait(self, playback: Playback) -> None:
        # In a worker thread: the player runs as long as the segment; the screen stays usable meanwhile.
        try:
            playback.wait()
        except KasuharaError as exc:
            self.app.call_from_thread(self.say, str(exc), True)

    def action_stop(self, quiet: bool = False) -> None:
        if self.playback is not None and self.playback.playing:
            self.playback.stop()
            if not quiet:
                self.say(text(self.lang, "stopped"))
        self.playback = None
