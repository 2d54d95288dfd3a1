"""Measuring the judge on a labelled set: precision, recall, F1, per category, and the mistakes listed.

The data is a TSV with a header containing at least ``level``, ``category`` and ``text`` (``id`` if present).
Binary positive = level warning or critical.  The report is Markdown, so it can be kept in the repository
and read by an admin deciding whether a threshold change is worth deploying.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kasuhara_live.errors import KasuharaError
from kasuhara_live.events import Level
from kasuhara_live.judge.rules import Judgement

# Between the readings in an ASR set's ``alternatives`` column (a character Whisper never writes in Japanese).
ALTERNATIVES_SEPARATOR = " ｜ "


@dataclass(frozen=True)
class Row:
    id: str
    level: Level
    category: str
    text: str
    alternatives: tuple[str, ...] = ()  # other readings of the same audio (ASR sets made with n-best decoding)
    target: str = ""  # real corpora: "person" when a harassment row is aimed at a person, "other" when not


@dataclass(frozen=True)
class Scores:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def read_rows(path: Path) -> list[Row]:
    """Read a labelled TSV, rejecting a bad header or label with the line number."""
    try:
        fh = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise KasuharaError(f"cannot read {path}: {exc.strerror}") from None
    try:
        with fh:
            return _parse_rows(path, csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    except UnicodeDecodeError as exc:
        raise KasuharaError(f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None


def _parse_rows(path: Path, reader: csv.DictReader[str]) -> list[Row]:
    missing = {"level", "category", "text"} - set(reader.fieldnames or ())
    if missing:
        raise KasuharaError(f"{path}: header lacks column(s) {', '.join(sorted(missing))}")
    rows: list[Row] = []
    for number, record in enumerate(reader, start=2):
        try:
            level = Level(record["level"])
        except ValueError:
            raise KasuharaError(f"{path}:{number}: level {record['level']!r} is not none, caution, warning "
                                "or critical") from None
        alternatives = tuple(a for a in (record.get("alternatives") or "").split(ALTERNATIVES_SEPARATOR) if a)
        rows.append(Row(record.get("id") or str(number), level, record["category"], record["text"] or "",
                        alternatives, (record.get("target") or "").strip()))
    if not rows:
        raise KasuharaError(f"{path}: no rows")
    return rows


def positive(level: Level) -> bool:
    return level >= Level.WARNING


# The register of a sentence, as ../shared/tools/realtext_check.py decides it: polite when it has one of these
# forms. A judge that learnt register instead of harassment flags plain sentences far more often than polite ones.
POLITE_FORMS = re.compile(r"(です|ます|でした|ました|ません|ください|ございます|いたします|でしょう|まして)")
# What can raise an alert (the kind of Judgement.source's first origin), in the order the reports list them
RAISERS = ("term", "construction", "grammar", "model", "call")


@dataclass(frozen=True)
class FalseAlarms:
    """How a judge does on the ordinary rows of a set and on its harassment rows, as the real-text table shows it."""

    ok: int
    flagged: int
    plain: int
    plain_flagged: int
    raised_by: Counter[str]
    harassment: int
    caught: int
    aimed: int  # harassment rows aimed at a person (a ``target`` column says so); 0 when the set has no such column
    aimed_caught: int

    def row(self, name: str) -> str:
        polite, polite_flagged = self.ok - self.plain, self.flagged - self.plain_flagged
        by = ", ".join(f"{kind} {self.raised_by[kind]}" for kind in RAISERS if self.raised_by[kind]) or "–"
        recall = f"{self.caught}/{self.harassment} = {self.caught / self.harassment:.2f}" if self.harassment else "–"
        aimed = f"{self.aimed_caught}/{self.aimed} = {self.aimed_caught / self.aimed:.2f}" if self.aimed else "–"
        return (f"| {name} | {self.ok} | {self.flagged} ({_rate(self.flagged, self.ok)}) | "
                f"{_rate(self.plain_flagged, self.plain)} of {self.plain} | "
                f"{_rate(polite_flagged, polite)} of {polite} | "
                f"{by} | {recall} | {aimed} |")


FALSE_ALARM_HEADER = ("| data | ok rows | judged harassment | plain form | polite | raised by | recall on harassment | "
                      "aimed at a person |\n|---|---|---|---|---|---|---|---|")


def _rate(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "–"


def count_false_alarms(results: Sequence[tuple[Row, Judgement]]) -> FalseAlarms:
    ok = [(r, j) for r, j in results if not positive(r.level)]
    flagged = [(r, j) for r, j in ok if positive(j.level)]
    plain = [(r, j) for r, j in ok if not POLITE_FORMS.search(r.text)]
    harassment = [(r, j) for r, j in results if positive(r.level)]
    aimed = [(r, j) for r, j in harassment if r.target == "person"]
    return FalseAlarms(len(ok), len(flagged), len(plain), sum(positive(j.level) for _, j in plain),
                       Counter(raised_by(j) for _, j in flagged), len(harassment),
                       sum(positive(j.level) for _, j in harassment), len(aimed),
                       sum(positive(j.level) for _, j in aimed))


def raised_by(judgement: Judgement) -> str:
    """The kind of what raised a judgement: term, construction, grammar, model or call."""
    return judgement.source.split(",")[0].split(":")[0]


def _klass(level: Level, category: str) -> str:
    if positive(level):
        return "harassment"
    return "complaint/grey" if level is Level.CAUTION or category == "complaint" else "ordinary"


def evaluate(rows: list[Row], judge: Callable[[Sequence[str]], Judgement], title: str,
             withhold_text: bool = False) -> tuple[Scores, FalseAlarms, str]:
    """Score every row (its text and any alternative readings); return the binary scores, the false alarms on the
    ordinary rows (plain and polite) with what raised them, and a Markdown report."""
    results = [(row, judge((row.text, *row.alternatives))) for row in rows]
    binary = Scores(
        tp=sum(positive(r.level) and positive(j.level) for r, j in results),
        fp=sum(not positive(r.level) and positive(j.level) for r, j in results),
        fn=sum(positive(r.level) and not positive(j.level) for r, j in results),
    )
    lines = [f"## {title}", "", f"{len(rows)} utterances, {sum(positive(r.level) for r in rows)} harassment "
             "(level >= warning).", "",
             "| binary (>= warning) | precision | recall | F1 |", "|---|---|---|---|",
             f"| all | {binary.precision:.3f} | {binary.recall:.3f} | {binary.f1:.3f} |", ""]
    categories = sorted({r.category for r in rows if positive(r.level)})
    lines += ["| category | gold | caught (>= warning) | recall | category right | false alarms named so |",
              "|---|---|---|---|---|---|"]
    for cat in categories:
        gold = [(r, j) for r, j in results if r.category == cat and positive(r.level)]
        caught = sum(positive(j.level) for _, j in gold)
        named = sum(positive(j.level) and j.category == cat for _, j in gold)
        false_named = sum(not positive(r.level) and positive(j.level) and j.category == cat for r, j in results)
        lines.append(f"| {cat} | {len(gold)} | {caught} | {caught / len(gold):.2f} | {named} | {false_named} |")
    confusion = Counter((_klass(r.level, r.category), _klass(j.level, j.category)) for r, j in results)
    classes = ("ordinary", "complaint/grey", "harassment")
    lines += ["", "| gold \\ predicted | " + " | ".join(classes) + " |", "|---|---|---|---|"]
    lines += [f"| {g} | " + " | ".join(str(confusion[(g, p)]) for p in classes) + " |" for g in classes]
    exact = sum(r.level is j.level for r, j in results)
    lines += ["", f"Exact level agreement: {exact}/{len(rows)} ({exact / len(rows):.1%}).", ""]
    by_model = [r for r, j in results if positive(j.level) and j.model_cue]
    if by_model:
        wrong = sum(not positive(r.level) for r in by_model)
        lines += [f"Raised to warning by the model where the rules found less: {_count(len(by_model), 'utterance')}, "
                  f"{_count(wrong, 'false alarm')} among them.", ""]
    misses = [(r, j) for r, j in results if positive(r.level) and not positive(j.level)]
    false_alarms = [(r, j) for r, j in results if not positive(r.level) and positive(j.level)]
    for name, items in (("Misses", misses), ("False alarms", false_alarms)):
        lines += [f"### {name} ({len(items)})", ""]
        # A blind test set's sentences stay out of reports: reading them is how one starts tuning on them.
        lines += [f"- `{r.id}` gold {r.level.value}/{r.category}, got {j.level.value}/{j.category} "
                  f"(conduct {j.conduct}, demand {j.demand}{', by the model' if j.model_cue else ''}"
                  + (f"; raised by {j.source}" if j.source and positive(j.level) else "") + ")"
                  + ("" if withhold_text else f": {r.text}")
                  for r, j in items]
        lines.append("")
    return binary, count_false_alarms(results), "\n".join(lines)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")
