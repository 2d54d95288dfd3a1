"""The named word classes (configs/word-classes.toml) and a site lexicon's [classes.add] / [classes.remove]."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest

from kasuhara_live.config import load_config, resolve_config_file
from kasuhara_live.errors import ConfigError
from kasuhara_live.events import Level
from kasuhara_live.judge.lexicon import Lexicon, load_lexicon, parse_lexicon
from kasuhara_live.judge.rules import UtteranceJudge
from kasuhara_live.judge.word_classes import (
    CLASS_NAMES,
    PREFIX_CLASSES,
    SHIPPED_CLASSES,
    WordClasses,
    resolve_classes,
    word_classes,
)

_CFG = load_config()
RULES_ALONE = dataclasses.replace(_CFG.judge, model_file="")
SHIPPED_LEXICONS = [resolve_config_file(_CFG, name) for name in _CFG.judge.lexicon_files]


def site_lexicon(tmp_path: Path, text: str) -> Lexicon:
    site = tmp_path / "site-lexicon.toml"
    site.write_text(text, encoding="utf-8")
    return load_lexicon([*SHIPPED_LEXICONS, site])


def test_the_shipped_file_defines_every_class_with_a_comment() -> None:
    classes = word_classes()
    assert set(classes.names) == set(CLASS_NAMES)
    for name in CLASS_NAMES:
        words = getattr(classes, name)
        assert words, name
        assert isinstance(words, tuple if name in PREFIX_CLASSES else frozenset), name
    # every class says what it is for, on the line(s) right above it
    lines = SHIPPED_CLASSES.read_text(encoding="utf-8").splitlines()
    for name in CLASS_NAMES:
        at = next(i for i, line in enumerate(lines) if line.startswith(f"{name} = "))
        assert lines[at - 1].startswith("# "), name


def test_a_class_may_include_another() -> None:
    classes = word_classes()
    assert classes.family < classes.own_family and "猫" in classes.own_family
    assert classes.family < classes.own_people and "友達" in classes.own_people
    assert not any(word.startswith("@") for name in CLASS_NAMES for word in getattr(classes, name))


def test_a_lexicon_without_class_changes_reads_the_shipped_classes() -> None:
    assert load_lexicon(SHIPPED_LEXICONS).classes is None
    judge = UtteranceJudge(Lexicon((), (), ()), RULES_ALONE)
    assert judge.classes.staff == word_classes().staff


def test_a_site_adds_and_removes_words(tmp_path: Path) -> None:
    lexicon = site_lexicon(tmp_path, '[classes.add]\nnot_people = ["スズメバチ"]\nfamily = ["叔母"]\n'
                                     '[classes.remove]\nstaff = ["先生"]\nown_family = ["子"]\n')
    classes = lexicon.classes
    assert isinstance(classes, WordClasses)
    assert "スズメバチ" in classes.not_people and "ゴキブリ" in classes.not_people
    assert "先生" not in classes.staff and "店員" in classes.staff
    # a word added to family is in the classes that include it; one removed from own_family leaves family alone
    assert "叔母" in classes.family and "叔母" in classes.own_family and "叔母" in classes.own_people
    assert "子" in classes.family and "子" not in classes.own_family
    assert word_classes().staff >= {"先生"}  # the shipped classes are not changed for anyone else


def test_changes_from_several_site_files_add_up(tmp_path: Path) -> None:
    one, two = tmp_path / "one.toml", tmp_path / "two.toml"
    one.write_text('[classes.add]\nnot_people = ["スズメバチ"]\n', encoding="utf-8")
    two.write_text('[classes.add]\nnot_people = ["アシナガバチ"]\n', encoding="utf-8")
    classes = load_lexicon([*SHIPPED_LEXICONS, one, two]).classes
    assert classes is not None and {"スズメバチ", "アシナガバチ"} <= classes.not_people


@pytest.mark.parametrize(("text", "expected"), [
    ('[classes.add]\nstuff = ["x"]\n', "unknown word class 'stuff'"),
    ('[classes.add]\nnot_peple = ["x"]\n', "did you mean 'not_people'"),
    ('[classes.remove]\nstaff = ["先性"]\n', "'先性' is not in the class"),
    ('[classes]\nstaff = ["店員"]\n', r"\[classes.staff\] is not allowed"),
    ('[classes.add]\nstaff = "店員"\n', "expected a list of non-empty strings"),
    ('[classes.add]\nstaff = [""]\n', "expected a list of non-empty strings"),
])
def test_a_wrong_class_change_names_the_file_and_the_class(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected) as error:
        site_lexicon(tmp_path, text)
    assert "site-lexicon.toml" in str(error.value)


def test_a_class_that_includes_itself_is_an_error() -> None:
    definitions = {name: ("x",) for name in CLASS_NAMES} | {"family": ("@own_family",), "own_family": ("@family",)}
    with pytest.raises(ConfigError, match="includes itself"):
        resolve_classes(definitions, {})


def test_parse_lexicon_takes_class_changes_too() -> None:
    lexicon = parse_lexicon(tomllib.loads('[classes.add]\nnot_people = ["スズメバチ"]\n'), "site.toml")
    assert lexicon.classes is not None and "スズメバチ" in lexicon.classes.not_people


# The hornet and fallen-leaves cases of issue 18: pests and things are no one to threaten, and a site says which
# with one line. Killing the hornets is a threat as shipped (スズメバチ is in no class); burning them, or the
# fallen leaves (落ち葉 is shipped in not_people), is not: at most the rough ending ぞ is heard.
HORNETS = '[classes.add]\nnot_people = ["スズメバチ"]\n'


@pytest.mark.parametrize("text", ["スズメバチを殺す", "スズメバチを殺すぞ"])
def test_killing_hornets_is_quiet_after_one_line_in_a_site_file(tmp_path: Path, text: str) -> None:
    shipped = UtteranceJudge(load_lexicon(SHIPPED_LEXICONS), RULES_ALONE).judge(text)
    assert shipped.level is Level.CRITICAL and shipped.category == "threat"
    site = UtteranceJudge(site_lexicon(tmp_path, HORNETS), RULES_ALONE).judge(text)
    assert site.level < Level.WARNING and all(c.category != "threat" for c in site.cues), site


@pytest.mark.parametrize("text", ["スズメバチを燃やす", "スズメバチを燃やすぞ", "落ち葉を燃やす", "落ち葉を燃やすぞ",
                                  "ゴキブリを殺すぞ"])
def test_burning_pests_and_leaves_threatens_no_one(tmp_path: Path, text: str) -> None:
    for lexicon in (load_lexicon(SHIPPED_LEXICONS), site_lexicon(tmp_path, HORNETS)):
        judgement = UtteranceJudge(lexicon, RULES_ALONE).judge(text)
        assert judgement.level < Level.WARNING and all(c.category != "threat" for c in judgement.cues), judgement


def test_a_person_is_still_threatened_with_the_site_line(tmp_path: Path) -> None:
    judge = UtteranceJudge(site_lexicon(tmp_path, HORNETS), RULES_ALONE)
    assert judge.judge("お前を殺すぞ").level is Level.CRITICAL
    assert judge.judge("担当者を燃やす").level is Level.CRITICAL


def test_a_site_changes_a_grammar_list_the_same_way(tmp_path: Path) -> None:
    # [grammar] lists are word lists too: a site adds to one without copying it (看板 becomes something a threat
    # may be aimed at, 車 no longer is)
    lexicon = site_lexicon(tmp_path, '[classes.add]\nharm_targets = ["看板"]\n'
                                     '[classes.remove]\nharm_targets = ["車"]\n')
    shipped = load_lexicon(SHIPPED_LEXICONS)
    assert set(lexicon.harm_targets) == set(shipped.harm_targets) - {"車"} | {"看板"}
    assert lexicon.harm_verbs == shipped.harm_verbs
    before, after = UtteranceJudge(shipped, RULES_ALONE), UtteranceJudge(lexicon, RULES_ALONE)
    assert before.judge("看板を燃やす").level is Level.NONE and after.judge("看板を燃やす").level is Level.CRITICAL
    assert before.judge("車を燃やす").level is Level.CRITICAL and after.judge("車を燃やす").level is Level.NONE
    with pytest.raises(ConfigError, match="'自転車' is not in the list"):
        site_lexicon(tmp_path, '[classes.remove]\nharm_targets = ["自転車"]\n')


SITE_CONSTRUCTION = '''
[[construction]]
id = "site_family_watched"
category = "threat"
axis = "conduct"
weight = 1.0
severity = "critical"
parts = [["@family"], ["見張る", "付け回す"]]
examples = ["お前の息子、見張ってるからな"]
counterexamples = ["息子の宿題を見てるところです、少々お待ちを"]
'''


def test_a_construction_part_may_name_a_word_class(tmp_path: Path) -> None:
    # ["@family"] stands for every word of the class, as the site changed it: a kind of word, not its spellings
    judge = UtteranceJudge(site_lexicon(tmp_path, SITE_CONSTRUCTION), RULES_ALONE)
    assert "site_family_watched" in {c.source for c in judge.judge("お前の娘、見張ってるからな").cues}
    assert "site_family_watched" not in {c.source for c in judge.judge("お前の車、見張ってるからな").cues}
    added = UtteranceJudge(site_lexicon(tmp_path, SITE_CONSTRUCTION + '[classes.add]\nfamily = ["甥"]\n'), RULES_ALONE)
    assert "site_family_watched" in {c.source for c in added.judge("お前の甥、見張ってるからな").cues}
    with pytest.raises(ConfigError, match=r"'@famly': unknown word class 'famly'; did you mean 'family'\?"):
        site_lexicon(tmp_path, SITE_CONSTRUCTION.replace("@family", "@famly"))
