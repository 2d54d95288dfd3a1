"""Named word classes: the lists of words the judge's grammar rules read, kept in ``configs/word-classes.toml``.

A class is a name and a list of words (``staff``, ``not_people``, ``saying_verbs``…); a word ``@name`` stands for
every word of another class. The shipped file defines every class the rules read; a site's lexicon file adjusts
them with ``[classes.add]`` and ``[classes.remove]`` (one list per class name), applied after the shipped file:
a word added to a class is in every class that includes it with ``@name``; a word removed is removed from the
class as the rules read it. The same tables change the lexicon's ``[grammar]`` lists (``harm_targets``…), so a
site never copies a whole list to add a word. The rules read a class as an attribute of :class:`WordClasses`
(``classes.staff``): a frozen set for membership, a tuple where the words are beginnings (``str.startswith``).
"""

from __future__ import annotations

from collections.abc import Mapping
from difflib import get_close_matches
from typing import Any

from kasuhara_live.config import DEFAULT_CONFIG_PATH, read_toml
from kasuhara_live.errors import ConfigError

SHIPPED_CLASSES = DEFAULT_CONFIG_PATH.parent / "word-classes.toml"
# the classes whose words are beginnings (tuples, for str.startswith); every other class is a frozen set
PREFIX_CLASSES = frozenset({"rough_tails", "rhetorical", "tone_tails", "insisting", "not_a_denial", "apologies",
                            "not_done_by_caller", "private_data", "rough_closes", "intervals", "taunting_questions",
                            "threat_shape_tails", "te_yaru_tails", "told_tails", "disowning", "not_a_promise",
                            "ongoing_tails", "prohibitions", "rough_prohibitions", "person_tails", "done_tails",
                            "own_deed_tails", "veiled_conditions", "warning_words", "warning_ends", "plan_marks",
                            "insisting_ongoing", "cursed_deeds", "te_yaru_marks", "mutual_endings",
                            "concessive_tails", "continuing_stems", "every", "grievance_marks", "apology_leads",
                            "hazard_marks", "negative_endings"})
CHANGES = ("add", "remove")
Words = tuple[str, ...]


