"""The harassment lexicon: its rules (terms, exceptions, constructions, [grammar] lists), loaded and validated.

The matching of its phrases on utterances is :mod:`kasuhara_live.judge.matcher`'s.

``configs/lexicon.toml`` lists terms (wordings of one kind: a category, an axis, a weight, phrases) and
exceptions (look-alike ordinary words).  A phrase matches an utterance

* on **lemmas**: the phrase's lemma sequence appears contiguously, the last word in the same conjugation
  form (so 払え matches 払えよ but not 払います); or
* on **readings**: the phrase's reading key appears in the utterance's key within an edit distance that
  grows with its length (none under ``judge.min_fuzzy_kana`` kana), starting on a token boundary and ending
  on one (a trailing long vowel excepted) — so どげざしろ and ドゲザしろ match 土下座しろ while シネ does not
  match inside シネマ.

A bigram index keeps this fast: only (phrase, position) pairs sharing a kana bigram are compared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from kasuhara_live.config import read_toml
from kasuhara_live.errors import ConfigError
from kasuhara_live.events import Level
from kasuhara_live.judge.class_changes import change_words, merge_changes, parse_changes
from kasuhara_live.judge.word_classes import WordClasses, check_known, word_classes

CATEGORIES = (
    "threat", "abuse", "intimidation", "dogeza", "persistence", "restraint", "discrimination", "sexual",
    "personal_attack", "excessive_demand", "complaint",
)
AXES = ("conduct", "demand", "complaint")
_ID = re.compile(r"^[a-z0-9_]+$")
# the word lists of [grammar] (see configs/lexicon.toml); a site changes them with [classes.add] / [classes.remove]
GRAMMAR_LISTS = ("harm_verbs", "contact_verbs", "contact_nouns", "frequency_words", "targeted_harm_verbs",
                 "harm_targets", "addressees", "people", "states", "labels", "removal", "contempt", "happenings")


@dataclass(frozen=True)
class Term:
    """One kind of wording: what it is (category, axis) and how much it weighs."""

    id: str
    category: str
    axis: str
    weight: float
    severity: Level | None
    phrases: tuple[str, ...]
    fuzzy: bool = True
    # the words also name things (ゴミ, クズ): an argument of the clause (ゴミの分別, カスが溜まる) is no insult
    thing: bool = False
    # the phrases continue the word before them (払っ|てもらうで, 黙れ|っつってんだよ); None: so when a phrase begins
    # with a particle or auxiliary. Otherwise a match that begins inside the grammar of the word before it is not
    # the term (雨だ|しね is だ+し+ね, not 死ね; 思っ|たわけ is た+わけ, not 戯け).
    attaches: bool | None = None


@dataclass(frozen=True)
class Exception_:
    """Ordinary words that contain abusive-looking ones (バカ売れ, 殺虫剤).

    By default an exception silences the term matches it overlaps; with ``scope = "utterance"`` it silences
    every match of ``categories`` in its utterance (コンロ in a question about 火をつける).
    """

    id: str
    phrases: tuple[str, ...]
    utterance_categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Construction:
    """A pattern of co-occurring parts within one sentence, in order (e.g. a group noun + a dismissive word).

    Each part is a list of phrases; the construction matches when every part matches, left to right, inside
    one sentence.  Negation does not cancel a part: 切らない is what a restraint construction looks for.
    """

    id: str
    category: str
    axis: str
    weight: float
    severity: Level | None
    parts: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class RuleExamples:
    """A rule's own tests (``examples``, ``counterexamples``): utterances where it must fire, and must not."""

    kind: str  # term, construction or exception
    id: str
    where: str  # the rule's file, line and id, for messages
    examples: tuple[str, ...]
    counterexamples: tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    terms: tuple[Term, ...]
    exceptions: tuple[Exception_, ...]
    harm_verbs: tuple[str, ...]
    source: str = ""
    constructions: tuple[Construction, ...] = ()
    # How a caller keeps contacting (電話する, かける, 送る) and how often (毎日, 毎晩): see judge/persistence.py
    contact_verbs: tuple[str, ...] = ()
    contact_nouns: tuple[str, ...] = ()
    frequency_words: tuple[str, ...] = ()
    # Harm verbs that are everyday verbs too (焼く cooks, 埋める fills): a threat only when what they are done to
    # is a person or the company's premises (harm_targets), or nothing is named (焼いてやる)
    targeted_harm_verbs: tuple[str, ...] = ()
    harm_targets: tuple[str, ...] = ()
    # Words that name the people on the other end of the line (担当, オペレーター, 店員): an utterance that names one
    # of them, or addresses someone, is aimed at a person; the model may raise only those (judge.model_threshold)
    addressees: tuple[str, ...] = ()
    # Groups of people spoken of (女, 外国人, 障害者): harassment aimed at them is aimed at people
    people: tuple[str, ...] = ()
    # Verbs of state (ある, できる, 分かる): nobody is forbidden them, so 〜な after one is an exclamation
    # (差ではあるな, よく分かるな), never a prohibition
    states: tuple[str, ...] = ()
    # Labels that demean a person called by them (無職, 底辺), though they are no insult in a form or a story
    labels: tuple[str, ...] = ()
    # What is done to a group of people to be rid of them (排斥, 追放, 駆除): with a group in the sentence, hate
    removal: tuple[str, ...] = ()
    # What a group of people is called when spoken of as a group (敵, 害悪, 蔓延る): with the group marked as the topic
    contempt: tuple[str, ...] = ()
    # What happens by itself, with a harm verb's kanji (焼ける, 燃える): nobody threatens it
    happenings: tuple[str, ...] = ()
    # (rule id, where it is written: file, line, id) for messages about a rule
    origins: tuple[tuple[str, str], ...] = ()
    rule_examples: tuple[RuleExamples, ...] = ()
    # the named word classes (configs/word-classes.toml) with this lexicon's [classes.add] / [classes.remove];
    # None: as shipped
    classes: WordClasses | None = None

    def where(self, rule_id: str) -> str:
        """Where a rule (or a construction's part, ``id#0``) is written, for messages; "" when unknown."""
        rule_id = rule_id.partition("#")[0]
        return next((where for owner, where in self.origins if owner == rule_id), "")


