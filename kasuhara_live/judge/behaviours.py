"""What the caller says they will do to the agent: go to their home (あんたの実家まで行って), dig into their
private life (あなたのフルネーム…調べるから), or disown what may happen (何か起きても知りませんよ)."""

from __future__ import annotations

from itertools import pairwise

from kasuhara_live.events import Level
from kasuhara_live.judge.clauses import clause_after, is_listener, self_match, sentence_start
from kasuhara_live.judge.cues import CLEARED, Cue
from kasuhara_live.judge.grammar import is_polite
from kasuhara_live.judge.guards import is_negated, is_reported
from kasuhara_live.judge.japanese import NEGATORS, Analysis
from kasuhara_live.judge.word_classes import WordClasses


def private_visit(classes: WordClasses, analysis: Analysis) -> list[Cue]:
    """あんたの実家まで行って, お前の家に行くぞ, 家までついてってやる: going to the agent's home (critical).

    The home must be the listener's (あんた/お前 + の right before it), or the caller follows someone there
    themselves (no one else as the subject, no くれる/もらう); 業者さんが家に行くのは何時ですか, 家まで来てもらえますか
    and 実家に行くので are not, nor is any polite question.
    """
    tokens = analysis.tokens
    asked = is_polite(classes, tokens) and any(t.surface in classes.asking_marks for t in tokens)
    dismissed = ""
    for i, token in enumerate(tokens[:-1]):
        # お前んち行くぞ: んち (your place) read as ん/ち, and spoken without a particle
        home = token.lemma in classes.private_places \
            or (token.surface in classes.home_suffix and i > 0 and tokens[i - 1].surface == "ん")
        if not home:
            continue
        at = i + 2 if tokens[i + 1].lemma in classes.goal_particles else i + 1
        if at >= len(tokens):
            continue
        verb = tokens[at]
        if verb.pos != "動詞" or verb.lemma not in classes.going:
            continue
        # not 友達の家
        theirs = i > 1 and tokens[i - 1].lemma in classes.possessive_marks and is_listener(classes, tokens[i - 2])
        rest = clause_after(classes, tokens, at, limit=6)
        someone_else = any(t.lemma in classes.subject_marks and t.pos == "助詞" for t in tokens[max(0, i - 6) : i])
        follows = verb.lemma in classes.following_verbs and bool(rest) and rest[0].lemma in classes.going_along \
            and not someone_else \
            and not any(t.lemma in classes.favours for t in rest)
        words = "".join(t.surface for t in tokens[i - (token.surface in classes.home_suffix) : at + 1])
        if asked or not (theirs or follows) or is_negated(classes, analysis, self_match(at)) \
                or any(t.lemma == "た" or t.lemma in classes.impossible for t in rest):
            dismissed = words  # 友達の家行くけん, 業者さんが家に行くのは何時ですか: someone's home, not the agent's
            continue
        return [Cue("private_visit", "personal_attack", "conduct", 2.0, words, Level.CRITICAL)]
    return [Cue("private_visit", category, CLEARED, 0.0, dismissed) for category in ("personal_attack", "threat")
            if dismissed]


