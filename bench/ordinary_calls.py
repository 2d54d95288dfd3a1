"""False alarms on ordinary calls: replay a folder of calls through the product and count its alerts.

Every call in the folder is meant to be ordinary (no harassment: see ``docs/ordinary-calls.md`` and
``tools/make_ordinary_calls.py``), so every alert at warning or above is a false alarm.  Prints a Markdown
table: per call and in total, minutes of audio, the customer's finals, alerts at caution, at warning or above
and at critical, and false alarms (warning or above) per 10 minutes of call; calls named ``SECTION_NN`` are
also summed per section.

* ``FOLDER``: runs ``kasuhara-live replay FOLDER --jsonl FILE`` (Whisper, a few minutes per 10 minutes of
  audio) and keeps its events in FILE (``--jsonl``, default ``ordinary.jsonl`` in the current folder);
* ``--from-jsonl FILE``: reads the events of an earlier replay instead, without running Whisper;
* ``--rejudge``: judges the stored transcript (partials and finals with their alternative readings, as the
  pipeline produced them) again with the current judge and configuration instead of counting the stored
  alerts: what a judge change does to the false alarms, in seconds, with the same Whisper output;
* ``--list``: also prints every alert at ``--min-level`` or above (default warning) with its category,
  severity, whether the rules or the model's second opinion raised it, evidence and the utterance's text,
  then how many each raised, the count per category and the most common evidence.

Usage::

    .venv/bin/python bench/ordinary_calls.py /work/realcalls/calls --jsonl /work/realcalls/baseline.jsonl
    .venv/bin/python bench/ordinary_calls.py --from-jsonl /work/realcalls/baseline.jsonl --list
    .venv/bin/python bench/ordinary_calls.py --from-jsonl /work/realcalls/baseline.jsonl --rejudge --list
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import kasuhara_live
from kasuhara_live import wire
from kasuhara_live.errors import KasuharaError
from kasuhara_live.events import (
    Alert,
    CallEnded,
    CallStarted,
    Event,
    Level,
    LevelChanged,
    UtteranceFinal,
)

REPO = Path(__file__).resolve().parent.parent


@dataclass
class CallCount:
    """What one call (or a sum of calls) produced."""

    name: str
    seconds: float = 0.0
    customer_finals: int = 0
    alerts: list[Alert] = field(default_factory=list)

    def at_least(self, level: Level) -> int:
        return sum(1 for a in self.alerts if a.severity >= level)

    def exactly(self, level: Level) -> int:
        return sum(1 for a in self.alerts if a.severity is level)

    def per_10_minutes(self) -> float:
        return self.at_least(Level.WARNING) / (self.seconds / 600) if self.seconds else 0.0

    def add(self, other: CallCount) -> None:
        self.seconds += other.seconds
        self.customer_finals += other.customer_finals
        self.alerts += other.alerts


def read_events(path: Path) -> list[Event]:
    """The events of a ``replay --jsonl`` file ('-' reads stdin)."""
    lines = sys.stdin if str(path) == "-" else path.open(encoding="utf-8")
    return [wire.loads(line) for line in lines if line.strip()]


def replay(folder: Path, jsonl: Path, config: Path | None) -> None:
    """Run the product's replay over a folder of calls, writing JSON lines."""
    exe = Path(sys.executable).parent / "kasuhara-live"
    if not exe.exists():
        exe = REPO / ".venv" / "bin" / "kasuhara-live"
    cmd = [str(exe), "replay", str(folder), "--jsonl", str(jsonl)]
    if config:
        cmd += ["--config", str(config)]
    print(f"$ {' '.join(cmd)}", file=sys.stderr)
    subprocess.run(cmd, check=True)


def rejudge(events: Iterable[Event], config: Path | None) -> tuple[list[Event], str]:
    """Drop the stored alerts and level changes and judge the stored transcript again with the current judge.

    Each call gets a fresh :class:`CallJudge` that sees the pipeline's events in their order, as the replay's
    hook did, so only a change of judge or configuration can change the result.  Also returns the judge's
    configuration fingerprint.
    """
    from kasuhara_live.config import load_config
    from kasuhara_live.judge.detector import Detector

    detector = Detector.from_config(load_config(config))
    out: list[Event] = []
    judges = {}
    for event in events:
        if isinstance(event, Alert | LevelChanged):
            continue
        out.append(event)
        if isinstance(event, CallStarted):
            judges[event.call_id] = detector.for_call(event.call_id)
        judge = judges.get(event.call_id)
        if judge is not None:
            out += judge(event)
    return out, detector.config_version


def count(events: Iterable[Event]) -> tuple[list[CallCount], dict[tuple[str, str], UtteranceFinal]]:
    """Per-call counts (in order of appearance) and every final by (call, utterance id)."""
    calls: dict[str, CallCount] = {}
    finals: dict[tuple[str, str], UtteranceFinal] = {}
    for event in events:
        call = calls.setdefault(event.call_id, CallCount(event.call_id))
        if isinstance(event, UtteranceFinal):
            finals[(event.call_id, event.utterance_id)] = event
            call.customer_finals += event.speaker == "customer"
        elif isinstance(event, Alert):
            call.alerts.append(event)
        elif isinstance(event, CallEnded):
            call.seconds = event.time
    return list(calls.values()), finals


