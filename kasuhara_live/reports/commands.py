"""The ``report``, ``trends``, ``purge`` and ``export`` subcommands (thin: parse, call, print).

``kasuhara_live.cli`` adds them with :func:`add_commands`; every expected failure is a
:class:`~kasuhara_live.errors.KasuharaError` (one line on stderr, exit status 2).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path

from kasuhara_live import __version__
from kasuhara_live.config import Config, load_config
from kasuhara_live.errors import KasuharaError
from kasuhara_live.reports import texts
from kasuhara_live.reports.formatting import local_datetime
from kasuhara_live.store.store import CallRecord, CallStore


def _config(args: argparse.Namespace) -> Config:
    return load_config(Path(args.config) if args.config else None)


def _store(cfg: Config, path: str | None) -> CallStore:
    return CallStore.existing(Path(path or cfg.store.path).expanduser())


def _footer(lang: str) -> str:
    return texts.text(lang, "generated", version=__version__, when=local_datetime(time.time()))


def _record(cfg: Config, args: argparse.Namespace) -> CallRecord:
    with _store(cfg, args.store) as store:
        record = store.call(args.call)
    if args.redact:
        from kasuhara_live.reports.names import make_redactor
        from kasuhara_live.reports.redact import redact_record

        record = redact_record(record, make_redactor())
    return record


def cmd_report(args: argparse.Namespace) -> int:
    """``kasuhara-live report CALL``: the incident report as Markdown and/or HTML files."""
    from kasuhara_live.reports.incident import build_incident
    from kasuhara_live.reports.output import private_dir, safe_name, write_private
    from kasuhara_live.reports.render_html import render_html
    from kasuhara_live.reports.render_md import render_markdown

    cfg = _config(args)
    lang = cfg.ui.language
    record = _record(cfg, args)
    doc = build_incident(record, lang, redacted=args.redact, footer=_footer)
    out = private_dir(Path(args.out))
    stem = f"incident-{safe_name(record.summary.call_id)}" + ("-redacted" if args.redact else "")
    written = []
    if args.format in ("md", "both"):
        written.append(write_private(out / f"{stem}.md", render_markdown(doc)))
    if args.format in ("html", "both"):
        written.append(write_private(out / f"{stem}.html", render_html(doc)))
    for path in written:
        print(path)
    return 0


def parse_day(value: str, option: str) -> dt.date:
    """A ``YYYY-MM-DD`` date from 1970-01-01 to 9999-12-30, or a :class:`KasuharaError` naming the option."""
    from kasuhara_live.review.filters import check_day

    try:
        if len(value) != 10:
            raise ValueError(value)
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise KasuharaError(f"{option} {value!r} is not a date: expected YYYY-MM-DD, e.g. 2025-01-31") from None
    check_day(day, f"{option} {value}")  # year 1 has no Unix time, and the day after 9999-12-31 no date
    return day


def cmd_trends(args: argparse.Namespace) -> int:
    """``kasuhara-live trends --from --to``: trends.html and the CSV files behind it."""
    from kasuhara_live.reports.output import private_dir, write_private
    from kasuhara_live.reports.render_html import render_html
    from kasuhara_live.reports.trend_data import Period, compute_trends
    from kasuhara_live.reports.trends import TrendReport, to_csv

    first, last = parse_day(args.since, "--from"), parse_day(args.until, "--to")
    if first > last:
        raise KasuharaError(f"--from {first} is after --to {last}: the period must start on or before its end")
    cfg = _config(args)
    period = Period(first, last)
    with _store(cfg, args.store) as store:
        trends = compute_trends(period, store.calls_between(period.since, period.until),
                                store.alert_facts(period.since, period.until),
                                store.action_facts(period.since, period.until))
    report = TrendReport(trends, cfg.ui.language)
    out = private_dir(Path(args.out or f"trends-{first}_{last}"))
    print(write_private(out / "trends.html", render_html(report.document(_footer(cfg.ui.language)))))
    for name, (header, rows) in report.csv_tables().items():
        # utf-8-sig: Excel (the usual reader of these files in Japan) needs the BOM to read UTF-8.
        write_private(out / name, to_csv(header, rows), encoding="utf-8-sig")
    print(f"{len(report.csv_tables())} CSV files in {out} ({trends.calls} calls)")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    """``kasuhara-live purge``: remove transcripts older than the retention period."""
    cfg = _config(args)
    days = args.days if args.days is not None else cfg.store.retention_days
    if days <= 0:
        raise KasuharaError(f"--days {days:g} must be positive: the number of days transcripts are kept")
    with _store(cfg, args.store) as store:
        purged = store.purge(days)
        print(f"purged {purged} calls older than {days:g} days from {store.path} (transcripts and evidence "
              "removed; levels, categories and actions kept)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """``kasuhara-live export CALL``: the call's record as JSON or Markdown (stdout or --out)."""
    from kasuhara_live.reports.export import export_json, export_markdown
    from kasuhara_live.reports.output import write_private

    cfg = _config(args)
    record = _record(cfg, args)
    if args.format == "json":
        content = export_json(record, args.redact)
    else:
        content = export_markdown(record, cfg.ui.language, args.redact, _footer(cfg.ui.language))
    if args.out in (None, "-"):
        sys.stdout.write(content)
    else:
        print(write_private(Path(args.out), content), file=sys.stderr)
    return 0


def _days(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of days") from None


def add_commands(sub: argparse._SubParsersAction,  # type: ignore[type-arg]
                 common: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add ``report``, ``trends``, ``purge`` and ``export`` to the command line's subparsers."""

    def command(name: str, func: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
        common(parser)
        parser.add_argument("--store", metavar="PATH", help="the call store (default: store.path)")
        parser.set_defaults(func=func)
        return parser

    report = command("report", cmd_report, "write the incident report of one call (Markdown and/or HTML)")
    report.add_argument("call", metavar="CALL", help="the call id (`kasuhara-live review list` shows them)")
    report.add_argument("--format", choices=["md", "html", "both"], default="both", help="default: both")
    report.add_argument("--out", metavar="DIR", default=".", help="folder for the files (default: here)")
    report.add_argument("--redact", action="store_true", help="mask names, numbers, e-mail addresses, postcodes")

    trends = command("trends", cmd_trends, "write the trend report of a period (trends.html and CSV files)")
    trends.add_argument("--from", dest="since", metavar="YYYY-MM-DD", required=True, help="first day (local time)")
    trends.add_argument("--to", dest="until", metavar="YYYY-MM-DD", required=True, help="last day, included")
    trends.add_argument("--out", metavar="DIR", help="folder for the files (default: trends-FROM_TO)")

    purge = command("purge", cmd_purge, "remove transcripts and evidence of calls older than the retention")
    purge.add_argument("--days", type=_days, metavar="N", help="keep this many days (default: store.retention_days)")

    export = command("export", cmd_export, "export one call's record (privacy request): JSON or Markdown")
    export.add_argument("call", metavar="CALL", help="the call id")
    export.add_argument("--format", choices=["json", "md"], default="json", help="default: json")
    export.add_argument("--out", metavar="PATH", help="file to write (default: stdout)")
    export.add_argument("--redact", action="store_true", help="mask names, numbers, e-mail addresses, postcodes")
