from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from kasuhara_live.audio.sources import FileSource, expand_audio_paths, paced
from kasuhara_live.errors import AudioError
from tests.conftest import quiet, tone, write_wav


def read_all(source: FileSource) -> np.ndarray:
    chunks = list(source.chunks())
    assert [c.start for c in chunks] == [sum(c.length for c in chunks[:i]) for i in range(len(chunks))]
    return np.concatenate([c.samples for c in chunks], axis=1)


def test_stereo_wav_keeps_channels_apart(tmp_path: Path) -> None:
    left, right = np.concatenate([tone(1.0), quiet(1.0)]), np.concatenate([quiet(1.0), tone(1.0)])
    source = FileSource(write_wav(tmp_path / "s.wav", [left, right]), chunk_ms=100)
    data = read_all(source)
    assert source.channels == 2 and data.shape == (2, 32000)
    assert np.abs(data[0, :16000]).max() > 5000 and np.abs(data[0, 16000:]).max() == 0
    assert np.abs(data[1, :16000]).max() == 0 and np.abs(data[1, 16000:]).max() > 5000


@pytest.mark.parametrize("rate", [8000, 44100, 48000])
def test_other_rates_are_resampled_to_16k(tmp_path: Path, rate: int) -> None:
    source = FileSource(write_wav(tmp_path / "m.wav", [tone(2.0, rate=rate)], rate=rate))
    data = read_all(source)
    assert source.channels == 1 and source.input_rate == rate
    assert abs(data.shape[1] - 32000) < 200


def test_flac_and_ogg_via_sox(tmp_path: Path) -> None:
    wav = write_wav(tmp_path / "m.wav", [tone(1.0)])
    for suffix in (".flac", ".ogg"):
        out = tmp_path / f"m{suffix}"
        subprocess.run(["sox", str(wav), str(out)], check=True)
        assert abs(read_all(FileSource(out)).shape[1] - 16000) < 1200


def test_bad_inputs_are_one_line_audio_errors(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.wav"
    garbage.write_bytes(b"this is not audio at all" * 10)
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    low = write_wav(tmp_path / "low.wav", [tone(1.0, rate=4000)], rate=4000)
    three = write_wav(tmp_path / "three.wav", [tone(0.5), tone(0.5), tone(0.5)])
    cases = {
        tmp_path / "missing.wav": "audio file not found",
        garbage: "cannot read audio",
        empty: "cannot read audio",
        low: "sample rate of 4000 Hz",
        three: "has 3 channels",
        tmp_path: "is a directory",
    }
    for path, expected in cases.items():
        with pytest.raises(AudioError) as info:
            list(FileSource(path).chunks())
        assert expected in str(info.value) and "\n" not in str(info.value)


def test_header_only_wav_has_no_samples(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "zero.wav", [np.zeros(0, dtype=np.int16)])
    with pytest.raises(AudioError, match="no audio"):
        list(FileSource(path).chunks())


def test_directory_expands_to_its_audio_files(tmp_path: Path) -> None:
    write_wav(tmp_path / "b.wav", [tone(0.1)])
    write_wav(tmp_path / "a.wav", [tone(0.1)])
    (tmp_path / "notes.txt").write_text("x")
    assert [p.name for p in expand_audio_paths([tmp_path])] == ["a.wav", "b.wav"]
    (tmp_path / "sub").mkdir()
    with pytest.raises(AudioError, match="no audio files"):
        expand_audio_paths([tmp_path / "a.wav", tmp_path / "sub"])


def test_paced_releases_chunks_at_their_audio_time(tmp_path: Path) -> None:
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(round(seconds, 3))
        now[0] += seconds

    source = FileSource(write_wav(tmp_path / "m.wav", [tone(0.5)]), chunk_ms=100)
    out = list(paced(source.chunks(), clock=lambda: now[0], sleep=sleep))
    assert len(out) == 5 and sleeps == [0.1] * 5
