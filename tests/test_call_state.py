"""Call-level judgement: repetition, call length, shouting, decay, escalation, partial/final dedup."""

from __future__ import annotations

import dataclasses
import json
import tomllib

import pytest

from kasuhara_live import wire
from kasuhara_live.config import Config
from kasuhara_live.events import Alert, Event, Level, LevelChanged, UtteranceFinal, UtterancePartial
from kasuhara_live.judge.call_state import CallJudge, agent_phrase_matcher
from kasuhara_live.judge.japanese import Analyzer
from kasuhara_live.judge.lexicon import parse_lexicon
from kasuhara_live.judge.rules import UtteranceJudge
from kasuhara_live.judge.scripts import parse_scripts
from tests.test_lexicon_matching import MINI

STEPS = ("acknowledge", "clear_statement", "final_warning", "end_call", "supervisor")
SCRIPTS = parse_scripts({
    "ja": {"default": {s: f"ja:{s}" for s in STEPS}, "dogeza": {"clear_statement": "ja:dogeza:clear"}},
    "en": {"default": {s: f"en:{s}" for s in STEPS}},
})


@pytest.fixture()
def make(cfg: Config):  # type: ignore[no-untyped-def]
    analyzer = Analyzer()
    judge = UtteranceJudge(parse_lexicon(tomllib.loads(MINI)), cfg.judge, analyzer)

    def build(**judge_overrides: object) -> CallJudge:
        c = dataclasses.replace(cfg, judge=dataclasses.replace(cfg.judge, **judge_overrides))
        return CallJudge("c1", c, judge, SCRIPTS, agent_phrase_matcher(c, analyzer))

    return build


class Call:
    def __init__(self, judge: CallJudge) -> None:
        self.judge = judge
        self.n = 0
        self.events: list[Event] = []

    def say(self, t: float, text: str, speaker: str = "customer", loudness: float = -26.0) -> list[Event]:
        self.n += 1
        out = self.judge(UtteranceFinal("c1", t + 0.5, f"u{self.n}", speaker, t - 2.0, t, text, loudness))
        self.events += out
        return out

    def alerts(self) -> list[Alert]:
        return [e for e in self.events if isinstance(e, Alert)]


def test_first_harassment_gets_the_clear_statement_then_the_final_warning(make) -> None:  # type: ignore[no-untyped-def]
    call = Call(make())
    [alert, change] = call.say(10, "土下座しろ")
    assert isinstance(alert, Alert) and alert.severity is Level.WARNING and alert.script == "ja:dogeza:clear"
    assert alert.evidence and "means_manner" in alert.criteria and alert.start == 8.0 and alert.end == 10.0
    assert isinstance(change, LevelChanged) and change.level is Level.WARNING and change.reason
    assert alert.source == "term:dogeza, grammar:command"  # the lexicon term decides; the command adds to it
    [second] = call.say(20, "このバカ")
    assert isinstance(second, Alert) and second.script == "ja:final_warning" and second.source == "term:baka"


def test_harassment_after_the_agents_final_warning_is_critical(make) -> None:  # type: ignore[no-untyped-def]
    call = Call(make())
    call.say(10, "このバカ")
    assert call.say(15, "これ以上続くようでしたら、お電話を終了させていただきます", speaker="agent") == []
    alert = call.say(20, "バカ")[0]
    assert isinstance(alert, Alert) and alert.severity is Level.CRITICAL and alert.script == "ja:end_call"
    assert "最終警告" in alert.reason
    assert alert.source == "call:after_final_warning, term:baka"


def test_agent_words_are_not_judged(make) -> None:  # type: ignore[no-untyped-def]
    assert Call(make()).say(10, "土下座のご要望にはお応えできません", speaker="agent") == []