class Match(NamedTuple):
    """A phrase found in an utterance: tokens ``first``..``last`` (inclusive)."""

    owner: str  # term or exception id
    phrase: str
    first: int
    last: int
    distance: int
    text: str  # the words of the utterance that matched


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: expected a non-empty list of non-empty strings")
    return tuple(v.strip() for v in value)


def _check_keys(entry: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}; allowed keys are {', '.join(sorted(allowed))}")


_EXAMPLE_KEYS = ("examples", "counterexamples")
_TABLE_HEADER = re.compile(r"^\s*\[\[?\s*[A-Za-z0-9_.-]+\s*\]\]?\s*(#.*)?$")


def _rule_examples(entry: Mapping[str, Any], kind: str, rule_id: str, where: str) -> RuleExamples | None:
    """A rule's ``examples`` and ``counterexamples``, checked: each, when given, a non-empty list of utterances."""
    if not any(key in entry for key in _EXAMPLE_KEYS):
        return None
    examples, counterexamples = (_strings(entry[key], f"{where}: {key}") if key in entry else ()
                                 for key in _EXAMPLE_KEYS)
    return RuleExamples(kind, rule_id, where, examples, counterexamples)


def entry_lines(text: str, kind: str) -> list[int]:
    """The line (1-based) of each ``[[kind]]`` entry of a TOML file's text, in order: its ``id = …`` line, or its
    header when it has none. TOML parsers give no lines; an admin's editor needs one."""
    lines = text.splitlines()
    header = re.compile(rf"^\s*\[\[\s*{kind}\s*\]\]")
    found = []
    for number, line in enumerate(lines):
        if not header.match(line):
            continue
        where = number + 1
        for offset, following in enumerate(lines[number + 1 :], start=number + 2):
            if _TABLE_HEADER.match(following):
                break  # the next table: this entry has no id line
            if re.match(r"^\s*id\s*=", following):
                where = offset
                break
        found.append(where)
    return found


def _with_id(where: str, entry: Mapping[str, Any]) -> str:
    """``where`` with the entry's id, when it has one to show."""
    return f"{where} (id {entry['id']!r})" if isinstance(entry.get("id"), str) else where


