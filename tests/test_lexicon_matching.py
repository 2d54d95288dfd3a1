"""The matcher and the utterance rules on a small lexicon written here (the shipped one is tested elsewhere)."""

from __future__ import annotations

import tomllib

import pytest

from kasuhara_live.config import Config
from kasuhara_live.errors import ConfigError
from kasuhara_live.events import Level
from kasuhara_live.judge.japanese import Analyzer
from kasuhara_live.judge.lexicon import Lexicon, parse_lexicon
from kasuhara_live.judge.matcher import PhraseMatcher
from kasuhara_live.judge.rules import UtteranceJudge

MINI = """
version = 1
[grammar]
harm_verbs = ["殺す", "殴る"]
[[term]]
id = "dogeza"
category = "dogeza"
axis = "conduct"
weight = 1.0
phrases = ["土下座しろ", "土下座"]
[[term]]
id = "baka"
category = "abuse"
axis = "conduct"
weight = 1.0
phrases = ["バカ", "給料泥棒"]
[[term]]
id = "die"
category = "abuse"
axis = "conduct"
weight = 1.0
phrases = ["死ね"]
[[term]]
id = "kill"
category = "threat"
axis = "conduct"
weight = 1.0
severity = "critical"
phrases = ["殺すぞ"]
[[term]]
id = "isharyo"
category = "excessive_demand"
axis = "demand"
weight = 0.7
phrases = ["慰謝料"]
[[term]]
id = "refund"
category = "complaint"
axis = "complaint"
weight = 0.5
phrases = ["返金してください"]
[[exception]]
id = "baka_ure"
phrases = ["バカ売れ"]
"""


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return parse_lexicon(tomllib.loads(MINI), "mini")


@pytest.fixture(scope="module")
def judge(lexicon: Lexicon, cfg: Config) -> UtteranceJudge:
    return UtteranceJudge(lexicon, cfg.judge)


@pytest.mark.parametrize("heard", ["土下座しろ", "どげざしろ", "ドゲザしろよ", "途げざしろ", "ドゲだしろ"])
def test_misrecognised_dogeza_still_matches(judge: UtteranceJudge, heard: str) -> None:
    result = judge.judge(f"じゃあお前が{heard}")
    assert result.category == "dogeza" and result.level >= Level.WARNING, result


@pytest.mark.parametrize("text", ["殺虫剤はどこで買えますか", "この商品バカ売れしてますね", "死ぬほどかわいいです",
                                  "シネマのチケットについて", "土下座なんて求めていません", "別に死ねとは言ってない",
                                  "前の担当者に「バカ」と言われたんです"])
def test_ordinary_words_negation_and_reported_speech_stay_quiet(judge: UtteranceJudge, text: str) -> None:
    assert judge.judge(text).level < Level.WARNING, judge.judge(text)


def test_insult_with_copula_negation_is_still_an_insult(judge: UtteranceJudge) -> None:
    assert judge.judge("バカじゃないの").level is Level.WARNING


def test_demand_axis_needs_coercion_to_be_harassment(judge: UtteranceJudge) -> None:
    polite = judge.judge("慰謝料についてご相談したいのですが")
    pressed = judge.judge("慰謝料を払えよ、お前")
    assert polite.level is Level.CAUTION and polite.category == "excessive_demand"
    assert pressed.level is Level.WARNING and "demand_validity" in pressed.criteria
    assert "means_manner" in pressed.criteria


def test_threats(judge: UtteranceJudge) -> None:
    assert judge.judge("殺すぞ").level is Level.CRITICAL
    assert judge.judge("ぶん殴ってやるからな").level is Level.CRITICAL  # harm verb + てやる
    assert judge.judge("訴えてやる").level is Level.CAUTION  # てやる without harm: coercive, not violent


def test_complaint_is_caution_with_complaint_category(judge: UtteranceJudge) -> None:
    result = judge.judge("もう三回目ですよ。返金してください")
    assert result.level is Level.CAUTION and result.category == "complaint"


def test_ordinary_enquiry_is_none(judge: UtteranceJudge) -> None:
    assert judge.judge("注文した商品の配送状況を知りたいのですが").level is Level.NONE


def test_matcher_reports_the_words_that_matched(lexicon: Lexicon) -> None:
    matcher = PhraseMatcher(lexicon, Analyzer())
    [match] = [m for m in matcher.find(Analyzer().analyze("この給料ドロボーが")) if m.owner == "baka"]
    assert match.text == "給料ドロボー"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[term]]\nid = "x"\ncategory = "rudeness"\naxis = "conduct"\nphrases = ["バカ"]\n', "category = 'rudeness'"),
        ('[[term]]\nid = "x"\ncategory = "abuse"\naxis = "tone"\nphrases = ["バカ"]\n', "axis = 'tone'"),
        ('[[term]]\nid = "x"\ncategory = "abuse"\naxis = "conduct"\nweight = 9\nphrases = ["バカ"]\n', "weight = 9"),
        ('[[term]]\nid = "x"\ncategory = "abuse"\naxis = "conduct"\nphrases = []\n', "non-empty list"),
        ('[[term]]\nid = "X Y"\ncategory = "abuse"\naxis = "conduct"\nphrases = ["バカ"]\n', "id = 'X Y'"),
        ('[[term]]\nid = "x"\ncategory = "abuse"\naxis = "conduct"\nphrase = ["バカ"]\n', "unknown key 'phrase'"),
        ('[[term]]\nid = "x"\ncategory = "abuse"\naxis = "conduct"\nphrases = ["バカ"]\n'
         '[[term]]\nid = "x"\ncategory = "abuse"\naxis = "conduct"\nphrases = ["アホ"]\n', "defined twice"),
    ],
)
def test_broken_rules_are_rejected_by_name(text: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected.replace("[", r"\[")):
        parse_lexicon(tomllib.loads(text), "site.toml")


