"""The judge's second opinion (kasuhara_live/judge/model.py): scoring, loading, training, and how the judge uses it."""

from __future__ import annotations

import dataclasses
import gzip
import json
import math
import tomllib
from pathlib import Path
from typing import Any

import pytest

from kasuhara_live.config import Config, load_config
from kasuhara_live.errors import ConfigError
from kasuhara_live.events import Alert, Level, UtteranceFinal, UtterancePartial
from kasuhara_live.judge.call_state import CallJudge, agent_phrase_matcher
from kasuhara_live.judge.detector import Detector
from kasuhara_live.judge.evaluate import read_rows
from kasuhara_live.judge.japanese import Analyzer
from kasuhara_live.judge.lexicon import parse_lexicon
from kasuhara_live.judge.model import FEATURE_BLOCKS, HarassmentModel, load_model, model_from_json
from kasuhara_live.judge.rules import UtteranceJudge
from tests.test_call_state import SCRIPTS
from tests.test_cli import assert_one_line_error, run_cli
from tests.test_lexicon_matching import MINI

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


@pytest.fixture(scope="module")
def shipped() -> Detector:
    return Detector.from_config(load_config(None))


def tiny_model(weight: float = 3.0, intercept: float = -2.0) -> dict[str, Any]:
    """A hand-made model: the word 無能 (and its pair with 窓口) pushes towards harassment, category abuse. It also
    weighs the copula だ, which the model never reads: register is not content."""
    return {
        "format": 2, "about": {"rows": 2}, "categories": ["abuse", "threat"], "intercept": intercept,
        "category_intercepts": [0.0, 0.0],
        "blocks": {
            "words": {"idf": {"無能": 2.0, "だ": 1.0, "窓口 無能": 2.0, "窓口": 1.5},
                      "weight": {"無能": weight, "窓口 無能": weight, "窓口": -0.5, "だ": 5.0},
                      "category_weights": {"無能": [1.0, -1.0]}},
            "reading": {"idf": {"ムノオ": 2.0}, "weight": {"ムノオ": weight}, "category_weights": {}},
        },
    }


def test_probability_is_logistic_regression_over_l2_normalised_tfidf(analyzer: Analyzer) -> None:
    model = model_from_json(tiny_model())
    analysis = analyzer.analyze("窓口は無能だ")
    # words block: the content words 窓口 1.5, 無能 2.0 and their pair 2.0 (は and だ are never read) → l2 norm;
    # reading block: ムノオ alone → 1
    norm = math.sqrt(1.5**2 + 2.0**2 + 2.0**2)
    score = -2.0 + (1.5 * -0.5 + 2.0 * 3.0 + 2.0 * 3.0) / norm + 3.0
    assert model.probability(analysis) == pytest.approx(1 / (1 + math.exp(-score)))
    # register alone cannot move it: said politely or roughly, the same content scores the same
    for said in ("窓口は無能です", "窓口は無能だぞ", "窓口は無能でございますね"):
        assert model.probability(analyzer.analyze(said)) == pytest.approx(model.probability(analysis)), said
    opinion = model.opinion(analysis)
    assert opinion.probability == pytest.approx(model.probability(analysis))
    assert opinion.category == "abuse"
    assert model.probability(analyzer.analyze("窓口はどこですか")) < 0.2  # an unknown text scores the intercept


@pytest.mark.parametrize("text", ["お前んとこの店、火ぃつけたろか。", "ｶﾞｽが止まった！！", "はい", "今日は、いい天気。"])
def test_located_features_are_the_features_the_model_reads(analyzer: Analyzer, text: str) -> None:
    from kasuhara_live.judge.model import _located

    analysis = analyzer.analyze(text)
    for name, features in FEATURE_BLOCKS.items():
        located = _located(analysis, name)
        assert [feature for feature, _ in located] == features(analysis)
        assert all(spot and all(0 <= i < len(analysis.tokens) for i in spot) for _, spot in located)


def test_the_evidence_is_the_clause_that_weighed_most(analyzer: Analyzer) -> None:
    model = model_from_json(tiny_model())
    opinion = model.opinion(analyzer.analyze("電話しました。窓口の人は無能だね、本当に。"))
    assert opinion.evidence == "窓口の人は無能だね"