def _term(entry: Any, where: str) -> Term:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a table")
    _check_keys(entry, {"id", "category", "axis", "weight", "severity", "phrases", "fuzzy", "thing", "attaches",
                        *_EXAMPLE_KEYS}, _with_id(where, entry))
    term_id = entry.get("id")
    if not isinstance(term_id, str) or not _ID.match(term_id):
        raise ConfigError(f"{where}: id = {term_id!r} is not allowed: expected lowercase letters, digits and _")
    where = f"{where} (id {term_id!r})"
    category, axis, weight = entry.get("category"), entry.get("axis"), entry.get("weight", 1.0)
    if category not in CATEGORIES:
        raise ConfigError(f"{where}: category = {category!r} is not allowed: expected one of {', '.join(CATEGORIES)}")
    if axis not in AXES:
        raise ConfigError(f"{where}: axis = {axis!r} is not allowed: expected one of {', '.join(AXES)}")
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 <= weight <= 3:
        raise ConfigError(f"{where}: weight = {weight!r} is not allowed: expected a number from 0 to 3")
    severity = entry.get("severity")
    if severity is not None and severity not in ("caution", "warning", "critical"):
        raise ConfigError(f"{where}: severity = {severity!r} is not allowed: expected caution, warning or critical")
    fuzzy, thing, attaches = entry.get("fuzzy", True), entry.get("thing", False), entry.get("attaches", False)
    for key, value in (("fuzzy", fuzzy), ("thing", thing), ("attaches", attaches)):
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: {key} = {value!r} is not allowed: expected true or false")
    return Term(term_id, category, axis, float(weight), Level(severity) if severity else None,
                _strings(entry.get("phrases"), f"{where}: phrases"), fuzzy, thing,
                entry.get("attaches"))


def _construction(entry: Any, where: str, classes: WordClasses) -> Construction:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a table")
    _check_keys(entry, {"id", "category", "axis", "weight", "severity", "parts", *_EXAMPLE_KEYS},
                _with_id(where, entry))
    base = _term({**{k: v for k, v in entry.items() if k != "parts"}, "phrases": ["--"]}, where)
    parts = entry.get("parts")
    if not isinstance(parts, list) or len(parts) < 2:
        raise ConfigError(f"{where} (id {base.id!r}): parts must be a list of at least two phrase lists")
    return Construction(base.id, base.category, base.axis, base.weight, base.severity,
                        tuple(_with_classes(_strings(part, f"{where} (id {base.id!r}): parts[{i}]"), classes,
                                            f"{where} (id {base.id!r}): parts[{i}]") for i, part in enumerate(parts)))


def _with_classes(phrases: tuple[str, ...], classes: WordClasses, where: str) -> tuple[str, ...]:
    """A part's phrases with each ``@name`` replaced by the words of the word class ``name`` (configs/word-classes.toml,
    as a site changed it): a part may name a kind of word (["@family"]) instead of spelling out its words."""
    out: list[str] = []
    for phrase in phrases:
        if not phrase.startswith("@"):
            out.append(phrase)
            continue
        check_known(phrase[1:], f"{where}: {phrase!r}")
        out += [w for w in getattr(classes, phrase[1:]) if w not in out]
    return tuple(out)


def _exception(entry: Any, where: str, i: int) -> Exception_:
    """The ``i``-th ``[[exception]]`` (numbered from 0; its id defaults to exception_<i + 1>)."""
    if isinstance(entry, dict) and isinstance(entry.get("id"), str):
        where = f"{where} (id {entry['id']!r})"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a table")
    _check_keys(entry, {"id", "phrases", "scope", "categories", *_EXAMPLE_KEYS}, where)
    scope = entry.get("scope", "overlap")
    if scope not in ("overlap", "utterance"):
        raise ConfigError(f"{where}: scope = {scope!r} is not allowed: expected overlap or utterance")
    categories = _strings(entry.get("categories"), f"{where}: categories") if scope == "utterance" else ()
    unknown = [c for c in categories if c not in CATEGORIES]
    if unknown:
        raise ConfigError(f"{where}: category {unknown[0]!r} is not one of {', '.join(CATEGORIES)}")
    return Exception_(str(entry.get("id", f"exception_{i + 1}")), _strings(entry.get("phrases"), where), categories)