class WordClasses:
    """Every word class, by name; built from the resolved lists (see :func:`resolve_classes`)."""

    def __init__(self, words: Mapping[str, tuple[str, ...]]) -> None:
        self.names = tuple(words)
        self.rough_endings = frozenset(words["rough_endings"])
        self.casual_negatives = frozenset(words["casual_negatives"])
        self.rough_interjections = frozenset(words["rough_interjections"])
        self.rough_tails: tuple[str, ...] = words["rough_tails"]
        self.rhetorical: tuple[str, ...] = words["rhetorical"]
        self.tone_tails: tuple[str, ...] = words["tone_tails"]
        self.rough_pleas = frozenset(words["rough_pleas"])
        self.saying_verbs = frozenset(words["saying_verbs"])
        self.quotes = frozenset(words["quotes"])
        self.hearsay = frozenset(words["hearsay"])
        self.insisting: tuple[str, ...] = words["insisting"]
        self.insult_suffixes = frozenset(words["insult_suffixes"])
        self.case_particles = frozenset(words["case_particles"])
        self.first_person = frozenset(words["first_person"])
        self.passive = frozenset(words["passive"])
        self.not_a_denial: tuple[str, ...] = words["not_a_denial"]
        self.safe_words = frozenset(words["safe_words"])
        self.words_nouns = frozenset(words["words_nouns"])
        self.apologies: tuple[str, ...] = words["apologies"]
        self.intent_nouns = frozenset(words["intent_nouns"])
        self.courtesies = frozenset(words["courtesies"])
        self.asking_verbs = frozenset(words["asking_verbs"])
        self.contact_counters = frozenset(words["contact_counters"])
        self.staff = frozenset(words["staff"])
        self.not_listener = frozenset(words["not_listener"])
        self.private_places = frozenset(words["private_places"])
        self.going = frozenset(words["going"])
        self.not_done_by_caller: tuple[str, ...] = words["not_done_by_caller"]
        self.how_it_works = frozenset(words["how_it_works"])
        self.mishap_verbs = frozenset(words["mishap_verbs"])
        self.hours = frozenset(words["hours"])
        self.not_a_span = frozenset(words["not_a_span"])
        self.held = frozenset(words["held"])
        self.question_words = frozenset(words["question_words"])
        self.places_of_work = frozenset(words["places_of_work"])
        self.investigate = frozenset(words["investigate"])
        self.private_data: tuple[str, ...] = words["private_data"]
        self.staying = frozenset(words["staying"])
        self.leaving = frozenset(words["leaving"])
        self.said = frozenset(words["said"])
        self.family = frozenset(words["family"])
        self.own_family = frozenset(words["own_family"])
        self.own_people = frozenset(words["own_people"])
        self.intensifiers = frozenset(words["intensifiers"])
        self.thing_verbs = frozenset(words["thing_verbs"])
        self.legal_route = frozenset(words["legal_route"])
        self.taking_custom_away = frozenset(words["taking_custom_away"])
        self.asking_or_if = frozenset(words["asking_or_if"])
        self.closing_particles = frozenset(words["closing_particles"])
        self.custom = frozenset(words["custom"])
        self.rough_closes: tuple[str, ...] = words["rough_closes"]
        self.not_people = frozenset(words["not_people"])
        self.veiled_conditions: tuple[str, ...] = words["veiled_conditions"]
        self.honorific_verbs = frozenset(words["honorific_verbs"])
        self.vocative_suffixes = frozenset(words["vocative_suffixes"])
        self.vocative_marks = frozenset(words["vocative_marks"])
        self.group_marks = frozenset(words["group_marks"])
        self.polite = frozenset(words["polite"])
        self.sending_verbs = frozenset(words["sending_verbs"])
        self.pleading = frozenset(words["pleading"])
        self.such = frozenset(words["such"])
        self.mishap_auxiliaries = frozenset(words["mishap_auxiliaries"])
        self.received = frozenset(words["received"])
        self.intervals: tuple[str, ...] = words["intervals"]
        self.interval_units = frozenset(words["interval_units"])
        self.such_things = frozenset(words["such_things"])
        self.taunting_questions: tuple[str, ...] = words["taunting_questions"]
        self.speaker_particles = frozenset(words["speaker_particles"])
        self.topic_quoting = frozenset(words["topic_quoting"])
        self.threat_shape_tails: tuple[str, ...] = words["threat_shape_tails"]
        self.contact_noun_verbs = frozenset(words["contact_noun_verbs"])
        self.te_yaru_tails: tuple[str, ...] = words["te_yaru_tails"]
        self.told_tails: tuple[str, ...] = words["told_tails"]
        self.describing_words = frozenset(words["describing_words"])
        self.barking_particles = frozenset(words["barking_particles"])
        self.group_topic_marks = frozenset(words["group_topic_marks"])
        self.disowning: tuple[str, ...] = words["disowning"]
        self.not_a_promise: tuple[str, ...] = words["not_a_promise"]
        self.ongoing_tails: tuple[str, ...] = words["ongoing_tails"]
        self.imposition_closes = frozenset(words["imposition_closes"])
        self.prohibitions: tuple[str, ...] = words["prohibitions"]
        self.rough_prohibitions: tuple[str, ...] = words["rough_prohibitions"]
        self.asking_after_te = frozenset(words["asking_after_te"])
        self.te_auxiliaries = frozenset(words["te_auxiliaries"])
        self.potential_twins = frozenset(words["potential_twins"])
        self.favours = frozenset(words["favours"])
        self.person_tails: tuple[str, ...] = words["person_tails"]
        self.counted_things = frozenset(words["counted_things"])
        self.done_tails: tuple[str, ...] = words["done_tails"]
        self.wanting = frozenset(words["wanting"])
        self.own_deed_tails: tuple[str, ...] = words["own_deed_tails"]
        self.kansai_yaru = frozenset(words["kansai_yaru"])
        self.disowning_fillers = frozenset(words["disowning_fillers"])
        self.measures = frozenset(words["measures"])
        self.simile_words = frozenset(words["simile_words"])
        self.vague_words = frozenset(words["vague_words"])
        self.contempt_auxiliaries = frozenset(words["contempt_auxiliaries"])
        self.seeing = frozenset(words["seeing"])
        self.bare_quotes = frozenset(words["bare_quotes"])
        self.telling = frozenset(words["telling"])
        self.subject_marks = frozenset(words["subject_marks"])
        self.question_particles = frozenset(words["question_particles"])
        self.nominalisers = frozenset(words["nominalisers"])
        self.rebuke_questions = frozenset(words["rebuke_questions"])
        self.getting_done_humbly = frozenset(words["getting_done_humbly"])
        self.causatives = frozenset(words["causatives"])
        self.polite_imposition_closes = frozenset(words["polite_imposition_closes"])
        self.getting_done = frozenset(words["getting_done"])
        self.challenge_questions = frozenset(words["challenge_questions"])
        self.kansai_copula = frozenset(words["kansai_copula"])
        self.prohibition_closes = frozenset(words["prohibition_closes"])
        self.warning_words: tuple[str, ...] = words["warning_words"]
        self.warning_ends: tuple[str, ...] = words["warning_ends"]
        self.giving_to_speaker = frozenset(words["giving_to_speaker"])
        self.conjecture = frozenset(words["conjecture"])
        self.te_particles = frozenset(words["te_particles"])
        self.how_about = frozenset(words["how_about"])
        self.how_about_closes = frozenset(words["how_about_closes"])
        self.of_course = frozenset(words["of_course"])
        self.copulas = frozenset(words["copulas"])
        self.demand_closes = frozenset(words["demand_closes"])
        self.plan_marks: tuple[str, ...] = words["plan_marks"]
        self.doing_for = frozenset(words["doing_for"])
        self.kansai_yaro = frozenset(words["kansai_yaro"])
        self.saying = frozenset(words["saying"])
        self.only_particles = frozenset(words["only_particles"])
        self.thinking = frozenset(words["thinking"])
        self.conditional_copula = frozenset(words["conditional_copula"])
        self.not_caring = frozenset(words["not_caring"])
        self.knowing = frozenset(words["knowing"])
        self.hedges = frozenset(words["hedges"])
        self.plain_quotes = frozenset(words["plain_quotes"])
        self.asking_marks = frozenset(words["asking_marks"])
        self.past_auxiliaries = frozenset(words["past_auxiliaries"])
        self.told_auxiliaries = frozenset(words["told_auxiliaries"])
        self.insisting_ongoing: tuple[str, ...] = words["insisting_ongoing"]
        self.while_doing = frozenset(words["while_doing"])
        self.say_verbs = frozenset(words["say_verbs"])
        self.saying_or_thinking = frozenset(words["saying_or_thinking"])
        self.must_verbs = frozenset(words["must_verbs"])
        self.simile_joins = frozenset(words["simile_joins"])
        self.reflexive = frozenset(words["reflexive"])
        self.thing_particles = frozenset(words["thing_particles"])
        self.wish_auxiliaries = frozenset(words["wish_auxiliaries"])
        self.polite_auxiliaries = frozenset(words["polite_auxiliaries"])
        self.asking_particles = frozenset(words["asking_particles"])
        self.cursed_deeds: tuple[str, ...] = words["cursed_deeds"]
        self.way_of = frozenset(words["way_of"])
        self.te_yaru_marks: tuple[str, ...] = words["te_yaru_marks"]
        self.mutual_endings: tuple[str, ...] = words["mutual_endings"]
        self.concessive_tails: tuple[str, ...] = words["concessive_tails"]
        self.polite_verb_endings = frozenset(words["polite_verb_endings"])
        self.mishap_told = frozenset(words["mishap_told"])
        self.object_marks = frozenset(words["object_marks"])
        self.wondering = frozenset(words["wondering"])
        self.continuing = frozenset(words["continuing"])
        self.continuing_stems: tuple[str, ...] = words["continuing_stems"]
        self.every: tuple[str, ...] = words["every"]
        self.vague_counts = frozenset(words["vague_counts"])
        self.endless_marks = frozenset(words["endless_marks"])
        self.ordinal_suffixes = frozenset(words["ordinal_suffixes"])
        self.call_counters = frozenset(words["call_counters"])
        self.counted_fillers = frozenset(words["counted_fillers"])
        self.grievance_marks: tuple[str, ...] = words["grievance_marks"]
        self.apology_leads: tuple[str, ...] = words["apology_leads"]
        self.but_particles = frozenset(words["but_particles"])
        self.misread_calling = frozenset(words["misread_calling"])
        self.misread_calling_forms = frozenset(words["misread_calling_forms"])
        self.waiting = frozenset(words["waiting"])
        self.doing = frozenset(words["doing"])
        self.home_suffix = frozenset(words["home_suffix"])
        self.goal_particles = frozenset(words["goal_particles"])
        self.possessive_marks = frozenset(words["possessive_marks"])
        self.following_verbs = frozenset(words["following_verbs"])
        self.going_along = frozenset(words["going_along"])
        self.impossible = frozenset(words["impossible"])
        self.who_or_what = frozenset(words["who_or_what"])
        self.hazard_marks: tuple[str, ...] = words["hazard_marks"]
        self.linking_marks = frozenset(words["linking_marks"])
        self.about_marks = frozenset(words["about_marks"])
        self.label_closes = frozenset(words["label_closes"])
        self.order_particles = frozenset(words["order_particles"])
        self.pointing = frozenset(words["pointing"])
        self.said_of_marks = frozenset(words["said_of_marks"])
        self.nationality_suffixes = frozenset(words["nationality_suffixes"])
        self.obligation = frozenset(words["obligation"])
        self.negative_endings: tuple[str, ...] = words["negative_endings"]
        self.kansai_threat_tails = frozenset(words["kansai_threat_tails"])
        self.so_that = frozenset(words["so_that"])
        self.suru_verb = frozenset(words["suru_verb"])
        self.listing_quotes = frozenset(words["listing_quotes"])
        self.conditional_particles = frozenset(words["conditional_particles"])
        # derived: the first characters of the rough tails, a cheap test before the clause is read
        self.rough_tail_heads = frozenset(tail[0] for tail in self.rough_tails)


