"""Judge throughput: utterances per second through ``scan`` on one core (benchmark, not a test).

Two figures, both on the labelled sentences in tests/data (cache cleared before every pass, so each
utterance is analysed from scratch):

* **judge**: ``Detector.scan`` in process (analysis + matching + rules + the model's second opinion +
  JSON-ready result), per second of this process's CPU time (robust to other load on a shared machine) and per
  wall-clock second; and the rules alone against rules and model in the same run, passes alternating, and
  line by line against batches (``Detector.scan_many``, how the command judges what one read brings);
* **scan command**: the real ``kasuhara-live scan`` process fed every distinct sentence of tests/data (clean
  and ASR-damaged, none repeated) on stdin, JSON out, pinned to one CPU with ``taskset``, with the model and
  with the rules alone; with and without its start-up (imports, lexicon, dictionary, model: read from the
  user's cache after the first run), which is timed on empty input. The least CPU time of ``--command-runs``
  alternating runs counts: on this shared machine the same command's wall time varies by ±25 % between
  minutes, its CPU time far less.

Usage: ``.venv/bin/python bench/scan_bench.py [--passes N]``; prints a Markdown table. The judge's hot modules
run compiled when the set-up built them (``scripts/build_compiled.py``); ``KASUHARA_PURE=1`` measures the
Python sources (the scan command inherits the setting).
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import kasuhara_live.judge as judge_package  # noqa: E402
from kasuhara_live.config import load_config  # noqa: E402
from kasuhara_live.judge.detector import Detector  # noqa: E402

# lines per batch in process: about what one 64 KB read of stdin holds for the scan command (30-character lines)
BATCH = 700


def texts() -> list[str]:
    out: list[str] = []
    for name in ("dev.tsv", "dev2.tsv", "dev3.tsv", "heldout.tsv"):
        with (REPO / "tests" / "data" / name).open(encoding="utf-8") as fh:
            out += [row["text"] for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)]
    return out


def all_texts() -> list[str]:
    out: list[str] = []
    for path in sorted((REPO / "tests" / "data").glob("*.tsv")):
        with path.open(encoding="utf-8") as fh:
            out += [row["text"] for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE) if row["text"]]
    return out


def _child_cpu(argv: list[str], text: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    """CPU seconds (user + system) one run of ``argv`` on ``text`` took, and its result."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(argv, input=text, capture_output=True, text=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), proc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--command-runs", type=int, default=3, help="alternating runs of each scan command")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, as the target says
    lines = texts()
    started = time.perf_counter()
    detector = Detector.from_config(load_config())
    load_s = time.perf_counter() - started
    rates, cpu_rates, warm_rates = [], [], []
    for _ in range(args.passes):
        # Cold: no utterance, word or harm-verb answer remembered from the pass before.
        detector.judge.analyzer.analyze.cache_clear()  # type: ignore[attr-defined]
        detector.judge.analyzer._words.clear()
        started, cpu_started = time.perf_counter(), time.process_time()
        for text in lines:
            detector.scan(text)
        rates.append(len(lines) / (time.perf_counter() - started))
        cpu_rates.append(len(lines) / (time.process_time() - cpu_started))
        # Warm vocabulary (a long-running scan has seen most words), still no utterance cached.
        detector.judge.analyzer.analyze.cache_clear()  # type: ignore[attr-defined]
        cpu_started = time.process_time()
        for text in lines:
            detector.scan(text)
        warm_rates.append(len(lines) / (time.process_time() - cpu_started))
    # The model's cost, in the same run: the in-process judge with and without it, passes alternating.
    # And line by line against batched (scan_many, as the command judges what one read of stdin brings).
    model = detector.judge.model
    with_model, without_model, batched = [], [], []
    for _ in range(args.passes if model is not None else 0):
        for keep, out in ((None, without_model), (model, with_model), (model, batched)):
            detector.judge.model = keep
            detector.judge.analyzer.analyze.cache_clear()  # type: ignore[attr-defined]
            cpu_started = time.process_time()
            if out is batched:
                for start in range(0, len(lines), BATCH):
                    detector.scan_many(lines[start : start + BATCH])
            else:
                for text in lines:
                    detector.scan(text)
            out.append(len(lines) / (time.process_time() - cpu_started))
    detector.judge.model = model
    # The command gets every distinct sentence of the development sets (clean and ASR-damaged) once: no line
    # repeats, so its analysis cache never helps; start-up (imports, lexicon, dictionary, model) is timed apart,
    # on empty input. Each figure is the least CPU time (user + system) of the child over alternating runs:
    # on a shared machine, waiting for the CPU and other load only ever add to it.
    everything = list(dict.fromkeys(all_texts()))
    text = "\n".join(everything) + "\n"
    command = [str(REPO / ".venv" / "bin" / "kasuhara-live"), "scan"]
    if shutil.which("taskset"):
        command = ["taskset", "-c", "0", *command]
    with tempfile.TemporaryDirectory() as scratch:
        rules_only = Path(scratch) / "rules-only.toml"
        rules_only.write_text('[judge]\nmodel_file = ""\n', encoding="utf-8")
        variants = {"rules and model": command, "rules alone": [*command, "--config", str(rules_only)]}
        best: dict[tuple[str, bool], float] = {}
        count = 0
        for _ in range(args.command_runs):
            for name, argv in variants.items():
                for whole in (True, False):
                    seconds, proc = _child_cpu(argv, text if whole else "")
                    best[name, whole] = min(best.get((name, whole), seconds), seconds)
                    count = len(proc.stdout.splitlines()) if whole else count  # one JSON line per input line
    mode = "compiled with mypyc (build/compiled)" if judge_package.COMPILED else "Python sources"
    print(f"{len(lines)} distinct utterances (mean {sum(map(len, lines)) / len(lines):.0f} characters), "
          f"{args.passes} passes, one core; judge modules: {mode}.\n")
    print("| measure | utterances/s |\n|---|---|")
    print(f"| judge in process, per CPU-second (best pass), cold: no word seen before | {max(cpu_rates):,.0f} |")
    print(f"| judge in process, per CPU-second (best pass), words seen before, sentences not | "
          f"{max(warm_rates):,.0f} |")
    print(f"| judge in process, wall clock, best pass | {max(rates):,.0f} |")
    print(f"| judge in process, wall clock, worst pass | {min(rates):,.0f} |")
    if with_model:
        print(f"| judge in process, words seen before: rules alone (judge.model_file = \"\") | "
              f"{max(without_model):,.0f} |")
        print(f"| judge in process, words seen before: rules and model (same run, alternating) | "
              f"{max(with_model):,.0f} |")
        print(f"| judge in process, words seen before: rules and model, batches of {BATCH} (`scan_many`, same run) | "
              f"{max(batched):,.0f} |")
    for name in variants:
        full, empty = best[name, True], best[name, False]
        print(f"| `kasuhara-live scan` process, {name}: {count} distinct lines in {full:.2f} CPU-s, incl. start-up | "
              f"{count / full:,.0f} |")
        print(f"| `kasuhara-live scan` process, {name}: the same without its start-up ({empty:.2f} CPU-s, timed on "
              f"empty input) | {count / (full - empty):,.0f} |")
    print(f"\nlexicon + dictionary load: {load_s:.2f} s; load average while measuring: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
