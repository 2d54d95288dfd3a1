"""Batch microbenchmark: what one ``generate`` call costs per second of audio, by batch size and window.

Real utterances are cut from the sample calls along their scripts (samples/*.tsv, the speaker's own channel
of the stereo call, the mixed channel of the mono one), so the lengths are those a live call produces.

* **batch table**: compute seconds per audio second for 1, 2, 4 and 8 utterances per call, finals (the
  configured beams and readings, ``asr.window_s``) and partials (greedy, ``asr.window_s`` and bucketed).
* **partial table**: the partials a live call asks for (each utterance's prefixes every
  ``asr.partial_interval_s``), decoded greedily in batches of ``asr.max_batch`` with each window scheme (a
  partial takes the smallest bucket with a second of padding, else ``asr.window_s``): cost per audio second;
  character error rate of each partial against the final of its utterance cut to the partial's length (what
  the partial should have said so far), against the 10 s-window partial of the same prefix (what the scheme
  changes), and of the whole utterance decoded the same way against the script.

Usage: ``.venv/bin/python bench/batch_bench.py [--limit N] [--schemes 10 5 6 5,7]``.
The machine is shared and noisy: compare rows of one run, not figures across runs.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kasuhara_live.asr.engine import WhisperEngine  # noqa: E402
from kasuhara_live.asr.model_store import ensure_embedded  # noqa: E402
from kasuhara_live.asr.scheduler import window_for  # noqa: E402
from kasuhara_live.audio.frames import SAMPLE_RATE  # noqa: E402
from kasuhara_live.audio.sources import FileSource  # noqa: E402
from kasuhara_live.config import Config, load_config  # noqa: E402
from kasuhara_live.metrics import cer  # noqa: E402

SAMPLES = ("harassment_call", "complaint_call")


@dataclass(frozen=True)
class Utterance:
    """One scripted line's audio (with 0.2 s of margin) and what was said."""

    audio: np.ndarray
    text: str


def load_utterances(cfg: Config, stems: Sequence[str] = SAMPLES) -> list[Utterance]:
    """Every scripted line of the sample calls, cut from its speaker's channel."""
    out: list[Utterance] = []
    for stem in stems:
        source = FileSource(REPO / "samples" / f"{stem}.flac", cfg.audio.chunk_ms)
        audio = np.concatenate([c.samples for c in source.chunks()], axis=1)
        speakers = list(cfg.audio.stereo_speakers)
        with (REPO / "samples" / f"{stem}.tsv").open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                channel = speakers.index(row["speaker"]) if source.channels == 2 else 0
                start = max(0, int((float(row["start"]) - 0.2) * SAMPLE_RATE))
                end = int((float(row["end"]) + 0.2) * SAMPLE_RATE)
                out.append(Utterance(audio[channel, start:end].copy(), row["text"]))
    return out


def prefixes(utterances: Sequence[Utterance], cfg: Config) -> tuple[list[np.ndarray], list[int]]:
    """The partials a live call decodes (each utterance so far, every ``partial_interval_s`` of speech) and
    the index of the utterance each belongs to."""
    step = int(cfg.asr.partial_interval_s * SAMPLE_RATE)
    first = max(step, int(cfg.asr.min_partial_s * SAMPLE_RATE))
    cuts = [(k, end) for k, u in enumerate(utterances) for end in range(first, len(u.audio), step)]
    return [utterances[k].audio[:end] for k, end in cuts], [k for k, _ in cuts]


@dataclass(frozen=True)
class Cost:
    """Wall seconds and CPU seconds (all threads of this process: steadier than wall time on a shared machine)."""

    wall: float
    cpu: float

    def per(self, audio_seconds: float) -> str:
        return f"{self.wall / audio_seconds:.3f} / {self.cpu / audio_seconds:.3f}"


def decode(engine: WhisperEngine, audios: Sequence[np.ndarray], size: int, final: bool,
           scheme: Sequence[float] = ()) -> tuple[list[str], Cost]:
    """Texts in input order and what they cost, decoding ``size`` per call grouped by window bucket."""
    buckets: dict[float, list[int]] = {}
    for i, audio in enumerate(audios):
        buckets.setdefault(window_for(len(audio) / SAMPLE_RATE, scheme, engine.cfg.window_s), []).append(i)
    texts = [""] * len(audios)
    started, cpu = time.perf_counter(), time.process_time()
    for window, members in buckets.items():
        for i in range(0, len(members), size):
            group = members[i : i + size]
            results = engine.transcribe([audios[j] for j in group], final, window_s=window)
            for j, result in zip(group, results, strict=True):
                texts[j] = result.text
    return texts, Cost(time.perf_counter() - started, time.process_time() - cpu)


def seconds(audios: Sequence[np.ndarray]) -> float:
    return sum(len(a) for a in audios) / SAMPLE_RATE


