"""``kasuhara-live review``: the QA review commands, thin (parse, call the store, print), and the review app.

``review`` alone opens the app; ``review list|show|label|missed|judge|agreement|export|play`` are for scripts. Every
expected failure is a :class:`KasuharaError`, which the main command line prints as one line (exit status 2).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kasuhara_live.config import Config, load_config
from kasuhara_live.errors import KasuharaError
from kasuhara_live.judge import labels
from kasuhara_live.printable import json_printable, printable
from kasuhara_live.review import figures, listing
from kasuhara_live.review.filters import (
    CATEGORIES,
    HARASSMENT_CATEGORIES,
    LEVELS,
    CallFilter,
    format_time,
    parse_category,
    parse_date,
    parse_level,
    time_range,
)
from kasuhara_live.review.playback import prepare
from kasuhara_live.review.render import judgement, plain_lines
from kasuhara_live.review.texts import text
from kasuhara_live.store.store import ALERT_LABELS, CONDUCT, DEMAND, CallRecord, CallStore

Handler = Callable[[argparse.Namespace], int]


def _config(args: argparse.Namespace) -> Config:
    return load_config(Path(args.config) if args.config else None)


@contextmanager
def _store(args: argparse.Namespace, cfg: Config) -> Iterator[CallStore]:
    with CallStore.existing(Path(args.store or cfg.store.path).expanduser()) as store:
        yield store


def _reviewer(args: argparse.Namespace) -> str:
    reviewer = (args.reviewer or os.environ.get("USER", "")).strip()
    if not reviewer:
        raise KasuharaError("no reviewer name: give --reviewer NAME (the default is $USER, which is not set)")
    return reviewer


def _filter(args: argparse.Namespace) -> CallFilter:
    return CallFilter(parse_date(args.first_day) if args.first_day else None,
                      parse_date(args.last_day) if args.last_day else None,
                      parse_level(args.level) if getattr(args, "level", None) else None,
                      parse_category(args.category) if getattr(args, "category", None) else None,
                      getattr(args, "agent", None) or None)


def cmd_app(args: argparse.Namespace) -> int:
    """``review`` without a subcommand: the Textual review app."""
    from kasuhara_live.review.app import ReviewApp

    cfg = _config(args)
    reviewer = _reviewer(args)
    with _store(args, cfg) as store:
        store.verify()  # a damaged store is one line here, not a traceback inside the app
        app = ReviewApp(cfg, store, reviewer)
        app.run()
        return app.return_code or 0


def cmd_list(args: argparse.Namespace) -> int:
    cfg = _config(args)
    query = _filter(args)
    with _store(args, cfg) as store:
        rows = listing.list_rows(store, query)
    if args.json:
        for row in rows:
            print(json_printable(json.dumps(listing.row_json(row), ensure_ascii=False)))
    else:
        print("\n".join(printable(line) for line in listing.table_lines(cfg.ui.language, rows)))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    cfg = _config(args)
    with _store(args, cfg) as store:
        record = store.call(args.call)
    # Every line made printable at the edge too: a stored call's words are a peer's, never terminal commands.
    print("\n".join(printable(line) for line in plain_lines(cfg.ui.language, record)))
    return 0


def cmd_label(args: argparse.Namespace) -> int:
    cfg = _config(args)
    if args.label not in ALERT_LABELS:
        raise KasuharaError(f"unknown label {args.label!r}: expected one of {', '.join(ALERT_LABELS)}")
    with _store(args, cfg) as store:
        record = store.call(args.call)
        alert_id = resolve_alert(record, args.alert_id)
        store.label_alert(args.call, alert_id, args.label, _reviewer(args), args.note or "")
    lang = cfg.ui.language
    print(text(lang, "done.label", alert_id=printable(alert_id), label=text(lang, f"label.{args.label}")))
    return 0


def cmd_missed(args: argparse.Namespace) -> int:
    cfg = _config(args)
    category = parse_category(args.category, HARASSMENT_CATEGORIES)
    with _store(args, cfg) as store:
        record = store.call(args.call)
        start, end = time_range(args.start, args.end, record.summary.duration)
        store.add_missed(args.call, start, end, category, _reviewer(args), args.note or "")
    lang = cfg.ui.language
    print(text(lang, "done.missed", call_id=args.call, start=format_time(start), end=format_time(end),
               category=labels.category(lang, category)))
    return 0


def resolve_alert(record: CallRecord, alert_id: str) -> str:
    """The full id of one of the call's alerts: as printed, or the part after ``<call id>-`` (``a003``)."""
    ids = {alert.alert_id for alert in record.alerts}
    for candidate in (alert_id, f"{record.summary.call_id}-{alert_id}"):
        if candidate in ids:
            return candidate
    known = ", ".join(sorted(ids)) or "none"
    raise KasuharaError(f"call {record.summary.call_id!r} has no alert {alert_id!r} (its alerts: {known})")


