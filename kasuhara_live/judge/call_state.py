"""Judging the whole call: levels that rise and decay, repetition, shouting, call length, escalation steps.

:class:`CallJudge` is the per-call state machine.  It is fed the pipeline's events (it is a pipeline hook)
and returns ``alert`` and ``level.changed`` events.  Pure: time is the audio time carried by the events.

* Utterances of the judged speakers are scored by :class:`UtteranceJudge`; shouting (loudness well above the
  caller's own baseline) adds a conduct cue.
* The same demand category ``repeat_count`` times within ``repeat_window_minutes`` is persistence (warning).
* Harassment after the agent has given the final warning (heard on the agent's channel) is critical.
* Steps: complaint/grey → acknowledge; first harassment → clear statement; more → final warning;
  critical → end the call.
* Partials may raise an alert early; the final of the same utterance never repeats it.
* The level steps down one level after ``decay_minutes`` without new evidence; every change says why.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from kasuhara_live.config import Config
from kasuhara_live.events import Alert, Event, Level, LevelChanged, UtteranceFinal, UtterancePartial
from kasuhara_live.judge import labels
from kasuhara_live.judge.japanese import Analyzer, ends_a_sentence
from kasuhara_live.judge.lexicon import Lexicon, Term
from kasuhara_live.judge.matcher import PhraseMatcher
from kasuhara_live.judge.rules import ENVIRONMENT_CATEGORIES, Cue, Judgement, UtteranceJudge, most_serious
from kasuhara_live.judge.scripts import Scripts, Step


@dataclass
class _State:
    level: Level = Level.NONE
    last_evidence: float = 0.0
    loudness: list[float] = field(default_factory=list)
    demands: list[tuple[float, str]] = field(default_factory=list)
    warnings: int = 0
    final_warning_given: bool = False
    alerted: dict[str, tuple[str, Level]] = field(default_factory=dict)  # utterance id -> (category, severity)
    categories_seen: set[str] = field(default_factory=set)
    length_steps: set[Level] = field(default_factory=set)
    count: int = 0
    previous: tuple[str, float, str, Level] | None = None  # speaker, end, text, level of the last final judged


class CallJudge:
    """The harassment judgement of one call."""

    def __init__(self, call_id: str, cfg: Config, judge: UtteranceJudge, scripts: Scripts,
                 agent_phrases: PhraseMatcher) -> None:
        self.call_id = call_id
        self.cfg = cfg
        self.jcfg = cfg.judge
        self.lang = cfg.ui.language
        self.judge = judge
        self.scripts = scripts
        self.agent_phrases = agent_phrases
        self.state = _State()

    def __call__(self, event: Event) -> list[Event]:
        out: list[Event] = []
        if isinstance(event, UtteranceFinal | UtterancePartial):
            out += self._utterance(event)
        out += self._time_passes(event.time)
        return out

    # -- utterances ---------------------------------------------------------------------------------------

    def _utterance(self, event: UtteranceFinal | UtterancePartial) -> list[Event]:
        final = isinstance(event, UtteranceFinal)
        # The agent's final warning is taken from the best reading only: another reading is for harassment
        if final and self.agent_phrases.find(self.judge.analyzer.analyze(event.text)):
            self.state.final_warning_given = True
        readings = (event.text, *event.alternatives) if isinstance(event, UtteranceFinal) else (event.text,)
        if event.speaker not in self.jcfg.speakers or (not final and not self.jcfg.judge_partials):
            return []
        extra = self._shouting(event) if isinstance(event, UtteranceFinal) else ()
        # A partial may end in the middle of a word (バカ|売れ): judge only the words already followed by more.
        if not final:
            readings = (self.judge.analyzer.settled_prefix(event.text),)
        # Every reading the recogniser offers is judged; another reading counts only where it is harassment.
        # The model reads only the best reading of a final (see UtteranceJudge.judge_readings).
        judgement = most_serious(self._with_context(event, text, self.judge.judge(text, extra, final and i == 0),
                                                    extra, final and i == 0)
                                 for i, text in enumerate(readings))
        if final:
            self.state.previous = (event.speaker, event.end, event.text, judgement.level)
        reason = self._reason_of(judgement)
        severity, category, source = judgement.level, judgement.category, judgement.source
        if final:
            repeated = self._repetition(event.time, judgement)
            if repeated and severity <= Level.WARNING:
                severity, category, reason = Level.WARNING, "persistence", repeated
                source = _sources("call:repeated_demand", source)
        if severity >= Level.WARNING and self.state.final_warning_given and severity < Level.CRITICAL:
            severity = Level.CRITICAL
            reason = labels.REASON[self.lang]["after_final_warning"].format(detail=reason)
            source = _sources("call:after_final_warning", source)
        if severity is Level.NONE:
            return []
        if not final and severity < Level.WARNING:
            return []  # partials are for early warnings only
        return self._alert(event, judgement, severity, category, reason, source)

    def _with_context(self, event: UtteranceFinal | UtterancePartial, text: str, alone: Judgement,
                      extra: tuple[Cue, ...], whole: bool) -> Judgement:
        """Judge the utterance together with the same caller's previous one when VAD cut a sentence in two.

        納得するまで | 電話を切らないからな: neither half says it alone. The joined text counts only when it says
        more than either half did, and only within ``judge.context_seconds`` of the previous utterance.
        """
        previous = self.state.previous
        if previous is None:
            return alone
        speaker, end, before, before_level = previous
        if speaker != event.speaker or event.start - end > self.jcfg.context_seconds \
                or ends_a_sentence(self.judge.analyzer.analyze(before)):
            return alone  # ネットで販売ページを見たんです | 書いてあったので…: a finished sentence is not cut in two
        joined = self.judge.judge(before + text, extra, whole)
        return joined if joined.level > max(alone.level, before_level) else alone

    def _shouting(self, event: UtteranceFinal) -> tuple[Cue, ...]:
        levels = self.state.loudness
        baseline = statistics.median(levels) if len(levels) >= self.jcfg.baseline_utterances else None
        if len(levels) < self.jcfg.baseline_utterances:
            levels.append(event.loudness_db)
        if baseline is None or event.loudness_db - baseline < self.jcfg.shout_db:
            return ()
        text = labels.REASON[self.lang]["shouting"].format(db=event.loudness_db - baseline)
        return (Cue("shouting", "intimidation", "conduct", self.jcfg.shout_weight, text, kind="call"),)

    def _repetition(self, now: float, judgement: Judgement) -> str:
        window = self.jcfg.repeat_window_minutes * 60.0
        demands = [c for c in judgement.cues if c.axis == "demand"]
        for cue in demands:
            self.state.demands.append((now, cue.category))
        self.state.demands = [(t, c) for t, c in self.state.demands if now - t <= window]
        for cue in demands:
            count = sum(1 for _, c in self.state.demands if c == cue.category)
            if count >= self.jcfg.repeat_count:
                return labels.REASON[self.lang]["repeated"].format(
                    count=count, minutes=self.jcfg.repeat_window_minutes, detail=cue.evidence)
        return ""

    def _reason_of(self, judgement: Judgement) -> str:
        evidence = "」「".join(judgement.evidence) if self.lang == "ja" else '", "'.join(judgement.evidence)
        # An alert the model raised says so, and how sure it was: a supervisor weighs it differently
        model = judgement.model_cue
        return labels.REASON[self.lang]["model" if model else "utterance"].format(
            category=labels.category(self.lang, judgement.category), evidence=evidence,
            probability=model.weight if model else 0.0)

    def _alert(self, event: UtteranceFinal | UtterancePartial, judgement: Judgement, severity: Level,
               category: str, reason: str, source: str) -> list[Event]:
        state = self.state
        previous = state.alerted.get(event.utterance_id)
        if previous is not None and previous[1] >= severity and not (
                severity is Level.CRITICAL and previous[0] != category):
            return []  # the partial already raised this alert (a critical may still be named more precisely)
        if severity is Level.CAUTION and (state.level >= Level.CAUTION and category in state.categories_seen):
            return []  # a complaint goes on: one acknowledgement is enough, do not flood the supervisor
        state.alerted[event.utterance_id] = (category, severity)
        state.categories_seen.add(category)
        step = self._step(severity)
        criteria = judgement.criteria
        if (severity >= Level.WARNING or category in ENVIRONMENT_CATEGORIES) and "work_environment" not in criteria:
            criteria = (*criteria, "work_environment")
        alert = Alert(self.call_id, event.time, self._next_alert_id(), category, severity,
                      event.start, event.end, judgement.evidence or (event.text,), criteria,
                      self.scripts.text(self.lang, category, step), reason, event.utterance_id, event.wall,
                      source=source)
        state.last_evidence = event.time
        return [alert, *self._raise(severity, reason, event.time, event.wall)]

    def _next_alert_id(self) -> str:
        self.state.count += 1
        return f"{self.call_id}-a{self.state.count:03d}"

    def _step(self, severity: Level) -> Step:
        if severity is Level.CRITICAL:
            return Step.END_CALL
        if severity is Level.WARNING:
            self.state.warnings += 1
            return Step.CLEAR_STATEMENT if self.state.warnings == 1 else Step.FINAL_WARNING
        return Step.ACKNOWLEDGE

    # -- the call as a whole ----------------------------------------------------------------------------

    def _raise(self, level: Level, reason: str, now: float, wall: float | None) -> list[Event]:
        if level <= self.state.level:
            return []
        previous, self.state.level = self.state.level, level
        return [LevelChanged(self.call_id, now, level, previous, reason, wall)]

    def _time_passes(self, now: float) -> list[Event]:
        out: list[Event] = []
        call = self.cfg.call
        for minutes, level in ((call.caution_minutes, Level.CAUTION), (call.warning_minutes, Level.WARNING),
                               (call.limit_minutes, Level.CRITICAL)):
            if now >= minutes * 60.0 and level not in self.state.length_steps:
                self.state.length_steps.add(level)
                reason = labels.REASON[self.lang]["length"].format(minutes=minutes)
                step = {Level.CAUTION: Step.SUPERVISOR, Level.WARNING: Step.CLEAR_STATEMENT}.get(level, Step.END_CALL)
                out.append(Alert(self.call_id, now, self._next_alert_id(), "restraint", level,
                                 0.0, now, (reason,), ("work_environment",),
                                 self.scripts.text(self.lang, "restraint", step), reason, source="call:length"))
                self.state.last_evidence = now
                out += self._raise(level, reason, now, None)
        decay = self.jcfg.decay_minutes * 60.0
        if self.state.level > Level.NONE and now - self.state.last_evidence >= decay:
            previous = self.state.level
            self.state.level = Level(list(Level)[previous.rank - 1])
            self.state.last_evidence = now
            reason = labels.REASON[self.lang]["decay"].format(minutes=self.jcfg.decay_minutes)
            out.append(LevelChanged(self.call_id, now, self.state.level, previous, reason))
        return out


def _sources(call_signal: str, source: str) -> str:
    """A call-level origin put before the judgement's own (``call:repeated_demand, term:demand_isharyo``)."""
    return f"{call_signal}, {source}" if source else call_signal


def agent_phrase_matcher(cfg: Config, analyzer: Analyzer) -> PhraseMatcher:
    """Recognises the agent's final-warning wording (``judge.agent_final_warning_phrases``)."""
    term = Term("agent_final_warning", "intimidation", "conduct", 0.0, None, cfg.judge.agent_final_warning_phrases)
    return PhraseMatcher(Lexicon((term,), (), ()), analyzer, cfg.judge.min_fuzzy_kana, cfg.judge.kana_per_error,
                         cfg.judge.max_reading_errors)