def parse_lexicon(data: Mapping[str, Any], source: str = "",
                  origins: Mapping[str, Sequence[str]] | None = None) -> Lexicon:
    """Validate a lexicon table (already merged with any site additions).

    ``origins``: per kind of entry (``term``…), where each entry is written (``lx1.toml, line 3, term``), so that a
    message names the admin's own file and line; without it, entries are numbered across ``source``."""
    _check_keys(data, {"version", "term", "exception", "grammar", "construction", "classes"}, source or "lexicon")

    def place(kind: str, i: int) -> str:
        written = (origins or {}).get(kind, ())
        return written[i] if i < len(written) else f"{source} {kind} #{i + 1}"

    # [classes.add] / [classes.remove] change the word classes, and the [grammar] lists in the same way
    changes = parse_changes(data["classes"], source, GRAMMAR_LISTS) if "classes" in data else None
    classes = word_classes(changes, source) if changes is not None else None
    terms = [_term(entry, place("term", i)) for i, entry in enumerate(data.get("term", []))]
    exceptions = [_exception(entry, place("exception", i), i) for i, entry in enumerate(data.get("exception", []))]
    constructions = [_construction(entry, place("construction", i), classes or word_classes())
                     for i, entry in enumerate(data.get("construction", []))]
    written_at: dict[str, str] = {}
    rule_examples = []
    kinds: tuple[tuple[str, Sequence[Term | Exception_ | Construction]], ...] = (
        ("term", terms), ("exception", exceptions), ("construction", constructions))
    for kind, rules in kinds:
        for i, (rule, entry) in enumerate(zip(rules, data.get(kind, []), strict=True)):
            where = f"{place(kind, i)} (id {rule.id!r})"
            if rule.id in written_at:
                raise ConfigError(f"{where}: the id is defined twice, first at {written_at[rule.id]}; ids must be "
                                  "unique across files")
            written_at[rule.id] = where
            examples = _rule_examples(entry, kind, rule.id, where)
            if examples is not None:
                rule_examples.append(examples)
    grammar = data.get("grammar", {})
    if not isinstance(grammar, dict):
        raise ConfigError(f"{source}: [grammar] must be a table")
    lists = GRAMMAR_LISTS
    _check_keys(grammar, set(lists), f"{source} [grammar]")
    fallback = {"harm_verbs": word_classes().fallback_harm_verbs}  # a file without harm_verbs still knows 殺す
    (harm, verbs, nouns, often, targeted, targets, addressees, people, states, labels, removal, contempt,
     happenings) = (
        change_words(_strings(grammar[key], f"{source} [grammar] {key}") if key in grammar
                     else fallback.get(key, ()), key, changes, source) for key in lists)
    return Lexicon(tuple(terms), tuple(exceptions), harm, source, tuple(constructions), verbs, nouns, often,
                   targeted, targets, addressees, people, states, labels, removal, contempt, happenings,
                   origins=tuple(written_at.items()), rule_examples=tuple(rule_examples),
                   classes=classes)


def load_lexicon(paths: Iterable[Path], named_in: str = "") -> Lexicon:
    """Load the shipped lexicon and site additions; later files add terms and exceptions (ids must differ).

    ``named_in``: the config file that lists the lexicons, named when one of them is missing."""
    merged: dict[str, Any] = {"term": [], "exception": [], "construction": [], "grammar": {}}
    origins: dict[str, list[str]] = {"term": [], "exception": [], "construction": []}
    sources = []
    for path in paths:
        data = read_toml(path, "lexicon file", f" (listed in judge.lexicon_files of {named_in})" if named_in else "")
        sources.append(str(path))
        text = path.read_text(encoding="utf-8")
        for kind, written in origins.items():
            entries = data.get(kind, [])
            count = len(entries) if isinstance(entries, list) else 0
            lines = entry_lines(text, kind) if count else []
            if len(lines) != count:
                lines = []  # written some other way (an inline array): number the entries instead
            written.extend(f"{path}, line {lines[i]}, {kind}" if lines else f"{path}, {kind} #{i + 1}"
                           for i in range(count))
        if "grammar" in data:
            parse_lexicon({"grammar": data["grammar"]}, str(path))  # an error in [grammar] names its own file
        _check_keys(data, {"version", "term", "exception", "grammar", "construction", "classes"}, str(path))
        if "classes" in data:  # [classes.add] / [classes.remove]: words accumulate over the files
            merge_changes(merged.setdefault("classes", {}), parse_changes(data["classes"], str(path), GRAMMAR_LISTS))
        for key in ("term", "exception", "construction"):
            entries = data.get(key, [])
            if not isinstance(entries, list):
                raise ConfigError(f"{path}: {key} must be written as [[{key}]] tables")
            merged[key].extend(entries)
        if isinstance(data.get("grammar"), dict):
            merged["grammar"].update(data["grammar"])
    return parse_lexicon(merged, ", ".join(sources), origins)


def part_owner(construction_id: str, index: int) -> str:
    """The owner name under which a construction's part is matched."""
    return f"{construction_id}#{index}"
