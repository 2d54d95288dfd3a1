"""The shipped lexicon and rules on sentences written for these tests (not taken from tests/data).

Each harassment category must fire, ordinary look-alikes must stay quiet, and the grammar (negation,
reported speech, kana tolerance, constructions) must do what the lexicon cannot do alone.
"""

from __future__ import annotations

import dataclasses

import pytest

from kasuhara_live.config import Config
from kasuhara_live.events import Level
from kasuhara_live.judge.detector import Detector


@pytest.fixture(scope="module")
def detector(cfg: Config) -> Detector:
    return Detector.from_config(cfg)


@pytest.fixture(scope="module")
def rules(cfg: Config) -> Detector:
    """The rules alone (judge.model_file = ""): for tests of a rule the model might also catch."""
    return Detector.from_config(dataclasses.replace(cfg, judge=dataclasses.replace(cfg.judge, model_file="")))


HARASSMENT = [
    ("threat", "てめえの店に火をつけてやるからな", Level.CRITICAL),
    ("threat", "今度そっちに行ったらぶん殴ってやる", Level.CRITICAL),
    ("abuse", "ほんと役立たずだな、あんたは", Level.WARNING),
    ("intimidation", "ふざけんじゃねえよ、なめてんのか", Level.WARNING),
    ("dogeza", "店長と二人で土下座して謝れ", Level.WARNING),
    ("persistence", "返事が来るまで毎晩電話してやるからな", Level.WARNING),
    ("restraint", "あんたが認めるまで絶対にこの電話は切らないからな", Level.WARNING),
    ("discrimination", "女のくせに口答えするな", Level.WARNING),
    ("sexual", "ねえ、彼氏いるの?声かわいいね", Level.WARNING),
    ("personal_attack", "あんたのフルネーム、ネットに晒してやるからな", Level.WARNING),
    ("excessive_demand", "迷惑料として百万円払えよ", Level.WARNING),
]


@pytest.mark.parametrize(("category", "text", "level"), HARASSMENT, ids=[h[0] for h in HARASSMENT])
def test_each_category_fires(detector: Detector, category: str, text: str, level: Level) -> None:
    result = detector.judge_text(text)
    assert result.level >= level, (text, result)
    assert category in {c.category for c in result.cues}, (text, result)


