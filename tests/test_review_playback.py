"""Playing a stretch of a call: the players a machine may have, stood in for by scripts that record their calls."""

from __future__ import annotations

import shutil
import stat
import tempfile
import wave
from pathlib import Path

import pytest

from kasuhara_live.errors import KasuharaError
from kasuhara_live.review.playback import Which, find_player, play_segment, prepare
from kasuhara_live.review.testing import fill_store
from kasuhara_live.store.store import CallStore, CallSummary
from tests.conftest import tone, write_wav


def fake_player(bin_dir: Path, name: str, body: str) -> Path:
    """An executable ``name`` in ``bin_dir`` that runs ``body`` (``$@``: the arguments it was given)."""
    bin_dir.mkdir(exist_ok=True)
    path = bin_dir / name
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def only(bin_dir: Path) -> Which:
    """A ``which`` that looks in ``bin_dir`` alone, whatever this machine has installed."""
    return lambda name: shutil.which(name, path=str(bin_dir))


@pytest.fixture()
def calls(tmp_path: Path) -> dict[str, CallSummary]:
    with CallStore(tmp_path / "calls.sqlite") as store:
        fill_store(store, write_wav(tmp_path / "call.wav", [tone(21.0), tone(21.0, freq=220.0)]))
        return {c.call_id: c for c in store.calls()}


def test_sox_play_trims_the_segment_itself(tmp_path: Path, calls: dict[str, CallSummary]) -> None:
    bin_dir = tmp_path / "bin"
    fake_player(bin_dir, "play", f'echo "$@" > {tmp_path}/args')
    fake_player(bin_dir, "ffplay", "exit 1")  # not reached: play comes first
    assert play_segment(calls["c-sato"], 13.0, 16.0, only(bin_dir)) == "play"
    assert (tmp_path / "args").read_text().split() == ["-q", str(tmp_path / "call.wav"), "trim", "13.000", "3.000"]


def test_ffplay_seeks(tmp_path: Path, calls: dict[str, CallSummary]) -> None:
    bin_dir = tmp_path / "bin"
    fake_player(bin_dir, "ffplay", f'echo "$@" > {tmp_path}/args')
    assert play_segment(calls["c-sato"], 4.0, 8.0, only(bin_dir)) == "ffplay"
    args = (tmp_path / "args").read_text().split()
    assert args[args.index("-ss") + 1] == "4.000" and args[args.index("-t") + 1] == "4.000"


def test_aplay_gets_a_wav_cut_by_sox(tmp_path: Path, calls: dict[str, CallSummary]) -> None:
    real_sox = shutil.which("sox")
    if real_sox is None:
        pytest.skip("sox is not installed")
    bin_dir = tmp_path / "bin"
    fake_player(bin_dir, "aplay", f'/bin/cp "$2" {tmp_path}/played.wav')
    (bin_dir / "sox").symlink_to(real_sox)
    assert play_segment(calls["c-sato"], 2.5, 4.0, only(bin_dir)) == "aplay"
    with wave.open(str(tmp_path / "played.wav")) as played:
        assert played.getnchannels() == 2
        assert played.getnframes() / played.getframerate() == pytest.approx(1.5, abs=0.01)
    assert not list(Path(tempfile.gettempdir()).glob("kasuhara-review-*/segment.wav"))  # removed once played


def test_the_end_is_clipped_to_the_call(tmp_path: Path, calls: dict[str, CallSummary]) -> None:
    bin_dir = tmp_path / "bin"
    fake_player(bin_dir, "play", "exit 0")
    playback = prepare(calls["c-suzuki"], 10.0, 30.0, only(bin_dir))
    assert (playback.start, playback.end) == (10.0, 12.0)


def test_a_failing_player_is_reported(tmp_path: Path, calls: dict[str, CallSummary]) -> None:
    bin_dir = tmp_path / "bin"
    fake_player(bin_dir, "play", "echo 'play FAIL formats: no handler' >&2; exit 2")
    with pytest.raises(KasuharaError, match=r"play failed on .*: play FAIL formats: no handler"):
        play_segment(calls["c-sato"], 1.0, 2.0, only(bin_dir))


def test_no_player_is_a_clear_error(tmp_path: Path, calls: dict[str, CallSummary]) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(KasuharaError, match=r"no audio player found: install sox \(play\)"):
        find_player(only(tmp_path / "empty"))
    fake_player(tmp_path / "aplay-only", "aplay", "exit 0")
    with pytest.raises(KasuharaError, match="no audio player found"):  # aplay cannot cut a segment without sox
        find_player(only(tmp_path / "aplay-only"))


def test_purged_or_missing_audio_is_refused(tmp_path: Path, calls: dict[str, CallSummary]) -> None:
    bin_dir = tmp_path / "bin"
    fake_player(bin_dir, "play", f"touch {tmp_path}/played")
    with CallStore(tmp_path / "calls.sqlite") as store:
        store.purge(older_than_days=1)
        purged = store.call("c-sato").summary
    with pytest.raises(KasuharaError, match="past retention: its audio reference was removed"):
        play_segment(purged, 1.0, 2.0, only(bin_dir))
    (tmp_path / "call.wav").unlink()
    with pytest.raises(KasuharaError, match=f"the audio file of call 'c-sato' is missing: {tmp_path}/call.wav"):
        play_segment(calls["c-sato"], 1.0, 2.0, only(bin_dir))
    assert not (tmp_path / "played").exists()