@pytest.mark.parametrize(("change", "message"), [
    (lambda m: m.update(format=1), r"judge model format 1, expected 2 \(retrain it"),
    (lambda m: m.pop("intercept"), "malformed judge model"),
    (lambda m: m["blocks"].update(chars={}), "unknown feature block 'chars'"),
    (lambda m: m["blocks"]["words"]["category_weights"].update({"だ": [1.0]}), "has weights of the wrong shape"),
    (lambda m: m["blocks"]["words"]["weight"].update({"未知": 1.0}), "has weights of the wrong shape"),
    (lambda m: m.update(category_intercepts=[0.0]), "1 category intercepts for 2 categories"),
])
def test_a_broken_model_file_is_a_config_error_naming_it(tmp_path: Path, change: Any, message: str) -> None:
    data = tiny_model()
    change(data)
    path = tmp_path / "m.json.gz"
    path.write_bytes(gzip.compress(json.dumps(data).encode()))
    with pytest.raises(ConfigError, match=message) as caught:
        load_model(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_numbers_that_are_not_finite_are_refused_and_extreme_ones_do_not_overflow(tmp_path: Path,
                                                                                  analyzer: Analyzer) -> None:
    data = tiny_model()
    data["blocks"]["words"]["weight"]["無能"] = float("nan")
    with pytest.raises(ConfigError, match="not finite"):
        model_from_json(data)
    low = model_from_json(tiny_model(intercept=-800.0))
    assert low.probability(analyzer.analyze("窓口はどこ")) == 0.0
    assert low.opinion(analyzer.analyze("窓口は無能だ")).probability == pytest.approx(0.0)


def test_a_missing_or_unreadable_model_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"judge model not found: .*nothing.json"):
        load_model(tmp_path / "nothing.json")
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read the judge model"):
        load_model(tmp_path / "bad.json")
    (tmp_path / "a-directory").mkdir()
    with pytest.raises(ConfigError, match=r"cannot read the judge model .*a-directory"):
        load_model(tmp_path / "a-directory")


def test_a_parsed_model_is_kept_by_its_bytes_and_a_damaged_copy_is_parsed_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, analyzer: Analyzer) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("KASUHARA_CACHE_DIR", str(cache))
    path = tmp_path / "m.json.gz"
    original = gzip.compress(json.dumps(tiny_model()).encode())
    path.write_bytes(original)
    fresh = load_model(path)
    [copy] = cache.glob("judge-model-*.marshal")
    again = load_model(path)
    said = analyzer.analyze("窓口は無能だ")
    assert again.blocks == fresh.blocks and again.categories == fresh.categories and again.about == fresh.about
    assert again.opinion(said) == fresh.opinion(said)
    # the copy is what is read: another model's copy under this file's name is believed...
    other = gzip.compress(json.dumps(tiny_model(intercept=-7.0)).encode())
    path.write_bytes(other)
    assert load_model(path).intercept == -7.0  # ...a changed file has another digest: parsed, not the old copy
    [copy_of_other] = set(cache.glob("judge-model-*.marshal")) - {copy}
    copy.write_bytes(copy_of_other.read_bytes())
    path.write_bytes(original)
    assert load_model(path).intercept == -7.0
    copy.write_bytes(b"\x00 damaged")  # a damaged copy: the file is parsed again and the copy rewritten
    assert load_model(path).intercept == -2.0 and load_model(path).blocks == fresh.blocks
    # no cache where none can be written, or where it is turned off: the model loads all the same
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    monkeypatch.setenv("KASUHARA_CACHE_DIR", str(tmp_path / "a-file" / "cache"))
    assert load_model(path).blocks == fresh.blocks
    monkeypatch.setenv("KASUHARA_CACHE_DIR", "")
    path.write_bytes(gzip.compress(json.dumps(tiny_model(intercept=-3.0)).encode()))
    assert load_model(path).intercept == -3.0 and len(list(cache.glob("*"))) == 2


# -- the judge with a model ----------------------------------------------------------------------------------