NEGATIVES = [
    "殺虫剤はどの売り場にありますか",
    "このバッグ、SNSでバカ売れしてるらしいですね",
    "子犬が死ぬほどかわいくて、つい買っちゃいました",
    "コンロに火をつけると変な音がするんです",
    "殴り書きのメモしか残っていなくて",
    "私の住所と電話番号を変更したいのですが",
    "責任者の方から折り返しお電話いただけますか",
    "土下座なんて求めていません、ちゃんと直してほしいだけです",
    "土下座なんて、とんでもない。顔を上げてくださいって言ったんですよ",
    "前の店員さんに「バカ」と言われたんです",
    "社長宛ての請求書の送り先を確認したいです",
    "ネットで見た手順の通りに設定しました",
    # quoted words that are named or are a title, not said to the agent
    "夜中に「ぶっ殺す」って怒鳴り声が外から聞こえて、管理会社に相談したいんです",
    "『殴り込み大作戦』っていう映画のDVDはまだ在庫ありますか",
    # a tolerance must not swallow a phrase's distinguishing last word (小学生以下 is not 小学生なん)
    "娘のアカウントを作りたいんです、小学生なんですけど",
    # reported with the speaker named in between, and words the caller says they are not saying
    "「住所を教えろ」って隣の人に言われて怖かったんです",
    "殺すぞって隣の家の人に言われました",  # a longer speaker, the caller told (passive)
    "何が起きても知りませんよって、点検の人に脅されたんです",
    "毎日電話しろとは言いませんけど、せめて進み具合は教えてください",
    # dialect requests and casual negatives are not commands; a story told on is not a threat
    "サイズが合わねぇから、交換してけろ",
    "弟が壁を殴って穴を開けちゃって、修理をお願いできますか",
    # the same sounds but for voicing, where the term's noun is short or an everyday word is meant
    "このガスコンロ、火がつかないんです",
    "会心の出来だったのに、一週間で壊れました",
    # Whisper writes a comma where a quotation mark would be: still a quotation, still a negation
    "店員に、殺すぞ、って言われたんです",
    "殴る、なんて一言も言ってませんよ",
    # an apology for asking again is not persistence
    "何度もすみません、もう一回だけ番号を言ってもらえますか",
    # an insulting noun that is a thing the sentence is about (ゴミの回収), not a name for someone
    "ゴミの分別のやり方を教えてください",
    "カスが溜まるのでフィルターを交換したいです",
    # heard approximately, a phrase keeps its shape: no negation dropped (使える/使えない), no particle inside a
    # word (お礼のお… sounds like 低能 once voicing and r/d are folded)
    "このケーブルは新しい機種でも使えるやつですか",
    "お礼のお手紙を送りたいので住所を教えてください",
    # a harm verb that describes a thing or a sport, and the caller's own wish
    "ゴキブリを殺すスプレーはどこに置いてありますか",
    "空手の体験で、殴り合う練習まであるんですか",
    "本当に助かりました、土下座したいくらいです",
    # someone else's words, told with a verb of pressing or while doing something; an enquiry about a pan
    "姉が元彼に「殺すぞ」と凄まれたみたいで、相談したいんです",
    "酔っ払いが「ぶっ殺すぞ」って叫びながら店の前を歩いてたんです",
    "この土鍋、直火で焼いても大丈夫ですか",
    "いま書類を探しますので、電話を切らないでいただけますか",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_hard_negatives_stay_below_warning(detector: Detector, text: str) -> None:
    assert detector.judge_text(text).level < Level.WARNING, (text, detector.judge_text(text))


@pytest.mark.parametrize("text", ["このゴミが。", "お前らゴミが偉そうに説明すんな",
                                  "こんなクズを雇ってる会社なんか潰れろ", "ほんま使えんやつやな",
                                  "バカが担当してるのか", "クズに何言っても無駄だな"])
def test_insults_said_at_someone_still_count(detector: Detector, text: str) -> None:
    result = detector.judge_text(text)
    assert result.level >= Level.WARNING and result.category == "abuse", (text, result)


@pytest.mark.parametrize("text", ["ぶっ殺す今すぐ", "家燃やす今夜", "お前ぶっ殺す本当に", "殴ってもいいですか？"])
def test_threats_without_a_comma_or_asked_as_permission_stay_threats(detector: Detector, text: str) -> None:
    # 殺す薬 describes a noun; 殺す今すぐ is a threat with the comma Whisper left out
    assert detector.judge_text(text).level is Level.CRITICAL, (text, detector.judge_text(text))


@pytest.mark.parametrize("text", ["お前の店に車で突っ込んだるからな", "あの店員、川に突っ込んだろか",
                                  "あんたを殺す気で行くからな"])
def test_kansai_daru_is_a_threat_not_a_past(detector: Detector, text: str) -> None:
    # 突っ込んだ is past, 突っ込んだる is 〜てやる: the harm verb threatens
    assert detector.judge_text(text).level is Level.CRITICAL, (text, detector.judge_text(text))


def test_complaints_are_complaints_not_harassment(detector: Detector) -> None:
    for text in ("もう三回目ですよ。どうなってるんですか。返金してください", "納得できません。説明してください"):
        result = detector.judge_text(text)
        assert result.level is Level.CAUTION and result.category == "complaint", (text, result)


# 溶けさ / とけさ / ロゲザ: the right sounds but for voicing or r/d, as Whisper base writes them
@pytest.mark.parametrize("heard", ["どげざしろ", "ドゲザしろよ", "途げざしろ", "溶けさしろ", "とけさしろ",
                                   "ロゲザしろ"])
def test_whisper_spellings_of_dogeza(detector: Detector, heard: str) -> None:
    assert detector.judge_text(f"じゃあお前が{heard}").category == "dogeza"


@pytest.mark.parametrize("heard", ["どげざして反省の態度見せてみろ", "どげざしに来いって言ってんだよ"])
def test_a_kana_noun_cut_before_an_invented_verb_still_matches(detector: Detector, heard: str) -> None:
    # unidic-lite reads どげざして as どげ/ざし(座する)/て: the noun ends where the する-ending begins
    assert detector.judge_text(heard).category == "dogeza", detector.judge_text(heard)


def test_demand_pressed_with_coercion_is_harassment_said_politely_is_grey(detector: Detector) -> None:
    assert detector.judge_text("社長を今すぐ電話に出せ").level is Level.WARNING
    polite = detector.judge_text("社長さんとお話しすることはできますか")
    assert polite.level <= Level.CAUTION


def test_scan_object_has_the_documented_shape(detector: Detector) -> None:
    out = detector.scan("土下座しろ")
    assert set(out) == {"text", "level", "alerts"} and out["level"] == "warning"
    [alert] = out["alerts"]
    assert set(alert) == {"category", "severity", "evidence", "criteria", "script", "source"}
    assert alert["category"] == "dogeza" and "土下座" in alert["script"]
    assert alert["source"].startswith("term:")  # a lexicon term an admin can find in configs/
    quiet = "配送状況を教えてください"
    assert detector.scan(quiet) == {"text": quiet, "level": "none", "alerts": []}


@pytest.mark.parametrize("text", ["もう二度とお宅では買わないからな", "他の会社に乗り換えるからな",
                                  "解約するからな、今月で", "もういいよ、返品するからな",
                                  "二度と来ないからな、こんな店", "二度と頼まないからね、覚えておいてよ",
                                  "消費者センターに相談するからな", "お宅の商品は二度と買いませんから"])
def test_taking_ones_custom_elsewhere_is_a_right_however_roughly_said(detector: Detector, text: str) -> None:
    # The model learnt 〜からな from threats (〜してやるからな); leaving, cancelling, returning and going to a
    # consumer centre are the caller's rights: a complaint at most.
    assert detector.judge_text(text).level < Level.WARNING, (text, detector.judge_text(text))


@pytest.mark.parametrize("text", ["キャンセルするわ。あんたの声、ちゃんと録音してあるからね",
                                  "菓子折りを持って明日の朝うちまで来てください。来ないなら、どうなるかお分かりですよね",
                                  "もう買わないよ。あんた、夜道には気をつけなよ"])
def test_harassment_beside_a_custom_taken_elsewhere_is_still_read(detector: Detector, text: str) -> None:
    # the rest of the utterance is judged without the caller's choice, and 来ないなら (the listener's) is no choice
    # of the caller's
    assert detector.judge_text(text).level >= Level.WARNING, (text, detector.judge_text(text))


@pytest.mark.parametrize("text", ["二度と行かないけど、そっちの店の前で毎日ビラ配ってやるよ", "二度と使わせないからな"])
def test_a_deed_done_to_someone_is_no_custom_taken_elsewhere(text: str) -> None:
    # 〜てやる (done to someone) and 使わせない (making someone) are not the caller's own choice: the guard that
    # sets such clauses aside before the model reads again must leave them in. (Whether the model then raises them
    # is the model's: the content-only model of 2026-12-07 no longer reads 〜からな as a threat.)
    from kasuhara_live.judge.japanese import Analyzer
    from kasuhara_live.judge.own_choice import own_choices
    from kasuhara_live.judge.word_classes import word_classes

    analysis = Analyzer().analyze(text)
    kept = {i for i, t in enumerate(analysis.tokens) if t.lemma in ("配る", "使う")}
    assert kept and not kept & own_choices(word_classes(), analysis.tokens)


@pytest.mark.parametrize(("text", "harassment"), [
    # tone alone: a rough negative, an emphatic ぞ, a rhetorical じゃねえか, a rough plea — about a real defect
    ("電源入れても画面つかねえんだぞ。新品で買ったばっかだぞ", False),
    ("また請求額違ってんじゃねえか。ちゃんと直してくれよ", False),
    ("三日も待たされたんだぞ、危ねえだろうが", False),
    ("窓口の届け、先週出したぞ。まだ反映されてねえのか", False),
    # the same tone with something aimed at the agent: an order, おい, 〜んじゃねえ
    ("画面つかねえんだぞ。さっさと新品持ってこいや", True),
    ("おい、聞こえてんのか。画面つかねえって言ってんだよ", True),
    ("おい、また請求額違ってんだぞ", True),
    ("へらへら笑ってんじゃねえぞ", True),
])
def test_rough_tone_alone_is_a_complaint_aimed_at_the_agent_it_is_not(rules: Detector, text: str,
                                                                       harassment: bool) -> None:
    # The rules alone (the model would read these too, and must not be what this test measures).
    result = rules.judge_text(text)
    assert (result.level >= Level.WARNING) is harassment, (text, result)


@pytest.mark.parametrize(("text", "harassment"), [
    ("説明と違うから、金融庁にも相談させてもらうぞ", False),  # させてもらう: the caller's own act, said humbly
    ("うちの親父がリモコン踏んづけてぶっ壊しやがってさ", False),  # a deed told, about a thing
    ("ばあちゃんに簡単な携帯を選んでやりてえんだわ", False),  # 〜てやりたい: a wish to do something for someone
    ("電源抜いたら直った、すまんな", False),  # すまん after たら: an apology, not ただじゃすまん
    ("今日中に返金せんかったら、ただじゃすまんぞ", True),
    ("土下座してもらうからな", True),
    ("お前の車、ぶっ壊してやるからな", True),
])
def test_humble_acts_deeds_told_wishes_and_apologies(rules: Detector, text: str, harassment: bool) -> None:
    result = rules.judge_text(text)
    assert (result.level >= Level.WARNING) is harassment, (text, result)


def test_a_batch_is_judged_line_for_line_as_each_line_alone(detector: Detector) -> None:
    # scan judges bulk input stage by stage over a batch: the verdicts must be those of one line at a time
    # (rules, a model opinion, a short line the model skips, a complaint, a repeat, an empty result).
    lines = ["土下座しろよ", "殺すぞ", "配送状況を教えてください", "二度と買わないからな、本当に最悪だよ",
             "御社の対応次第では、こちらもそれなりの考えがございますので", "はい", "土下座しろよ",
             "お宅の担当者、顔も名前も覚えたからね", "返金をお願いしたいのですが"]
    assert detector.scan_many(lines) == [detector.scan(text) for text in lines]
    assert detector.scan_many([]) == []


@pytest.mark.parametrize("text", ["今すぐ責任者を連れてこいや", "書類を出せって言ってるだろ",
                                  "責任者呼べって言うとんねん", "お前さっさと手続きしろよ",
                                  "さっさと手続きしろよ、この役立たずが"])
def test_an_order_barked_or_pressed_again_is_harassment(detector: Detector, text: str) -> None:
    # 命令形 + や, the caller insisting on their own order (〜って言ってるだろ), or 〜よ with the listener addressed
    # or insulted
    result = detector.judge_text(text)
    assert result.level >= Level.WARNING, (text, result)


@pytest.mark.parametrize("text", ["さっさと手続きしろよ", "会えよ", "まず約束を守れよ", "競輪選手目指せよ"])
def test_an_order_pushed_with_yo_alone_is_a_caution(rules: Detector, text: str) -> None:
    # real chat says 〜しろよ to friends: the order is seen (caution), harassment needs more (barked_weight)
    assert rules.judge_text(text).level == Level.CAUTION, (text, rules.judge_text(text))


@pytest.mark.parametrize(("text", "harassment"), [
    ("そこは越えられない差ではあるな", False), ("よく分かるな", False), ("それは違うな", False),
    ("ふざけるな", True), ("言い訳すんじゃねえ", True)])
def test_a_state_is_exclaimed_never_forbidden(rules: Detector, text: str, harassment: bool) -> None:
    # 〜な after a verb of state ([grammar] states) is an exclamation; after an act it forbids it
    assert (rules.judge_text(text).level >= Level.WARNING) is harassment, (text, rules.judge_text(text))


@pytest.mark.parametrize(("text", "harassment"), [
    ("だっさ", True), ("お前ほんとだっせえな", True), ("昼に蕎麦屋行ったら休みでさ、結局コンビニだよ", False),
    ("こんな会社潰れろ", True), ("士業は路頭に迷え", True), ("会社が潰れたらどうしようかと思った", False),
    ("在日は排斥しないといけない", True), ("移民を追い出せ", True), ("移民の受け入れについての記事を読んだ", False),
    ("友人の中国人と一緒に泊まります", False), ("女は論理的思考が苦手", True)])
def test_real_forms_of_abuse_and_group_hatred(rules: Detector, text: str, harassment: bool) -> None:
    # clipped contempt, ruin wished, a group to be driven out or disparaged as a group: issue 16's real forms
    assert (rules.judge_text(text).level >= Level.WARNING) is harassment, (text, rules.judge_text(text))


@pytest.mark.parametrize(("text", "harassment"), [
    ("働けよ無職", True), ("この底辺が", True), ("お前は無職だろ", True), ("職業は無職です", False),
    ("息子は無職です", False), ("バイトの人に代わってください", False), ("チンコ小さそう", True),
    ("ちんちん電車に乗った", False), ("一万個注文しました", False), ("正規の料金です", False)])
def test_the_listener_called_by_a_label_and_explicit_sexual_words(rules: Detector, text: str,
                                                                    harassment: bool) -> None:
    # [grammar] labels demean only the one called by them; sexual_explicit words are never a customer's business
    assert (rules.judge_text(text).level >= Level.WARNING) is harassment, (text, rules.judge_text(text))


@pytest.mark.parametrize("text", ["ちゃんと調べてくれよ", "早く直しに来てくれよ！", "ちゃんと説明しなさいよ",
                                  "息子に早くしろって言われました"])
def test_a_plea_or_someone_elses_order_is_not_barked(detector: Detector, text: str) -> None:
    assert detector.judge_text(text).level < Level.WARNING, (text, detector.judge_text(text))


@pytest.mark.parametrize("text", ["回答が出るまで毎晩そちらに電話しますので", "支店の代表番号に毎朝かけたるわ",
                                  "毎日メールを送りますから、よろしく", "五十回でも六十回でもかけますよ",
                                  "もう三十回は電話してるんですけどね", "これで二十回目の電話ですよ",
                                  "今日で十二回目のお電話です", "何回でもかけまーす"])
def test_contact_promised_again_and_again_is_persistence(detector: Detector, text: str) -> None:
    result = detector.judge_text(text)
    assert result.level >= Level.WARNING and result.category == "persistence", (text, result)


@pytest.mark.parametrize("text", ["毎日電話してるのに全然つながらないんです", "十回かけても話し中でした",
                                  "毎朝ログを送ればいいですか", "父が毎晩電話してくるんです",
                                  "十回目の来店で割引になりますか",
                                  "リハビリに毎日通っています", "三回も電話したのに折り返しがありません",
                                  "毎日電話していただけますか", "何回も電話してるんですけど",
                                  "何回でも言いますけど、それは違います"])
def test_grievances_and_ordinary_repetition_are_not_persistence(detector: Detector, text: str) -> None:
    assert detector.judge_text(text).level < Level.WARNING, (text, detector.judge_text(text))


@pytest.mark.parametrize("text", ["昨日出したゴミ、まだ回収されてないんです", "マンションの前のゴミだけ残ってます",
                                  "集積所のゴミ、カラスに荒らされてますよ", "この時計、バカ高いですね",
                                  "うちの犬、ほんまアホでかわいいんです",
                                  "「死ね」ってメッセージを送ってくる人がいて困ってます",
                                  "毎月通っていて、今日で十回目なんですけど、割引はありますか"])
def test_things_pets_intensifiers_and_reports_are_not_insults(detector: Detector, text: str) -> None:
    assert detector.judge_text(text).level < Level.WARNING, (text, detector.judge_text(text))


@pytest.mark.parametrize("text", ["このゴミ、さっさと謝れ", "使えないゴミが", "うちの子の担当、アホちゃうか",
                                  "自分の頭で考えろ、アホ"])
def test_insults_at_the_listener_still_count_near_those_rules(detector: Detector, text: str) -> None:
    assert detector.judge_text(text).level >= Level.WARNING, (text, detector.judge_text(text))


def test_a_demand_word_asked_about_is_no_demand(detector: Detector) -> None:
    assert detector.judge_text("慰謝料って、どういう時に払われるものですか？").level is Level.NONE
    assert detector.judge_text("慰謝料を払え").level >= Level.WARNING


@pytest.mark.parametrize(("text", "category"), [
    ("返金。返金。返金！", "persistence"), ("謝る気あるんか？謝る気あるんか？謝る気あるんか？", "persistence"),
    ("まだまだ付き合ってもらうからな", "restraint"), ("終わるまで席を離れるなよ", "restraint"),
    ("電話口におってもらうけんね", None), ("ずっとかけ続けますからね", None),
    ("メールを毎時間送り続けますから", "persistence")])
def test_insistence_and_holding_on_without_set_phrases(detector: Detector, text: str, category: str | None) -> None:
    result = detector.judge_text(text)
    assert result.level >= Level.WARNING and (category is None or result.category == category), (text, result)


@pytest.mark.parametrize("text", ["本当ですか？本当ですか？本当ですか？", "違う、違う、違う。",
                                  "ちょっと待って、ちょっと待って、ちょっと待って。",
                                  "聞こえますか？聞こえますか？聞こえますか？",
                                  "ちょっと待ってもらえますか", "ログを送り続けますね"])
def test_flustered_repetition_and_requests_stay_quiet(detector: Detector, text: str) -> None:
    assert detector.judge_text(text).level < Level.WARNING, (text, detector.judge_text(text))


@pytest.mark.parametrize("text", ["あんたの実家まで行って、話つけてくるわ", "帰り道、家までついてってやるよ",
                                  "お前の自宅に押しかけるからな"])
def test_going_to_the_agents_home_is_critical(detector: Detector, text: str) -> None:
    result = detector.judge_text(text)
    assert result.level is Level.CRITICAL, (text, result)


@pytest.mark.parametrize("text", ["修理の方に家まで来てもらえますか", "来週は実家に行くので不在です",
                                  "友達の家まで行く途中なんです", "うちの家まで行き方を教えてください"])
def test_visits_to_the_callers_own_home_are_ordinary(detector: Detector, text: str) -> None:
    assert detector.judge_text(text).level < Level.WARNING, (text, detector.judge_text(text))


@pytest.mark.parametrize("text", ["何時間でも付き合ってもらいますよ", "今日は六時間いきましょうか",
                                  "十二時間でも話し続けようか",
                                  # claimed as still to come, or declared no burden to the caller
                                  "まだ五時間しか話してないでしょう", "あと四時間くらいは平気ですよ、こっちは",
                                  "六時間でも七時間でも構いませんよ"])
def test_hours_on_the_line_promised_are_restraint(detector: Detector, text: str) -> None:
    result = detector.judge_text(text)
    assert result.level >= Level.WARNING and result.category == "restraint", (text, result)


@pytest.mark.parametrize("text", ["三時間も待たされました", "四時間かかるって言われたんですが",
                                  "二時間で終わりますか？", "三時間後にかけ直しましょうか", "何時間でも待ちますよ",
                                  "八時間ごとに飲みましょうか",
                                  # the caller's own patience, a thing's hours, a product's short life, a trip
                                  "何時間でも構いませんので待ちます", "三時間でも構いませんから調べてください",
                                  "充電はあと三時間くらいは平気です", "まだ三時間しか使ってないのに壊れました",
                                  "あと三時間で着きます", "まだ四時間しか寝てないんです"])
def test_hours_waited_or_asked_about_are_not_restraint(detector: Detector, text: str) -> None:
    assert detector.judge_text(text).level < Level.WARNING, (text, detector.judge_text(text))


def test_a_kansai_condition_is_no_denial(detector: Detector) -> None:
    # 〜できんのやったら: "if you can't", so the 土下座 before it is still demanded
    assert detector.judge_text("土下座もできんのやったら、帰ってくれ").level >= Level.WARNING


@pytest.mark.parametrize("text", ["ボクシングで殴り方の基本を教えてもらえますか",
                                  "ゲームで相手をボコボコにしてやりましたよ",
                                  "マッチで火をつける古いストーブなんですけど",
                                  "うちの旦那、またやらかしてね。あほやねん",
                                  "毒餌のおかげでネズミが全部死んでくれたみたいです",
                                  "妻に「バカねえ」って笑われました",
                                  "母の分も私がまとめてやってやろうと思うんですが"])
def test_lessons_deeds_family_and_plans_are_not_harassment(detector: Detector, text: str) -> None:
    assert detector.judge_text(text).level < Level.WARNING, (text, detector.judge_text(text))


def test_an_invalid_demand_is_grey_when_polite_and_harassment_when_blunt(detector: Detector) -> None:
    blunt = detector.judge_text("修理なんかいらん、新車に交換して。")
    polite = detector.judge_text("修理ではなく、新車に交換していただけないでしょうか。")
    assert blunt.level is Level.WARNING and blunt.category == "excessive_demand", blunt
    assert polite.level is Level.CAUTION, polite


@pytest.mark.parametrize("text", ["あなたの本名、漢字でどう書くの？あとでゆっくり調べるから",
                                  "窓口の人、フェイスブックやってるよね。プロフィールもう見つけたよ"])
def test_digging_into_the_agents_life_is_a_personal_attack(detector: Detector, text: str) -> None:
    result = detector.judge_text(text)
    assert result.level >= Level.WARNING and result.category == "personal_attack", (text, result)


@pytest.mark.parametrize("text", ["担当の方のお名前を調べてもらえますか", "会社の住所を調べて伺いました",
                                  "ネットで調べたんですけど、対応機種はどれですか"])
def test_looking_things_up_is_ordinary(detector: Detector, text: str) -> None:
    assert detector.judge_text(text).level < Level.WARNING, (text, detector.judge_text(text))


@pytest.mark.parametrize("text", ["猿でももう少しマシな説明するわ", "幼稚園児に電話番させたほうがまだましやな"])
def test_the_agent_compared_down_is_abuse(detector: Detector, text: str) -> None:
    assert detector.judge_text(text).category == "abuse", detector.judge_text(text)


def test_a_campaign_done_and_counted_is_half_a_sign(detector: Detector) -> None:
    assert detector.judge_text("昨日十回電話しましたが繋がりませんでした").level is Level.CAUTION
    assert detector.judge_text("もう三十通もメール送ってますけどね").level >= Level.WARNING


@pytest.mark.parametrize(("text", "category"), [
    ("さっきも言ったでしょ。解約。解約してって言ってるの。解約、わかる？", "persistence"),
    ("担当変わるのも禁止ね。最後まであなたが相手して", "restraint"),
    ("話終わるまで店閉めさせへんで", "restraint"),
    ("遅れたんだから、タクシー代と迷惑料で十万ね。当たり前でしょ。", "excessive_demand")])
def test_insistence_duties_forbidden_and_demands_set_down(detector: Detector, text: str, category: str) -> None:
    result = detector.judge_text(text)
    assert result.level >= Level.WARNING and result.category == category, (text, result)


@pytest.mark.parametrize("text", ["電話。電話したのに、電話がないんです。", "保留中は通話料がかかりますか",
                                  "医療ミスで慰謝料を請求する場合って、どこに相談すればいいですか？",
                                  "土下座しろなんて、そんなこと言うつもりは全くないです。"])
def test_words_repeated_in_a_story_and_questions_about_claims_are_not_harassment(detector: Detector,
                                                                                 text: str) -> None:
    assert detector.judge_text(text).level < Level.WARNING, (text, detector.judge_text(text))


@pytest.mark.parametrize(("text", "level"), [("夜中に誰かが行っても知らんがや", Level.CRITICAL),
                                             ("お前、階段から落ちても誰も気づかんやろうな", Level.CRITICAL),
                                             ("階段から落ちても誰も気づかんやろうな", Level.WARNING),
                                             ("毎日かけたるけん、繋がらなくなっても知らないよ", Level.WARNING)])
def test_a_consequence_the_caller_disowns_is_a_veiled_threat(detector: Detector, text: str, level: Level) -> None:
    assert detector.judge_text(text).level is level, (text, detector.judge_text(text))


@pytest.mark.parametrize("text", ["刺されても知らないよ、そういう対応だと", "殴られたって俺のせいじゃないからな",
                                  "あんたんとこの社員、夜道で襲われたら、保証はできませんよ"])
def test_harm_befalling_someone_and_disowned_is_a_veiled_threat(detector: Detector, text: str) -> None:
    result = detector.explain(text)
    assert result["level"] == "critical" and "grammar:harm_veiled" in [c["origin"] for c in result["explain"]["cues"]]


@pytest.mark.parametrize(("text", "reason"), [("蚊に刺されても知らないよ", "done_by_no_one"),
                                              ("刺されなくても知らないよ", ""), ("殴られたって平気だよ", ""),
                                              ("「刺されても知らないよ」って言われたんです", "")])
def test_harm_veiled_needs_a_person_harmed_a_condition_and_a_disowning(detector: Detector, text: str,
                                                                        reason: str) -> None:
    result = detector.explain(text)
    assert result["level"] in ("none", "caution"), (text, result)
    if reason:
        assert {"origin": "grammar:harm_veiled", "reason": reason}.items() <= next(
            d for d in result["explain"]["dismissed"] if d["origin"] == "grammar:harm_veiled").items()


@pytest.mark.parametrize("text", ["説明書を読んでも知らない言葉ばかりで", "聞いても知らないって言われました"])
def test_not_knowing_is_not_disowning(detector: Detector, text: str) -> None:
    assert detector.judge_text(text).level < Level.WARNING, (text, detector.judge_text(text))


@pytest.mark.parametrize("text", ["停電これで十回目なんですよ", "そちらの業者さんが家に行くのは何時ですか",
                                  "警察の人が家までついてってくれました", "公園の木が傾いてて、倒れても知りませんよ",
                                  "そちらの電話番号をネットで調べて電話しました", "毎週月曜日に電話すればいいですか",
                                  "毎朝六時にアラーム鳴らすように設定したい",
                                  "パスワード。パスワードが違うって出るんです。",
                                  "娘が早く来いって言ってるので急いでます", "ちょっと待っててもらうよ、今書類探すから"])
def test_review_findings_stay_quiet(detector: Detector, text: str) -> None:
    # false alarms a reviewer found in the first version of this session's rules
    assert detector.judge_text(text).level < Level.WARNING, (text, detector.judge_text(text))


@pytest.mark.parametrize("text", ["俺の話聞いてた？バカじゃないの", "クズ多すぎやろこの会社",
                                  "ゴミ、二度と電話してくんな", "殴り方教えたろか",
                                  "お前の息子、この前ボコボコにしてやったからな"])
def test_guards_leave_real_insults_and_threats_alone(detector: Detector, text: str) -> None:
    # each sentence sits next to a false-alarm guard (own family, intensifier, garbage, lessons, deeds told)
    assert detector.judge_text(text).level >= Level.WARNING, (text, detector.judge_text(text))


@pytest.mark.parametrize("text", ["朝昼晩電話しますよ", "四六時中電話するからな", "かけ続けるからな",
                                  "出せって言うてるやろ", "毎晩電話入れますから"])
def test_split_frequency_words_kana_verbs_and_dialect_insisting(detector: Detector, text: str) -> None:
    assert detector.judge_text(text).level >= Level.WARNING, (text, detector.judge_text(text))


@pytest.mark.parametrize("text", ["ガス臭いんです、何か起きても知りませんよ、早く見に来てください",
                                  "あの看板、台風で落ちても知りませんよ", "お医者さんが安静にしろって言ってるので",
                                  "ほら見ろよ、やっぱり壊れてるじゃん", "東京。東京。東京です、住所は東京都です",
                                  "同じ不具合で修理依頼、これで十回目です", "休憩中の電話は禁止なんですか",
                                  "弁護士に相談して慰謝料請求するつもりなんで、書類送って"])
def test_second_review_findings_stay_quiet(detector: Detector, text: str) -> None:
    assert detector.judge_text(text).level < Level.WARNING, (text, detector.judge_text(text))


@pytest.mark.parametrize(("text", "level"), [("殺虫剤でゴキブリを殺す", Level.NONE), ("お前を殺す", Level.CRITICAL),
                                             ("恥を知りなさい、恥を。", Level.WARNING),
                                             ("先生の命の保証はできませんよ", Level.CRITICAL),
                                             ("ちゃんとせんか！", Level.CAUTION), ("一緒に行かんか？", Level.NONE)])
def test_pests_scolding_and_exceptions_inside_longer_phrases(detector: Detector, text: str, level: Level) -> None:
    # 恥を知りなさい holds the exception を知り (知りたい) whole: a longer phrase is not silenced by it
    assert detector.judge_text(text).level is level, (text, detector.judge_text(text))


@pytest.mark.parametrize("text", ["ただ、経緯を教えていただきたいだけなんです",
                                  "ほんの気持ちで結構なので、何か形で示していただけると助かります",
                                  "医療ミスで慰謝料を請求する場合って、まずどこに相談すればいいんでしょう。"])
def test_fuzzy_phrases_stay_in_one_clause_and_polite_coded_demands_are_grey(detector: Detector, text: str) -> None:
    assert detector.judge_text(text).level < Level.WARNING, (text, detector.judge_text(text))


@pytest.mark.parametrize(("text", "level"), [("聞いてんのかって言ってんだよ！", Level.WARNING),
                                             ("本当に届くのかって聞いてるんですけど", Level.NONE)])
def test_a_rough_question_pressed_again(detector: Detector, text: str, level: Level) -> None:
    assert detector.judge_text(text).level is level, (text, detector.judge_text(text))


@pytest.mark.parametrize(("text", "named"), [("毎日電話をしますからね", True),
                                             ("これから毎日お電話をしますので", True),
                                             ("母には毎日電話をしています", False),
                                             ("毎日電話をしてるのに繋がらない", False)])
def test_contact_named_with_its_particle_is_found_by_the_rules(rules: Detector, text: str, named: bool) -> None:
    # 電話をする (with を) as well as 電話する; to the caller's own people (母には) it is no campaign. The rules
    # alone: the model would catch the first two as well, and must not be what this test measures.
    cues = [c.source for c in rules.judge_text(text).cues]
    assert ("repeated_contact" in cues) is named, (text, cues)


@pytest.mark.parametrize(("text", "quiet"), [("毎日家族に電話するので、かけ放題プランにしたいです", True),
                                             ("女性の方ばかりの職場ですか", True),
                                             ("毎日電話するので覚悟しといて", False),
                                             ("女ばっかり雇うからこうなるんや", False)])
def test_calls_to_family_and_polite_kata_bakari_are_ordinary(detector: Detector, text: str, quiet: bool) -> None:
    assert (detector.judge_text(text).level < Level.WARNING) is quiet, (text, detector.judge_text(text))


@pytest.mark.parametrize(("text", "level"), [("お前んち行くぞ", Level.CRITICAL), ("出せ言うとんねん", Level.WARNING),
                                             ("友達の家行くけん", Level.NONE)])
def test_kansai_and_colloquial_forms_of_the_new_rules(detector: Detector, text: str, level: Level) -> None:
    # んち (your place) without a particle; an order quoted without って (出せ言うとんねん)
    assert detector.judge_text(text).level is level, (text, detector.judge_text(text))


@pytest.mark.parametrize(("text", "level"), [
    ("スマホ落として画面を叩き割ってしまいました。修理はいくらですか", Level.NONE),  # a mishap told
    ("棚の上の花瓶、うっかり倒して割っちゃって", Level.NONE),
    ("屋根裏のスズメバチ、駆除業者さんに焼き払ってもらえますか", Level.NONE),  # a service asked for
    ("粗大ごみのタンス、壊していただけますか", Level.NONE),
    ("お前なんか殴っちゃうぞ", Level.CRITICAL),  # a future ちゃう stays a threat
    ("お前の店、仲間に燃やしてもらうぞ", Level.CRITICAL),  # a threat through someone else
])
def test_a_mishap_told_or_a_service_asked_for_is_no_threat(detector: Detector, text: str, level: Level) -> None:
    result = detector.judge_text(text)
    assert result.level == level if level == Level.CRITICAL else result.level < Level.WARNING, (text, result)


@pytest.mark.parametrize(("text", "harassment"), [
    # speech and dialect the rules first read as rough or as a threat
    ("お待たせしてすみませんねー、さっきの番号でよかったですかねー", False),  # ね drawn out is no rough ない
    ("配管、もう三日も直ってねえんだよ。水も出ねえし、風呂にも入れねえって", False),  # a rough register counts once
    ("ふざけんじゃねえ！　さっさと金返せよ", True),  # …while an order barked with it still counts
    ("隣の人に「殺すぞ」言われて、怖くて眠れんのです。防犯ブザーはありますか", False),  # quoted, って dropped
    ("殺す気かいうくらい辛いカレーやったわ。甘口はないんか", False),  # a measure, not words to the agent
    ("金返せとか、そげなことは言うとらんです。説明してほしいだけで", False),  # とか、そんなこと…ない
    ("おらの家の電気代、先月より高ぐなってるんだども", False),  # おら is "I"
    ("返品できんと、こっちの気が済まんのですよ", False),  # 気が済まない is a feeling
    ("ずっと待たされて、正直バカにされた気分です", False),  # slighted, not an insult
    ("慰謝料いうのは、どんな時にもらえるもんなんですか", False),  # a polite question in Kansai form
    ("店長を呼べとか、そういう話じゃないんです。手順を知りたいだけで", False),  # "not such a thing": disowned
    ("再起動が済むまで、回線つないだままでもいいですか", False),  # asking to stay on the line
    ("娘さんがどうなっても知らんぞ", True),  # 〜ても知らん is a threat left unsaid, not a denial
    ("夜道で何が起きても知りませんよ", True),
    ("書類、もう一回送ってもらえっか", False),  # the Tohoku question 〜っか, not an order
    ("何度もお電話しちゃってすみません、先週の件です", False),  # apologising for the calls
    ("このままだと仕事に戻れんとです", False),  # cannot go back: no 戻れ order
    ("お客様窓口の連絡先を教えてください", False),  # an office's contact, no approach
    ("金返せって台詞で有名な映画、配信されてますか", False),  # the words named, not said
    ("能無しって言葉、あんたのためにあるようなもんやな", True),  # …unless they are pinned on the agent
    ("今夜から三十分おきにお電話を入れますので", True),  # an interval promised is as often as 毎日
    ("二時間おきに薬を飲むように言われてまして", False),
    # and none of these guards silences the harassment beside them (found in review)
    ("「土下座」をしろ", True),
    ("殺すぞって言うくらい腹立っとんじゃ", True),
    ("毎日電話して悪いんか", True),
    ("責任者出せって、そういうことしか言ってないだろうが", True),
    ("あんたには死ねって言葉がお似合いや", True),
    ("届いた商品の写真、レビューに載せますね", False),
    ("今日のやり取り、口コミにありのまま書かせてもらいます", False),  # a review of the service
    ("口コミにあんたの顔写真、載せとくけんね", True),  # …a person exposed on it is not
    ("あの担当のフルネーム、レビューに書き込んでおきますね", True),
])
def test_rough_speech_quotes_and_reviews_are_read_as_meant(detector: Detector, text: str, harassment: bool) -> None:
    result = detector.judge_text(text)
    assert (result.level >= Level.WARNING) is harassment, (text, result)


# Real forms (issue 16): what real people write, in plain form, that must stay quiet, each for a general reason
# the rules now read: the grammar of the word before (し+ね, た+わけ), a harm verb done to no one, a condition,
# an order to do something for someone else, an honorific form cut off.
REAL_QUIET = [
    ("今日は雨だしね", "inside_another_word"),
    ("それで、ちょっと聞いてみようと思ったわけよ", "inside_another_word"),
    ("さんま焼いてくるね", "object_not_a_target"),
    ("妹がやきもち焼いてて笑った", "object_not_a_target"),
    ("古い手紙を燃やしてくるね", "object_not_a_target"),
    ("辞めちまえば楽になるのにな", "condition"),
]


@pytest.mark.parametrize(("text", "guard"), REAL_QUIET, ids=[g for _, g in REAL_QUIET])
def test_plain_everyday_speech_is_quiet_for_a_reason_explain_names(detector: Detector, text: str,
                                                                     guard: str) -> None:
    out = detector.explain(text)
    assert out["level"] in ("none", "caution"), out
    assert guard in {d["reason"] for d in out["explain"]["dismissed"]}, out["explain"]


@pytest.mark.parametrize("text", ["三球三振で引導渡してやれ", "ご不便をおかけ", "5不便をおかけ"])
def test_an_order_for_someone_else_and_an_honorific_cut_off_are_no_harassment(rules: Detector, text: str) -> None:
    assert rules.judge_text(text).level < Level.WARNING


@pytest.mark.parametrize(("text", "category", "level"), [
    ("お前なんかしね", "abuse", Level.WARNING),  # しね after a word that does not conjugate is still 死ね
    ("店燃やすぞ", "threat", Level.CRITICAL),  # premises: a harm target
    ("お前を埋めてやる", "threat", Level.CRITICAL),
    ("店の倉庫を燃やしてやる", "threat", Level.CRITICAL),  # whose it is counts
    ("燃やしてやる", "threat", Level.CRITICAL),  # nothing named: said to someone
    ("お前みたいなやつは自殺しろ", "abuse", Level.WARNING),
    ("担当者なんか事故にでも遭えばいいのに", "abuse", Level.WARNING),
    ("女は害悪でしかない", "discrimination", Level.WARNING),
    ("お前キチガイか", "abuse", Level.WARNING),
])
def test_real_forms_aimed_at_people_are_caught_by_the_rules(rules: Detector, text: str, category: str,
                                                            level: Level) -> None:
    result = rules.judge_text(text)
    assert result.level >= level, (text, result)
    assert category in {c.category for c in result.cues}, (text, result)


def test_explain_names_what_raised_and_what_was_set_aside(detector: Detector) -> None:
    out = detector.explain("「死ね」と言われたんです")
    assert out["level"] == "none"
    assert {"origin": "term:insult_die", "evidence": "死ね", "reason": "reported"} in out["explain"]["dismissed"]
    raised = detector.explain("土下座しろ")
    assert raised["alerts"][0]["source"].startswith("term:")
    assert any(c["origin"] == raised["alerts"][0]["source"].split(", ")[0] for c in raised["explain"]["cues"])


def test_a_demand_quoted_and_owned_is_still_read(detector: Detector) -> None:
    # 店長を呼べとか、そういう話じゃない disowns the quoted demand (quiet); owned (そういう話をしてるんだよ) the demand
    # stands. The model of 2026-12-07 reads no register, so what it weighs is the demand: grey at least.
    owned = detector.judge_text("店長を呼べとか、そういう話をしてるんだよ")
    assert owned.level >= Level.CAUTION and owned.demand > 0
    assert detector.judge_text("店長を呼べとか、そういう話じゃないんです。手順を知りたいだけで").level is Level.NONE


def test_another_reading_confirms_what_the_best_hints_at_and_does_not_invent_it(rules: Detector) -> None:
    judge = rules.judge
    # 溶けさしろ: the best reading already holds an order; its second reading names what is demanded
    assert judge.judge_readings(["溶けさしろ", "土下座しろ"]).level >= Level.WARNING
    # an ordinary sentence does not become abuse on one short word of another reading (混み → ごみ, 風 → カス)
    assert judge.judge_readings(["ちょうどお昼時でこみ合っておりますので",
                                 "ちょうどお昼時でごみ合っておりますので"]).level < Level.WARNING
    assert judge.judge_readings(["この風よりは", "このカスよりは"]).level < Level.WARNING
    # a phrase long enough to stand on its own still counts from another reading
    assert judge.judge_readings(["今日は雨です", "お前なんか生きてる価値ないわ"]).level >= Level.WARNING


def test_nothing_but_is_no_denial_and_a_group_of_people_is_a_target(rules: Detector, detector: Detector) -> None:
    # しか…ない affirms ("nothing but"): the insult stands
    assert rules.judge_text("この会社、ゴミしか居ないじゃん").level >= Level.WARNING
    assert rules.judge_text("ゴミは出していません").level < Level.WARNING  # a real denial, and a thing
    # a group of people spoken of is someone the model may judge an utterance aimed at ([grammar] people)
    judge = detector.judge
    assert judge._addressed(judge.analyzer.analyze("女の話はまじめに聞いてそう"), rules.judge_text(""))
    assert not judge._addressed(judge.analyzer.analyze("連絡取ってた女が急に音信不通になった"), rules.judge_text(""))
    # however the analyser cuts the group's name (中国+人) or whatever place it names (関西+人)
    assert judge._addressed(judge.analyzer.analyze("中国人って素行が悪いからなぁ"), rules.judge_text(""))
    assert judge._addressed(judge.analyzer.analyze("関西人はせっかちやからなあ"), rules.judge_text(""))
    assert not judge._addressed(judge.analyzer.analyze("中国に行った時に食べた麺がうまかった"), rules.judge_text(""))
    assert not judge._addressed(judge.analyzer.analyze("今日は寒いしね、鍋にしようか"), rules.judge_text(""))


@pytest.mark.parametrize(("text", "addressed"), [
    ("もう一回謝って", True), ("最初から全部説明し直して", True), ("東京の基準で対応してよ", True),
    ("昨日は家で映画を見て、それから寝た", False), ("駅まで歩いて疲れちゃった", False)])
def test_a_plain_request_is_aimed_at_the_listener(detector: Detector, text: str, addressed: bool) -> None:
    # 〜て, 〜てよ, 〜てね asks the listener for something (the model may judge it at judge.model_threshold); a て
    # that only joins two clauses of a story does not
    judge = detector.judge
    assert judge._addressed(judge.analyzer.analyze(text), judge.judge("", whole=False)) is addressed


@pytest.mark.parametrize(("text", "addressed"), [
    ("その口の利き方をなさってるんですね", True), ("十回おっしゃってください", True),
    ("添乗員さん、鍵を開けといて", True), ("新人さん？五年目なの", True), ("田中さんが昨日来てくれたよ", False),
    ("お母さんと買い物に行った", False)])
def test_someone_called_or_spoken_of_with_respect_is_addressed(detector: Detector, text: str, addressed: bool) -> None:
    # a subject honorific (なさる, おっしゃる) is never said of oneself; a name with さん before a pause or a question
    # calls someone; a name in a story (田中さんが) only speaks of one
    judge = detector.judge
    assert judge._addressed(judge.analyzer.analyze(text), judge.judge("", whole=False)) is addressed


@pytest.mark.parametrize(("text", "hate"), [
    ("みんなで在日を死刑にしよう", True), ("台湾人追放して土地を取ろう", True), ("消え去れ在日", True),
    ("移民は排除", True), ("朝鮮人を排斥すべきではない", False), ("戦時中に多くの中国人が虐殺された", False),
    ("ベトナム人とフィリピン人はゴキブリ", True), ("韓国人は敵を作るのが得意だからね", True),
    ("在日が蔓延って日本はおかしくなってる", True), ("外国人の友達がゴキブリを怖がってた", False),
    ("関西人はノリがいいね", False)])
def test_a_group_to_be_removed_or_called_names_is_hate(rules: Detector, text: str, hate: bool) -> None:
    # [grammar] removal / contempt with a group of people ([grammar] people, or a place + 人) in the sentence
    assert (rules.judge_text(text).level >= Level.WARNING) is hate, (text, rules.judge_text(text))


@pytest.mark.parametrize(("text", "harassment"), [
    ("全ての韓国人を追放して国交断絶しない限り事件は起こる", True),  # the negation is 断絶's
    ("土下座してほしいなんて全然思ってないんです", False),  # a verb of thinking denies what it takes
    ("殴ってやらないと分からないのか", True), ("外国人は排斥せなあかんやろ", True),  # a must denies nothing
    ("家が焼けてしまって大変でした", False), ("焼けからずっとかけてるのに全然繋がらなくて", False),
    ("「土下座までして頼まれたら断れん」言うて、旦那が契約してきた", False)])
def test_negation_belongs_to_its_own_predicate(rules: Detector, text: str, harassment: bool) -> None:
    # is_negated stops at a later predicate after 〜て/〜なら/〜し; [grammar] happenings are no harm verbs;
    # 「…」言うて tells someone else's words
    assert (rules.judge_text(text).level >= Level.WARNING) is harassment, (text, rules.judge_text(text))


@pytest.mark.parametrize(("text", "level"), [
    ("担当さん、いつも同じ時間に同じ道を歩いて帰ってるよね。何事もなければいいけどな", Level.CRITICAL),
    ("そちらの担当者さんが来週も無事に出勤できるといいですね、ほんとに", Level.CRITICAL),
    ("次に顔を合わせたら、手が出ないとはお約束できませんね", Level.CRITICAL),
    ("払えないというのでしたら、こちらにも考えがございます", Level.WARNING),
    ("対応次第では、この店がどうなっても私は一切知りませんからね", Level.WARNING),
])
def test_veiled_threats_by_implication(rules: Detector, text: str, level: Level) -> None:
    # the consequence is left to the listener: a routine known, a safety wished, a temper or a fist not promised
    assert rules.judge_text(text).level >= level, (text, rules.judge_text(text))


@pytest.mark.parametrize("text", ["暗いので帰り道に気をつけてくださいね", "雪なので帰り道はお気をつけて",
                                  "分からないなら聞いてください", "弁護士に相談します", "無事に届くといいですね",
                                  "毎日電車で通勤しているので定期の払い戻しを知りたいです"])
def test_care_and_rights_are_not_veiled_threats(rules: Detector, text: str) -> None:
    # a hazard given as the reason for care, a conditional asking for help, a legal route, a good wish
    assert rules.judge_text(text).level < Level.WARNING, (text, rules.judge_text(text))


@pytest.mark.parametrize(("text", "named"), [("納得がいくまで何度でもお聞きしますので", True),
                                             ("満足するまで同じ窓口に問い合わせます", True),
                                             ("メール、もう二十通送ったよ。読んでないならまた送っとくね", True),
                                             ("本社にも、営業所にも、サポートにも毎晩かけることにしました", True),
                                             ("また明日かけます", False),
                                             ("三回も電話したのに繋がらない", False),
                                             ("十回も電話したのに、またかけ直せって言うんですか", False),
                                             ("分かるまで何度でも聞いてください", False),
                                             ("母には毎日電話することにしました", False),
                                             ("毎朝母に電話をかけることにしています", False),
                                             ("分からないことがあったら、分かるまで何度でも質問しますね", False),
                                             ("理解できるまで何度でも聞きます", False)])
def test_contact_announced_as_a_plan_is_persistence(rules: Detector, text: str, named: bool) -> None:
    # until satisfied, endlessly, again after a counted campaign, a schedule decided: persistence_plans.py
    cues = [c.source for c in rules.judge_text(text).cues]
    assert ("repeated_contact" in cues) is named, (text, cues)


@pytest.mark.parametrize(("text", "exposed"), [
    ("お名前、漢字でどう書くの？珍しい苗字だね、ネットで探したらすぐ見つかりそう", True),
    ("フルネームで教えて、インターネットで少し調べさせていただきたいので", True),
    ("社員証の写真撮ってあるから、Xに上げたら友達とかすぐ気づくよね", True),
    ("今の会話録音してるからね、君の声と名前つけて上げたら", True),
    ("窓口のお兄さんの顔、スマホで撮っといたよ", True),
    ("お名前を伺ってもいいですか、お礼状を書きたいので", False),  # asked for a thank-you letter
    ("この通話は録音させていただきます", False),  # the caller's own record
    ("あなたの声、録音させていただいてます", False),  # a voice recorded, posted nowhere
    ("このお店のこと、口コミに書きます", False),  # a review without the person
    ("担当者の名前は伏せて口コミに書きます", False),  # the person kept out of it
    ("商品の名前をネットで検索したら出てきました", False),  # a product's name
    ("担当の方のお名前を調べてもらえますか", False)])  # a look-up asked of the agent
def test_the_agents_identity_looked_up_posted_or_filmed(rules: Detector, text: str, exposed: bool) -> None:
    # exposure.exposes_agent: the agent's name, face or voice + the caller's look-up, posting, spreading or filming
    found = rules.judge_text(text)
    assert any(c.source == "exposes_agent" for c in found.cues) is exposed, (text, found)


@pytest.mark.parametrize(("text", "harassment"), [
    ("悪気はないけど、高卒の方にこの話は難しいでしょうね", True),
    ("お年を召した方は機械にお弱いでしょう", True),
    ("訛りがおありですね、標準語の方に代わっていただけますか", True),
    # the caller's own attribute, a same-gender request for a medical reason, plain facts: no judgement drawn
    ("私、高卒なので難しい言葉は苦手で、ゆっくりお願いします", False),
    ("女性の担当者をお願いできますか、婦人科の相談なので", False),
    ("年寄りなもので、もう少し簡単な言葉で説明してもらえると助かります", False),
    ("若い方が多い職場ですね", False),
    ("外国の方にも分かりやすい案内があると助かります", False),
])
def test_a_stereotype_said_politely_is_discrimination(rules: Detector, text: str, harassment: bool) -> None:
    # disc_kind_cannot_understand, disc_kind_all_alike, disc_attribute_normal_swap: an attribute of a kind of
    # person + a judgement of ability drawn from it; the speaker's own attribute is no kind of person
    judgement = rules.judge_text(text)
    assert (judgement.level >= Level.WARNING) is harassment, (text, judgement)
    if harassment:
        assert any(c.category == "discrimination" for c in judgement.cues), judgement


@pytest.mark.parametrize(("text", "belittled"), [
    ("あんたの脳みそ、足りてないんちゃうか", True),  # a faculty + its lack, Kansai
    ("そちらの係の方、常識すら無いんですか", True),  # staff, polite, with すら
    ("考える力ゼロやな、ほんま", True),
    ("お前の替わりなんかなんぼでもおるんやで", True),  # replaceable: substitutes + plenty + people
    ("おたくが辞めても誰も困らんやろ", True),  # no one misses the listener
    ("こんな簡単なことも分からんとは、一体どういう躾を受けてきたんだ", True),  # upbringing + rebuke
    ("ご両親の顔が見てみたいもんですな", True),
    ("割り算もろくにできへん係員に経理させとんのか", True),  # a child's skill beyond a person
    ("ひらがなから習い直してきなさいよ", True),  # sent back to school
    ("あんたなんかおらんでも誰も困らへんわ", True),
    ("どんな教育受けたらそういう言葉遣いになるのかね", True),  # upbringing over the listener's conduct
    ("このパソコン、処理能力がないね", False),  # a compound: a machine's ability
    ("どういう家庭で育つと、そんなに優しくなれるんですか", False),  # praise, no rebuke
    ("この古い電卓、割り算もできないのよ", False),  # a device
    ("私、記憶力がなくてすみません", False),  # the caller's own faculty
    ("この機種には録画機能がないんですね", False),  # a product's ability
    ("どちらのご出身で、どんなご家庭で育ったんですか", False),  # a sincere question, no rebuke
    ("彼女は常識がないから困るのよ", False),  # a third person
    ("在庫の代わりならいくらでもありますよ", False),  # goods, not a person
    ("能力がないわけではありません", False),  # a denial
    ("常識がない人って最近多いですね", False),  # people in general
    ("「常識がない」と上司に言われました", False)])  # reported
def test_the_listeners_mind_worth_or_upbringing_belittled(rules: Detector, text: str, belittled: bool) -> None:
    # belittling.belittles_listener: a faculty + its absence, a substitute + plenty, upbringing questioned
    found = rules.judge_text(text)
    assert any(c.source == "belittles_listener" for c in found.cues) is belittled, (text, found)
    if belittled:
        assert found.level >= Level.WARNING, (text, found)  # abuse, or a rougher category heard with it