def test_repeated_demand_becomes_persistence(make) -> None:  # type: ignore[no-untyped-def]
    call = Call(make(repeat_count=3, repeat_window_minutes=5.0))
    call.say(10, "慰謝料のことです")
    call.say(40, "慰謝料はどうなりますか")
    out = call.say(70, "慰謝料ですよ")
    alerts = [e for e in out if isinstance(e, Alert)]
    assert alerts and alerts[0].category == "persistence" and alerts[0].severity is Level.WARNING
    assert "3回" in alerts[0].reason and "work_environment" in alerts[0].criteria
    assert alerts[0].source == "call:repeated_demand, term:isharyo"
    assert [a.source for a in call.alerts()] == ["term:isharyo", "call:repeated_demand, term:isharyo"]


def test_demands_spread_beyond_the_window_are_not_persistence(make) -> None:  # type: ignore[no-untyped-def]
    call = Call(make(repeat_count=3, repeat_window_minutes=1.0))
    for t in (10, 100, 190):
        call.say(t, "慰謝料のことです")
    assert all(a.category != "persistence" for a in call.alerts())


def test_shouting_against_the_callers_own_baseline(make) -> None:  # type: ignore[no-untyped-def]
    call = Call(make(shout_db=8.0, shout_weight=0.5, baseline_utterances=3))
    for t in (5, 10, 15):
        call.say(t, "注文の件です", loudness=-30.0)
    assert call.alerts() == []
    out = call.say(20, "返金してくださいよ", loudness=-18.0)
    [alert] = [e for e in out if isinstance(e, Alert)]
    assert alert.severity is Level.CAUTION and any("大声" in e for e in alert.evidence)
    assert alert.source == "call:shouting"
    out = call.say(25, "慰謝料を払ってください", loudness=-18.0)  # a demand, shouted: pressed with coercion
    assert any(isinstance(e, Alert) and e.severity is Level.WARNING for e in out)


def test_call_length_thresholds(make, cfg: Config) -> None:  # type: ignore[no-untyped-def]
    judge = make()
    minutes = cfg.call
    out = judge(UtteranceFinal("c1", minutes.caution_minutes * 60 + 1, "u1", "customer", 0, 1, "はい"))
    [alert] = [e for e in out if isinstance(e, Alert)]
    assert alert.category == "restraint" and alert.severity is Level.CAUTION and "work_environment" in alert.criteria
    out = judge(UtteranceFinal("c1", minutes.limit_minutes * 60 + 1, "u2", "customer", 0, 1, "はい"))
    severities = [e.severity for e in out if isinstance(e, Alert)]
    assert severities == [Level.WARNING, Level.CRITICAL]
    assert alert.source == "call:length" and {e.source for e in out if isinstance(e, Alert)} == {"call:length"}


def test_the_source_travels_from_the_judge_onto_the_wire(make) -> None:  # type: ignore[no-untyped-def]
    call = Call(make())
    [alert, _] = call.say(10, "土下座しろ")
    assert isinstance(alert, Alert)
    line = wire.dumps(alert)
    assert json.loads(line)["source"] == "term:dogeza, grammar:command"
    assert wire.loads(line) == alert


def test_level_decays_with_a_reason(make) -> None:  # type: ignore[no-untyped-def]
    call = Call(make(decay_minutes=2.0))
    call.say(10, "このバカ")
    out = call.say(10 + 125, "はい、わかりました")
    [change] = [e for e in out if isinstance(e, LevelChanged)]
    assert change.previous is Level.WARNING and change.level is Level.CAUTION and "2分" in change.reason


def test_partial_alert_is_not_repeated_by_the_final(make) -> None:  # type: ignore[no-untyped-def]
    judge = make()
    early = judge(UtterancePartial("c1", 3.0, "u1", "customer", 1.0, 3.0, "土下座しろ"))
    assert [type(e) for e in early] == [Alert, LevelChanged]
    late = judge(UtteranceFinal("c1", 5.0, "u1", "customer", 1.0, 4.5, "土下座しろよ"))
    assert [e for e in late if isinstance(e, Alert)] == []


def test_complaints_are_acknowledged_once_not_flooded(make) -> None:  # type: ignore[no-untyped-def]
    call = Call(make())
    call.say(10, "返金してください")
    call.say(20, "早く返金してください")
    [alert] = call.alerts()
    assert alert.category == "complaint" and alert.severity is Level.CAUTION and alert.script == "ja:acknowledge"