def judge_with(cfg: Config, analyzer: Analyzer, model: HarassmentModel | None, **overrides: Any) -> UtteranceJudge:
    # the tiny model's sentences are short: the length gate has its own test
    jcfg = dataclasses.replace(cfg.judge, **{"model_min_kana": 0, **overrides})
    return UtteranceJudge(parse_lexicon(tomllib.loads(MINI)), jcfg, analyzer, model)


def test_the_model_raises_what_the_rules_left_below_warning(cfg: Config, analyzer: Analyzer) -> None:
    judge = judge_with(cfg, analyzer, model_from_json(tiny_model()))
    judgement = judge.judge("窓口は無能だ")
    assert judgement.level is Level.WARNING and judgement.category == "abuse"
    [cue] = [c for c in judgement.cues if c.source == "model"]
    assert cue.severity is Level.WARNING and cue.evidence == "窓口は無能だ" and 0.8 <= cue.weight <= 1.0
    assert "means_manner" in judgement.criteria
    # the rules alone say nothing; a partial (whole=False) and a higher threshold leave it to them
    assert judge_with(cfg, analyzer, None).judge("窓口は無能だ").level is Level.NONE
    assert judge.judge("窓口は無能だ", whole=False).level is Level.NONE
    assert judge_with(cfg, analyzer, model_from_json(tiny_model()), model_threshold=0.99).judge(
        "窓口は無能だ").level is Level.NONE


def test_the_model_never_makes_critical_nor_overrides_the_rules(cfg: Config, analyzer: Analyzer) -> None:
    judge = judge_with(cfg, analyzer, model_from_json(tiny_model(weight=-3.0, intercept=-5.0)))
    rules = judge_with(cfg, analyzer, None)
    for text in ("土下座しろ", "殺すぞ", "ありがとうございました"):
        assert judge.judge(text) == rules.judge(text)  # a model that says "no" does not lower the rules
    sure = judge_with(cfg, analyzer, model_from_json(tiny_model(weight=9.0, intercept=9.0)))
    assert sure.judge("窓口は無能だ").level is Level.WARNING  # certain, and still only warning


def test_a_grey_demand_pressed_keeps_the_category_the_rules_found(cfg: Config, analyzer: Analyzer) -> None:
    data = tiny_model()
    data["blocks"]["reading"]["idf"]["イシャリ"] = 2.0  # a 4-gram of the reading of 慰謝料
    data["blocks"]["reading"]["weight"]["イシャリ"] = 9.0
    judge = judge_with(cfg, analyzer, model_from_json(data))
    rules = judge_with(cfg, analyzer, None).judge("慰謝料をいただけますか")
    assert rules.level is Level.CAUTION and rules.category == "excessive_demand"
    judgement = judge.judge("慰謝料をいただけますか")
    assert judgement.level is Level.WARNING and judgement.category == "excessive_demand"


def test_the_model_reads_only_the_best_reading(cfg: Config, analyzer: Analyzer) -> None:
    judge = judge_with(cfg, analyzer, model_from_json(tiny_model()))
    assert judge.judge_readings(("窓口は無能だ", "窓口はどこだ")).level is Level.WARNING
    assert judge.judge_readings(("窓口はどこだ", "窓口は無能だ")).level is Level.NONE  # the rules' job, not the model's


def test_short_utterances_are_left_to_the_rules(cfg: Config, analyzer: Analyzer) -> None:
    assert len(analyzer.analyze("窓口は無能だ").key) == 9  # マドグチワムノオダ
    # the content words 窓口 + 無能 read マドグチ + ムノオ: 7 kana (は and だ do not count)
    assert judge_with(cfg, analyzer, model_from_json(tiny_model()), model_min_kana=8).judge(
        "窓口は無能だ").level is Level.NONE
    assert judge_with(cfg, analyzer, model_from_json(tiny_model()), model_min_kana=7).judge(
        "窓口は無能だ").level is Level.WARNING
    assert judge_with(cfg, analyzer, model_from_json(tiny_model()), model_min_kana=8).judge(
        "窓口は無能でございますね").level is Level.NONE  # politeness adds nothing to read


