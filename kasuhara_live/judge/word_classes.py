"""Named word classes: the lists of words the judge's grammar rules read, kept in ``configs/word-classes.toml``.

A class is a name and a list of words (``staff``, ``not_people``, ``saying_verbs``…); a word ``@name`` stands for
every word of another class. The shipped file defines every class the rules read; a site's lexicon file adjusts
them with ``[classes.add]`` and ``[classes.remove]`` (one list per class name), applied after the shipped file:
a word added to a class is in every class that includes it with ``@name``; a word removed is removed from the
class as the rules read it. The same tables change the lexicon's ``[grammar]`` lists (``harm_targets``…), so a
site never copies a whole list to add a word (those tables are read in :mod:`kasuhara_live.judge.class_changes`).
The rules read a class as an attribute of :class:`WordClasses` (``classes.staff``): a frozen set for membership,
a tuple where the words are beginnings (``str.startswith``), endings (``str.endswith``) or looked for inside a
text.
"""

from __future__ import annotations

from collections.abc import Mapping
from difflib import get_close_matches
from typing import Any

from kasuhara_live.config import DEFAULT_CONFIG_PATH, read_toml
from kasuhara_live.errors import ConfigError
from kasuhara_live.judge.word_class_names import CLASS_NAMES, PREFIX_CLASSES

SHIPPED_CLASSES = DEFAULT_CONFIG_PATH.parent / "word-classes.toml"
Words = tuple[str, ...]


