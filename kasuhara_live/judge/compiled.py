"""Use the judge's compiled modules when a fresh build of exactly these sources exists.

``scripts/build_compiled.py`` (run by the set-up) compiles the hot modules of the judge (``japanese``, ``lexicon``,
``phrase_patterns``, ``matcher``, ``model``, ``word_classes`` and the rules' modules: ``MODULES``) with mypyc into
``build/compiled/``, with a stamp of the sources' hashes. The same code then runs about 1.6 times faster
(``bench/RESULTS.md``). This module puts that folder first on the package's search path only when the stamp matches
the sources byte for byte and the interpreter is the one it was built for, so an edited source is never shadowed by
a stale build; anything else (no compiler, no build, ``KASUHARA_PURE=1``) simply runs the Python sources.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

# the judge's rules are spread over several modules (rules.py assembles them): all of them are hot
MODULES = ("japanese", "lexicon", "phrase_patterns", "matcher", "model", "word_classes", "rules", "cues", "clauses",
           "guards", "grammar", "grammar_cues", "harm", "persistence", "groups", "terms", "behaviours", "own_choice",
           "rule_base", "persistence_plans", "exposure", "belittling", "word_class_names")
HERE = Path(__file__).resolve().parent
BUILD = HERE.parent.parent / "build" / "compiled"
# mypyc also builds in the types of what the compiled modules import: a change there makes the build stale too
IMPORTED = ("../config.py", "../events.py", "../errors.py")


def source_hashes() -> dict[str, str]:
    files = [f"{name}.py" for name in MODULES] + list(IMPORTED)
    return {name: hashlib.sha256((HERE / name).read_bytes()).hexdigest() for name in files}


def interpreter() -> str:
    return f"{sys.implementation.cache_tag}-{sys.platform}-mypy{_mypy_version()}"


def _mypy_version() -> str:
    # the compiler's version is part of what was built (read from package metadata: importing mypy is slow)
    from importlib import metadata

    try:
        return metadata.version("mypy")
    except metadata.PackageNotFoundError:
        return "none"


def fresh() -> bool:
    """A build of exactly the current sources, for this interpreter, is present."""
    try:
        stamp = json.loads((BUILD / "stamp.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(stamp, dict) and stamp.get("interpreter") == interpreter() \
        and stamp.get("sources") == source_hashes()


def use_compiled(package_path: list[str]) -> bool:
    """Put the compiled modules ahead of the sources when they are fresh; say whether they are used."""
    if os.environ.get("KASUHARA_PURE") or not fresh():
        return False
    package_path.insert(0, str(BUILD / "kasuhara_live" / "judge"))
    if str(BUILD) not in sys.path:
        sys.path.append(str(BUILD))  # mypyc's shared runtime module lives at the top of the build
    return True
