"""The trend report: :class:`Trends` → an HTML document with inline charts, and the same numbers as CSV.

CSV columns have stable English names (for spreadsheets and scripts) and a ``label`` column in the UI
language; files are UTF-8 with a byte-order mark so that Excel in Japan opens the Japanese labels correctly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from kasuhara_live.events import Level
from kasuhara_live.reports import texts
from kasuhara_live.reports.document import Cell, Chart, Document, Facts, Paragraph, Row, Section, Series, Table
from kasuhara_live.reports.formatting import local_time, minutes, percent
from kasuhara_live.reports.style import LEVEL_COLOUR, SERIES
from kasuhara_live.reports.texts import category_name, level_name
from kasuhara_live.reports.trend_data import Count, Handling, Trends

CSV_FILES = ("by_category.csv", "by_level.csv", "by_week.csv", "by_hour.csv", "by_team.csv", "by_agent.csv",
             "handling_time.csv", "escalation.csv", "post_call_checks.csv", "repeat_callers.csv")
REPEAT_ROWS = 20  # the page shows the callers of most concern; the CSV file lists them all
# A ratio this close to 1 is "about as long": the paragraph should not make news of noise.
_SAME_LENGTH = 1.15


class TrendReport:
    """Builds the document and CSV tables of one :class:`Trends` in one language."""

    def __init__(self, trends: Trends, lang: str) -> None:
        self.trends = trends
        self.lang = lang

    def t(self, key: str, **values: object) -> str:
        return texts.text(self.lang, key, **values)

    def _minutes(self, seconds: float | None) -> str:
        return "–" if seconds is None else minutes(self.lang, seconds)

    def _step_label(self, step: str) -> str:
        if step.startswith("script_"):
            name = texts.optional(self.lang, f"step.{step.removeprefix('script_')}") or step
            return self.t("step.script", step=name)
        return self.t(f"step.{step}")

    def _hour(self, key: str) -> str:
        return self.t("hour.label", hour=int(key))

    # -- what this means ---------------------------------------------------------------------------------

    def meaning(self) -> list[str]:
        """Neutral sentences read off the numbers (each only when its numbers exist)."""
        tr = self.trends
        if not tr.calls:
            return [self.t("empty.period")]
        lines = [self.t("means.share", calls=tr.calls, harassment=tr.harassment_calls,
                        share=percent(tr.harassment_calls, tr.calls))]
        harassment, other = tr.handling
        if harassment.mean and other.mean:
            ratio = harassment.mean / other.mean
            key = "means.longer" if ratio >= _SAME_LENGTH else "means.shorter" if ratio <= 1 / _SAME_LENGTH \
                else "means.similar"
            lines.append(self.t(key, harassment=self._minutes(harassment.mean), other=self._minutes(other.mean),
                                ratio=f"{ratio:.1f}"))
        top = next((c for c in tr.by_category if c.key != "complaint" and c.calls), None)
        if top is not None:
            lines.append(self.t("means.top_category", category=category_name(self.lang, top.key), calls=top.calls))
        if len(tr.by_week) >= 2:
            first, last = tr.by_week[0], tr.by_week[-1]
            lines.append(self.t("means.week", first=first.harassment_calls, first_week=first.key,
                                last=last.harassment_calls, last_week=last.key))
        peak = max(tr.by_hour, key=lambda c: c.harassment_calls)
        if peak.harassment_calls:
            lines.append(self.t("means.peak_hour", hour=self._hour(peak.key), calls=peak.harassment_calls))
        lines.append(self.t("means.red_cards", count=tr.red_cards, joins=tr.joins))
        if tr.repeat_callers:
            lines.append(self.t("means.repeat", callers=len(tr.repeat_callers),
                                calls=sum(r.calls for r in tr.repeat_callers)))
        wb = tr.wellbeing
        if wb.checks:
            upset = wb.feelings.get("upset", 0) + wb.feelings.get("distressed", 0)
            lines.append(self.t("means.wellbeing", checks=wb.checks, upset=upset, talk=sum(wb.talk.values())))
        return lines

    # -- sections ----------------------------------------------------------------------------------------

    def overview(self) -> Section:
        tr = self.trends
        facts = Facts((
            (self.t("fig.calls"), str(tr.calls)),
            (self.t("fig.harassment_calls"), f"{tr.harassment_calls}（{percent(tr.harassment_calls, tr.calls)}）"
             if self.lang == "ja" else f"{tr.harassment_calls} ({percent(tr.harassment_calls, tr.calls)})"),
            (self.t("fig.alerts"), str(tr.alerts)),
            (self.t("fig.red_cards"), str(tr.red_cards)),
            (self.t("fig.joins"), str(tr.joins)),
            (self.t("fig.repeat_callers"), str(len(tr.repeat_callers))),
        ), tiles=True)
        # One finding a line: each sentence stands on its own number.
        blocks: list[Facts | Paragraph] = [facts, Paragraph("\n".join(self.meaning()), tone="note")]
        if tr.calls:
            blocks.append(Paragraph(self.t("means.caveat"), tone="muted"))
        return Section(self.t("sec.overview"), tuple(blocks))

    def _counts_table(self, first: str, rows: list[Count], label: Callable[[str], str], *,
                      critical: bool = False) -> Table:
        headers = [first, self.t("col.calls"), self.t("col.harassment_calls")]
        if critical:
            headers.append(self.t("col.critical_calls"))
        headers += [self.t("col.alerts"), self.t("fig.red_cards")]
        body = []
        for c in rows:
            cells = [label(c.key), str(c.calls), str(c.harassment_calls)]
            if critical:
                cells.append(str(c.critical_calls))
            cells += [str(c.alerts), str(c.red_cards)]
            body.append(Row(tuple(cells)))
        return Table(tuple(headers), tuple(body), numeric=tuple(range(1, len(headers))), empty=self.t("empty.table"),
                     compact=True)

    def by_category(self) -> Section:
        rows = self.trends.by_category
        chart = Chart(self.t("chart.calls_by_category"), tuple(category_name(self.lang, c.key) for c in rows),
                      (Series(self.t("col.calls"), tuple(float(c.calls) for c in rows), SERIES[0]),), kind="hbar")
        table = Table((self.t("col.category"), self.t("col.calls"), self.t("col.alerts")),
                      tuple(Row((category_name(self.lang, c.key), str(c.calls), str(c.alerts))) for c in rows),
                      numeric=(1, 2), empty=self.t("empty.table"), compact=True)
        return Section(self.t("sec.by_category"), (chart, table) if rows else (table,))

    def by_level(self) -> Section:
        rows = self.trends.by_level
        chart = Chart(self.t("chart.calls_by_level"), tuple(level_name(self.lang, c.key) for c in rows),
                      (Series(self.t("col.calls"), tuple(float(c.calls) for c in rows), SERIES[0]),),
                      colours=tuple(LEVEL_COLOUR[Level(c.key)] for c in rows))
        table = Table((self.t("col.level"), self.t("col.calls"), self.t("col.alerts")),
                      tuple(Row((Cell(level_name(self.lang, c.key), Level(c.key)), str(c.calls), str(c.alerts)))
                            for c in rows), numeric=(1, 2), compact=True)
        return Section(self.t("sec.by_level"), (chart, table))

    def by_week(self) -> Section:
        rows = self.trends.by_week
        chart = Chart(self.t("chart.by_week"), tuple(c.key for c in rows), (
            Series(self.t("col.calls"), tuple(float(c.calls) for c in rows), SERIES[0]),
            Series(self.t("group.harassment"), tuple(float(c.harassment_calls) for c in rows), SERIES[1]),
        ), kind="line" if len(rows) > 2 else "bar")
        return Section(self.t("sec.by_week"), (chart, self._counts_table(self.t("col.week"), rows, str)))

    def by_hour(self) -> Section:
        rows = self.trends.by_hour
        chart = Chart(self.t("chart.by_hour"), tuple(c.key for c in rows), (
            Series(self.t("col.calls"), tuple(float(c.calls) for c in rows), SERIES[0]),
            Series(self.t("group.harassment"), tuple(float(c.harassment_calls) for c in rows), SERIES[1]),
        ))
        busy = [c for c in rows if c.calls or c.alerts]
        return Section(self.t("sec.by_hour"), (chart, self._counts_table(self.t("col.hour"), busy, self._hour)))

    def by_team(self) -> Section:
        team = self._counts_table(self.t("col.team"), self.trends.by_team, lambda k: k or self.t("team.none"),
                                  critical=True)
        agent = self._counts_table(self.t("col.agent"), self.trends.by_agent, lambda k: k or self.t("agent.none"),
                                   critical=True)
        return Section(self.t("sec.by_team"), (team, agent))

    def handling(self) -> Section:
        rows = self.trends.handling
        names = {"harassment": self.t("group.harassment"), "other": self.t("group.other")}
        chart = Chart(self.t("chart.handling"), (self.t("col.median"), self.t("col.mean"), self.t("col.p90")), tuple(
            Series(names[h.group], tuple(round((v or 0.0) / 60, 1) for v in (h.median, h.mean, h.p90)), SERIES[i])
            for i, h in enumerate(rows)))
        table = Table((self.t("col.group"), self.t("col.calls"), self.t("col.median"), self.t("col.mean"),
                       self.t("col.p90")),
                      tuple(Row((names[h.group], str(h.calls), self._minutes(h.median), self._minutes(h.mean),
                                 self._minutes(h.p90))) for h in rows), numeric=(1, 2, 3, 4), compact=True)
        has_data = any(h.calls for h in rows)
        return Section(self.t("sec.handling"), (chart, table) if has_data else (table,))

    def escalation(self) -> Section:
        table = Table((self.t("col.step"), self.t("col.calls"), self.t("col.times")), tuple(
            Row((self._step_label(e.step), str(e.calls), str(e.times) if not e.step.startswith("reached_") else "–"))
            for e in self.trends.escalation), numeric=(1, 2), compact=True)
        return Section(self.t("sec.escalation"), (table,))

    def wellbeing(self) -> Section:
        wb = self.trends.wellbeing
        table = Table((self.t("col.feeling"), self.t("col.count"), self.t("col.wants_talk")), tuple(
            Row((texts.optional(self.lang, f"feeling.{f}") or f or "–", str(n), str(wb.talk.get(f, 0))))
            for f, n in wb.feelings.items()), numeric=(1, 2), empty=self.t("wellbeing.none"), compact=True)
        return Section(self.t("sec.wellbeing"), (table,))

    def repeat_callers(self) -> Section:
        rows = self.trends.repeat_callers
        if not rows:
            return Section(self.t("sec.repeat"), (Paragraph(self.t("repeat.none"), tone="muted"),))
        summary = Paragraph(self.t("repeat.summary", callers=len(rows), calls=sum(r.calls for r in rows)))
        table = Table((self.t("col.caller"), self.t("col.calls"), self.t("col.harassment_calls"),
                       self.t("col.max_level")),
                      tuple(Row((r.prefix, str(r.calls), str(r.harassment_calls),
                                 Cell(level_name(self.lang, r.max_level.value), r.max_level)))
                            for r in rows[:REPEAT_ROWS]), numeric=(1, 2), compact=True)
        blocks: tuple[Paragraph | Table, ...] = (summary, table)
        if len(rows) > REPEAT_ROWS:
            blocks += (Paragraph(self.t("repeat.more", count=len(rows) - REPEAT_ROWS), tone="muted"),)
        return Section(self.t("sec.repeat"), blocks)

    def document(self, footer: str) -> Document:
        """The whole trend report."""
        period = self.trends.period
        zone = local_time(period.since).tzname() or ""
        sections = [self.overview()]
        if self.trends.calls:
            sections += [self.by_category(), self.by_level(), self.by_week(), self.by_hour(), self.by_team(),
                         self.handling(), self.escalation(), self.wellbeing(), self.repeat_callers()]
        sections.append(Section(self.t("sec.files"), (Paragraph("  ".join(CSV_FILES), tone="muted"),)))
        return Document(self.lang, self.t("trends.title"), self.t("trends.period", since=period.first.isoformat(),
                                                                   until=period.last.isoformat(), zone=zone),
                        footer=(footer,), sections=tuple(sections))

    # -- CSV -------------------------------------------------------------------------------------------------

    def csv_tables(self) -> dict[str, tuple[list[str], list[list[object]]]]:
        """File name → (header, rows): the numbers behind every section, one file each."""
        tr, lang = self.trends, self.lang
        counts = ["calls", "harassment_calls", "critical_calls", "alerts", "red_cards"]

        def count_row(c: Count) -> list[object]:
            return [c.calls, c.harassment_calls, c.critical_calls, c.alerts, c.red_cards]

        def handling_row(h: Handling) -> list[object]:
            return [h.group, h.calls, *("" if v is None else round(v / 60, 2) for v in (h.median, h.mean, h.p90))]

        weeks = dict(tr.period.weeks())
        return {
            "by_category.csv": (["category", "label", "calls", "alerts"],
                                [[c.key, category_name(lang, c.key), c.calls, c.alerts] for c in tr.by_category]),
            "by_level.csv": (["level", "label", "calls", "alerts"],
                             [[c.key, level_name(lang, c.key), c.calls, c.alerts] for c in tr.by_level]),
            "by_week.csv": (["week", "week_start", *counts],
                            [[c.key, weeks[c.key].isoformat(), *count_row(c)] for c in tr.by_week]),
            "by_hour.csv": (["hour", *counts], [[c.key, *count_row(c)] for c in tr.by_hour]),
            "by_team.csv": (["team", *counts], [[c.key, *count_row(c)] for c in tr.by_team]),
            "by_agent.csv": (["agent", *counts], [[c.key, *count_row(c)] for c in tr.by_agent]),
            "handling_time.csv": (["group", "calls", "median_minutes", "mean_minutes", "p90_minutes"],
                                  [handling_row(h) for h in tr.handling]),
            "escalation.csv": (["step", "label", "calls", "times"],
                               [[e.step, self._step_label(e.step), e.calls,
                                 "" if e.step.startswith("reached_") else e.times] for e in tr.escalation]),
            "post_call_checks.csv": (["feeling", "label", "checks", "wants_to_talk"],
                                     [[f, texts.optional(lang, f"feeling.{f}") or f, n, tr.wellbeing.talk.get(f, 0)]
                                      for f, n in tr.wellbeing.feelings.items()]),
            "repeat_callers.csv": (["caller_prefix", "calls", "harassment_calls", "max_level"],
                                   [[r.prefix, r.calls, r.harassment_calls, r.max_level.value]
                                    for r in tr.repeat_callers]),
        }


def to_csv(header: list[str], rows: list[list[object]]) -> str:
    """RFC 4180 CSV text (CRLF line ends, quoted where needed)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()