class WordClasses:
    """Every word class, by name; built from the resolved lists (see :func:`resolve_classes`).

    Each class is an attribute: a frozen set for membership, or a tuple (``Words``) for the classes of
    ``PREFIX_CLASSES``, whose words are beginnings, endings or looked for inside a text."""

    names: Words
    rough_endings: frozenset[str]
    casual_negatives: frozenset[str]
    rough_interjections: frozenset[str]
    rough_tails: Words
    rhetorical: Words
    tone_tails: Words
    rough_pleas: frozenset[str]
    saying_verbs: frozenset[str]
    quotes: frozenset[str]
    hearsay: frozenset[str]
    insisting: Words
    insult_suffixes: frozenset[str]
    case_particles: frozenset[str]
    first_person: frozenset[str]
    passive: frozenset[str]
    not_a_denial: Words
    safe_words: frozenset[str]
    words_nouns: frozenset[str]
    apologies: Words
    intent_nouns: frozenset[str]
    courtesies: frozenset[str]
    asking_verbs: frozenset[str]
    contact_counters: frozenset[str]
    staff: frozenset[str]
    not_listener: frozenset[str]
    private_places: frozenset[str]
    going: frozenset[str]
    not_done_by_caller: Words
    how_it_works: frozenset[str]
    mishap_verbs: frozenset[str]
    hours: frozenset[str]
    not_a_span: frozenset[str]
    held: frozenset[str]
    more_time_leads: frozenset[str]
    only_marks: frozenset[str]
    no_burden: frozenset[str]
    asked_done: frozenset[str]
    question_words: frozenset[str]
    places_of_work: frozenset[str]
    investigate: frozenset[str]
    private_data: Words
    staying: frozenset[str]
    leaving: frozenset[str]
    said: frozenset[str]
    family: frozenset[str]
    own_family: frozenset[str]
    own_people: frozenset[str]
    intensifiers: frozenset[str]
    thing_verbs: frozenset[str]
    legal_route: frozenset[str]
    taking_custom_away: frozenset[str]
    asking_or_if: frozenset[str]
    closing_particles: frozenset[str]
    custom: frozenset[str]
    rough_closes: Words
    not_people: frozenset[str]
    veiled_conditions: Words
    honorific_verbs: frozenset[str]
    vocative_suffixes: frozenset[str]
    vocative_marks: frozenset[str]
    group_marks: frozenset[str]
    polite: frozenset[str]
    sending_verbs: frozenset[str]
    pleading: frozenset[str]
    such: frozenset[str]
    mishap_auxiliaries: frozenset[str]
    received: frozenset[str]
    intervals: Words
    interval_units: frozenset[str]
    such_things: frozenset[str]
    taunting_questions: Words
    speaker_particles: frozenset[str]
    topic_quoting: frozenset[str]
    threat_shape_tails: Words
    contact_noun_verbs: frozenset[str]
    te_yaru_tails: Words
    told_tails: Words
    describing_words: frozenset[str]
    barking_particles: frozenset[str]
    group_topic_marks: frozenset[str]
    disowning: Words
    not_a_promise: Words
    ongoing_tails: Words
    imposition_closes: frozenset[str]
    prohibitions: Words
    rough_prohibitions: Words
    asking_after_te: frozenset[str]
    te_auxiliaries: frozenset[str]
    potential_twins: frozenset[str]
    favours: frozenset[str]
    person_tails: Words
    person_nouns: frozenset[str]
    reassurances: frozenset[str]
    counted_things: frozenset[str]
    done_tails: Words
    wanting: frozenset[str]
    own_deed_tails: Words
    kansai_yaru: frozenset[str]
    disowning_fillers: frozenset[str]
    measures: frozenset[str]
    simile_words: frozenset[str]
    vague_words: frozenset[str]
    contempt_auxiliaries: frozenset[str]
    seeing: frozenset[str]
    bare_quotes: frozenset[str]
    telling: frozenset[str]
    subject_marks: frozenset[str]
    question_particles: frozenset[str]
    nominalisers: frozenset[str]
    rebuke_questions: frozenset[str]
    getting_done_humbly: frozenset[str]
    causatives: frozenset[str]
    polite_imposition_closes: frozenset[str]
    getting_done: frozenset[str]
    challenge_questions: frozenset[str]
    kansai_copula: frozenset[str]
    prohibition_closes: frozenset[str]
    warning_words: Words
    warning_ends: Words
    giving_to_speaker: frozenset[str]
    conjecture: frozenset[str]
    te_particles: frozenset[str]
    how_about: frozenset[str]
    how_about_closes: frozenset[str]
    of_course: frozenset[str]
    copulas: frozenset[str]
    demand_closes: frozenset[str]
    plan_marks: Words
    doing_for: frozenset[str]
    kansai_yaro: frozenset[str]
    saying: frozenset[str]
    only_particles: frozenset[str]
    thinking: frozenset[str]
    conditional_copula: frozenset[str]
    not_caring: frozenset[str]
    knowing: frozenset[str]
    hedges: frozenset[str]
    plain_quotes: frozenset[str]
    asking_marks: frozenset[str]
    past_auxiliaries: frozenset[str]
    told_auxiliaries: frozenset[str]
    insisting_ongoing: Words
    while_doing: frozenset[str]
    say_verbs: frozenset[str]
    saying_or_thinking: frozenset[str]
    must_verbs: frozenset[str]
    simile_joins: frozenset[str]
    reflexive: frozenset[str]
    thing_particles: frozenset[str]
    wish_auxiliaries: frozenset[str]
    polite_auxiliaries: frozenset[str]
    asking_particles: frozenset[str]
    cursed_deeds: Words
    way_of: frozenset[str]
    te_yaru_marks: Words
    mutual_endings: Words
    concessive_tails: Words
    polite_verb_endings: frozenset[str]
    mishap_told: frozenset[str]
    object_marks: frozenset[str]
    wondering: frozenset[str]
    continuing: frozenset[str]
    continuing_stems: Words
    every: Words
    vague_counts: frozenset[str]
    endless_marks: frozenset[str]
    ordinal_suffixes: frozenset[str]
    call_counters: frozenset[str]
    counted_fillers: frozenset[str]
    grievance_marks: Words
    apology_leads: Words
    but_particles: frozenset[str]
    misread_calling: frozenset[str]
    misread_calling_forms: frozenset[str]
    until_marks: frozenset[str]
    learning_verbs: frozenset[str]
    repeating_verbs: frozenset[str]
    again_words: frozenset[str]
    stopping: frozenset[str]
    decided_tails: Words
    waiting: frozenset[str]
    doing: frozenset[str]
    home_suffix: frozenset[str]
    goal_particles: frozenset[str]
    possessive_marks: frozenset[str]
    following_verbs: frozenset[str]
    going_along: frozenset[str]
    impossible: frozenset[str]
    who_or_what: frozenset[str]
    hazard_marks: Words
    linking_marks: frozenset[str]
    about_marks: frozenset[str]
    label_closes: frozenset[str]
    order_particles: frozenset[str]
    pointing: frozenset[str]
    said_of_marks: frozenset[str]
    nationality_suffixes: frozenset[str]
    obligation: frozenset[str]
    negative_endings: Words
    kansai_threat_tails: frozenset[str]
    so_that: frozenset[str]
    suru_verb: frozenset[str]
    listing_quotes: frozenset[str]
    conditional_particles: frozenset[str]
    fallback_harm_verbs: Words
    identity_words: Words
    person_only_identity: Words
    visual_identity: Words
    asked_of_agent: Words
    posting_verbs: frozenset[str]
    spreading_verbs: frozenset[str]
    media_words: Words
    filming_stems: Words
    withheld: Words
    degree_marks: Words
    oneself: Words
    gratitude: Words
    faculties: Words
    lacking: Words
    substitutes: frozenset[str]
    plenty: Words
    unmissed: frozenset[str]
    upbringing: Words
    third_persons: frozenset[str]
    not_said_of_anyone: Words
    people_in_general: Words
    basics: Words
    cannot: Words
    person_words: Words
    learning_again: frozenset[str]
    faculty_fillers: Words
    rebuke_marks: Words
    rough_tail_heads: frozenset[str]  # derived: the first characters of the rough tails

    def __init__(self, words: Mapping[str, Words]) -> None:
        self.names = tuple(words)
        for name in CLASS_NAMES:
            setattr(self, name, words[name] if name in PREFIX_CLASSES else frozenset(words[name]))
        # a cheap test before the clause is read: no rough tail can start with any other character
        self.rough_tail_heads = frozenset(tail[0] for tail in self.rough_tails)


# every class the rules read, in the order of the shipped file


def word_list(value: Any, where: str) -> tuple[str, ...]:
    """A list of words as a file writes it (non-empty strings), or a ConfigError naming ``where``."""
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: expected a list of non-empty strings (words), got {value!r}")
    return tuple(v.strip() for v in value)


def check_known(name: str, where: str, also: tuple[str, ...] = ()) -> None:
    """``name`` is a class (or one of ``also``), or a ConfigError with the closest name."""
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
        check_known(name, f"{where} [classes]")
        definitions[name] = word_list(value, f"{where} [classes] {name}")
    missing = [name for name in CLASS_NAMES if name not in definitions]
    if missing:
        raise ConfigError(f"{where} [classes]: word class {missing[0]!r} is not defined")
    return definitions


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
                check_known(word[1:], f"{where} [classes] {name}")
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
