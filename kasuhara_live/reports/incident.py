"""The incident report of one call (DOMAIN.md "keep evidence"): a :class:`CallRecord` → a :class:`Document`.

What teams record by hand, produced from the store: the exchange, the demand, what was done and when, the
judgement and why, the effect on the agent, and the review's notes and lessons. The wording says what
happened and what the organisation did; it never judges the agent.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from kasuhara_live.events import Action, ActionKind, Alert, Level, UtteranceFinal
from kasuhara_live.reports import texts
from kasuhara_live.reports.document import AxisGrid, Cell, Document, Facts, Paragraph, Row, Section, Table
from kasuhara_live.reports.formatting import clock, clock_range, duration, local_datetime
from kasuhara_live.reports.texts import category_name, criterion_name, level_name
from kasuhara_live.store.store import CallRecord, CallReview

# Alerts about *what* is asked rather than how: the demand axis of the 2-axis picture, a repeated demand,
# and the complaint itself (the demand whose validity criterion 1 weighs).
DEMAND_CATEGORIES = frozenset({"excessive_demand", "dogeza", "persistence", "complaint"})
UPSETTING_FEELINGS = frozenset({"upset", "distressed"})


@dataclass(frozen=True)
class PostCallCheck:
    """The agent's answers after the call."""

    feeling: str
    talk: bool | None
    action: Action


def post_call_check(record: CallRecord) -> PostCallCheck | None:
    """The latest post-call check of the call, if the agent answered one (unreadable details count as none)."""
    for action in reversed(record.actions):
        if action.action is ActionKind.POST_CALL_CHECK:
            try:
                answers = json.loads(action.detail)
            except ValueError:
                continue
            if isinstance(answers, dict):
                talk = answers.get("talk")
                return PostCallCheck(str(answers.get("feeling", "")), talk if isinstance(talk, bool) else None,
                                     action)
    return None


def script_step(detail: str) -> tuple[str, str]:
    """``(category, step)`` from a script-used action's ``category/step`` detail (step "" when unknown)."""
    category, _, step = detail.partition("/")
    return category, step