def cmd_judge(args: argparse.Namespace) -> int:
    cfg = _config(args)
    if args.harassment not in ("yes", "no"):
        raise KasuharaError(f"--harassment must be yes or no, not {args.harassment!r}")
    with _store(args, cfg) as store:
        reviewer = _reviewer(args)
        store.review_call(args.call, reviewer, args.conduct, args.demand, args.harassment == "yes",
                          args.notes or "", args.lessons or "")
        review = store.call(args.call).review_by(reviewer)
    assert review is not None  # just written
    print(text(cfg.ui.language, "done.judge", call_id=args.call, summary=judgement(cfg.ui.language, review)))
    return 0


def cmd_agreement(args: argparse.Namespace) -> int:
    cfg = _config(args)
    query = _filter(args)
    between = None
    if args.between:
        first, second = (name.strip() for name in args.between)
        if not first or not second or first == second:
            raise KasuharaError(f"--between needs two different reviewer names, got {first!r} and {second!r}")
        between = (first, second)
    with _store(args, cfg) as store:
        found = figures.gather(store, query, between)
    if args.json:
        print(json.dumps(figures.as_json(found, query), ensure_ascii=False))
    else:
        print("\n".join(figures.lines(cfg.ui.language, found, query)))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from kasuhara_live.reports.output import write_private
    from kasuhara_live.review.export import HEADER, labelled_rows

    cfg = _config(args)
    since, until = _filter(args).bounds()
    with _store(args, cfg) as store:
        records = [store.call(c.call_id) for c in reversed(store.calls(since=since, until=until, limit=1_000_000))]
    rows = labelled_rows(records, cfg.judge.speakers)
    # The callers' words: readable by the owner only, like every other file that holds transcripts.
    write_private(Path(args.out), "\t".join(HEADER) + "\n" + "".join(row.tsv() + "\n" for row in rows))
    print(text(cfg.ui.language, "done.export", rows=len(rows), calls=len(records), path=args.out))
    return 0


def cmd_play(args: argparse.Namespace) -> int:
    cfg = _config(args)
    with _store(args, cfg) as store:
        summary = store.call(args.call).summary
    start, end = time_range(args.start, args.end, summary.duration)
    playback = prepare(summary, start, end)
    print(text(cfg.ui.language, "playing", call_id=args.call, start=format_time(start), end=format_time(end),
               player=playback.player), file=sys.stderr)
    playback.begin()
    playback.wait()
    return 0