def disowned_consequence(classes: WordClasses, analysis: Analysis) -> list[Cue]:
    """緩めに行っても知らんがや, 何か起きても知りませんよ, 落ちても誰も気づかんやろうな: something may happen and the
    caller will not answer for it — a veiled threat (脅迫), critical like the stock どうなっても知らない."""
    tokens = analysis.tokens
    dismissed = ""
    for i in range(1, len(tokens) - 2):
        if not (tokens[i].lemma in classes.te_particles and tokens[i + 1].surface == "も"
                and tokens[i - 1].pos == "動詞"):
            continue
        rest = [t for t in tokens[i + 2 : i + 7] if not t.is_break or t.surface in ("、", ",")]
        words = "".join(t.surface for t in rest if not t.is_break)
        disowned = words.startswith(classes.disowning)
        negation = next((j for j in range(i + 2, min(i + 9, len(tokens))) if tokens[j].lemma in NEGATORS), None)
        if negation is not None and negation + 1 < len(tokens) and tokens[negation + 1].pos == "名詞":
            continue  # 読んでも知らない言葉ばかり: an unknown word, not a disowned consequence
        condition = tokens[sentence_start(tokens, i - 1) : i]
        # 木が倒れても知りませんよ, 子供が落ちても誰も気づかないような作り: a hazard reported, not a threat
        hazard = any(a.pos == "名詞" and a.lemma not in classes.who_or_what and not is_listener(classes, a)
                     and b.lemma in classes.subject_marks for a, b in pairwise(condition)) \
            or any(w in words for w in classes.hazard_marks)
        if is_polite(classes, tokens):
            hazard = True  # ガス臭いんです、何か起きても知りませんよ: a hazard reported, the company warned
        evidence = "".join(t.surface for t in tokens[i - 1 : i + 2]) + words[:4]
        if disowned and (hazard or is_reported(classes, analysis, self_match(i - 1))):
            dismissed = evidence  # 木が倒れても知りませんよ: a hazard reported; 「何があっても知らん」と言われた
            continue
        if disowned:
            # 何か起きても, 落ちても: harm left open, said to someone named or roughly, is a threat; 電話が
            # 繋がらなくなっても is pressure, not harm
            vague = any(t.lemma in classes.vague_words for t in tokens[max(0, i - 5) : i]) \
                or tokens[i - 1].lemma in classes.mishap_verbs
            aimed = any(is_listener(classes, t) or t.lemma in classes.staff for t in tokens) or any(
                x in words[-4:] or x in "".join(t.surface for t in tokens[-4:]) for x in classes.rough_closes)
            if vague and aimed:
                return [Cue("disowned_consequence", "threat", "conduct", 1.0, evidence, Level.CRITICAL)]
            return [Cue("disowned_consequence", "intimidation", "conduct", 1.0, evidence)]
    return [Cue("disowned_consequence", category, CLEARED, 0.0, dismissed) for category in ("threat", "intimidation")
            if dismissed]


def investigates_agent(classes: WordClasses, analysis: Analysis) -> list[Cue]:
    """あなたのフルネーム…調べるから, 受付の人のインスタ…見つけた: the caller digs into the agent's private life.

    The agent (a second-person word or staff) must own what is looked for, named before the verb; asking the
    agent to look something up (調べてもらえますか) or telling what one looked up about a product is nothing.
    """
    tokens = analysis.tokens
    for j, token in enumerate(tokens):
        if token.pos != "動詞" or token.lemma not in classes.investigate:
            continue
        tail = "".join(t.surface for t in tokens[j + 1 : j + 5])
        if tail.startswith(classes.not_done_by_caller):
            continue
        before = tokens[:j]
        for k, who in enumerate(before):
            person = is_listener(classes, who) \
                or (who.lemma in classes.staff and who.lemma not in classes.places_of_work)
            at = k
            if not person and (who.lemma in classes.staff or who.surface in classes.staff):
                # 受付の人, 窓口の方 (not 会社の住所, 受付の番号)
                person = "".join(t.surface for t in before[k + 1 : k + 3]).startswith(classes.person_tails)
                at = k + 2
            if not person:
                continue
            # あなたのフルネーム, 受付の人、インスタ…: the agent's own data right after them (not あなたが言ってた書類)
            owned = before[at + 1 : at + 5]
            linked = bool(owned) and (owned[0].lemma == "の" or owned[0].surface in classes.linking_marks)
            words = "".join(t.surface for t in owned[1:])
            if (linked and words.startswith(classes.private_data)) \
                    or (owned and owned[0].lemma in classes.about_marks):
                return [Cue("investigates_agent", "personal_attack", "conduct", 1.0,
                            "".join(t.surface for t in tokens[k : j + 1]))]
    return []