# every class the rules read, in the order of the shipped file
CLASS_NAMES = ("rough_endings", "casual_negatives", "rough_interjections", "rough_tails", "rhetorical", "tone_tails",
               "rough_pleas", "saying_verbs", "quotes", "hearsay", "insisting", "insult_suffixes", "case_particles",
               "first_person", "passive", "not_a_denial", "safe_words", "words_nouns", "apologies", "intent_nouns",
               "courtesies", "asking_verbs", "contact_counters", "staff", "not_listener", "private_places", "going",
               "not_done_by_caller", "how_it_works", "mishap_verbs", "hours", "not_a_span", "held", "question_words",
               "places_of_work", "investigate", "private_data", "staying", "leaving", "said", "family", "own_family",
               "own_people", "intensifiers", "thing_verbs", "legal_route", "taking_custom_away", "asking_or_if",
               "closing_particles", "custom", "rough_closes", "not_people", "group_marks", "polite", "sending_verbs",
               "pleading", "such", "mishap_auxiliaries", "received", "intervals", "interval_units", "such_things",
               "taunting_questions", "speaker_particles", "topic_quoting", "threat_shape_tails", "contact_noun_verbs",
               "te_yaru_tails", "told_tails", "describing_words", "barking_particles", "group_topic_marks",
               "disowning", "not_a_promise", "ongoing_tails", "imposition_closes", "prohibitions",
               "rough_prohibitions", "asking_after_te", "te_auxiliaries", "potential_twins", "favours",
               "person_tails", "counted_things", "done_tails", "wanting", "own_deed_tails", "kansai_yaru",
               "disowning_fillers", "measures", "simile_words", "vague_words", "veiled_conditions", "honorific_verbs",
               "vocative_suffixes", "vocative_marks", "contempt_auxiliaries", "seeing", "bare_quotes", "telling",
               "subject_marks", "question_particles", "nominalisers", "rebuke_questions", "getting_done_humbly",
               "causatives", "polite_imposition_closes", "getting_done", "challenge_questions", "kansai_copula",
               "prohibition_closes", "warning_words", "warning_ends", "giving_to_speaker", "conjecture",
               "te_particles", "how_about", "how_about_closes", "of_course", "copulas", "demand_closes", "plan_marks",
               "doing_for", "kansai_yaro", "saying", "only_particles", "thinking", "conditional_copula", "not_caring",
               "knowing", "hedges", "plain_quotes", "asking_marks", "past_auxiliaries", "told_auxiliaries",
               "insisting_ongoing", "while_doing", "say_verbs", "saying_or_thinking", "must_verbs", "simile_joins",
               "reflexive", "thing_particles", "wish_auxiliaries", "polite_auxiliaries", "asking_particles",
               "cursed_deeds", "way_of", "te_yaru_marks", "mutual_endings", "concessive_tails", "polite_verb_endings",
               "mishap_told", "object_marks", "wondering", "continuing", "continuing_stems", "every", "vague_counts",
               "endless_marks", "ordinal_suffixes", "call_counters", "counted_fillers", "grievance_marks",
               "apology_leads", "but_particles", "misread_calling", "misread_calling_forms", "waiting", "doing",
               "home_suffix", "goal_particles", "possessive_marks", "following_verbs", "going_along", "impossible",
               "who_or_what", "hazard_marks", "linking_marks", "about_marks", "label_closes", "order_particles",
               "pointing", "said_of_marks", "nationality_suffixes", "obligation", "negative_endings",
               "kansai_threat_tails", "so_that", "suru_verb", "listing_quotes", "conditional_particles")