class IncidentReport:
    """Builds the sections of one call's report in one language."""

    def __init__(self, record: CallRecord, lang: str) -> None:
        self.record = record
        self.lang = lang
        self.alerts_by_id = {a.alert_id: a for a in record.alerts}

    def t(self, key: str, **values: object) -> str:
        return texts.text(self.lang, key, **values)

    # -- small pieces ------------------------------------------------------------------------------------

    def _speaker(self, speaker: str) -> str:
        return texts.optional(self.lang, f"speaker.{speaker}") or speaker

    def _evidence(self, alert: Alert) -> str:
        if alert.evidence:
            return "「" + "」「".join(alert.evidence) + "」" if self.lang == "ja" else \
                ", ".join(f"\"{e}\"" for e in alert.evidence)
        return alert.reason or "–"

    def _criteria(self, alert: Alert) -> str:
        return "・".join(criterion_name(self.lang, c) for c in alert.criteria) or "–"

    def _who(self, action: Action) -> str:
        role = texts.optional(self.lang, f"role.{action.role}") or action.role
        return f"{action.actor}（{role}）" if action.actor and role and self.lang == "ja" else \
            f"{action.actor} ({role})" if action.actor and role else action.actor or role

    def _step_name(self, step: str) -> str:
        return texts.optional(self.lang, f"step.{step}") or step

    def _end_reason(self, reason: str) -> str:
        return texts.optional(self.lang, f"end.{reason}") or reason

    def _first(self, kind: ActionKind) -> Action | None:
        return next((a for a in self.record.actions if a.action is kind), None)

    def _count(self, kind: ActionKind) -> int:
        return sum(1 for a in self.record.actions if a.action is kind)

    # -- sections --------------------------------------------------------------------------------------

    def header(self) -> Facts:
        s = self.record.summary
        items = [
            (self.t("field.call_id"), s.call_id),
            (self.t("field.started"), local_datetime(s.started_at)),
            (self.t("field.duration"), duration(self.lang, s.duration)),
            (self.t("field.agent"), s.agent or "–"),
            (self.t("field.seat"), s.seat or "–"),
            (self.t("field.team"), s.team or "–"),
            (self.t("field.max_level"), level_name(self.lang, s.max_level.value)),
            (self.t("field.config_version"), s.config_version or "–"),
            (self.t("field.source"), s.source or "–"),
        ]
        if s.caller:
            items.append((self.t("field.caller"), s.caller[:8]))
        return Facts(tuple(items), columns=2)

    def summary(self) -> Section:
        record, s = self.record, self.record.summary
        lines: list[str] = []
        if record.alerts:
            # In the order they first came up: the summary reads as the story of the call.
            seen = list(dict.fromkeys(a.category for a in sorted(record.alerts, key=lambda a: a.start)))
            names = ("、" if self.lang == "ja" else ", ").join(category_name(self.lang, c) for c in seen)
            per_level = Counter(a.severity for a in record.alerts)
            levels = ("・" if self.lang == "ja" else ", ").join(
                f"{level_name(self.lang, lv.value)} {per_level[lv]}" for lv in reversed(Level) if per_level[lv])
            lines.append(self.t("summary.alerts", count=len(record.alerts), levels=levels, categories=names))
        else:
            lines.append(self.t("summary.no_alerts"))
        if s.max_level > Level.NONE:
            time, reason = self._why_max()
            lines.append(self.t("summary.max_level", level=level_name(self.lang, s.max_level.value),
                                time=clock(time), reason=reason))
        else:
            lines.append(self.t("summary.max_level_none"))
        scripts = [a for a in record.actions if a.action is ActionKind.SCRIPT_USED]
        if scripts:
            steps = sorted({self._step_name(script_step(a.detail)[1]) for a in scripts if script_step(a.detail)[1]})
            lines.append(self.t("summary.scripts", count=len(scripts),
                                steps=("、" if self.lang == "ja" else ", ").join(steps) or "–"))
        if joins := self._count(ActionKind.JOIN_REQUESTED):
            lines.append(self.t("summary.join", count=joins))
        acks, messages = self._count(ActionKind.ALERT_ACKNOWLEDGED), self._count(ActionKind.MESSAGE)
        if acks or messages:
            lines.append(self.t("summary.supervisor", acks=acks, messages=messages))
        red = self._first(ActionKind.RED_CARD)
        if red is not None:
            lines.append(self.t("summary.red_card", time=clock(red.time), category=self._red_card_reason(red)))
        elif s.end_reason:
            lines.append(self.t("summary.ended", reason=self._end_reason(s.end_reason)))
        else:
            lines.append(self.t("summary.ended_unknown"))
        if not record.reviews:
            lines.append(self.t("summary.not_reviewed"))
        for review in record.reviews:  # every reviewer's verdict: where they differ, the report shows it
            lines.append(self.t("summary.reviewed_yes" if review.harassment else "summary.reviewed_no",
                                reviewer=review.reviewer))
        # One sentence a line: the summary is what a manager reads, and it reads as a list of facts.
        return Section(self.t("sec.summary"), (Paragraph("\n".join(lines), tone="summary"),))

    def _why_max(self) -> tuple[float, str]:
        """When and why the call reached its highest level: the level change that got there, else the alert."""
        top = self.record.summary.max_level
        change = next((c for c in self.record.levels if c.level == top), None)
        if change is not None and change.reason:
            return change.time, change.reason
        alert = next((a for a in self.record.alerts if a.severity == top), None)
        if alert is not None:
            return alert.start, alert.reason or f"{category_name(self.lang, alert.category)}：{self._evidence(alert)}"
        return (change.time if change else 0.0), "–"

    def _red_card_reason(self, action: Action) -> str:
        alert = self.alerts_by_id.get(action.alert_id)
        key = action.detail or (alert.category if alert else "")
        return category_name(self.lang, key) if key else "–"

    def demands(self) -> Section:
        rows = tuple(
            Row((clock_range(a.start, a.end), category_name(self.lang, a.category),
                 Cell(level_name(self.lang, a.severity.value), a.severity), self._evidence(a)))
            for a in self.record.alerts if a.category in DEMAND_CATEGORIES or "demand_validity" in a.criteria)
        table = Table((self.t("col.time"), self.t("col.category"), self.t("col.level"), self.t("col.evidence")),
                      rows, empty=self.t("demands.none"))
        return Section(self.t("sec.demands"), (table,))

    def exchange(self) -> Section:
        rows: list[Row] = []
        placed = self._alerts_in_place()
        for alert in placed.get(-1, []):
            rows.append(self._alert_row(alert))
        for index, utterance in enumerate(self.record.utterances):
            words = utterance.text
            if utterance.alternatives and placed.get(index):
                # the alert may rest on another reading of the same audio: show what else the recogniser heard
                words += "\n" + self.t("exchange.heard_also", readings="／".join(utterance.alternatives))
            rows.append(Row((clock(utterance.start), self._speaker(utterance.speaker), words)))
            rows += [self._alert_row(alert) for alert in placed.get(index, [])]
        table = Table((self.t("col.time"), self.t("col.speaker"), self.t("col.text")), tuple(rows),
                      empty=self.t("exchange.none"))
        return Section(self.t("sec.exchange"), (table,))

    def _alerts_in_place(self) -> dict[int, list[Alert]]:
        """Each alert after the utterance it judged (by id and time), else after the last one before it."""
        utterances: list[UtteranceFinal] = self.record.utterances
        placed: dict[int, list[Alert]] = {}
        for alert in self.record.alerts:
            same = [i for i, u in enumerate(utterances) if u.utterance_id == alert.utterance_id and alert.utterance_id]
            if same:
                index = min(same, key=lambda i: abs(utterances[i].start - alert.start))
            else:
                before = [i for i, u in enumerate(utterances) if u.start <= alert.start]
                index = before[-1] if before else -1
            placed.setdefault(index, []).append(alert)
        return placed

    def _alert_row(self, alert: Alert) -> Row:
        words = self.t("exchange.alert", category=category_name(self.lang, alert.category),
                       evidence=self._evidence(alert))
        if alert.script:
            words += "\n" + self.t("exchange.script", script=alert.script)
        return Row((clock(alert.start), Cell(level_name(self.lang, alert.severity.value), alert.severity), words),
                   level=alert.severity)

    def actions(self) -> Section:
        entries: list[tuple[float, int, Row]] = []
        for change in self.record.levels:
            what = self.t("level.change", previous=level_name(self.lang, change.previous.value),
                          level=level_name(self.lang, change.level.value), reason=change.reason or "–")
            entries.append((change.time, 0, Row((clock(change.time), Cell(self.t("kind.level"), change.level),
                                                 what, self.t("role.detector")))))
        for action in self.record.actions:
            entries.append((action.time, 1, Row((clock(action.time), self.t(f"kind.{action.action.value}"),
                                                 self._action_what(action), self._who(action)),
                                                level=Level.CRITICAL if action.action is ActionKind.RED_CARD
                                                else None)))
        entries.sort(key=lambda e: (e[0], e[1]))
        table = Table((self.t("col.time"), self.t("col.kind"), self.t("col.what"), self.t("col.who")),
                      tuple(e[2] for e in entries), empty=self.t("actions.none"))
        return Section(self.t("sec.actions"), (table,))

    def _action_what(self, action: Action) -> str:
        kind = action.action
        if kind is ActionKind.SCRIPT_USED:
            category, step = script_step(action.detail)
            name = category_name(self.lang, category) if category else ""
            return f"{self._step_name(step)}（{name}）" if step and name else self._step_name(step) or name
        if kind is ActionKind.RED_CARD:
            return self._red_card_reason(action)
        if kind is ActionKind.ALERT_ACKNOWLEDGED:
            alert = self.alerts_by_id.get(action.alert_id)
            return self.t("ack.what", category=category_name(self.lang, alert.category), time=clock(alert.start)) \
                if alert else action.alert_id
        if kind is ActionKind.POST_CALL_CHECK:
            check = post_call_check(self.record)
            return self._feeling(check) if check else ""
        if kind is ActionKind.MESSAGE:
            return action.detail
        return ""

    def _feeling(self, check: PostCallCheck) -> str:
        feeling = texts.optional(self.lang, f"feeling.{check.feeling}") or check.feeling or "–"
        talk = "–" if check.talk is None else self.t("yes" if check.talk else "no")
        return f"{feeling}／{self.t('effect.talk')}：{talk}" if self.lang == "ja" else \
            f"{feeling}; {self.t('effect.talk').lower()}: {talk}"

    def judgement(self) -> list[Section]:
        rows = []
        for alert in self.record.alerts:
            label = self.record.labels.get(alert.alert_id)
            rows.append(Row((clock_range(alert.start, alert.end), category_name(self.lang, alert.category),
                             Cell(level_name(self.lang, alert.severity.value), alert.severity),
                             self._criteria(alert), self._evidence(alert),
                             # what raised it, as an admin finds it in configs/ (term:<id>, grammar:<rule>…)
                             Cell(alert.source or "–", muted=True),
                             Cell(self.t(f"label.{label.label}") + (f"：{label.note}" if label.note else ""))
                             if label else Cell(self.t("label.none"), muted=True))))
        alerts = Table((self.t("col.time"), self.t("col.category"), self.t("col.level"), self.t("col.criteria"),
                        self.t("col.evidence"), self.t("col.source"), self.t("col.label")), tuple(rows),
                       empty=self.t("alerts.none"))
        return [Section(self.t("sec.judgement"), ()), Section(self.t("sub.alerts"), (alerts,), depth=3),
                Section(self.t("sub.two_axis"), self._two_axis(), depth=3),
                Section(self.t("sub.missed"), (self._missed(),), depth=3)]

    def _two_axis(self) -> tuple[Facts | Paragraph | AxisGrid, ...]:
        if not self.record.reviews:
            return (Paragraph(self.t("review.none"), tone="muted"),)
        blocks: tuple[Facts | Paragraph | AxisGrid, ...] = ()
        for review in self.record.reviews:  # one judgement and one picture per reviewer
            blocks += self._one_review(review)
        return blocks

    def _one_review(self, review: CallReview) -> tuple[Facts, AxisGrid]:
        facts = Facts((
            (self.t("axis.conduct"), self.t(f"conduct.{review.conduct}")),
            (self.t("axis.demand"), self.t(f"demand.{review.demand}")),
            (self.t("axis.position"), self.t(f"position.{two_axis_position(review.conduct, review.demand)}")),
            (self.t("axis.verdict"), self.t("verdict.yes" if review.harassment else "verdict.no")),
            (self.t("axis.reviewer"), f"{review.reviewer}　{local_datetime(review.reviewed_at)}"),
        ))
        grid = AxisGrid(self.t("axis.chart"), review.conduct, review.demand,
                        (self.t("conduct.acceptable"), self.t("conduct.grey"), self.t("conduct.unacceptable")),
                        (self.t("demand.valid"), self.t("demand.grey"), self.t("demand.invalid")),
                        (self.t("axis.conduct"), self.t("axis.demand")))
        return facts, grid

    def _missed(self) -> Table:
        rows = tuple(Row((clock_range(m.start, m.end), category_name(self.lang, m.category), m.note or "–",
                          m.reviewer)) for m in self.record.missed)
        return Table((self.t("col.range"), self.t("col.category"), self.t("col.note"), self.t("col.reviewer")),
                     rows, empty=self.t("missed.none"))

    def effect(self) -> Section:
        check = post_call_check(self.record)
        if check is None:
            return Section(self.t("sec.effect"), (Paragraph(self.t("effect.none"), tone="muted"),))
        when = local_datetime(check.action.wall) if check.action.wall else clock(check.action.time)
        facts = Facts((
            (self.t("effect.feeling"), texts.optional(self.lang, f"feeling.{check.feeling}") or check.feeling or "–"),
            (self.t("effect.talk"), "–" if check.talk is None else self.t("yes" if check.talk else "no")),
            (self.t("effect.when"), when),
        ))
        blocks: tuple[Facts | Paragraph, ...] = (facts,)
        if check.talk or check.feeling in UPSETTING_FEELINGS:
            blocks += (Paragraph(self.t("effect.follow_up"), tone="note"),)
        return Section(self.t("sec.effect"), blocks)

    def review_notes(self) -> Section:
        reviews = self.record.reviews
        if not reviews:
            return Section(self.t("sec.review"), (Paragraph(self.t("review.none"), tone="muted"),))
        # The reviewer is named where several reviewed the call: whose notes are whose matters then.
        return Section(self.t("sec.review"), tuple(Facts((
            *([(self.t("col.reviewer"), review.reviewer)] if len(reviews) > 1 else []),
            (self.t("review.notes"), review.notes or self.t("none_written")),
            (self.t("review.lessons"), review.lessons or self.t("none_written")),
        )) for review in reviews))