def test_too_short_phrase_is_rejected(cfg: Config) -> None:
    lexicon = parse_lexicon(tomllib.loads('[[term]]\nid = "x"\ncategory = "abuse"\naxis = "conduct"\n'
                                          'phrases = ["ア"]\n'), "site.toml")
    with pytest.raises(ConfigError, match="too short"):
        UtteranceJudge(lexicon, cfg.judge)


CONSTRUCTIONS = """
[[construction]]
id = "group_contempt"
category = "discrimination"
axis = "conduct"
weight = 1.0
parts = [["女", "外国人"], ["なんか", "くせに"]]

[[exception]]
id = "stove"
scope = "utterance"
categories = ["threat"]
phrases = ["コンロ"]

[[term]]
id = "arson"
category = "threat"
axis = "conduct"
weight = 1.0
severity = "critical"
phrases = ["火をつける"]
"""


def test_constructions_need_every_part_in_order_within_reach(cfg: Config) -> None:
    judge = UtteranceJudge(parse_lexicon(tomllib.loads(CONSTRUCTIONS), "c"), cfg.judge)
    assert judge.judge("外国人なんかに任せるからだ").category == "discrimination"
    assert judge.judge("女のくせに生意気だ").level is Level.WARNING
    assert judge.judge("なんか外国人の方が多いですね").level is Level.NONE  # wrong order
    assert judge.judge("女性用のサイズはありますか").level is Level.NONE  # one part only


def test_utterance_scope_exception_silences_its_categories(cfg: Config) -> None:
    judge = UtteranceJudge(parse_lexicon(tomllib.loads(CONSTRUCTIONS), "c"), cfg.judge)
    assert judge.judge("店に火をつけるぞ").level is Level.CRITICAL
    assert judge.judge("火をつけるタイプのコンロはありますか").level is Level.NONE


def test_bad_construction_and_scope_are_rejected() -> None:
    with pytest.raises(ConfigError, match="parts must be a list of at least two"):
        parse_lexicon(tomllib.loads('[[construction]]\nid = "x"\ncategory = "abuse"\naxis = "conduct"\n'
                                    'parts = [["a"]]\n'), "s")
    with pytest.raises(ConfigError, match="scope = 'sentence'"):
        parse_lexicon(tomllib.loads('[[exception]]\nid = "x"\nscope = "sentence"\nphrases = ["コンロ"]\n'), "s")


def _exact_term(term_id: str, category: str, axis: str, weight: float, phrase: str) -> Lexicon:
    """A lexicon of one phrase matched without tolerance (what a lemma or reading rule sees alone)."""
    return parse_lexicon({"version": 1, "term": [{"id": term_id, "category": category, "axis": axis, "weight": weight,
                                                  "fuzzy": False, "phrases": [phrase]}]}, term_id)


def test_a_conjugated_phrase_needs_the_same_form_variant(cfg: Config) -> None:
    lexicon = _exact_term("jump", "abuse", "conduct", 1.0, "線路に飛び込め")
    judge = UtteranceJudge(lexicon, cfg.judge)
    assert judge.judge("そんな対応しかできないなら線路に飛び込め").level is Level.WARNING
    # unidic tags 飛び込め 連用形-一般 and 飛び込ん 連用形-撥音便: a story is not the command
    assert judge.judge("昨日、人が線路に飛び込んだせいで電車が止まって").level is Level.NONE


def test_a_one_kana_part_is_a_particle_not_the_head_of_a_word(cfg: Config) -> None:
    lexicon = parse_lexicon(tomllib.loads('''
version = 1
[[construction]]
id = "family_known"
category = "threat"
axis = "conduct"
weight = 1.0
parts = [["あんたの"], ["子"], ["知ってる"]]
[[construction]]
id = "rough_na"
category = "intimidation"
axis = "conduct"
weight = 1.0
parts = [["客"], ["な"]]
'''), "one-kana")
    judge = UtteranceJudge(lexicon, cfg.judge)
    assert judge.judge("あんたの子の学校、知ってるで").level >= Level.WARNING
    assert judge.judge("あんたの声、知ってる人の声に似てるわ").level < Level.WARNING  # 声 (コエ) is not 子 + ー
    assert judge.judge("客をなめとるんかなあ").level >= Level.WARNING  # なあ is な, lengthened
    assert judge.judge("客をなめとるんか").level < Level.WARNING  # nor is な the head of なめとる