def batch_table(engine: WhisperEngine, utterances: Sequence[Utterance], sizes: Sequence[int],
                bucketed: Sequence[float]) -> list[str]:
    audios = [u.audio for u in utterances]
    cfg = engine.cfg
    lines = [f"{len(audios)} utterances, {seconds(audios):.0f} s of audio; wall / CPU seconds per audio second.", "",
             f"| utterances per generate call | finals (beam {cfg.final_beam_size}, {cfg.window_s:g} s) "
             f"| partials (greedy, {cfg.window_s:g} s) | partials (greedy, buckets {fmt(bucketed)}) |",
             "|---|---|---|---|"]
    for size in sizes:
        costs = [decode(engine, audios, size, True)[1], decode(engine, audios, size, False)[1],
                 decode(engine, audios, size, False, bucketed)[1]]
        lines.append(f"| {size} | " + " | ".join(c.per(seconds(audios)) for c in costs) + " |")
        print(f"batch {size}: done", file=sys.stderr)
    return lines


def partial_table(engine: WhisperEngine, utterances: Sequence[Utterance], schemes: Sequence[Sequence[float]],
                  cfg: Config, repeat: int) -> list[str]:
    parts, owners = prefixes(utterances, cfg)
    whole = [u.audio for u in utterances]
    finals, _ = decode(engine, whole, cfg.asr.max_batch, True)
    reference, _ = decode(engine, parts, cfg.asr.max_batch, False)
    lines = [f"{len(parts)} partials ({seconds(parts):.0f} s of audio) from {len(utterances)} utterances "
             f"(mean {seconds(whole) / len(whole):.1f} s), greedy, {cfg.asr.max_batch} per call; cost: best of "
             f"{repeat}.", "",
             "| partial windows (s) | wall / CPU s per audio s | CER partial vs final | CER vs 10 s-window partial "
             "| CER whole utterance vs script |", "|---|---|---|---|---|"]
    for scheme in schemes:
        runs = [decode(engine, parts, cfg.asr.max_batch, False, scheme) for _ in range(repeat)]
        texts = runs[0][0]
        spent = Cost(min(r[1].wall for r in runs), min(r[1].cpu for r in runs))
        # The final of the same utterance cut to the partial's length: what the partial should have said so far.
        versus_final = mean([cer(finals[o][: len(t)] or " ", t) for o, t in zip(owners, texts, strict=True)])
        drift = mean([cer(r, t) for r, t in zip(reference, texts, strict=True) if r])
        greedy, _ = decode(engine, whole, cfg.asr.max_batch, False, scheme)
        truth = mean([cer(u.text, t) for u, t in zip(utterances, greedy, strict=True)])
        lines.append(f"| {fmt(scheme)} | {spent.per(seconds(parts))} | {versus_final:.3f} | {drift:.3f} "
                     f"| {truth:.3f} |")
        print(f"scheme {fmt(scheme)}: done", file=sys.stderr)
    return lines


def mean(values: Sequence[float]) -> float:
    return float(np.mean(values)) if values else float("nan")


def fmt(scheme: Sequence[float]) -> str:
    return "+".join(f"{w:g}" for w in scheme) or "window_s"


def parse_scheme(text: str) -> tuple[float, ...]:
    return tuple(sorted(float(w) for w in text.split(",") if w))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=16, help="utterances for the batch table (default 16)")
    parser.add_argument("--partial-limit", type=int, default=24, help="utterances for the partial table")
    parser.add_argument("--sizes", default="1,2,4,8")
    parser.add_argument("--repeat", type=int, default=2, help="timed runs per partial scheme (best counts)")
    parser.add_argument("--schemes", nargs="*", default=["10", "5", "6", "5,7"],
                        help="partial window schemes, each a comma list of bucket lengths in seconds")
    parser.add_argument("--skip-batch", action="store_true")
    args = parser.parse_args()

    cfg = load_config()
    engine = WhisperEngine(cfg.asr, str(ensure_embedded()))
    utterances = load_utterances(cfg)
    engine.transcribe([utterances[0].audio])  # warm-up: first call allocates
    print(f"Measured {time.strftime('%Y-%m-%d %H:%M')} on {platform.machine()}, {os.cpu_count()} cores, load "
          f"{os.getloadavg()[0]:.1f}; embedded Whisper base {cfg.asr.compute_type}, {cfg.asr.cpu_threads} threads.\n")
    if not args.skip_batch:
        sizes = [int(s) for s in args.sizes.split(",")]
        print("\n".join(batch_table(engine, utterances[: args.limit], sizes, cfg.asr.partial_windows_s)) + "\n")
    # Every other line, so both samples and both speakers are in the partial set.
    chosen = utterances[:: max(1, len(utterances) // args.partial_limit)][: args.partial_limit]
    print("\n".join(partial_table(engine, chosen, [parse_scheme(s) for s in args.schemes], cfg,
                                   args.repeat)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