def test_english_ui(make, cfg: Config) -> None:  # type: ignore[no-untyped-def]
    judge = make()
    judge.lang = "en"
    out = judge(UtteranceFinal("c1", 5.0, "u1", "customer", 1.0, 4.5, "このバカ"))
    assert isinstance(out[0], Alert) and out[0].script == "en:clear_statement" and "verbal abuse" in out[0].reason


def test_a_sentence_cut_in_two_by_vad_is_judged_whole(make) -> None:  # type: ignore[no-untyped-def]
    judge = make(context_seconds=2.0)
    assert judge(UtteranceFinal("c1", 10.5, "u1", "customer", 8.0, 10.0, "この給料")) == []
    out = judge(UtteranceFinal("c1", 12.5, "u2", "customer", 11.0, 12.0, "泥棒が"))
    assert any(isinstance(e, Alert) and e.category == "abuse" and e.severity is Level.WARNING for e in out)


def test_context_is_only_the_same_caller_shortly_before(make) -> None:  # type: ignore[no-untyped-def]
    judge = make(context_seconds=2.0)
    judge(UtteranceFinal("c1", 10.5, "u1", "customer", 8.0, 10.0, "この給料"))
    late = judge(UtteranceFinal("c1", 20.5, "u2", "customer", 18.0, 20.0, "泥棒が"))
    other = judge(UtteranceFinal("c1", 21.5, "u3", "agent", 20.6, 21.0, "泥棒が"))
    assert late == [] and other == []


def test_a_finished_sentence_is_not_joined_to_the_next(make) -> None:  # type: ignore[no-untyped-def]
    judge = make(context_seconds=2.0)
    # the first utterance ended its sentence, so VAD did not cut one in two: joined, the two would read as one
    # clause said over in one breath (repeated_clause); an order given again later is the call state's to count
    first = judge(UtteranceFinal("c1", 10.5, "u1", "customer", 8.0, 10.0, "今すぐ来い。"))
    out = judge(UtteranceFinal("c1", 12.5, "u2", "customer", 11.0, 12.0, "今すぐ来い"))
    assert not any(isinstance(e, Alert) and e.severity >= Level.WARNING for e in first + out)


def test_a_partial_caught_in_a_loop_is_no_insistence(make) -> None:  # type: ignore[no-untyped-def]
    judge = make()
    # Whisper repeating itself in a partial hypothesis: the same words said over count only in a final
    looped = judge(UtterancePartial("c1", 3.0, "u1", "customer", 1.0, 3.0, "私が見え、私が見え、私が見え、もう"))
    assert not any(isinstance(e, Alert) for e in looped)


def test_an_alternative_reading_of_the_recogniser_is_judged_too(make) -> None:  # type: ignore[no-untyped-def]
    judge = make()
    garbled = UtteranceFinal("c1", 3.5, "u1", "customer", 1.0, 3.0, "溶けたしてみろ", -26.0,
                             alternatives=("配送は明日です", "土下座してみろ"))
    alerts = [e for e in judge(garbled) if isinstance(e, Alert)]
    assert alerts and alerts[0].category == "dogeza" and alerts[0].severity >= Level.WARNING
    assert any("土下座" in words for words in alerts[0].evidence)
    # without the alternatives the same transcript is only a rough command
    plain = make()
    assert all(e.severity is Level.CAUTION for e in plain(dataclasses.replace(garbled, alternatives=()))
               if isinstance(e, Alert))


def test_the_agents_final_warning_is_heard_in_the_best_reading_only(make) -> None:  # type: ignore[no-untyped-def]
    judge = make()
    thanks = UtteranceFinal("c1", 2.0, "u1", "agent", 0.0, 1.5, "お電話ありがとうございます", -26.0,
                            alternatives=("お電話を終了いたします",))
    judge(thanks)
    assert not judge.state.final_warning_given
