"""Rules carry their own tests: every example and counterexample of the shipped lexicon, run on the shipped rules.

One test per utterance, generated from ``configs/lexicon.toml``: an example must make its rule fire (its id among
the judgement's cues; for an exception, a term it overlaps silenced), a counterexample must not. The model is off:
an example tests a rule, not the model. Then the checker's meaning on a small lexicon, and ``check-config`` on a
site whose rule no longer fires on its own example."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from kasuhara_live.config import JudgeConfig, load_config, resolve_config_file
from kasuhara_live.judge.lexicon import load_lexicon, parse_lexicon
from kasuhara_live.judge.rule_examples import ExampleChecker
from tests.test_cli import run_cli

_CFG = load_config()
RULES_ALONE: JudgeConfig = dataclasses.replace(_CFG.judge, model_file="")
SHIPPED = load_lexicon([resolve_config_file(_CFG, name, "judge.lexicon_files") for name in _CFG.judge.lexicon_files])
CASES = [pytest.param(rule.kind, rule.id, text, should_fire,
                      id=f"{rule.id}-{'example' if should_fire else 'counter'}{i}")
         for rule in SHIPPED.rule_examples
         for should_fire, texts in ((True, rule.examples), (False, rule.counterexamples))
         for i, text in enumerate(texts)]


@pytest.fixture(scope="module")
def shipped_checker() -> ExampleChecker:
    return ExampleChecker(SHIPPED, RULES_ALONE)


@pytest.mark.parametrize(("kind", "rule_id", "text", "should_fire"), CASES)
def test_a_shipped_rule_on_its_own_example(shipped_checker: ExampleChecker, kind: str, rule_id: str, text: str,
                                            should_fire: bool) -> None:
    fired = shipped_checker.fires(kind, rule_id, text)
    judgement = shipped_checker.judge.judge(text)
    assert fired is should_fire, f"{kind} {rule_id} on {text!r}: cues {[c.origin for c in judgement.cues]}"


def test_the_shipped_rules_keep_their_examples() -> None:
    # a ratchet: every term and construction has both; the exceptions that guard a grammar rule rather than a
    # term cannot show it (an exception's example must silence a term or construction), so they have fewer
    rules = {rule.id: rule for rule in SHIPPED.rule_examples}
    both = [rule for rule in rules.values() if rule.examples and rule.counterexamples]
    assert all(t.id in rules and rules[t.id].examples and rules[t.id].counterexamples for t in SHIPPED.terms)
    assert all(c.id in rules and rules[c.id].examples and rules[c.id].counterexamples for c in SHIPPED.constructions)
    assert len(both) >= 505


SMALL = {
    "term": [{"id": "ahonda", "category": "abuse", "axis": "conduct", "phrases": ["アホンダラ"],
              "examples": ["このアホンダラが"], "counterexamples": ["アホンダラ経を読む"]}],
    "exception": [{"id": "ahonda_sutra", "phrases": ["アホンダラ経"],
                   "examples": ["アホンダラ経を読む"], "counterexamples": ["このアホンダラが", "お経を読む"]}],
    "construction": [{"id": "you_ahonda", "category": "abuse", "axis": "conduct",
                      "parts": [["お前"], ["アホンダラ"]], "examples": ["お前はアホンダラだ"],
                      "counterexamples": ["アホンダラ経をお前が読む"]}],
}


def test_what_firing_means_for_each_kind_of_rule() -> None:
    checker = ExampleChecker(parse_lexicon(SMALL, "small.toml"), RULES_ALONE)
    assert [str(f) for f in checker.failures()] == []
    assert checker.fires("term", "ahonda", "このアホンダラが")
    assert not checker.fires("term", "ahonda", "アホンダラ経を読む")  # the exception silenced it
    assert checker.fires("exception", "ahonda_sutra", "アホンダラ経を読む")
    assert not checker.fires("exception", "ahonda_sutra", "お経を読む")  # not heard
    assert not checker.fires("exception", "ahonda_sutra", "このアホンダラが")


def test_a_failure_names_the_rule_and_the_utterance() -> None:
    data = {"term": [{**SMALL["term"][0], "examples": ["おはようございます"], "counterexamples": ["アホンダラ！"]}]}
    failures = [str(f) for f in ExampleChecker(parse_lexicon(data, "small.toml"), RULES_ALONE).failures()]
    assert failures == ["small.toml term #1 (id 'ahonda'): example 'おはようございます' does not fire",
                        "small.toml term #1 (id 'ahonda'): counterexample 'アホンダラ！' fires"]


def test_check_config_reports_a_site_rule_whose_example_no_longer_fires(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text('[judge]\nmodel_file = ""\nlexicon_files = ["lexicon.toml", "lx1.toml"]\n', encoding="utf-8")
    lexicon = tmp_path / "lx1.toml"
    lexicon.write_text('[[term]]\nid = "ahonda"\ncategory = "abuse"\naxis = "conduct"\nphrases = ["アホンダラ"]\n'
                       'examples = ["このアホンダラが"]\ncounterexamples = ["アホンダラ経を読む"]\n\n'
                       '[[exception]]\nid = "ahonda_sutra"\nphrases = ["アホンダラ経"]\n', encoding="utf-8")
    proc = run_cli("check-config", "--config", str(site))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # the admin changes the phrase: the rule's own example no longer fires, and the exception is gone
    lexicon.write_text(lexicon.read_text(encoding="utf-8").replace('phrases = ["アホンダラ"]', 'phrases = ["ボケナス"]')
                       .replace("アホンダラ経", "ボケナス経"), encoding="utf-8")
    proc = run_cli("check-config", "--config", str(site))
    assert proc.returncode == 1
    failed = [line for line in proc.stdout.splitlines() if line.startswith("failed: ")]
    assert failed == [f"failed: {lexicon}, line 2, term (id 'ahonda'): example 'このアホンダラが' does not fire"]
    assert proc.stderr.strip() == "kasuhara-live: error: 1 rule example(s) failed (see the lines above)"


def test_an_utterance_scope_exception_fires_when_it_sets_a_grammar_cue_aside(shipped_checker: ExampleChecker) -> None:
    # 暴れる is a harm verb: the grammar rule, not a term, hears a threat in 子供が暴れて. An exception of scope
    # "utterance" (rampage_not_person) silences every cue of its categories, a grammar rule's too: it fires there.
    text = "子供が暴れて、棚の商品を落としてしまったんです"
    assert [c.origin for c in shipped_checker.judge.category_silenced(text)] == ["grammar:harm_threat"]
    assert shipped_checker.fires("exception", "rampage_not_person", text)
    assert not shipped_checker.fires("exception", "rampage_not_person", "子供が走って、棚の商品を落としたんです")
    without = dataclasses.replace(SHIPPED, exceptions=tuple(e for e in SHIPPED.exceptions
                                                            if e.id != "rampage_not_person"))
    assert ExampleChecker(without, RULES_ALONE).judge.judge(text).category == "threat"  # the grammar rule's threat
