"""A call's review record in words, as Rich text: the ``review show`` command prints it plain, the app colours it.

Markers are ASCII or Japanese words, never the "ambiguous width" symbols (●, ▲, ※) that some terminals draw
two cells wide and others one: the app's columns of Japanese text must stay aligned on every terminal.
Everything the store holds as text (ids, names, words, reasons, notes) goes through
:func:`~kasuhara_live.printable.printable`: an escape sequence a peer put in a call must not reach a terminal.
"""

from __future__ import annotations

import math
from datetime import datetime

from rich.cells import cell_len
from rich.text import Text

from kasuhara_live.console.texts import text as console_text
from kasuhara_live.judge import labels
from kasuhara_live.printable import printable
from kasuhara_live.review.filters import format_time
from kasuhara_live.review.texts import text
from kasuhara_live.review.timeline import (
    ActionEntry,
    AlertEntry,
    Entry,
    LevelEntry,
    MissedEntry,
    UtteranceEntry,
    timeline,
)
from kasuhara_live.store.store import CallRecord, CallReview, CallSummary

LABEL_STYLE = {"correct": "bold green", "false_alarm": "bold red"}
SEVERITY_STYLE = {"caution": "black on #d7af00", "warning": "black on #ff8700", "critical": "bold white on #d70000"}
SPEAKERS = ("agent", "customer", "mixed")


def speaker_name(lang: str, speaker: str) -> str:
    """``agent`` → 担当者 (the consoles' words); an unknown channel name is shown as it is."""
    name = console_text(lang, f"speaker.{speaker}")
    return printable(speaker) if name == f"speaker.{speaker}" else name


def speaker_width(lang: str) -> int:
    """The widest speaker name in cells, so every utterance's words start in the same column."""
    return max(cell_len(speaker_name(lang, s)) for s in SPEAKERS)


def pad(value: str, width: int) -> str:
    """``value`` padded with spaces to ``width`` terminal cells (a Japanese character takes two)."""
    return value + " " * max(0, width - cell_len(value))


NO_START = "-"


def local_start(started_at: float) -> datetime | None:
    """The local time of a Unix time; ``None`` for one no clock can show (a damaged or forged record: 1e300)."""
    if not math.isfinite(started_at):
        return None
    try:
        return datetime.fromtimestamp(started_at)
    except (OverflowError, OSError, ValueError):  # beyond the year 9999, or what the C library can convert
        return None


def started(summary: CallSummary, with_year: bool = True) -> str:
    """The call's local start time: ``2025-05-01 10:02`` (``05-01 10:02`` without the year); ``-`` for a start
    time no calendar holds, so one bad row never hides the others."""
    moment = local_start(summary.started_at)
    if moment is None:
        return NO_START
    return moment.strftime("%Y-%m-%d %H:%M" if with_year else "%m-%d %H:%M")


def categories(lang: str, keys: tuple[str, ...]) -> str:
    return printable(("、" if lang == "ja" else ", ").join(labels.category(lang, k) for k in keys))


def evidence(lang: str, words: tuple[str, ...]) -> str:
    if not words:
        return ""
    return printable("".join(f"「{w}」" for w in words) if lang == "ja" else " " + ", ".join(
        f'"{w}"' for w in words))


def header(lang: str, record: CallRecord) -> list[Text]:
    """The lines above the transcript: who, when, how long, how bad, what was recorded about it."""
    summary = record.summary
    lines = [Text(text(lang, "call.header", call_id=printable(summary.call_id), start=started(summary),
                       agent=printable(summary.agent) or "-",
                       duration=format_time(summary.duration or 0.0, tenths=False),
                       level=labels.LEVEL[lang][summary.max_level.value]), style="bold")]
    detail = text(lang, "call.alerts", alerts=len(record.alerts), labelled=len(record.labels))
    if summary.categories:
        detail = text(lang, "call.categories", categories=categories(lang, summary.categories)) + "  " + detail
    lines.append(Text(detail))
    if summary.purged:
        lines.append(Text(text(lang, "call.purged"), style="italic"))
    elif summary.source:
        lines.append(Text(text(lang, "call.source", source=printable(summary.source)), style="dim"))
    return lines


def utterance_head(lang: str, entry: UtteranceEntry) -> Text:
    """``00:12.3 お客様`` with the speaker padded, for the start of an utterance's row."""
    utterance = entry.utterance
    return Text.assemble((format_time(utterance.start), "dim"), " ",
                         (pad(speaker_name(lang, utterance.speaker), speaker_width(lang)), "bold"))