# Grammar beyond the words: a negation that is a condition or a request is no denial; Kansai だる/だろか is
# 〜てやる; declared impositions and 〜な orders count as coercion.
@pytest.mark.parametrize("text", ["土下座せんかったら許さんぞ", "土下座しなかったら帰らないからな"])
def test_conditions_are_not_denials(judge: UtteranceJudge, text: str) -> None:
    # 〜なかったら is a condition, not "I do not ask for 土下座"
    assert "dogeza" in {c.source for c in judge.judge(text).cues}, text


@pytest.mark.parametrize(("text", "source"), [
    ("お前なんか殴ったろか", "harm_threat"),
    ("きっちり払ってもらうで", "rough_ending"),
    ("ほな払ってもらおうか", "rough_ending"),
    ("交通費も全部出していただきます。", "rough_ending"),
    ("さっさと金よこしな", "command"),
])
def test_kansai_threats_impositions_and_na_orders(judge: UtteranceJudge, text: str, source: str) -> None:
    assert source in {c.source for c in judge.judge(text).cues}, (text, judge.judge(text))


@pytest.mark.parametrize("text", ["確認させていただきます。", "払ってもらえますか", "こちらで手続きしていただけますか",
                                  "子どもを叩いたりしない？"])
def test_polite_requests_and_own_acts_are_not_impositions(judge: UtteranceJudge, text: str) -> None:
    assert not {c.source for c in judge.judge(text).cues} & {"rough_ending", "command", "harm_threat"}, text


@pytest.mark.parametrize(("text", "persists"), [
    ("社長を出せ、社長を出せ", True),                      # an order said again
    ("担当を替えろ。担当を替えろ。", True),
    ("聞こえますか？聞こえますか？", False),                 # a question twice is the phone line
    ("分かりました、分かりました、分かりました", False),     # words said over are how people talk
    ("すみません、すみません、今いいですか", False),         # courtesies
    ("もしもし、もしもし、聞こえますか", False),             # interjections
    ("そうです、そうです、その番号です", False),
])
def test_the_same_clause_again_in_one_breath_is_persistence(judge: UtteranceJudge, text: str, persists: bool) -> None:
    assert ("repeated_clause" in {c.source for c in judge.judge(text).cues}) is persists, text


@pytest.mark.parametrize(("text", "ordered"), [
    ("全部返しなさい", True), ("ちゃんと説明しなさいよ", True),
    ("ごめんなさい、間違えました", False), ("おやすみなさい", False), ("お帰りなさい", False),
])
def test_nasai_after_a_verb_is_an_order_but_greetings_are_not(judge: UtteranceJudge, text: str,
                                                               ordered: bool) -> None:
    assert ("command" in {c.source for c in judge.judge(text).cues}) is ordered, text


@pytest.mark.parametrize(("text", "rough"), [
    ("さっさと手続きせんかい", True),  # unidic-lite reads せんかい as the noun 旋回
    ("分からんけど手続きせんかい", True),
    ("旋回して着陸します", False),
    ("え、そうなんかい？", False),
])
def test_rough_demands_the_tokenizer_misreads_are_found_in_the_text(judge: UtteranceJudge, text: str,
                                                                     rough: bool) -> None:
    assert ("rough_ending" in {c.source for c in judge.judge(text).cues}) is rough, text


@pytest.mark.parametrize(("text", "denied"), [
    ("土下座はしない", True),
    ("土下座しないほうが身のためやで", False),  # advice (a veiled threat), not a denial
    ("土下座しないなら帰らない", False),        # a condition
])
def test_what_a_negation_after_the_words_means(text: str, denied: bool) -> None:
    from kasuhara_live.judge.guards import is_negated
    from kasuhara_live.judge.japanese import Analyzer
    from kasuhara_live.judge.lexicon import Match
    from kasuhara_live.judge.word_classes import word_classes

    analysis = Analyzer().analyze(text)
    last = next(i for i, t in enumerate(analysis.tokens) if t.surface == "下座")
    assert is_negated(word_classes(), analysis, Match("dogeza", "土下座", 0, last, 0, "土下座")) is denied, text


def test_a_potential_form_is_not_the_plain_verb_inside_a_phrase() -> None:
    # unidic-lite gives もらえる the lemma 貰う: 払ってもらいます (an imposition) must not match 払ってもらえますか on
    # lemmas (a fuzzy phrase of 8 kana still tolerates the one kana between them, as it tolerates any one)
    lexicon = _exact_term("impose", "excessive_demand", "demand", 0.5, "払ってもらいます")
    matcher = PhraseMatcher(lexicon, Analyzer())
    found = [m.owner for m in matcher.find(matcher.analyzer.analyze("全部払ってもらいますよ"))]
    asked = [m.owner for m in matcher.find(matcher.analyzer.analyze("全部払ってもらえますか"))]
    assert found == ["impose"] and asked == []