def two_axis_position(conduct: str, demand: str) -> str:
    """Where a reviewed call sits on the 2-axis picture: ``harassment``, ``grey`` or ``complaint``."""
    conduct_high, demand_high = conduct == "unacceptable", demand == "invalid"
    if conduct_high and demand_high:
        return "harassment"
    if conduct_high or demand_high or "grey" in (conduct, demand):
        return "grey"
    return "complaint"


def build_incident(record: CallRecord, lang: str, *, redacted: bool = False,
                   footer: Callable[[str], str] | None = None) -> Document:
    """The incident report of ``record`` (already redacted when ``redacted``) in ``lang``."""
    report = IncidentReport(record, lang)
    s = record.summary
    notices = [report.t("incident.confidential")]
    if redacted:
        notices.append(report.t("incident.redacted"))
    if s.purged:
        notices.append(report.t("incident.purged"))
    sections = [Section(report.t("sec.summary"), (report.header(), *report.summary().blocks)),
                report.demands(), report.exchange(), report.actions(), *report.judgement(), report.effect(),
                report.review_notes()]
    subtitle = f"{s.call_id}　{local_datetime(s.started_at)}　{duration(lang, s.duration)}"
    return Document(lang, report.t("incident.title"), subtitle, s.max_level, level_name(lang, s.max_level.value),
                    tuple(notices), tuple(sections), (footer(lang),) if footer else ())