def table(calls: list[CallCount]) -> str:
    """The Markdown table: calls, then sections (``name_NN``) and the total."""
    head = ("| call | minutes | customer finals | caution | ≥ warning | critical | false alarms / 10 min |\n"
            "|---|---:|---:|---:|---:|---:|---:|\n")

    def row(c: CallCount, bold: bool = False) -> str:
        name = f"**{c.name}**" if bold else c.name
        return (f"| {name} | {c.seconds / 60:.1f} | {c.customer_finals} | {c.exactly(Level.CAUTION)} | "
                f"{c.at_least(Level.WARNING)} | {c.exactly(Level.CRITICAL)} | {c.per_10_minutes():.2f} |\n")

    sections: dict[str, CallCount] = {}
    total = CallCount("total")
    for c in calls:
        match = re.fullmatch(r"(.+)_\d+", c.name)
        if match:
            sections.setdefault(match[1], CallCount(match[1])).add(c)
        total.add(c)
    out = head + "".join(row(c) for c in calls)
    if len(sections) > 1:
        out += "".join(row(s, True) for s in sections.values())
    return out + row(total, True)


def listing(calls: list[CallCount], finals: dict[tuple[str, str], UtteranceFinal], min_level: Level) -> str:
    """Every alert at ``min_level`` or above with its utterance, then the most common evidence."""
    lines: list[str] = []
    causes: Counter[tuple[str, str]] = Counter()
    raised_by: Counter[str] = Counter()
    for call in calls:
        for alert in call.alerts:
            if alert.severity < min_level:
                continue
            final = finals.get((alert.call_id, alert.utterance_id))
            text = final.text if final else ""
            speaker = final.speaker if final else "-"
            evidence = " / ".join(alert.evidence)
            # The model's second opinion states its probability in the reason (labels.REASON "model")
            model = re.search(r"(\d+)%", alert.reason)
            by = f"model {model[1]}%" if model else "rules"
            lines.append(f"{alert.call_id} {alert.start:7.1f}s {alert.severity.value:8s} {alert.category:17s} "
                         f"{by:9s} [{evidence}] {speaker}: {text}")
            words = [w for e in alert.evidence for w in e.split("…")]
            if final and final.alternatives and not all(w in text for w in words):
                lines.append(f"{'':20s}(other readings: {' | '.join(final.alternatives)})")
            causes[(alert.category, evidence)] += 1
            raised_by["the model" if model else "the rules"] += 1
    out = f"\nAlerts at {min_level.value} or above ({causes.total()}):\n" + "\n".join(lines) + "\n"
    out += "\nRaised by " + ", ".join(f"{who}: {n}" for who, n in sorted(raised_by.items())) + "\n"
    categories = Counter(category for (category, _), n in causes.items() for _ in range(n))
    out += "By category: " + ", ".join(f"{c} {n}" for c, n in categories.most_common()) + "\n"
    out += "\nMost common (category, evidence):\n"
    out += "".join(f"{n:4d}  {category}: {evidence}\n" for (category, evidence), n in causes.most_common(10))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, help="folder of ordinary calls to replay")
    parser.add_argument("--jsonl", type=Path, default=Path("ordinary.jsonl"),
                        help="where the replay writes its events (default: ordinary.jsonl)")
    parser.add_argument("--from-jsonl", type=Path, metavar="FILE", help="count the events of an earlier replay")
    parser.add_argument("--rejudge", action="store_true", help="judge the stored transcript with the current judge")
    parser.add_argument("--config", type=Path, help="site config layered over configs/default.toml")
    parser.add_argument("--list", action="store_true", help="print every alert with its utterance")
    parser.add_argument("--min-level", choices=[level.value for level in Level if level is not Level.NONE],
                        default="warning", help="lowest severity --list prints (default: warning)")
    args = parser.parse_args(argv)
    if (args.folder is None) == (args.from_jsonl is None):
        parser.error("give either FOLDER or --from-jsonl FILE")

    source = args.from_jsonl
    try:
        if source is None:
            replay(args.folder, args.jsonl, args.config)
            source = args.jsonl
        events = read_events(source)
        versions = sorted({e.config_version for e in events if isinstance(e, CallStarted)})
        what = f"as stored (config {', '.join(versions)})"
        if args.rejudge:
            events, version = rejudge(events, args.config)
            what = f"re-judged by {Path(kasuhara_live.__file__).parent} (config {version})"
    except (KasuharaError, OSError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    calls, finals = count(events)
    print(f"{len(calls)} calls from {source}, alerts {what}\n")
    print(table(calls), end="")
    if args.list:
        print(listing(calls, finals, Level(args.min_level)), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