def alert_text(lang: str, entry: AlertEntry, badge: bool = True) -> Text:
    """An alert: level, category and the words it rests on; its id, time, criteria and what raised it (the
    alert's ``source``); the reviewer's label.

    ``badge``: the level on a coloured badge (the app); else in brackets (plain text).
    """
    alert = entry.alert
    out = Text()
    level = labels.LEVEL[lang][alert.severity.value]
    out.append(f" {level} " if badge else f"[{level}]", style=SEVERITY_STYLE.get(alert.severity.value, "bold"))
    out.append(" " + printable(labels.category(lang, alert.category)) + evidence(lang, alert.evidence), style="bold")
    out.append(f"\n{printable(alert.alert_id)} {format_time(alert.start)}-{format_time(alert.end)}", style="dim")
    if alert.criteria:
        names = ("、" if lang == "ja" else ", ").join(labels.CRITERION[lang].get(c, c) for c in alert.criteria)
        out.append("  " + text(lang, "alert.criteria", criteria=printable(names)), style="dim")
    if alert.source:
        out.append("  " + text(lang, "alert.source", source=printable(alert.source)), style="dim")
    out.append("\n")
    if entry.label is None:
        out.append(text(lang, "alert.unlabelled"), style="italic")
    else:
        label = text(lang, f"label.{entry.label.label}")
        out.append(text(lang, "alert.label", label=label, reviewer=printable(entry.label.reviewer)),
                   style=LABEL_STYLE.get(entry.label.label, ""))
        if entry.label.note:
            out.append("  " + printable(entry.label.note))
    return out


def event_time(entry: LevelEntry | ActionEntry | MissedEntry) -> float:
    """Where an event sits in the call."""
    if isinstance(entry, LevelEntry):
        return entry.change.time
    if isinstance(entry, ActionEntry):
        return entry.action.time
    return entry.missed.start


def event_text(lang: str, entry: LevelEntry | ActionEntry | MissedEntry) -> Text:
    """A level change, an action or a missed range, in words (its time goes in the time column)."""
    if isinstance(entry, LevelEntry):
        change = entry.change
        return Text(text(lang, "level.line", previous=labels.LEVEL[lang][change.previous.value],
                         level=labels.LEVEL[lang][change.level.value], reason=printable(change.reason) or "-"),
                    style="yellow")
    if isinstance(entry, ActionEntry):
        action = entry.action
        body = Text(text(lang, "action.line", action=text(lang, f"action.{action.action.value}"),
                         actor=printable(action.actor or action.role) or "-"), style="bold magenta")
        if action.detail:
            body.append("  " + printable(labels.category(lang, action.detail)))
        return body
    missed = entry.missed
    body = Text(text(lang, "missed.line", start=format_time(missed.start), end=format_time(missed.end),
                     category=printable(labels.category(lang, missed.category)),
                     reviewer=printable(missed.reviewer)), style="bold cyan")
    if missed.note:
        body.append("  " + printable(missed.note))
    return body


def judgement(lang: str, review: CallReview) -> str:
    """conduct × demand and the verdict, in one line."""
    return text(lang, "review.line", conduct=text(lang, f"conduct.{review.conduct}"),
                demand=text(lang, f"demand.{review.demand}"),
                harassment=text(lang, f"harassment.{'yes' if review.harassment else 'no'}"),
                reviewer=printable(review.reviewer))


def review_text(lang: str, review: CallReview | None) -> Text:
    """One reviewer's judgement of the call, with notes and lessons (``None``: not judged yet)."""
    out = Text(text(lang, "review.title") + ": ", style="bold")
    if review is None:
        out.append(text(lang, "review.none"), style="italic")
        return out
    out.append(judgement(lang, review), style="bold red" if review.harassment else "bold")
    if review.notes:
        out.append("\n" + text(lang, "review.notes", notes=printable(review.notes, newlines=True)))
    if review.lessons:
        out.append("\n" + text(lang, "review.lessons", lessons=printable(review.lessons, newlines=True)))
    return out


def plain_lines(lang: str, record: CallRecord) -> list[str]:
    """The whole record as plain text lines: what ``kasuhara-live review show`` prints."""
    lines = [t.plain for t in header(lang, record)] + [""]
    entries: list[Entry] = timeline(record)
    if not record.utterances:
        lines.append(text(lang, "call.no_transcript"))
    indent = " " * (len(format_time(0.0)) + 1)  # alerts sit under the words, past the time column
    for entry in entries:
        if isinstance(entry, UtteranceEntry):
            lines.append(f"{utterance_head(lang, entry).plain}  {printable(entry.utterance.text)}")
        elif isinstance(entry, AlertEntry):
            lines += [indent + "  " + row for row in alert_text(lang, entry, badge=False).plain.splitlines()]
        else:
            lines.append(f"{format_time(event_time(entry))} {event_text(lang, entry).plain}")
    lines.append("")
    reviews: list[CallReview | None] = [*record.reviews] or [None]  # every reviewer's judgement, oldest first
    for review in reviews:
        lines += review_text(lang, review).plain.splitlines()
    return lines