@pytest.mark.parametrize(("text", "category"), [
    ("何時間でも待ちますよ", "restraint"),  # hours the caller waits, not hours the agent is held
    ("十回かけても繋がらなかった", "persistence"),  # a grievance, not a campaign
    ("あの看板、台風で落ちても知りませんよ", "threat"),  # a hazard reported
    ("友達の家行くけん", "personal_attack"),  # someone else's home
])
def test_the_model_does_not_overrule_a_rule_that_dismissed_the_same_words(shipped: Detector, text: str,
                                                                         category: str) -> None:
    """A model sure of the very category a rule looked at and dismissed says nothing; another category it may."""
    def judge(model: dict[str, Any]) -> UtteranceJudge:
        return UtteranceJudge(shipped.lexicon, dataclasses.replace(shipped.cfg.judge, model_min_kana=0),
                              shipped.judge.analyzer, model_from_json(model))

    for_category = tiny_model(weight=0.0, intercept=9.0)  # certain of everything
    for_category["categories"] = [category, "abuse"]
    for_category["category_intercepts"] = [1.0, 0.0]
    assert judge(for_category).judge(text).level < Level.WARNING
    for_category["category_intercepts"] = [0.0, 1.0]  # now it names abuse, which no rule looked at
    assert judge(for_category).judge(text).category == "abuse"


def test_the_call_alert_says_the_model_raised_it_and_partials_do_not(cfg: Config, analyzer: Analyzer) -> None:
    cfg = dataclasses.replace(cfg, judge=dataclasses.replace(cfg.judge, model_min_kana=0))
    judge = judge_with(cfg, analyzer, model_from_json(tiny_model()))
    call = CallJudge("c1", cfg, judge, SCRIPTS, agent_phrase_matcher(cfg, analyzer))
    assert call(UtterancePartial("c1", 1.0, "u1", "customer", 0.0, 1.0, "窓口は無能だ。")) == []
    alerts = [e for e in call(UtteranceFinal("c1", 2.5, "u1", "customer", 0.0, 2.0, "窓口は無能だ。", -26.0))
              if isinstance(e, Alert)]
    assert [(a.severity, a.category) for a in alerts] == [(Level.WARNING, "abuse")]
    assert alerts[0].reason.startswith("精神的な攻撃（暴言）（発言全体からの判断・確度")
    assert alerts[0].evidence == ("窓口は無能だ",)


# -- training: the product's scores are scikit-learn's -------------------------------------------------------


def test_training_writes_a_model_whose_scores_equal_scikit_learns(tmp_path: Path, analyzer: Analyzer) -> None:
    pytest.importorskip("sklearn", reason="training needs the [train] extra (installed by the set-up)")
    from kasuhara_live.judge.training import Trained, write_model

    rows = read_rows(DATA / "dev.tsv")[::2]
    trained = Trained(rows, analyzer, c=4.0, min_df=2)
    path = tmp_path / "m.json.gz"
    write_model(trained.to_json({"dev.tsv": len(rows)}), path)
    model = load_model(path)
    assert set(model.blocks) == set(FEATURE_BLOCKS) and model.about["rows"] == len(rows)
    others = [row.text for row in read_rows(DATA / "dev.tsv")[1::2]][:120]  # texts it was not trained on
    expected = trained.probabilities(others)
    got = [model.probability(analyzer.analyze(text)) for text in others]
    assert max(abs(a - b) for a, b in zip(expected, got, strict=True)) < 2e-3  # weights are rounded in the file
    assert path.read_bytes() == (write_model(trained.to_json({"dev.tsv": len(rows)}), tmp_path / "again.json.gz")
                                 or (tmp_path / "again.json.gz").read_bytes())  # deterministic bytes


