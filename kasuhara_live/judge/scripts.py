"""Scripted responses: what the agent reads at each escalation step, per category and language.

``configs/scripts.toml`` has ``[ja.default]`` and ``[en.default]`` with every step, and per-category tables
that override some steps.  Complaints get de-escalation (acknowledge), never warnings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from kasuhara_live.config import read_toml
from kasuhara_live.errors import ConfigError
from kasuhara_live.judge.lexicon import CATEGORIES


class Step(StrEnum):
    """The escalation steps of DOMAIN.md, plus handing over to the supervisor."""

    ACKNOWLEDGE = "acknowledge"
    CLEAR_STATEMENT = "clear_statement"
    FINAL_WARNING = "final_warning"
    END_CALL = "end_call"
    SUPERVISOR = "supervisor"


LANGUAGES = ("ja", "en")


@dataclass(frozen=True)
class Scripts:
    table: Mapping[str, Mapping[str, Mapping[str, str]]]  # language -> category|default -> step -> text

    def text(self, language: str, category: str, step: Step) -> str:
        """The wording for ``step``: the category's own if it has one, else the default."""
        lang = self.table[language]
        return lang.get(category, {}).get(step.value) or lang["default"][step.value]


def parse_scripts(data: Mapping[str, Any], source: str = "scripts") -> Scripts:
    """Validate a scripts table: known languages, categories and steps; every default step present."""
    table: dict[str, dict[str, dict[str, str]]] = {}
    steps = {s.value for s in Step}
    for lang, sections in data.items():
        if lang == "version":
            continue
        if lang not in LANGUAGES or not isinstance(sections, dict):
            raise ConfigError(f"{source}: unknown language table [{lang}]; expected {', '.join(LANGUAGES)}")
        table[lang] = {}
        for category, entries in sections.items():
            where = f"{source}: [{lang}.{category}]"
            if category != "default" and category not in CATEGORIES:
                raise ConfigError(f"{where} is not a category; expected default or one of {', '.join(CATEGORIES)}")
            if not isinstance(entries, dict):
                raise ConfigError(f"{where} must be a table of step = \"text\"")
            for step, text in entries.items():
                if step not in steps:
                    raise ConfigError(f"{where}: unknown step {step!r}; expected one of {', '.join(sorted(steps))}")
                if not isinstance(text, str) or not text.strip():
                    raise ConfigError(f"{where}: {step} must be non-empty text")
            table[lang][category] = dict(entries)
        missing = steps - set(table[lang].get("default", {}))
        if missing:
            raise ConfigError(f"{source}: [{lang}.default] lacks step {sorted(missing)[0]!r} (every step needs a "
                              "default wording)")
    for lang in LANGUAGES:
        if lang not in table:
            raise ConfigError(f"{source}: no [{lang}.default] table")
    return Scripts(table)


def load_scripts(path: Path) -> Scripts:
    return parse_scripts(read_toml(path), str(path))