def _words(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: expected a list of non-empty strings (words), got {value!r}")
    return tuple(v.strip() for v in value)


def _known(name: str, where: str, also: tuple[str, ...] = ()) -> None:
    if name not in CLASS_NAMES and name not in also:
        close = get_close_matches(name, (*CLASS_NAMES, *also), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ConfigError(f"{where}: unknown word class {name!r}; {hint}the classes are those of {SHIPPED_CLASSES}")


def parse_definitions(table: Any, where: str) -> dict[str, tuple[str, ...]]:
    """The ``[classes]`` table of the shipped file: every class the rules read, each a list of words."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [classes] must be a table of word lists")
    definitions: dict[str, tuple[str, ...]] = {}
    for name, value in table.items():
        _known(name, f"{where} [classes]")
        definitions[name] = _words(value, f"{where} [classes] {name}")
    missing = [name for name in CLASS_NAMES if name not in definitions]
    if missing:
        raise ConfigError(f"{where} [classes]: word class {missing[0]!r} is not defined")
    return definitions


def parse_changes(table: Any, where: str, also: tuple[str, ...] = ()) -> dict[str, dict[str, tuple[str, ...]]]:
    """A site lexicon's ``[classes.add]`` / ``[classes.remove]``: {"add": {class: words}, "remove": {…}}.

    ``also``: other word lists these tables may change (the lexicon's ``[grammar]`` lists)."""
    if table is None:
        return {"add": {}, "remove": {}}
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: classes must be written as [classes.add] and [classes.remove] tables")
    unknown = sorted(set(table) - set(CHANGES))
    if unknown:
        raise ConfigError(f"{where}: [classes.{unknown[0]}] is not allowed: a lexicon file may only [classes.add] "
                          f"or [classes.remove] words (the classes are defined in {SHIPPED_CLASSES.name})")
    changes: dict[str, dict[str, tuple[str, ...]]] = {}
    for change in CHANGES:
        lists = table.get(change, {})
        if not isinstance(lists, dict):
            raise ConfigError(f"{where}: [classes.{change}] must be a table: class name = [words]")
        for name in lists:
            _known(name, f"{where} [classes.{change}]", also)
        changes[change] = {name: _words(words, f"{where} [classes.{change}] {name}") for name, words in lists.items()}
    return changes


def merge_changes(into: dict[str, dict[str, Words]], more: Mapping[str, Mapping[str, Words]]) -> None:
    """Add one file's changes to those of the files before it (words accumulate per class)."""
    for change in CHANGES:
        target = into.setdefault(change, {})
        for name, words in more.get(change, {}).items():
            target[name] = (*target.get(name, ()), *words)


def resolve_classes(definitions: Mapping[str, Words], changes: Mapping[str, Mapping[str, Words]],
                    where: str = "") -> dict[str, Words]:
    """Every class's words: its own and those added, each ``@name`` filled in, then those removed (in order,
    without repeats)."""
    added, removed = changes.get("add", {}), changes.get("remove", {})
    resolved: dict[str, tuple[str, ...]] = {}

    def resolve(name: str, seen: tuple[str, ...]) -> tuple[str, ...]:
        if name in resolved:
            return resolved[name]
        if name in seen:
            raise ConfigError(f"{where} [classes] {name}: a class includes itself ({' -> '.join((*seen, name))})")
        words: dict[str, None] = {}
        for word in (*definitions[name], *added.get(name, ())):
            if word.startswith("@"):
                _known(word[1:], f"{where} [classes] {name}")
                words.update(dict.fromkeys(resolve(word[1:], (*seen, name))))
            else:
                words[word] = None
        for word in removed.get(name, ()):
            if word not in words:
                raise ConfigError(f"{where} [classes.remove] {name}: {word!r} is not in the class; nothing to remove")
            del words[word]
        resolved[name] = tuple(words)
        return resolved[name]

    for name in CLASS_NAMES:
        resolve(name, ())
    return resolved


def change_words(words: Words, name: str, changes: Mapping[str, Mapping[str, Words]] | None, where: str) -> Words:
    """A word list that is not a class (a ``[grammar]`` list) with the words a site adds and removes."""
    if not changes:
        return words
    changed = dict.fromkeys((*words, *changes.get("add", {}).get(name, ())))
    for word in changes.get("remove", {}).get(name, ()):
        if word not in changed:
            raise ConfigError(f"{where} [classes.remove] {name}: {word!r} is not in the list; nothing to remove")
        del changed[word]
    return tuple(changed)


_SHIPPED: dict[str, dict[str, tuple[str, ...]]] = {}


def shipped_definitions() -> dict[str, tuple[str, ...]]:
    """The shipped classes as defined in ``configs/word-classes.toml`` (read once per process)."""
    if "classes" not in _SHIPPED:
        data = read_toml(SHIPPED_CLASSES, "word classes file")
        unknown = sorted(set(data) - {"version", "classes"})
        if unknown:
            raise ConfigError(f"{SHIPPED_CLASSES}: unknown key {unknown[0]!r}; allowed keys are classes, version")
        _SHIPPED["classes"] = parse_definitions(data.get("classes"), str(SHIPPED_CLASSES))
    return _SHIPPED["classes"]


_AS_SHIPPED: list[WordClasses] = []


def word_classes(changes: Mapping[str, Mapping[str, Words]] | None = None, where: str = "") -> WordClasses:
    """The shipped classes with a site's changes (``None``: as shipped, built once per process)."""
    if not changes or not any(changes.values()):
        if not _AS_SHIPPED:
            _AS_SHIPPED.append(WordClasses(resolve_classes(shipped_definitions(), {}, str(SHIPPED_CLASSES))))
        return _AS_SHIPPED[0]
    return WordClasses(resolve_classes(shipped_definitions(), changes, where or str(SHIPPED_CLASSES)))
