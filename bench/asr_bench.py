"""ASR benchmark: speed, final-text latency and accuracy of the streaming pipeline against a plain baseline.

Runs on the sample calls in samples/ with the embedded model and prints a Markdown table:

* **RTF**: processing seconds per second of audio (lower is better; < 1 keeps up with a live call).
* **final latency p50/p95**: seconds from the end of an utterance's speech to its ``utterance.final``
  event, as it would be in ``--realtime`` mode.  Measured with a *simulated* real-time clock: audio chunk n
  "arrives" at its audio time, processing costs its real measured time, and a backlog delays later chunks
  exactly as pacing would — so it gives the live figure without waiting minutes per run.
  ``--true-realtime`` replays the first sample truly paced to cross-check.
* **CER**: character error rate of the finals against the sample scripts (punctuation ignored).
* **baseline**: ``WhisperModel.transcribe`` over the whole file (30 s windows, VAD off), the way a
  batch job would do it; it has no live latency.

Usage: ``.venv/bin/python bench/asr_bench.py [--skip-baseline] [--out FILE]`` (default bench/asr_results.md).
The machine is shared and noisy: compare rows of the same run, not figures across runs.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kasuhara_live.asr.engine import WhisperEngine  # noqa: E402
from kasuhara_live.asr.model_store import ensure_embedded  # noqa: E402
from kasuhara_live.audio.frames import SAMPLE_RATE  # noqa: E402
from kasuhara_live.audio.sources import FileSource  # noqa: E402
from kasuhara_live.audio.vad import WebRtcDetector  # noqa: E402
from kasuhara_live.config import Config, load_config  # noqa: E402
from kasuhara_live.events import UtteranceFinal  # noqa: E402
from kasuhara_live.metrics import cer  # noqa: E402
from kasuhara_live.pipeline import CallPipeline, speakers_for  # noqa: E402

SAMPLES = ("harassment_call", "complaint_call")


class SimulatedRealtime:
    """A clock for a pipeline fed as if paced: virtual time = max(arrival, backlog) + real processing time."""

    def __init__(self) -> None:
        self.virtual = 0.0
        self._real_mark = time.perf_counter()

    def arrive(self, audio_time: float) -> None:
        self.virtual = max(self.virtual, audio_time)
        self._real_mark = time.perf_counter()

    def __call__(self) -> float:
        return self.virtual + (time.perf_counter() - self._real_mark)

    def settle(self) -> None:
        self.virtual = self()
        self._real_mark = time.perf_counter()


def script_text(stem: str) -> str:
    with (REPO / "samples" / f"{stem}.tsv").open(encoding="utf-8") as fh:
        return "".join(row["text"] for row in csv.DictReader(fh, delimiter="\t"))


def run_pipeline(cfg: Config, engine: WhisperEngine, stem: str) -> tuple[float, float, list[float], str]:
    """Returns (processing seconds, audio seconds, final latencies, hypothesis text)."""
    source = FileSource(REPO / "samples" / f"{stem}.flac", cfg.audio.chunk_ms)
    chunks = list(source.chunks())  # decode first: file reading is not what we measure
    clock = SimulatedRealtime()
    pipe = CallPipeline(stem, cfg, speakers_for(source.channels, cfg), engine,
                        lambda: WebRtcDetector(cfg.vad.aggressiveness), clock=clock)
    events = pipe.start()
    busy = 0.0
    for chunk in chunks:
        clock.arrive(chunk.end / SAMPLE_RATE)
        started = time.perf_counter()
        events += pipe.feed(chunk)
        busy += time.perf_counter() - started
        clock.settle()
    started = time.perf_counter()
    events += pipe.finish()
    busy += time.perf_counter() - started
    finals = [e for e in events if isinstance(e, UtteranceFinal)]
    latencies = [e.wall - e.end for e in finals if e.wall is not None]
    text = "".join(e.text for e in sorted(finals, key=lambda e: e.start))
    return busy, chunks[-1].end / SAMPLE_RATE, latencies, text


def run_baseline(model_dir: str, cfg: Config, stem: str, beam: int) -> tuple[float, float, str]:
    from faster_whisper import WhisperModel, decode_audio

    model = WhisperModel(model_dir, device="cpu", compute_type=cfg.asr.compute_type, cpu_threads=cfg.asr.cpu_threads)
    audio = decode_audio(str(REPO / "samples" / f"{stem}.flac"), sampling_rate=SAMPLE_RATE)
    started = time.perf_counter()
    segments, _ = model.transcribe(audio, language="ja", beam_size=beam, vad_filter=False,
                                   condition_on_previous_text=False)
    text = "".join(s.text for s in segments)
    return time.perf_counter() - started, len(audio) / SAMPLE_RATE, text


def batch_cost(engine: WhisperEngine, stem: str, cfg: Config, size: int) -> float:
    """Seconds of compute per second of audio when decoding ``size`` utterances per generate call."""
    source = FileSource(REPO / "samples" / f"{stem}.flac", cfg.audio.chunk_ms)
    audio = np.concatenate([c.samples for c in source.chunks()], axis=1)[-1]
    cuts = [audio[i * 4 * SAMPLE_RATE : (i * 4 + 3) * SAMPLE_RATE] for i in range(16)]
    started = time.perf_counter()
    for i in range(0, len(cuts), size):
        engine.transcribe(cuts[i : i + size])
    return (time.perf_counter() - started) / (3.0 * len(cuts))


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return float(np.percentile(np.array(values), q))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "bench" / "asr_results.md"),
                        help="Markdown file to (over)write; bench/RESULTS.md is the curated record")
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()

    base = load_config()
    model_dir = str(ensure_embedded())
    asr = base.asr
    variants = {
        f"pipeline, 10 s window (default: partials greedy, finals beam {asr.final_beam_size} with "
        f"{asr.final_hypotheses} readings)": base,
        "pipeline, 10 s window, finals greedy, one reading": dataclasses.replace(
            base, asr=dataclasses.replace(asr, final_beam_size=1, final_hypotheses=1)),
        "pipeline, 30 s window": dataclasses.replace(base, asr=dataclasses.replace(asr, window_s=30.0)),
    }
    rows = []
    for name, cfg in variants.items():
        engine = WhisperEngine(cfg.asr, model_dir)
        busy = audio = 0.0
        latencies: list[float] = []
        errors = []
        for stem in SAMPLES:
            b, a, lat, text = run_pipeline(cfg, engine, stem)
            busy, audio = busy + b, audio + a
            latencies += lat
            errors.append(cer(script_text(stem), text))
        rows.append((name, busy / audio, pct(latencies, 50), pct(latencies, 95), *errors))
        print(f"{name}: done", file=sys.stderr)
    if not args.skip_baseline:
        for beam in (1, 5):
            busy = audio = 0.0
            errors = []
            for stem in SAMPLES:
                b, a, text = run_baseline(model_dir, base, stem, beam)
                busy, audio = busy + b, audio + a
                errors.append(cer(script_text(stem), text))
            rows.append((f"baseline: WhisperModel.transcribe, whole file, beam {beam}", busy / audio,
                         float("nan"), float("nan"), *errors))
            print(f"baseline beam {beam}: done", file=sys.stderr)

    engine = WhisperEngine(base.asr, model_dir)
    batches = [(size, batch_cost(engine, SAMPLES[0], base, size)) for size in (1, 4, 8)]

    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.python_version()}; embedded Whisper base int8, {base.asr.cpu_threads} threads; "
        f"samples: {', '.join(SAMPLES)} ({'stereo, mono'}).",
        "",
        "| configuration | RTF | final latency p50 (s) | p95 (s) | CER harassment (stereo) | CER complaint (mono) |",
        "|---|---|---|---|---|---|",
    ]
    for name, rtf, p50, p95, c1, c2 in rows:
        lat = (f"{p50:.2f} | {p95:.2f}") if not np.isnan(p50) else "– | –"
        lines.append(f"| {name} | {rtf:.3f} | {lat} | {c1:.3f} | {c2:.3f} |")
    lines += ["", "| utterances per generate call (3 s each) | compute s per audio s |", "|---|---|"]
    lines += [f"| {size} | {cost:.3f} |" for size, cost in batches]
    table = "\n".join(lines)
    print(table)
    Path(args.out).write_text(f"# ASR benchmark results\n\nCommand: `.venv/bin/python bench/asr_bench.py`\n\n"
                              f"{table}\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
