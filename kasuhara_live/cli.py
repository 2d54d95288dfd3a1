"""The ``kasuhara-live`` command: one thin subcommand each (parse, call, print).

Every expected failure is a :class:`KasuharaError` and becomes one line on stderr with exit status 2;
a traceback means a bug.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import socket
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from kasuhara_live import __version__
from kasuhara_live.config import Config, load_config
from kasuhara_live.errors import KasuharaError
from kasuhara_live.long_lines import MAX_CHARS as SCAN_MAX_CHARS

EXIT_USAGE = 2

if TYPE_CHECKING:
    from kasuhara_live.audio.sources import AudioSource
    from kasuhara_live.events import Event
    from kasuhara_live.judge.detector import Detector
    from kasuhara_live.store.store import CallStore


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse prints the whole usage block; one line is friendlier and matches our other errors.
        self.exit(EXIT_USAGE, f"kasuhara-live: error: {message} (see `kasuhara-live {self.prog.split()[-1]} --help`)\n"
                  if " " in self.prog else f"kasuhara-live: error: {message} (see `kasuhara-live --help`)\n")


def _config(args: argparse.Namespace) -> Config:
    return load_config(Path(args.config) if args.config else None)


@contextlib.contextmanager
def _output(target: str | None, private: bool = False) -> Iterator[TextIO]:
    """stdout for None or ``-``, else the file ``target``; ``private``: readable by its owner only (0600), for
    files that hold transcripts (personal data), also when the file was there before."""
    if target in (None, "-"):
        yield sys.stdout
        return
    assert target is not None
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o666)
        if private and stat.S_ISREG(os.fstat(fd).st_mode):  # (never chmod /dev/null or a pipe)
            os.fchmod(fd, 0o600)  # O_CREAT's mode only applies to a new file
    except OSError as exc:
        raise KasuharaError(f"cannot write {target}: {exc.strerror}") from None
    with open(fd, "w", encoding="utf-8") as fh:
        yield fh


def cmd_replay(args: argparse.Namespace) -> int:
    from kasuhara_live.asr.engine import load_engine
    from kasuhara_live.audio.sources import expand_audio_paths
    from kasuhara_live.batch import replay_batch, summary_lines
    from kasuhara_live.replay import JsonlWriter, TranscriptWriter

    cfg = _config(args)
    paths = expand_audio_paths(Path(p) for p in args.audio)
    detector = _detector(cfg)
    engine = load_engine(cfg.asr)
    store = _open_store(cfg, args.store) if args.store is not None else None
    with _output(args.jsonl, private=True) as out:
        write = JsonlWriter(out) if args.jsonl else TranscriptWriter(out, cfg.ui.language)

        def sink(event: Event) -> None:
            if store is not None:
                store.record(event)  # written before it is shown, as the hub does
            write(event)

        try:
            # A file named like a stored call gets an id of its own (stem-2…): never written into that call.
            result = replay_batch(paths, cfg, engine, sink, taken=store.has_call if store else lambda _: False,
                                  realtime=args.realtime, hooks=lambda call: [detector.for_call(call)],
                                  config_version=detector.config_version)
        finally:
            if store is not None:
                store.close()
    for line in summary_lines(cfg.ui.language, result, batch=len(paths) > 1):
        print(line, file=sys.stderr)
    # Some files skipped: 1 (the others were replayed and stored); bad arguments and a lone bad file stay 2.
    return 1 if result.failed else 0


def _open_store(cfg: Config, path: str) -> CallStore:
    from kasuhara_live.store.store import CallStore

    return CallStore(Path(path or cfg.store.path).expanduser())


def _detector(cfg: Config) -> Detector:
    from kasuhara_live.judge.detector import Detector

    return Detector.from_config(cfg)


def cmd_scan(args: argparse.Namespace) -> int:
    from kasuhara_live.long_lines import judged_lines
    from kasuhara_live.printable import json_printable

    detector = _detector(_config(args))
    judge_many = (lambda texts: [detector.explain(t) for t in texts]) if args.explain else detector.scan_many
    bad = 0
    number = 0
    # Judged in batches of whatever one read brings (a block of a file, or the one line just typed, so nothing
    # waits for input that has not come): the judge runs a batch stage by stage, a third faster on bulk input.
    # Bytes, decoded line by line: one line that is not UTF-8 is reported and skipped, and the lines around it
    # are still judged (a chat export with one broken line is worth scanning).
    for batch in _line_batches(sys.stdin.buffer):
        texts = []
        for raw in batch:
            number += 1
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8").rstrip("\r")  # a BOM is no text
            except UnicodeDecodeError:
                bad += 1
                print(f"kasuhara-live scan: line {number} is not UTF-8 text; skipped", file=sys.stderr, flush=True)
                continue
            if text.strip():
                texts.append(text)
                if len(text) > SCAN_MAX_CHARS:
                    print(f"kasuhara-live scan: line {number} has {len(text):,} characters, more than "
                          f"{SCAN_MAX_CHARS:,}: judged in pieces of whole sentences", file=sys.stderr, flush=True)
        if texts:
            # A long line is judged in pieces (time linear in its length), still answered with one line.
            results = judged_lines(texts, judge_many)
            # json escapes C0 controls itself; DEL and C1 (CSI) too, since the echoed text may reach a terminal.
            sys.stdout.write(json_printable("".join(json.dumps(result, ensure_ascii=False) + "\n"
                                                    for result in results)))
            sys.stdout.flush()
    return 2 if bad else 0


def _line_batches(stream: BinaryIO, block: int = 1 << 16) -> Iterator[list[bytes]]:
    """The complete lines of each read (without their newline); a last line without one comes at the end."""
    # read1: what one read of the pipe or file gives, without waiting to fill the block
    read: Callable[[int], bytes] = getattr(stream, "read1", stream.read)
    pending = bytearray()
    while chunk := read(block):
        end = chunk.rfind(b"\n")
        if end < 0:
            pending += chunk
            continue
        lines = bytes(pending + chunk[:end]).split(b"\n")
        pending = bytearray(chunk[end + 1 :])
        yield lines
    if pending:
        yield [bytes(pending)]


def cmd_eval(args: argparse.Namespace) -> int:
    from kasuhara_live.judge.evaluate import FALSE_ALARM_HEADER, evaluate, read_rows

    detector = _detector(_config(args))
    reports, summary = [], ["| data | utterances | precision | recall | F1 |", "|---|---|---|---|---|"]
    alarms = [FALSE_ALARM_HEADER]
    for name in args.data:
        path = Path(name)
        rows = read_rows(path)
        # A blind test set's sentences stay out of reports (reading them is how one starts tuning on them), and so
        # do those of corpora kept outside the repository (their licences may forbid copying them into it).
        blind = any(part.startswith("blind") for part in path.parent.parts)
        outside = not path.resolve().is_relative_to(Path.cwd().resolve())
        scores, alarm, report = evaluate(rows, detector.judge.judge_readings, path.name,
                                         withhold_text=blind or outside)
        alarms.append(alarm.row(name))
        reports.append(report)
        if scores.tp + scores.fn == 0:  # a set of negatives only: what counts is how many it flags
            summary.append(f"| {name} | {len(rows)} | no harassment rows: {scores.fp} false alarm(s) | – | – |")
        else:
            summary.append(f"| {name} | {len(rows)} | {scores.precision:.3f} | {scores.recall:.3f} | {scores.f1:.3f} |")
        print(report)
    print("\n".join(summary))
    print("\n".join(alarms))
    if args.out:
        with _output(args.out) as out:
            out.write("# Judge evaluation\n\nCommand: `kasuhara-live eval " + " ".join(args.data) + "`\n\n")
            out.write("Binary: harassment = level warning or critical.\n\n" + "\n".join(summary) + "\n\n")
            out.write("## False alarms on ordinary rows, by register, and what raised them\n\n"
                      "Ordinary rows are those below warning; plain form = none of です, ます, ください, ございます, "
                      "いたします, でしょう (as `../shared/tools/realtext_check.py` decides). \"Raised by\" counts the "
                      "false alarms by the kind of what raised them (`scan --explain` names the term, construction, "
                      "grammar rule or model of each). \"Aimed at a person\": harassment rows a `target` column "
                      "marks `person`.\n\n" + "\n".join(alarms) + "\n\n")
            out.write("\n".join(reports) + "\n")
    return 0


def cmd_train_model(args: argparse.Namespace) -> int:
    from kasuhara_live.judge.evaluate import read_rows
    from kasuhara_live.judge.training import Trained, cross_validate, write_model

    rows_of = {name: read_rows(Path(name)) for name in args.data}
    cfg = _config(args)
    # the rules only: a model is what is being made (and its file may not exist yet)
    detector = _detector(dataclasses.replace(cfg, judge=dataclasses.replace(cfg.judge, model_file="")))
    analyzer = detector.judge.analyzer
    if args.cross_validate:
        from functools import cache

        from kasuhara_live.events import Level
        from kasuhara_live.judge.evaluate import Row
        from kasuhara_live.judge.rules import UtteranceJudge

        rules_alone = UtteranceJudge(detector.lexicon, detector.cfg.judge, analyzer)
        rules_say = cache(lambda readings: rules_alone.judge_readings(readings).level >= Level.WARNING)

        def score(model: Any, row: Row) -> tuple[bool, float]:
            readings = (row.text, *row.alternatives)
            return rules_say(readings), model.probability(analyzer.analyze(row.text))  # as the judge: best reading

        print("| held out | threshold | rules P / R / F1 | model P / R / F1 | rules or model P / R / F1 |")
        print("|---|---|---|---|---|")
        for kind, threshold, figures in cross_validate(rows_of, analyzer, score, args.thresholds, args.c,
                                                       args.min_df):
            cells = " | ".join("{:.3f} / {:.3f} / {:.3f}".format(*figures[k])
                               for k in ("rules", "model", "rules or model"))
            print(f"| {kind} | {threshold:g} | {cells} |", flush=True)
    trained = Trained([row for rows in rows_of.values() for row in rows], analyzer, args.c, args.min_df)
    data = trained.to_json({Path(name).name: len(rows) for name, rows in rows_of.items()})
    try:
        write_model(data, Path(args.out))
    except OSError as exc:
        raise KasuharaError(f"cannot write {args.out}: {exc.strerror}") from None
    kept = sum(len(b["weight"]) for b in data["blocks"].values())
    print(f"trained on {data['about']['rows']} utterances ({data['about']['harassment_rows']} harassment) from "
          f"{len(rows_of)} file(s); {kept} weighted features; wrote {args.out}")
    return 0


def cmd_check_config(args: argparse.Namespace) -> int:
    from kasuhara_live.judge.rule_examples import ExampleChecker

    cfg = _config(args)
    detector = _detector(cfg)
    for name in detector.loaded_files():
        print(f"loaded {name}")
    lexicon = detector.lexicon
    # every rule's own examples, run on the rules as this config has them (a site's change may break one)
    failures = ExampleChecker(lexicon, cfg.judge, detector.judge.analyzer).failures()
    for failure in failures:
        print(f"failed: {failure}")
    tested = lexicon.rule_examples
    examples, counterexamples = sum(len(r.examples) for r in tested), sum(len(r.counterexamples) for r in tested)
    print(f"examples: {examples} examples and {counterexamples} counterexamples of {len(tested)} rules run, "
          f"{len(failures)} failed")
    if failures:
        print(f"kasuhara-live: error: {len(failures)} rule example(s) failed (see the lines above)", file=sys.stderr)
        return 1
    print(f"ok: {len(lexicon.terms)} terms, {len(lexicon.constructions)} constructions, "
          f"{len(lexicon.exceptions)} exceptions, {sum(len(t.phrases) for t in lexicon.terms)} "
          f"phrases; scripts for {', '.join(sorted(detector.scripts.table))}; " + _model_line(detector))
    return 0


def _model_line(detector: Detector) -> str:
    model = detector.model
    if model is None:
        return "no model (rules alone)"
    about = model.about
    return (f"model {detector.cfg.judge.model_file} ({about.get('rows', '?')} utterances, trained "
            f"{about.get('trained', '?')}; threshold {detector.cfg.judge.model_threshold:g})")


def cmd_models(args: argparse.Namespace) -> int:
    from kasuhara_live.asr import model_store

    target = Path(args.dir) if args.dir else model_store.default_model_dir()
    if args.action == "install":
        path = model_store.install(target)
        model_store.verify(path)
        print(f"embedded Whisper base model installed and verified in {path}")
    else:
        model_store.verify(target)
        print(f"embedded Whisper base model in {target}: ok (sha256 {model_store.MODEL_BIN_SHA256[:16]}…)")
    return 0


def cmd_hub(args: argparse.Namespace) -> int:
    from kasuhara_live.hub import admin

    cfg = _config(args)
    if args.hub_command == "add-user":
        token_file = Path(args.out) if args.out else None
        path, token = admin.add_user_to_config(cfg, args.name, args.role, args.agent or "", args.users_file,
                                               args.team or "", token_file)
        if token_file is not None:
            print(f"added {args.role} {args.name!r} to {path}; their token is in {token_file} (readable by you "
                  "only): hand it over, then delete it", file=sys.stderr)
            return 0
        print(f"added {args.role} {args.name!r} to {path}; their token follows, shown only this once:", file=sys.stderr)
        print(token)
        return 0
    admin.serve(cfg, host=args.host, port=args.port, store_path=args.store)
    return 0


def _token(args: argparse.Namespace, role: str) -> str:
    """The hub token: --token-file, else $KASUHARA_TOKEN (never a command-line argument: ps would show it)."""
    if args.token_file:
        try:
            token = Path(args.token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise KasuharaError(f"cannot read token file {args.token_file}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise KasuharaError(f"token file {args.token_file} is not UTF-8 text") from None
    else:
        token = os.environ.get("KASUHARA_TOKEN", "").strip()
    if not token:
        raise KasuharaError(f"no hub token: set KASUHARA_TOKEN or give --token-file (an admin creates one with "
                            f"`kasuhara-live hub add-user NAME --role {role}`)")
    return token


def cmd_monitor(args: argparse.Namespace) -> int:
    from kasuhara_live.audio import live

    if args.list_devices:
        print(live.list_devices())
        return 0
    from kasuhara_live.asr.engine import load_engine
    from kasuhara_live.audio.sources import FileSource
    from kasuhara_live.monitor import run_monitor

    cfg = _config(args)
    token = _token(args, "monitor --agent AGENT")
    if args.file:
        source: AudioSource = FileSource(Path(args.file), cfg.audio.chunk_ms)
    else:
        source = live.open_capture(args.input_device if args.input_device is not None else cfg.monitor.input_device,
                                   args.caller_device if args.caller_device is not None else cfg.monitor.caller_device,
                                   2 if args.stereo else 1, cfg.audio.chunk_ms, cfg.audio.live_sample_rate)
    detector = _detector(cfg)
    engine = load_engine(cfg.asr)
    result = run_monitor(cfg, source, engine, detector, url=args.hub or cfg.monitor.hub_url, token=token,
                         seat=args.seat, live=not args.file, speed=args.speed, caller_id=args.caller_id or "")
    print(result.summary())
    if result.lost:
        raise KasuharaError(f"{result.lost}; the call was ended as device_lost")
    return 0 if result.delivered else 1


def cmd_ingest(args: argparse.Namespace) -> int:
    import logging

    from kasuhara_live.asr.engine import load_engine
    from kasuhara_live.asr.scheduler import BatchScheduler
    from kasuhara_live.ingest.server import run_ingest

    cfg = _config(args)
    token = _token(args, "ingest")
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    detector = _detector(cfg)
    # One recogniser for every call: their utterances are decoded together in shared batches.
    with BatchScheduler(load_engine(cfg.asr), cfg.asr) as transcriber:
        result = run_ingest(cfg, transcriber, lambda call_id: [detector.for_call(call_id)],
                            hub_url=args.hub or cfg.ingest.hub_url, token=token,
                            config_version=detector.config_version)
        stats = transcriber.stats()
    print(result.summary())
    print(f"asr: {stats.items} utterances in {stats.batches} batches (mean {stats.mean_batch:.1f}), "
          f"{stats.dropped_partials} partials dropped, queue wait p95 {stats.wait_p95_s:.2f} s "
          f"(finals {stats.final_wait_p95_s:.2f} s), engine busy {stats.busy_fraction:.0%}")
    return 0 if result.delivered else 1


def cmd_console(args: argparse.Namespace) -> int:
    from kasuhara_live.console.app import run_console
    from kasuhara_live.hub.client import ConsoleClient

    cfg = _config(args)
    token = _token(args, args.role or "agent")
    url = args.hub or cfg.console.hub_url
    return run_console(cfg, args.role, lambda: ConsoleClient(url, token))


def cmd_demo(args: argparse.Namespace) -> int:
    from kasuhara_live.asr.engine import load_engine
    from kasuhara_live.audio.sources import expand_audio_paths
    from kasuhara_live.demo import DEFAULT_SAMPLES, SAMPLES_DIR, run_demo

    cfg = _config(args)
    samples = expand_audio_paths(Path(p) for p in args.audio) if args.audio else \
        [SAMPLES_DIR / name for name in DEFAULT_SAMPLES]
    headless = args.headless or not sys.stdout.isatty()
    if headless and not args.headless:
        print("kasuhara-live demo: no terminal for the console; printing the supervisor's feed instead "
              "(--headless)", file=sys.stderr)
    detector = _detector(cfg)
    engine = load_engine(cfg.asr)
    return run_demo(cfg, samples, engine, detector, role="agent" if args.agent else "supervisor",
                    headless=headless, speed=args.speed, out=sys.stdout,
                    store_path=Path(args.store or cfg.store.path).expanduser() if args.store is not None else None)


def _positive(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0.1 <= number <= 20:
        raise argparse.ArgumentTypeError(f"{value} is out of range: expected 0.1 to 20")
    return number


def _port(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is out of range: expected 0 to 65535 (0 = any free port)")
    return number


def _at_least_one(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value} is out of range: expected 1 or more")
    return number


def build_parser(with_store_commands: bool = True) -> argparse.ArgumentParser:
    parser = _Parser(prog="kasuhara-live", description="Live protection for contact-centre agents against "
                     "customer harassment (カスハラ).")
    parser.add_argument("--version", action="version", version=f"kasuhara-live {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(sub_parser: argparse.ArgumentParser) -> None:
        sub_parser.add_argument("--config", metavar="PATH", help="site config layered over configs/default.toml")

    def command(name: str, func: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
        sub_parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text)
        common(sub_parser)
        sub_parser.set_defaults(func=func)
        return sub_parser

    replay = command("replay", cmd_replay, "run recorded calls through the full pipeline")
    replay.add_argument("audio", nargs="+", help="audio files (WAV, FLAC, MP3, OGG, M4A) or directories of them; "
                        "each call's id is its file name, with -2, -3… where that id is taken (in the store or "
                        "the batch); of several files, unreadable ones are skipped, listed at the end, and the "
                        "exit status is 1")
    replay.add_argument("--realtime", action="store_true", help="pace the audio in real time (adds `wall`)")
    replay.add_argument("--store", nargs="?", const="", metavar="PATH", help="also keep the calls in the call "
                        "store (default path: store.path)")
    replay.add_argument("--jsonl", metavar="PATH", help="write JSON lines to PATH ('-' for stdout) instead of a "
                        "readable transcript")
    scan = command("scan", cmd_scan, "judge text lines from stdin; one JSON object per line on stdout")
    scan.description = (f"Judge text lines from stdin; one JSON object per line on stdout. A line longer than "
                        f"{SCAN_MAX_CHARS:,} characters is judged in pieces of whole sentences (cut at "
                        f"{SCAN_MAX_CHARS:,} characters where a sentence is longer), so time stays linear in the "
                        "input; its one object is its most severe piece's, with the whole line as \"text\" and "
                        "\"pieces\": how many, and stderr says so.")
    scan.add_argument("--explain", action="store_true", help="also say why: every cue that counted (lexicon term, "
                      "construction, grammar rule or model, with its weight), every candidate a guard dismissed and "
                      "why, and the model's probability")
    evaluation = command("eval", cmd_eval, "precision/recall/F1 of the judge on labelled TSV files")
    evaluation.add_argument("data", nargs="+", help="TSV with columns level, category, text (id optional); the "
                            "sentences of a file in a blind* folder are not printed (a test set nobody tunes on)")
    evaluation.add_argument("--out", metavar="PATH", help="also write the Markdown report here")
    command("check-config", cmd_check_config, "validate the config, lexicon and scripts files")
    train = command("train-model", cmd_train_model, "train the judge's second-opinion model on labelled TSV files "
                    "(needs scikit-learn: pip install 'kasuhara-live[train]')")
    train.add_argument("data", nargs="+", help="TSV files as for eval (ASR copies may be added: *_asr*.tsv)")
    train.add_argument("--out", required=True, metavar="PATH", help="model file to write (.json or .json.gz); "
                       "point judge.model_file at it")
    train.add_argument("--c", type=float, default=4.0, help="inverse regularisation strength (default 4)")
    train.add_argument("--min-df", type=_at_least_one, default=2, help="keep features seen in at least this many "
                       "utterances (default 2)")
    train.add_argument("--cross-validate", action="store_true", help="first hold out each file (with its ASR "
                       "copies) in turn and print rules / model / both at --thresholds")
    train.add_argument("--thresholds", type=float, nargs="+", default=[0.6, 0.7, 0.8, 0.9], metavar="P",
                       help="thresholds for --cross-validate (default 0.6 0.7 0.8 0.9)")

    hub = command("hub", cmd_hub, "run the websocket hub (or `hub add-user` to create a user and token)")
    hub.add_argument("--host", help="listen address (default: hub.host)")
    hub.add_argument("--port", type=_port, help="listen port (default: hub.port; 0 = any free port)")
    hub.add_argument("--store", metavar="PATH", help="call store to write (default: store.path; '' = none)")
    hub_sub = hub.add_subparsers(dest="hub_command", parser_class=_Parser)
    add_user = hub_sub.add_parser("add-user", help="add a user to the users file and print their new token")
    add_user.add_argument("name", help="user name, e.g. sato or seat-12")
    add_user.add_argument("--role", required=True, choices=["monitor", "agent", "supervisor", "ingest"])
    add_user.add_argument("--agent", help="for a monitor: the agent user whose calls it publishes")
    add_user.add_argument("--team", help="for an agent: their team (trend reports group by it)")
    add_user.add_argument("--users-file", metavar="PATH", help="users file to add to (default: hub.users_file)")
    add_user.add_argument("--out", metavar="FILE", help="write the token to FILE, readable by you only (0600), "
                          "instead of printing it; FILE must not exist yet")
    add_user.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS,
                          help="site config layered over configs/default.toml")

    monitor = command("monitor", cmd_monitor, "capture a seat's headset (or a file in real time) and publish "
                      "its transcript and alerts to the hub")
    monitor.add_argument("--file", metavar="AUDIO", help="a recorded call, paced in real time, instead of a device")
    monitor.add_argument("--list-devices", action="store_true", help="list the input devices and exit")
    monitor.add_argument("--input-device", help="device name or index (default: monitor.input_device)")
    monitor.add_argument("--caller-device", help="second device with the caller's audio (default: "
                         "monitor.caller_device)")
    monitor.add_argument("--stereo", action="store_true", help="the input device is stereo: agent left, caller right")
    monitor.add_argument("--hub", metavar="URL", help="hub URL (default: monitor.hub_url)")
    monitor.add_argument("--token-file", metavar="PATH", help="file holding this seat's monitor token "
                         "(default: $KASUHARA_TOKEN)")
    monitor.add_argument("--seat", default=socket.gethostname().split(".")[0], help="seat name for call ids "
                         "(default: the host name)")
    monitor.add_argument("--speed", type=_positive, default=1.0, help="with --file: play it this many times faster")
    monitor.add_argument("--caller-id", help="the caller's number or customer id (stored only as a keyed hash, "
                         "to recognise repeat callers)")

    ingest = command("ingest", cmd_ingest, "the call server: every call of the centre from its phone system "
                     "(SIPREC from an SBC, Genesys AudioHook), one batched recogniser, events to the hub")
    ingest.add_argument("--hub", metavar="URL", help="hub URL (default: ingest.hub_url)")
    ingest.add_argument("--token-file", metavar="PATH", help="file holding the call server's token (role ingest; "
                        "default: $KASUHARA_TOKEN)")

    console = command("console", cmd_console, "the agent's or supervisor's live console (Textual)")
    console.add_argument("--role", choices=["agent", "supervisor"], help="which console (default: the role the hub "
                         "gives this user)")
    console.add_argument("--hub", metavar="URL", help="hub URL (default: console.hub_url)")
    console.add_argument("--token-file", metavar="PATH", help="file holding your token (default: $KASUHARA_TOKEN)")

    demo = command("demo", cmd_demo, "hub + monitors replaying the sample calls + the supervisor console, on "
                   "this machine")
    demo.add_argument("audio", nargs="*", help="calls to replay (default: the two sample calls)")
    demo.add_argument("--agent", action="store_true", help="open the agent's console instead of the supervisor's")
    demo.add_argument("--headless", action="store_true", help="no console: print the supervisor's feed")
    demo.add_argument("--speed", type=_positive, default=1.0, help="play the calls this many times faster")
    demo.add_argument("--store", nargs="?", const="", metavar="PATH", help="keep the calls in the call store "
                      "(default path: store.path), for `review`, `report` and `trends`")

    models = sub.add_parser("models", help="install or verify the embedded Whisper model")
    models.add_argument("action", choices=["install", "verify"])
    models.add_argument("--dir", help="model directory (default: models/whisper-base)")
    models.set_defaults(func=cmd_models)

    if with_store_commands:
        from kasuhara_live.reports.commands import add_commands as add_report_commands
        from kasuhara_live.review.commands import add_commands as add_review_commands

        add_review_commands(sub, common)
        add_report_commands(sub, common)
    return parser


# Commands defined above need none of the review and report modules: not importing those saves a tenth of a
# second of `scan`'s start-up (chat logs are often scanned in many small batches).
_OWN_COMMANDS = frozenset({"replay", "scan", "eval", "check-config", "train-model", "hub", "monitor", "console",
                           "demo", "models", "ingest"})


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kasuhara-live`` console script."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(with_store_commands=not argv or argv[0] not in _OWN_COMMANDS)
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except KasuharaError as exc:
        print(f"kasuhara-live: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("kasuhara-live: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `kasuhara-live replay ... | head`: the reader left; not an error worth a traceback.
        with contextlib.suppress(OSError):
            sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 - avoid a second error at exit
        return 0
