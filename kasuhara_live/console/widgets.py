"""Textual widgets both consoles use: status line, level banner, call timer, alert and script panels.

Attributes go down: the app hands each widget plain values (a :class:`CallView`, a level) through ``show``
methods, and the widget only draws them.  Styling is in ``console.tcss``; state is expressed as CSS classes
(``-warning``, ``-offline``) so the stylesheet, not the code, decides colours.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from kasuhara_live.config import CallConfig
from kasuhara_live.console.calls import CallView, duration_level, format_duration
from kasuhara_live.console.texts import text
from kasuhara_live.events import Alert, Level
from kasuhara_live.judge import labels
from kasuhara_live.printable import printable

LEVEL_CLASSES = tuple(f"-{level.value}" for level in Level)


def set_level_class(widget: Static, level: Level) -> None:
    """Put exactly one ``-<level>`` class on ``widget``."""
    widget.remove_class(*LEVEL_CLASSES)
    widget.add_class(f"-{level.value}")


class StatusBar(Static):
    """One line: connection state on the left, then whatever the screen wants to say."""

    def show(self, lang: str, connected: bool, closed: bool, detail: str) -> None:
        state = text(lang, "link_closed" if closed else "connected" if connected else "disconnected")
        line = Text(state, style="bold green" if connected and not closed else "bold red")
        if detail:  # names, call ids and the hub's error messages: shown as data, whatever they hold
            line.append("  " + printable(detail))
        self.set_class(not connected or closed, "-offline")
        self.update(line)


class LevelBanner(Static):
    """The call's level as a coloured bar: none, caution, warning, critical."""

    def show(self, lang: str, level: Level, reason: str) -> None:
        set_level_class(self, level)
        line = Text(f" {text(lang, 'level', level=labels.LEVEL[lang][level.value])} ", style="bold")
        if reason and level is not Level.NONE:
            line.append(" " + printable(reason))
        self.update(line)


class CallTimer(Static):
    """The call's length against the configured limits; turns caution/warning/critical as it passes them."""

    def show(self, lang: str, call: CallView | None, now: float, limits: CallConfig) -> None:
        if call is None:
            set_level_class(self, Level.NONE)
            self.update(Text(text(lang, "no_call")))
            return
        elapsed = call.elapsed(now)
        set_level_class(self, duration_level(elapsed, limits))
        key = "call_ended" if call.ended else "timer"
        self.update(Text(text(lang, key, elapsed=format_duration(elapsed),
                              limit=format_duration(limits.limit_minutes * 60.0))))


def alert_text(lang: str, alert: Alert | None, acknowledged_by: str = "") -> Text:
    """The latest alert: level and category, the words it rests on, the criteria, what raised it, who has
    seen it. Plain :class:`Text` throughout, control characters made visible: nothing from the wire is read as
    Rich markup or reaches the terminal as an escape sequence."""
    if alert is None:
        return Text(text(lang, "alert.none"), style="dim")
    out = Text()
    out.append(f"[{labels.LEVEL[lang][alert.severity.value]}] ", style="bold")
    out.append(printable(labels.category(lang, alert.category)), style="bold")
    quote = "「{}」" if lang == "ja" else '"{}"'
    evidence = "".join(quote.format(e) for e in alert.evidence) if lang == "ja" else ", ".join(
        quote.format(e) for e in alert.evidence)
    out.append("\n" + text(lang, "alert.evidence", evidence=printable(evidence)))
    if alert.criteria:
        names = "・".join(labels.CRITERION[lang].get(c, c) for c in alert.criteria) if lang == "ja" else ", ".join(
            labels.CRITERION[lang].get(c, c) for c in alert.criteria)
        out.append("\n" + text(lang, "alert.criteria", criteria=printable(names)), style="dim")
    if alert.source:
        out.append("\n")
        out.append(text(lang, "alert.source", source=printable(alert.source)), style="dim")
    if acknowledged_by:
        out.append("\n" + text(lang, "alert.acknowledged", actor=printable(acknowledged_by)), style="bold green")
    return out


class AlertPanel(Static):
    """The latest alert of a call, coloured by its severity."""

    def show(self, lang: str, call: CallView | None) -> None:
        alert = call.last_alert if call else None
        set_level_class(self, alert.severity if alert else Level.NONE)
        self.border_title = text(lang, "alert.title")
        self.update(alert_text(lang, alert, call.acknowledged_by(alert.alert_id) if call and alert else ""))


class ScriptPanel(Static):
    """The words to read now, as large as a terminal allows: bold, padded, high contrast."""

    def show(self, lang: str, alert: Alert | None, used: bool) -> None:
        set_level_class(self, alert.severity if alert else Level.NONE)
        self.border_title = text(lang, "script.title")
        self.border_subtitle = text(lang, "script.used") if used else ""
        if alert is None or not alert.script:
            self.update(Text(text(lang, "script.none"), style="dim"))
        else:
            self.update(Text(printable(alert.script), style="bold"))
