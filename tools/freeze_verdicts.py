#!/usr/bin/env python3
"""Freeze the judge's verdicts on every line of every data set, or check them against the frozen copy.

A change meant to move the judge's code around (issue 18: the rules as data) must not change what it says. This
tool records, for every labelled line under ``tests/data`` and ``tests/blind*``, what ``scan`` answers with the
shipped model and with the rules alone: level, category and what raised it (the alert's ``source``). The file
holds a digest of each line, never its text, so the hidden sets stay hidden.

    .venv/bin/python tools/freeze_verdicts.py            # check: prints each changed verdict, exit 1 if any
    .venv/bin/python tools/freeze_verdicts.py --write    # record today's verdicts (after a change you meant)

``tests/test_verdicts_frozen.py`` runs the check, so a behaviour change lands only with its new frozen file (and
its reason in the commit message).
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import hashlib
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kasuhara_live.config import Config, load_config  # noqa: E402
from kasuhara_live.judge.detector import Detector  # noqa: E402
from kasuhara_live.judge.evaluate import read_rows  # noqa: E402

FROZEN = REPO / "tests" / "data" / "verdicts.tsv.gz"
HEADER = "file\trow\tdigest\tlevel\tcategory\tsource\trules_level\trules_category\trules_source"


def data_files(repo: Path = REPO) -> list[Path]:
    """Every labelled set the judge is measured on, in a stable order."""
    return sorted([*(repo / "tests" / "data").glob("*.tsv"), *repo.glob("tests/blind*/*.tsv")])


def verdict_lines(cfg: Config, repo: Path = REPO) -> list[str]:
    """One line per data-set row: where it is, a digest of its text, and both judges' verdicts."""
    judges = [Detector.from_config(cfg),
              Detector.from_config(dataclasses.replace(cfg, judge=dataclasses.replace(cfg.judge, model_file="")))]
    lines = [HEADER]
    for path in data_files(repo):
        rows = read_rows(path)
        texts = [row.text for row in rows]
        answers = [judge.scan_many(texts) for judge in judges]
        for row, *scanned in zip(rows, *answers, strict=True):
            digest = hashlib.sha1(row.text.encode("utf-8")).hexdigest()[:10]
            verdicts = []
            for obj in scanned:
                alert = obj["alerts"][0] if obj["alerts"] else {}
                verdicts += [obj["level"], alert.get("category", ""), alert.get("source", "")]
            lines.append("\t".join([path.relative_to(repo).as_posix(), row.id, digest, *verdicts]))
    return lines


def differences(old: list[str], new: list[str]) -> list[str]:
    """The rows whose verdicts changed, as ``file row: old -> new`` (rows added or removed are named too)."""
    before = {tuple(line.split("\t")[:3]): line.split("\t")[3:] for line in old[1:]}
    after = {tuple(line.split("\t")[:3]): line.split("\t")[3:] for line in new[1:]}
    out = []
    for key in sorted(before.keys() | after.keys()):
        if before.get(key) != after.get(key):
            was = "/".join(before[key]) if key in before else "(new row)"
            now = "/".join(after[key]) if key in after else "(row gone)"
            out.append(f"{key[0]} {key[1]}: {was} -> {now}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="record today's verdicts in " + str(FROZEN))
    args = parser.parse_args(argv)
    lines = verdict_lines(load_config())
    if args.write:
        # mtime=0: the same verdicts write the same bytes, so git sees a change only where a verdict changed
        with gzip.GzipFile(FROZEN, "wb", compresslevel=9, mtime=0) as fh:
            fh.write(("\n".join(lines) + "\n").encode("utf-8"))
        print(f"{len(lines) - 1} verdicts written to {FROZEN.relative_to(REPO)}")
        return 0
    with gzip.open(FROZEN, "rt", encoding="utf-8") as fh:
        frozen = fh.read().splitlines()
    changed = differences(frozen, lines)
    for line in changed:
        print(line)
    print(f"{len(changed)} of {len(lines) - 1} verdicts differ from {FROZEN.relative_to(REPO)}")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
