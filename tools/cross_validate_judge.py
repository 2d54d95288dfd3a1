#!/usr/bin/env python3
"""Cross-validate the judge as the product runs it: the shipped rules with a model trained without the held-out set.

``kasuhara-live train-model --cross-validate`` scores "rules or model" with the model's probability alone. The
product asks the model less often: only about a whole utterance the rules left below ``warning``, of at least
``judge.model_min_kana`` kana, and never about a category a rule looked at in those words and dismissed. This
script runs the product's judge itself on every held-out row, so a threshold is chosen on what the product
would say.

For each group (a development set with its ASR copies, as ``make model`` trains on them) a model is trained on
the other groups, and every held-out row is judged by the product's own judge (``judge_readings``: all of
Whisper's readings for the rules, the best one for the model) with that model, once per threshold. Prints
precision / recall / F1 per threshold for clean and ASR rows, and per held-out set at ``--per-set`` (one
author's sentences the model never saw: the spread to expect on a new caller population).

Real, human-written Japanese (``--real FILE...``: ``../shared/realtext/*.tsv``, ``../realdata/*.tsv``) is held
out whole: the model is never trained on it, so each real source is judged by the model trained on all the
development groups, at each threshold, and its false alarms on ordinary rows (plain / polite) and its recall are
printed. Thresholds are chosen here, where a model that learnt the register of the development sets shows it.

Usage: ``.venv/bin/python tools/cross_validate_judge.py [--thresholds 0.7 0.75 0.8] [--per-set 0.75]
[--real ../shared/realtext/*.tsv ../realdata/*.tsv]`` (some minutes on one core). The rules were tuned on most of
these sets, so they are optimistic here; the model's part is honest (each set held out).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kasuhara_live.config import load_config  # noqa: E402
from kasuhara_live.events import Level  # noqa: E402
from kasuhara_live.judge.detector import Detector  # noqa: E402
from kasuhara_live.judge.evaluate import POLITE_FORMS, Row, Scores, read_rows  # noqa: E402
from kasuhara_live.judge.model import HarassmentModel, model_from_json  # noqa: E402
from kasuhara_live.judge.rules import UtteranceJudge  # noqa: E402
from kasuhara_live.judge.training import Trained, file_groups  # noqa: E402


@dataclass(frozen=True)
class Scored:
    """One held-out row: what the rules said, and what the whole judge said at each threshold."""

    name: str
    gold: bool
    rules: bool  # the rules alone reach warning
    judged: dict[float, bool]  # threshold → the judge with that group's model reaches warning
    plain: bool = False  # no polite form (です, ます…): what a judge that learnt register flags


def score_groups(thresholds: list[float], c: float = 4.0, real: list[str] | None = None) -> list[Scored]:
    files = subprocess.run(["make", "-s", "-C", str(REPO), "train-files"], capture_output=True, text=True,
                           check=True).stdout.split()
    rows_of = {name: read_rows(REPO / name) for name in files}
    judge = Detector.from_config(load_config()).judge
    scored: list[Scored] = []
    for names in file_groups(files).values():
        training = [row for name, rows in rows_of.items() if name not in names for row in rows]
        model = model_from_json(Trained(training, judge.analyzer, c=c).to_json({}))
        scored += [score(judge, model, name, row, thresholds) for name in names for row in rows_of[name]]
        print(f"held out {', '.join(names)}", file=sys.stderr, flush=True)
    if real:
        model = model_from_json(Trained([row for rows in rows_of.values() for row in rows], judge.analyzer,
                                        c=c).to_json({}))
        scored += [score(judge, model, name, row, thresholds) for name in real for row in read_rows(Path(name))]
    return scored


def score(judge: UtteranceJudge, model: HarassmentModel, name: str, row: Row, thresholds: list[float]) -> Scored:
    """The product's own judge on one row, nothing re-implemented: the model is asked where and as it would be."""
    cfg = judge.cfg
    readings = [row.text, *row.alternatives]
    judge.model = None
    rules = judge.judge_readings(readings).level >= Level.WARNING
    judge.model = model
    judged = {}
    for t in thresholds:
        judge.cfg = replace(cfg, model_threshold=t)
        judged[t] = judge.judge_readings(readings).level >= Level.WARNING
    judge.cfg = cfg
    return Scored(name, row.level >= Level.WARNING, rules, judged, not POLITE_FORMS.search(row.text))


def _fa_rate(rows: list[Scored], threshold: float | None) -> str:
    flagged = sum(r.rules if threshold is None else r.judged[threshold] for r in rows)
    return f"{100 * flagged / len(rows):.1f} %" if rows else "–"


def prf(rows: list[Scored], threshold: float | None) -> Scores:
    said = [(r.gold, r.rules if threshold is None else r.judged[threshold]) for r in rows]
    return Scores(tp=sum(g and s for g, s in said), fp=sum(s and not g for g, s in said),
                  fn=sum(g and not s for g, s in said))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.6, 0.7, 0.75, 0.8, 0.85])
    parser.add_argument("--per-set", type=float, default=0.75, help="threshold for the per-set table")
    parser.add_argument("--c", type=float, default=4.0, help="the model's inverse regularisation (as train-model)")
    parser.add_argument("--real", nargs="*", default=[], help="real corpora, held out whole (never trained on)")
    args = parser.parse_args()
    scored = score_groups(sorted({*args.thresholds, args.per_set}), args.c, args.real)
    real = set(args.real)
    if real:
        print("| real corpus (held out) | threshold | false alarms rules | judge: all / plain / polite | recall |\n"
              "|---|---|---|---|---|")
        for name in args.real:
            rows = [r for r in scored if r.name == name]
            ok = [r for r in rows if not r.gold]
            for t in args.thresholds:
                plain, polite = [r for r in ok if r.plain], [r for r in ok if not r.plain]
                rate = _fa_rate
                harass = [r for r in rows if r.gold]
                recall = f"{sum(r.judged[t] for r in harass) / len(harass):.2f}" if harass else "–"
                print(f"| {Path(name).name} | {t:g} | {rate(ok, None)} | {rate(ok, t)} / {rate(plain, t)} / "
                      f"{rate(polite, t)} | {recall} |")
        print()
        scored = [r for r in scored if r.name not in real]
    print("| held out | threshold | rules P / R / F1 | judge (rules + model) P / R / F1 |\n|---|---|---|---|")
    for kind in ("clean", "asr"):
        rows = [r for r in scored if ("_asr" in r.name) == (kind == "asr")]
        alone = prf(rows, None)
        for t in args.thresholds:
            both = prf(rows, t)
            print(f"| {kind} | {t:g} | {alone.precision:.3f} / {alone.recall:.3f} / {alone.f1:.3f} | "
                  f"{both.precision:.3f} / {both.recall:.3f} / {both.f1:.3f} |")
    print(f"\n| held-out set | rules F1 | judge F1 at {args.per_set:g} |\n|---|---|---|")
    for name in dict.fromkeys(r.name for r in scored):
        rows = [r for r in scored if r.name == name]
        if any(r.gold for r in rows):
            print(f"| {name} | {prf(rows, None).f1:.3f} | {prf(rows, args.per_set).f1:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
