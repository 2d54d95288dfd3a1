"""A site's changes to the word classes: the ``[classes.add]`` / ``[classes.remove]`` tables of a lexicon file.

They change the shipped classes (:mod:`kasuhara_live.judge.word_classes`) and the lexicon's ``[grammar]`` lists
the same way: one line per list, applied after the shipped files are read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kasuhara_live.errors import ConfigError
from kasuhara_live.judge.word_classes import SHIPPED_CLASSES, Words, check_known, word_list

CHANGES = ("add", "remove")


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
            check_known(name, f"{where} [classes.{change}]", also)
        changes[change] = {name: word_list(words, f"{where} [classes.{change}] {name}")
                           for name, words in lists.items()}
    return changes


def merge_changes(into: dict[str, dict[str, Words]], more: Mapping[str, Mapping[str, Words]]) -> None:
    """Add one file's changes to those of the files before it (words accumulate per class)."""
    for change in CHANGES:
        target = into.setdefault(change, {})
        for name, words in more.get(change, {}).items():
            target[name] = (*target.get(name, ()), *words)


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
