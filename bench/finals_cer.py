"""Finals against whole-file transcription: character error rate per call and speaker channel.

For every call audio given (``samples/*.flac`` by default; a folder such as ``/work/realcalls/calls`` adds its
calls), each with a timing TSV beside it (``start end speaker text …``, as ``samples/*.tsv``), and for each
speaker channel (stereo: left = agent, right = customer; mono: one mixed channel, both speakers' lines):

* **whole file**: faster-whisper's ``WhisperModel.transcribe`` over that channel's whole audio, same model,
  ``language="ja"`` and otherwise its defaults (beam 5, temperature fallback, conditioning on previous text,
  30 s windows, its own VAD **off**); ``--baseline-vad`` turns its Silero VAD on instead. These results do
  not depend on the product's code, so they are cached (``--cache``) and computed once per file.
* **finals**: the product's :class:`CallPipeline` (configured VAD and ASR, ``configs/default.toml`` with
  ``--config`` and ``--set`` layered over it), replayed without real-time pacing; the finals of the channel,
  in order. Partials are switched off here: they never feed the finals, and they would only cost time.

Both are compared with the channel's reference lines at call level: texts concatenated, ``bare_text``
normalisation (NFKC, no spaces or punctuation), CER = edit distance / reference characters. The total sums
edits and reference characters over all channels. ``cost`` is the finals' decoding time per second of call
audio (all channels of a call together; a shared 2-core machine is noisy, so compare rows of one run).

Usage::

    .venv/bin/python bench/finals_cer.py                                  # the two samples
    .venv/bin/python bench/finals_cer.py samples /work/realcalls/calls     # and the ordinary calls
    .venv/bin/python bench/finals_cer.py --set vad.hangover_ms=450          # a candidate, alone
    .venv/bin/python bench/finals_cer.py --set vad.tail_ms=300 --set vad.pre_roll_ms=400
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz.distance import Levenshtein

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kasuhara_live.asr.engine import WhisperEngine  # noqa: E402
from kasuhara_live.asr.model_store import resolve_model  # noqa: E402
from kasuhara_live.asr.transcriber import Transcript, as_float  # noqa: E402
from kasuhara_live.audio.frames import SAMPLE_RATE  # noqa: E402
from kasuhara_live.audio.sources import FileSource  # noqa: E402
from kasuhara_live.audio.vad import WebRtcDetector  # noqa: E402
from kasuhara_live.config import Config, load_config  # noqa: E402
from kasuhara_live.events import UtteranceFinal  # noqa: E402
from kasuhara_live.metrics import bare_text  # noqa: E402
from kasuhara_live.pipeline import CallPipeline, speakers_for  # noqa: E402

DEFAULT_CACHE = Path(tempfile.gettempdir()) / "kasuhara-finals-cer-baseline.json"


@dataclass
class Row:
    """One channel of one call: reference characters and the edits of each transcript."""

    call: str
    speaker: str
    ref_chars: int
    whole_edits: int
    finals_edits: int


class TimedTranscriber:
    """Wraps the engine to count the seconds spent decoding."""

    def __init__(self, engine: WhisperEngine) -> None:
        self.engine = engine
        self.busy = 0.0

    def transcribe(self, audios: Sequence[np.ndarray], final: bool = False, **kwargs: Any) -> list[Transcript]:
        started = time.perf_counter()
        out = self.engine.transcribe(audios, final, **kwargs)
        self.busy += time.perf_counter() - started
        return out


def load_cfg(site: Path | None, sets: Sequence[str]) -> Config:
    """The configuration with ``--config`` and then ``--set section.key=TOML`` overrides layered on it."""
    lines: dict[str, list[str]] = {}
    for item in sets:
        key, _, value = item.partition("=")
        section, _, name = key.strip().partition(".")
        lines.setdefault(section, []).append(f"{name} = {value.strip()}")
    if site is not None and lines:
        raise SystemExit("give --config or --set, not both")
    overlay = "".join(f"[{s}]\n" + "\n".join(v) + "\n" for s, v in lines.items())
    if site is not None:
        overlay = site.read_text(encoding="utf-8")
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False, encoding="utf-8") as fh:
        fh.write(overlay)
    try:
        return load_config(Path(fh.name))
    finally:
        Path(fh.name).unlink()


def references(flac: Path, speakers: tuple[str, ...]) -> list[str]:
    """Each channel's reference text: its speaker's lines in order (all lines for a mono mix)."""
    with flac.with_suffix(".tsv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    if len(speakers) == 1:
        return ["".join(r["text"] for r in rows)]
    return ["".join(r["text"] for r in rows if r["speaker"] == s) for s in speakers]


def channel_audio(flac: Path, chunk_ms: int) -> tuple[int, list[np.ndarray]]:
    source = FileSource(flac, chunk_ms)
    audio = np.concatenate([c.samples for c in source.chunks()], axis=1)
    return source.channels, [audio[ch] for ch in range(audio.shape[0])]


def whole_file(model: Any, flac: Path, channels: list[np.ndarray], vad: bool, cache: dict[str, str]) -> list[str]:
    """``WhisperModel.transcribe`` over each channel, cached by file, size, mtime and the VAD switch."""
    stat = flac.stat()
    out = []
    for ch, audio in enumerate(channels):
        key = f"{flac.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{ch}|vad={vad}"
        if key not in cache:
            segments, _ = model().transcribe(as_float(audio), language="ja", vad_filter=vad)
            cache[key] = "".join(s.text for s in segments)
        out.append(cache[key])
    return out


def save_cache(path: Path, cache: dict[str, str]) -> None:
    # Merged with what is on disk: runs side by side must not drop each other's results. Whole-file results
    # are kept once computed, because transcribe's temperature fallback samples and may differ run to run.
    on_disk: dict[str, str] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    cache.update({k: v for k, v in on_disk.items() if k not in cache})
    path.write_text(json.dumps(cache, ensure_ascii=False, indent=0), encoding="utf-8")


def pipeline_finals(cfg: Config, transcriber: TimedTranscriber, flac: Path, channels: int) -> list[list[str]]:
    """The finals of each channel, in order, replayed as fast as the machine goes, partials off."""
    source = FileSource(flac, cfg.audio.chunk_ms)
    speakers = speakers_for(channels, cfg)
    pipe = CallPipeline(flac.stem, cfg, speakers, transcriber, lambda: WebRtcDetector(cfg.vad.aggressiveness))
    events = pipe.start()
    for chunk in source.chunks():
        events += pipe.feed(chunk)
    events += pipe.finish()
    finals = sorted((e for e in events if isinstance(e, UtteranceFinal)), key=lambda e: e.start)
    return [[e.text for e in finals if e.speaker == s] for s in speakers]


def calls_in(paths: Sequence[str], limit: int | None) -> list[Path]:
    out: list[Path] = []
    for given in paths:
        path = Path(given)
        found = sorted(path.glob("*.flac")) if path.is_dir() else [path]
        out += [f for f in found if f.with_suffix(".tsv").exists()][:limit]
    return out


def edits(reference: str, hypothesis: str) -> int:
    return int(Levenshtein.distance(bare_text(reference), bare_text(hypothesis)))


def table(rows: list[Row], cost: float, audio_s: float) -> str:
    lines = ["| call | channel | ref chars | whole-file CER | finals CER | finals − whole |",
             "|---|---|--:|--:|--:|--:|"]
    for r in rows:
        w, f = r.whole_edits / r.ref_chars, r.finals_edits / r.ref_chars
        lines.append(f"| {r.call} | {r.speaker} | {r.ref_chars} | {w:.3f} | {f:.3f} | {f - w:+.3f} |")
    ref = sum(r.ref_chars for r in rows)
    w, f = sum(r.whole_edits for r in rows) / ref, sum(r.finals_edits for r in rows) / ref
    lines.append(f"| **all** | {len(rows)} channels | {ref} | **{w:.3f}** | **{f:.3f}** | {f - w:+.3f} |")
    lines.append("")
    lines.append(f"finals decoding: {cost:.1f} s for {audio_s:.0f} s of call audio = {cost / audio_s:.3f} s per "
                 "audio second")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=[str(REPO / "samples")], help="FLAC files or folders")
    parser.add_argument("--limit", type=int, help="at most this many calls per folder (sorted by name)")
    parser.add_argument("--config", type=Path, help="a site TOML layered over configs/default.toml")
    parser.add_argument("--set", dest="sets", action="append", default=[], help="section.key=TOML value")
    parser.add_argument("--baseline-vad", action="store_true", help="whole-file transcribe with vad_filter=True")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="whole-file results (JSON)")
    parser.add_argument("--verbose", action="store_true", help="print reference, whole-file and finals texts")
    args = parser.parse_args(argv)

    cfg = load_cfg(args.config, args.sets)
    # Partials never feed finals: switch them off so the run costs only what is measured.
    cfg = _no_partials(cfg)
    model_dir = resolve_model(cfg.asr.model)
    transcriber = TimedTranscriber(WhisperEngine(cfg.asr, model_dir))
    cache: dict[str, str] = json.loads(args.cache.read_text(encoding="utf-8")) if args.cache.exists() else {}
    whisper: list[Any] = []

    def model() -> Any:  # loaded only when a whole-file result is not cached
        if not whisper:
            from faster_whisper import WhisperModel

            whisper.append(WhisperModel(model_dir, device="cpu", compute_type=cfg.asr.compute_type,
                                        cpu_threads=cfg.asr.cpu_threads))
        return whisper[0]

    rows: list[Row] = []
    audio_s = 0.0
    for flac in calls_in(args.paths, args.limit):
        count, channels = channel_audio(flac, cfg.audio.chunk_ms)
        audio_s += len(channels[0]) / SAMPLE_RATE
        speakers = speakers_for(count, cfg)
        refs = references(flac, speakers)
        whole = whole_file(model, flac, channels, args.baseline_vad, cache)
        save_cache(args.cache, cache)
        finals = pipeline_finals(cfg, transcriber, flac, count)
        for speaker, ref, w, texts in zip(speakers, refs, whole, finals, strict=True):
            f = "".join(texts)
            rows.append(Row(flac.stem, speaker, len(bare_text(ref)), edits(ref, w), edits(ref, f)))
            if args.verbose:
                print(f"## {flac.stem} {speaker}\nREF   {bare_text(ref)}\nWHOLE {bare_text(w)}\nFINAL {bare_text(f)}\n"
                      f"CUTS  {' | '.join(bare_text(t) for t in texts)}\n")
        print(f"{flac.stem}: done", file=sys.stderr)
    print(table(rows, transcriber.busy, audio_s))
    return 0


def _no_partials(cfg: Config) -> Config:
    import dataclasses

    asr = dataclasses.replace(cfg.asr, partial_interval_s=30.0, min_partial_s=30.0)
    return dataclasses.replace(cfg, asr=asr)


if __name__ == "__main__":
    raise SystemExit(main())
