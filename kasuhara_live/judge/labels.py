"""What people read: category, level and criterion names in Japanese and English."""

from __future__ import annotations

CATEGORY = {
    "ja": {
        "threat": "身体的な攻撃・脅迫", "abuse": "精神的な攻撃（暴言）", "intimidation": "威圧的な言動",
        "dogeza": "土下座の要求", "persistence": "継続的・執拗な言動", "restraint": "拘束的な行動",
        "discrimination": "差別的な言動", "sexual": "性的な言動", "personal_attack": "従業員個人への攻撃・要求",
        "excessive_demand": "過大な要求", "complaint": "クレーム（正当な苦情）", "none": "通常",
    },
    "en": {
        "threat": "threat / violence", "abuse": "verbal abuse", "intimidation": "intimidation",
        "dogeza": "demand to kneel (dogeza)", "persistence": "persistence", "restraint": "restraint",
        "discrimination": "discrimination", "sexual": "sexual remarks", "personal_attack": "attack on the employee",
        "excessive_demand": "excessive demand", "complaint": "complaint (legitimate)", "none": "ordinary",
    },
}
LEVEL = {
    "ja": {"none": "通常", "caution": "注意", "warning": "警告", "critical": "緊急"},
    "en": {"none": "none", "caution": "caution", "warning": "warning", "critical": "critical"},
}
CRITERION = {
    "ja": {"demand_validity": "要求内容の妥当性", "means_manner": "手段・態様の相当性",
           "work_environment": "就業環境への影響"},
    "en": {"demand_validity": "validity of the demand", "means_manner": "acceptability of the means",
           "work_environment": "harm to the working environment"},
}
REASON = {
    "ja": {
        "utterance": "{category}：「{evidence}」",
        "model": "{category}（発言全体からの判断・確度{probability:.0%}）：「{evidence}」",
        "after_final_warning": "最終警告の後も続いています：{detail}",
        "repeated": "同じ要求が{minutes:g}分以内に{count}回：{detail}",
        "shouting": "大声（本人の平常時より{db:.0f}dB大きい）",
        "length": "通話時間が{minutes:g}分を超えました",
        "decay": "{minutes:g}分間新たな問題なし",
    },
    "en": {
        "utterance": "{category}: \"{evidence}\"",
        "model": "{category} (judged from the whole utterance, {probability:.0%} sure): \"{evidence}\"",
        "after_final_warning": "continuing after the final warning: {detail}",
        "repeated": "the same demand {count} times within {minutes:g} min: {detail}",
        "shouting": "shouting ({db:.0f} dB above the caller's own level)",
        "length": "the call has lasted over {minutes:g} min",
        "decay": "no new problem for {minutes:g} min",
    },
}


def category(lang: str, key: str) -> str:
    return CATEGORY[lang].get(key, key)
