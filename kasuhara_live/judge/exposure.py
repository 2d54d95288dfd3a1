"""The agent's identity exposed: their name, face or voice looked up, posted, spread or filmed by the caller
(お名前…ネットで探したらすぐ見つかりそう, 社員証の写真…Xに上げたら, 君の声と名前つけて上げたら).

The identity must be the agent's: owned by the listener or a member of the staff (あんたの顔, 受付の子の名前),
honorific (お名前, お顔), or a word said only of people (フルネーム, 名札) with no one else as its owner. The act
must be the caller's: a look-up not asked of the agent (調べてもらえますか), posting to a medium, spreading,
or filming a face or name tag. Asking a name for the record or a thank-you (お名前を伺ってもいいですか、お礼状を
書きたいので), recording the call (録音させていただきます) and a review without the person (名前は伏せて口コミに
書きます) are not.
"""

from __future__ import annotations

from kasuhara_live.judge.clauses import is_first_person, is_listener, self_match, word_at
from kasuhara_live.judge.cues import Cue
from kasuhara_live.judge.guards import is_negated
from kasuhara_live.judge.japanese import Analysis, Token
from kasuhara_live.judge.word_classes import WordClasses


def _a_person(classes: WordClasses, tokens: tuple[Token, ...], k: int) -> bool:
    """Token ``k`` is the listener or a member of the staff (担当さん, 受付の子), not a place (会社の)."""
    who = tokens[k]
    if is_listener(classes, who) or (who.lemma in classes.staff and who.lemma not in classes.places_of_work):
        return True
    if who.surface in classes.person_nouns or who.lemma in classes.vocative_suffixes:
        return True  # 受付の子, 窓口の方, お姉さん
    return who.lemma in classes.staff and "".join(t.surface for t in tokens[k + 1 : k + 3]).startswith(
        classes.person_tails)


def _agents_identity(classes: WordClasses, tokens: tuple[Token, ...], i: int, word: str) -> bool:
    """The identity word at ``i`` belongs to the agent (see the module's docstring)."""
    prev = tokens[i - 1] if i else None
    if prev is not None and prev.lemma == "御":
        return True  # お名前, お顔, お声
    if prev is not None and prev.lemma in classes.possessive_marks and i > 1:
        k = i - 3 if tokens[i - 2].surface in classes.oneself and i > 2 else i - 2  # あなた個人の名前
        owner = tokens[k]
        if is_first_person(classes, owner) or owner.lemma in classes.own_family:
            return False  # 私の名前, 息子のフルネーム: the caller's own
        # 胸の名札: a word said only of people, on someone other than the caller
        return word in classes.person_only_identity or _a_person(classes, tokens, k)
    if word not in classes.person_only_identity:
        return False  # 名前, 声 with no owner: a product's name, a customer's voice
    return not any(is_first_person(classes, t) for t in tokens[max(0, i - 2) : i])


def _caller_acts(classes: WordClasses, analysis: Analysis, j: int, media: bool, visual: bool) -> bool:
    """Token ``j`` is the caller looking the agent up, posting, spreading or filming them."""
    tokens = analysis.tokens
    token = tokens[j]
    tail = "".join(t.surface for t in tokens[j + 1 : j + 5])
    if token.lemma in classes.investigate:
        rest = tail[2:] if tail.startswith(("する", "し")) and token.pos == "名詞" else tail
        own = not rest.lstrip("し").startswith(classes.asked_of_agent) and not tail.startswith(classes.asked_of_agent)
        return own and not is_negated(classes, analysis, self_match(j))
    if token.lemma in classes.spreading_verbs or (media and token.lemma in classes.posting_verbs):
        # 口コミに書きたいくらい良かった: a degree, praise said, nothing posted
        return not is_negated(classes, analysis, self_match(j)) and not any(w in tail for w in classes.degree_marks)
    return visual and token.surface.startswith(classes.filming_stems)


def exposes_agent(classes: WordClasses, analysis: Analysis) -> list[Cue]:
    """お名前…ネットで探したら見つかりそう, 名札撮らせてもらいました: the agent's identity exposed (personal attack)."""
    tokens = analysis.tokens
    text = "".join(t.surface for t in tokens)
    if not any(w in text for w in classes.identity_words):
        return []  # nothing that identifies anyone: the common case, settled without reading token by token
    if any(w in text for w in (*classes.withheld, *classes.gratitude)):
        return []  # 名前は伏せて口コミに書きます, 口コミにお礼を書きたい: the agent kept out of it, or thanked
    found = [(i, w) for i in range(len(tokens)) if (w := word_at(tokens, i, classes.identity_words))
             and _agents_identity(classes, tokens, i, w)]
    if not found:
        return []
    media = any(w in text for w in classes.media_words)
    # a face or name tag filmed exposes the agent; a voice recorded only when it is to go where others see it
    # (動画にして), not 録音させていただきます, the caller's record of the call
    shown = any(w in text for w in classes.media_words if not w.startswith(classes.filming_stems))
    visual = any(w in classes.visual_identity or shown for _, w in found)
    for j in range(len(tokens)):
        if _caller_acts(classes, analysis, j, media, visual):
            first = min(found[0][0], j)
            words = "".join(t.surface for t in tokens[first : max(found[0][0], j) + 1])
            return [Cue("exposes_agent", "personal_attack", "conduct", 1.0, words[:30])]
    return []