def test_train_model_command(tmp_path: Path) -> None:
    pytest.importorskip("sklearn", reason="training needs the [train] extra (installed by the set-up)")
    out = tmp_path / "site-model.json.gz"
    proc = run_cli("train-model", str(DATA / "heldout.tsv"), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "trained on 202 utterances" in proc.stdout and out.exists()
    site = tmp_path / "site.toml"
    site.write_text(f'[judge]\nmodel_file = "{out}"\nmodel_threshold = 0.9\n', encoding="utf-8")
    proc = run_cli("check-config", "--config", str(site))
    assert proc.returncode == 0 and "(202 utterances, trained" in proc.stdout and "threshold 0.9" in proc.stdout
    bad = tmp_path / "bad.tsv"
    bad.write_text("id\tlevel\tcategory\ttext\n1\tnone\tnone\tこんにちは\n", encoding="utf-8")
    assert_one_line_error(run_cli("train-model", str(bad), "--out", str(tmp_path / "x.json")),
                          "training needs rows of harassment")


def test_training_with_two_categories_and_training_errors(tmp_path: Path, analyzer: Analyzer) -> None:
    pytest.importorskip("sklearn", reason="training needs the [train] extra (installed by the set-up)")
    from kasuhara_live.judge.training import Trained

    rows = [row for row in read_rows(DATA / "dev.tsv") if row.category in ("abuse", "threat", "none")]
    model = model_from_json(Trained(rows, analyzer).to_json({}))  # two categories: one row of weights in sklearn
    assert model.categories == ("threat", "abuse")
    assert model.opinion(analyzer.analyze("殺すぞ、覚えとけ")).category == "threat"
    assert model.opinion(analyzer.analyze("このバカ、役立たずが")).category == "abuse"
    tiny = tmp_path / "tiny.tsv"
    tiny.write_text("id\tlevel\tcategory\ttext\n1\twarning\tabuse\tバカ\n2\tcritical\tthreat\t殺す\n"
                    "3\tnone\tnone\tはい\n", encoding="utf-8")
    assert_one_line_error(run_cli("train-model", str(tiny), "--out", str(tmp_path / "m.json")),
                          "cannot train on these 3 rows")
    assert_one_line_error(run_cli("train-model", str(tiny), "--out", str(tmp_path / "m.json"), "--min-df", "0"),
                          "expected 1 or more")
    assert_one_line_error(run_cli("train-model", str(DATA / "heldout.tsv"), str(DATA / "heldout_asr10.tsv"),
                                  "--out", str(tmp_path / "m.json"), "--cross-validate"),
                          "give two files or more")


def test_config_errors_about_the_model(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text('[judge]\nmodel_file = "no-such-model.json.gz"\n', encoding="utf-8")
    assert_one_line_error(run_cli("check-config", "--config", str(site)), "judge model not found")
    site.write_text("[judge]\nmodel_threshold = 0.3\n", encoding="utf-8")
    assert_one_line_error(run_cli("check-config", "--config", str(site)), "judge.model_threshold = 0.3 is not allowed")
    site.write_text('[judge]\nmodel_file = ""\n', encoding="utf-8")
    proc = run_cli("check-config", "--config", str(site))
    assert proc.returncode == 0 and "no model (rules alone)" in proc.stdout


# -- the shipped model ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "あなたの家族も同じ目に遭えばいいのに。",  # a wish of harm, no threat word
    "その喋り方、地方の出でしょ。都会の客の相手は無理だよ。",  # a regional stereotype
    "あなた何年その仕事してるの？新人でももっとましな対応するわよ。",  # demeaning, no insult word
])
def test_the_shipped_model_catches_harassment_no_rule_names(shipped: Detector, text: str) -> None:
    assert shipped.model is not None
    rules = UtteranceJudge(shipped.lexicon, shipped.cfg.judge, shipped.judge.analyzer)
    assert rules.judge(text).level < Level.WARNING  # the rules alone miss it
    assert shipped.judge_text(text).level is Level.WARNING


@pytest.mark.parametrize("text", [
    "修理の予約を来週に変更したいんですが、空いている日はありますか。",
    "届いた荷物の箱が潰れていて、中のお皿が二枚割れていました。交換をお願いできますか。",
    "三回も電話してるのに、まだ直らないってどういうことですか。いい加減にしてください。",
    "このゲームのボスを倒すのに三日もかかったよ、死ぬかと思った。",
    "説明が分かりにくいので、もう一度ゆっくり教えてもらえますか。",
])
def test_the_shipped_model_leaves_enquiries_and_complaints_alone(shipped: Detector, text: str) -> None:
    assert shipped.judge_text(text).level < Level.WARNING