def add_commands(sub: argparse._SubParsersAction,  # type: ignore[type-arg]  # argparse's generic is private
                 common: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add ``review`` and its subcommands to the main parser's ``sub``; ``common(parser)`` adds ``--config``."""
    review: argparse.ArgumentParser = sub.add_parser(
        "review",
        help="QA review of stored calls: the review app, or list/show/label/missed/judge/agreement/export/play")
    common(review)
    _store_options(review, None)
    review.set_defaults(func=cmd_app)
    # The parent's parser class (the main CLI's one-line errors) for the subcommands too.
    inner = review.add_subparsers(dest="review_command", parser_class=type(review), metavar="SUBCOMMAND")

    def command(name: str, func: Handler, help_text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = inner.add_parser(name, help=help_text)
        # SUPPRESS: an option given before the subcommand (`review --store X list`) is not reset by its default.
        parser.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS,
                            help="site config layered over configs/default.toml")
        _store_options(parser, argparse.SUPPRESS)
        parser.set_defaults(func=func)
        return parser

    listing = command("list", cmd_list, "list stored calls by date range, level, category and agent")
    _date_options(listing)
    listing.add_argument("--level", help=f"calls that reached at least this level ({', '.join(LEVELS)})")
    listing.add_argument("--category", help=f"calls with an alert of this category ({', '.join(CATEGORIES)})")
    listing.add_argument("--agent", help="calls of this agent")
    listing.add_argument("--json", action="store_true", help="JSON lines instead of a table")

    show = command("show", cmd_show, "a call's transcript with its alerts, actions, levels, labels and review")
    show.add_argument("call", help="call id (as `review list` shows it)")

    label = command("label", cmd_label, "label one alert correct or a false alarm")
    label.add_argument("call", help="call id")
    label.add_argument("alert_id", help="alert id (as `review show` prints it; the part after the call id will do)")
    label.add_argument("label", help=f"{' or '.join(ALERT_LABELS)}")
    label.add_argument("--note", help="why, in a few words")

    missed = command("missed", cmd_missed, "add harassment the detector missed, by its time range in the call")
    missed.add_argument("call", help="call id")
    missed.add_argument("start", help="start: seconds or mm:ss")
    missed.add_argument("end", help="end: seconds or mm:ss")
    missed.add_argument("category", help=f"one of {', '.join(HARASSMENT_CATEGORIES)}")
    missed.add_argument("--note", help="what was said, or why it counts")

    judge = command("judge", cmd_judge, "record the reviewer's judgement of a call on the two axes (one per "
                    "reviewer: a second judgement replaces only the same reviewer's first)")
    judge.add_argument("call", help="call id")
    # No argparse choices: a bad value is a KasuharaError naming what is allowed, like every other review error.
    judge.add_argument("--conduct", required=True, help=f"how it was said: {', '.join(CONDUCT)}")
    judge.add_argument("--demand", required=True, help=f"what was asked: {', '.join(DEMAND)}")
    judge.add_argument("--harassment", required=True, help="the verdict, カスハラ or not: yes or no")
    judge.add_argument("--notes", help="the judgement and why")
    judge.add_argument("--lessons", help="what the process should learn (no blame on a person)")

    agreement = command("agreement", cmd_agreement, "agreement of field flags and alerts with reviewers' labels "
                        "(and between two reviewers with --between)")
    _date_options(agreement)
    agreement.add_argument("--between", nargs=2, metavar=("REVIEWER", "OTHER"),
                           help="also compare these two reviewers' verdicts on the calls both judged")
    agreement.add_argument("--json", action="store_true", help="one JSON object instead of tables")

    export = command("export", cmd_export, "reviewers' decisions as a labelled TSV for `eval` and `train-model`")
    _date_options(export)
    export.add_argument("--out", required=True, metavar="PATH", help="TSV to write (id, level, category, text)")

    play = command("play", cmd_play, "play a segment of a call's audio (sox play, ffplay or aplay)")
    play.add_argument("call", help="call id")
    play.add_argument("start", help="start: seconds or mm:ss")
    play.add_argument("end", help="end: seconds or mm:ss")


def _store_options(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument("--store", metavar="PATH", default=default, help="call store (default: store.path)")
    parser.add_argument("--reviewer", metavar="NAME", default=default, help="who labels (default: $USER)")


def _date_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="first_day", metavar="YYYY-MM-DD", help="calls started on or after this day")
    parser.add_argument("--to", dest="last_day", metavar="YYYY-MM-DD", help="calls started on or before this day")
