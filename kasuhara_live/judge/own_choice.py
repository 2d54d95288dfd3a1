"""The caller taking their custom elsewhere or to a proper channel (解約する, 二度と買わない, 弁護士に相談する):
their right, however roughly said; the model's opinion is read again without those clauses."""

from __future__ import annotations

from kasuhara_live.judge.clauses import is_listener
from kasuhara_live.judge.grammar import te_yaru
from kasuhara_live.judge.japanese import NEGATORS, Token
from kasuhara_live.judge.word_classes import WordClasses


def own_choices(classes: WordClasses, tokens: tuple[Token, ...]) -> set[int]:
    """The tokens of clauses in which the caller takes their custom elsewhere or to a proper channel.

    解約する, 乗り換える, 返品する, よそで買う; a custom refused (二度と買わない, 利用しねえ, 勧めません);
    弁護士に相談する.
    Never a clause that does something to someone (〜てやる), makes someone do it (使わせない) or means an outcome
    (使えないようにする), nor one that addresses the listener (お前…).
    """
    chosen: set[int] = set()
    start = 0
    for end in range(len(tokens) + 1):
        if end < len(tokens) and not tokens[end].is_break:
            continue
        clause = tokens[start:end]
        if clause and _is_own_choice(classes, clause):
            chosen.update(range(start, end))
        start = end + 1
    return chosen


def _is_own_choice(classes: WordClasses, clause: tuple[Token, ...]) -> bool:
    lemmas = [t.lemma for t in clause]
    if any(t.lemma in classes.causatives and t.pos == "助動詞" for t in clause) \
            or any(lemma in classes.so_that for lemma in lemmas) \
            or any(te_yaru(classes, clause, i) for i in range(len(clause))) \
            or any(is_listener(classes, t) for t in clause):
        return False
    if any(t.form.startswith("仮定形") or t.lemma in classes.asking_or_if for t in clause):
        return False  # 来ないなら, 来てください: what the listener is to do, not the caller's choice
    if any(lemma in classes.taking_custom_away or lemma in classes.legal_route for lemma in lemmas):
        return True
    for i, token in enumerate(clause):
        verb = token.pos == "動詞" and token.lemma in classes.custom
        if token.pos == "名詞" and token.lemma in classes.custom and i + 1 < len(clause) \
                and clause[i + 1].lemma in classes.suru_verb:
            verb, i = True, i + 1  # 利用しない, 取引しねえ
        if not verb:
            continue
        negation = i + 1 if i + 1 < len(clause) and clause[i + 1].lemma in NEGATORS else \
            i + 2 if i + 2 < len(clause) and clause[i + 1].lemma in classes.polite_verb_endings \
            and clause[i + 2].lemma in NEGATORS else 0
        if negation and clause[negation].pos == "助動詞" and (
                negation + 1 == len(clause) or clause[negation + 1].lemma in classes.closing_particles):
            return True  # 買わない, 頼まねえからな, 使いませんよ (not 来ない人, 来ないと)
    return False
