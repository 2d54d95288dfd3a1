#!/usr/bin/env python3
"""Compile the judge's hot modules with mypyc into build/compiled/ (see kasuhara_live/judge/compiled.py).

Optional: without a C compiler or mypyc the product runs its Python sources, only slower. Prints one line and
exits 0 either way, so a fresh machine's set-up never fails here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kasuhara_live.judge.compiled import BUILD, MODULES, fresh, interpreter, source_hashes  # noqa: E402


def main() -> int:
    if fresh():
        print(f"compiled judge: up to date in {BUILD.relative_to(REPO)}")
        return 0
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        print("compiled judge: no C compiler; the judge runs its Python sources")
        return 0
    hashes = source_hashes()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(REPO / "kasuhara_live", work / "kasuhara_live",
                        ignore=shutil.ignore_patterns("__pycache__", "*.so"))
        shutil.copy(REPO / "pyproject.toml", work / "pyproject.toml")  # mypy's settings
        sources = [f"kasuhara_live/judge/{name}.py" for name in MODULES]
        done = subprocess.run([sys.executable, "-m", "mypyc", *sources], cwd=work, capture_output=True, text=True)
        if done.returncode != 0:
            last = (done.stdout + done.stderr).strip().splitlines()[-1:] or ["?"]
            print(f"compiled judge: mypyc failed ({last[0][:150]}); the judge runs its Python sources")
            return 0
        shutil.rmtree(BUILD, ignore_errors=True)
        (BUILD / "kasuhara_live" / "judge").mkdir(parents=True)
        for lib in work.glob("*.so"):
            shutil.copy(lib, BUILD / lib.name)  # mypyc's shared runtime
        for name in MODULES:
            for lib in (work / "kasuhara_live" / "judge").glob(f"{name}.*.so"):
                shutil.copy(lib, BUILD / "kasuhara_live" / "judge" / lib.name)
    # Hashes of the sources as they were when the copy was taken: an edit meanwhile leaves the build stale.
    (BUILD / "stamp.json").write_text(json.dumps({"interpreter": interpreter(), "sources": hashes}, indent=1),
                                      encoding="utf-8")
    print(f"compiled judge: built {', '.join(MODULES)} into {BUILD.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
