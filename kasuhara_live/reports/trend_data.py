"""The numbers of a trend report, counted from the store's facts (pure: lists in, a :class:`Trends` out).

Management needs trends, not single cases (DOMAIN.md): calls and alerts by category, level, week, hour,
team and agent; how long harassment calls take; how far the escalation steps went; how agents felt; and
repeat callers, known only by a hashed id. "Harassment call" means a call whose highest level reached
``warning`` (the README's binary definition).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kasuhara_live.events import ActionKind, Level
from kasuhara_live.judge.scripts import Step
from kasuhara_live.reports.formatting import local_time, local_time_or_none
from kasuhara_live.store.store import ActionFact, AlertFact, CallSummary

HARASSMENT = Level.WARNING
FEELINGS = ("ok", "tired", "upset", "distressed")
CALLER_PREFIX = 8  # characters of the hashed caller id shown: enough to tell callers apart, not to look one up


@dataclass(frozen=True)
class Period:
    """Whole local days from ``first`` to ``last`` inclusive, and the Unix times [since, until) they cover."""

    first: dt.date
    last: dt.date

    @property
    def since(self) -> float:
        return dt.datetime.combine(self.first, dt.time()).astimezone().timestamp()

    @property
    def until(self) -> float:
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time()).astimezone().timestamp()

    def weeks(self) -> list[tuple[str, dt.date]]:
        """Every ISO week the period touches, as ``(2025-W03, its Monday)``."""
        monday = self.first - dt.timedelta(days=self.first.weekday())
        out = []
        while monday <= self.last:
            year, week, _ = monday.isocalendar()
            out.append((f"{year}-W{week:02d}", monday))
            monday += dt.timedelta(days=7)
        return out


@dataclass(frozen=True)
class Count:
    """Calls, harassment calls and alerts of one group (a category, a week, an hour, a team...)."""

    key: str
    calls: int = 0
    harassment_calls: int = 0
    critical_calls: int = 0
    alerts: int = 0
    red_cards: int = 0


@dataclass(frozen=True)
class Handling:
    """Handling time (call duration, seconds) of one group of calls; ``None`` without calls."""

    group: str
    calls: int
    median: float | None
    mean: float | None
    p90: float | None


@dataclass(frozen=True)
class Escalation:
    """How often a step was reached: in how many calls, how many times."""

    step: str
    calls: int
    times: int


@dataclass(frozen=True)
class RepeatCaller:
    """A caller (hashed id prefix) who called at least twice in the period."""

    prefix: str
    calls: int
    harassment_calls: int
    max_level: Level


@dataclass(frozen=True)
class Wellbeing:
    """Post-call checks: answers per feeling, and how many asked to talk."""

    checks: int
    feelings: dict[str, int]
    talk: dict[str, int]  # per feeling: how many of those asked to talk


@dataclass(frozen=True)
class Trends:
    """Everything the trend report shows."""

    period: Period
    calls: int
    harassment_calls: int
    alerts: int
    by_category: list[Count]
    by_level: list[Count]
    by_week: list[Count]
    by_hour: list[Count]
    by_team: list[Count]
    by_agent: list[Count]
    handling: list[Handling]
    escalation: list[Escalation]
    wellbeing: Wellbeing
    repeat_callers: list[RepeatCaller]

    @property
    def red_cards(self) -> int:
        return next((e.times for e in self.escalation if e.step == "red_card"), 0)

    @property
    def joins(self) -> int:
        return next((e.times for e in self.escalation if e.step == "join_requested"), 0)


def _handling(group: str, calls: Sequence[CallSummary]) -> Handling:
    # A length that is no number (Infinity from a store older than the wire's checks) is as unknown as none.
    durations = sorted(c.duration for c in calls if c.duration is not None and math.isfinite(c.duration))
    if not durations:
        return Handling(group, 0, None, None, None)
    p90 = durations[0] if len(durations) == 1 else statistics.quantiles(durations, n=10, method="inclusive")[-1]
    return Handling(group, len(durations), statistics.median(durations), statistics.fmean(durations), p90)


def _grouped(calls: Iterable[CallSummary], key_of: dict[str, str], alerts: Counter[str],
             red_cards: Counter[str]) -> dict[str, Count]:
    groups: dict[str, Count] = {}
    for call in calls:
        key = key_of[call.call_id]
        old = groups.get(key, Count(key))
        groups[key] = Count(key, old.calls + 1, old.harassment_calls + (call.max_level >= HARASSMENT),
                            old.critical_calls + (call.max_level >= Level.CRITICAL),
                            old.alerts + alerts[call.call_id], old.red_cards + red_cards[call.call_id])
    return groups


def _ranked(groups: dict[str, Count]) -> list[Count]:
    return sorted(groups.values(), key=lambda c: (-c.harassment_calls, -c.calls, c.key))


def _escalation(calls: Sequence[CallSummary], actions: Sequence[ActionFact]) -> list[Escalation]:
    out = [Escalation(f"reached_{level.value}", sum(1 for c in calls if c.max_level >= level), 0)
           for level in (Level.CAUTION, Level.WARNING, Level.CRITICAL)]
    scripts = [a for a in actions if a.action is ActionKind.SCRIPT_USED]
    for step in Step:
        used = [a for a in scripts if a.detail.partition("/")[2] == step.value]
        out.append(Escalation(f"script_{step.value}", len({a.call_id for a in used}), len(used)))
    for kind in (ActionKind.JOIN_REQUESTED, ActionKind.RED_CARD):
        done = [a for a in actions if a.action is kind]
        out.append(Escalation(kind.value, len({a.call_id for a in done}), len(done)))
    return out


def _wellbeing(actions: Sequence[ActionFact]) -> Wellbeing:
    feelings: Counter[str] = Counter()
    talk: Counter[str] = Counter()
    latest: dict[str, ActionFact] = {}
    for action in actions:
        if action.action is ActionKind.POST_CALL_CHECK:
            latest[action.call_id] = action  # a re-answered check counts once per call: the last answer
    for action in latest.values():
        try:
            answers = json.loads(action.detail)
        except ValueError:
            continue
        if not isinstance(answers, dict):
            continue
        feeling = str(answers.get("feeling", ""))
        feelings[feeling] += 1
        talk[feeling] += answers.get("talk") is True
    ordered = [f for f in FEELINGS if f in feelings] + sorted(set(feelings) - set(FEELINGS))
    return Wellbeing(sum(feelings.values()), {f: feelings[f] for f in ordered}, {f: talk[f] for f in ordered})


def _repeat_callers(calls: Sequence[CallSummary]) -> list[RepeatCaller]:
    by_caller: dict[str, list[CallSummary]] = defaultdict(list)
    for call in calls:
        if call.caller:
            by_caller[call.caller].append(call)
    out = [RepeatCaller(caller[:CALLER_PREFIX], len(group), sum(1 for c in group if c.max_level >= HARASSMENT),
                        max((c.max_level for c in group), key=lambda level: level.rank))
           for caller, group in by_caller.items() if len(group) >= 2]
    return sorted(out, key=lambda r: (-r.max_level.rank, -r.calls, r.prefix))


def compute_trends(period: Period, calls: Sequence[CallSummary], alerts: Sequence[AlertFact],
                   actions: Sequence[ActionFact]) -> Trends:
    """Count everything the trend report shows for the calls of ``period`` and their alerts and actions."""
    started = {c.call_id: c.started_at for c in calls}
    alerts = [a for a in alerts if a.call_id in started]
    actions = [a for a in actions if a.call_id in started]
    alerts_per_call = Counter(a.call_id for a in alerts)
    red_per_call = Counter(a.call_id for a in actions if a.action is ActionKind.RED_CARD)

    category_calls: Counter[str] = Counter()
    for call in calls:
        category_calls.update(call.categories)
    category_alerts = Counter(a.category for a in alerts)
    by_category = sorted((Count(cat, category_calls[cat], alerts=category_alerts[cat]) for cat in
                          set(category_calls) | set(category_alerts)), key=lambda c: (-c.calls, -c.alerts, c.key))

    level_calls = Counter(c.max_level for c in calls)
    level_alerts = Counter(a.severity for a in alerts)
    by_level = [Count(level.value, level_calls[level], alerts=level_alerts[level]) for level in Level]

    week_of = {c.call_id: _week(c.started_at) for c in calls}
    weeks = _grouped(calls, week_of, alerts_per_call, red_per_call)
    by_week = [weeks.get(label, Count(label)) for label, _ in period.weeks()]

    hour_of = {c.call_id: f"{local_time(c.started_at).hour:02d}" for c in calls}
    hours = _grouped(calls, hour_of, Counter(), red_per_call)
    # (an alert time no clock can show, Infinity in a store written before the wire checked numbers, is left out)
    alert_hours = Counter(f"{moment.hour:02d}" for a in alerts
                          if (moment := local_time_or_none(started[a.call_id] + a.time)) is not None)
    by_hour = []
    for hour in range(24):
        key = f"{hour:02d}"
        base = hours.get(key, Count(key))
        by_hour.append(Count(key, base.calls, base.harassment_calls, base.critical_calls, alert_hours[key],
                             base.red_cards))

    by_team = _ranked(_grouped(calls, {c.call_id: c.team for c in calls}, alerts_per_call, red_per_call))
    by_agent = _ranked(_grouped(calls, {c.call_id: c.agent for c in calls}, alerts_per_call, red_per_call))

    harassment = [c for c in calls if c.max_level >= HARASSMENT]
    others = [c for c in calls if c.max_level < HARASSMENT]
    return Trends(period, len(calls), len(harassment), len(alerts), by_category, by_level, by_week, by_hour,
                  by_team, by_agent, [_handling("harassment", harassment), _handling("other", others)],
                  _escalation(calls, actions), _wellbeing(actions), _repeat_callers(calls))


def _week(unix: float) -> str:
    year, week, _ = local_time(unix).isocalendar()
    return f"{year}-W{week:02d}"
