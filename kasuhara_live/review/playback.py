"""Playing a stretch of a call's audio to a reviewer, with whatever player the machine has.

``play`` (sox) and ``ffplay`` seek in the file themselves; ``aplay`` plays WAV only, so the segment is first cut
into a private temporary WAV with ``sox … trim``. Everything that can go wrong before a sound is made (a purged
call, a missing file, no player) is found by :func:`prepare` and said in one :class:`KasuharaError` line.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from kasuhara_live.errors import KasuharaError
from kasuhara_live.store.store import CallSummary

PLAYERS = ("play", "ffplay", "aplay")
Which = Callable[[str], str | None]


def audio_path(summary: CallSummary) -> Path:
    """The call's audio file, refused cleanly when retention removed it or the file is gone."""
    if summary.purged:
        raise KasuharaError(f"call {summary.call_id!r} is past retention: its audio reference was removed")
    if not summary.source:
        raise KasuharaError(f"call {summary.call_id!r} has no recorded audio file (a live call keeps none)")
    path = Path(summary.source).expanduser()
    if not path.is_file():
        raise KasuharaError(f"the audio file of call {summary.call_id!r} is missing: {path}")
    return path


def find_player(which: Which = shutil.which) -> tuple[str, str]:
    """(name, path) of the first player on PATH; a KasuharaError naming the ones looked for when there is none."""
    for name in PLAYERS:
        found = which(name)
        if found is not None and (name != "aplay" or which("sox") is not None):
            return name, found
    raise KasuharaError(f"no audio player found: install sox (play), ffmpeg (ffplay) or alsa-utils with sox "
                        f"(aplay); looked for {', '.join(PLAYERS)} on PATH")


class Playback:
    """One segment of one file, played by one external player; :meth:`stop` ends it early."""

    def __init__(self, path: Path, start: float, end: float, player: str, player_path: str,
                 sox_path: str | None) -> None:
        self.path = path
        self.start = start
        self.end = end
        self.player = player
        self._player_path = player_path
        self._sox_path = sox_path
        self._process: subprocess.Popen[bytes] | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    def _command(self) -> list[str]:
        length = f"{self.end - self.start:.3f}"
        if self.player == "play":
            return [self._player_path, "-q", str(self.path), "trim", f"{self.start:.3f}", length]
        if self.player == "ffplay":
            return [self._player_path, "-nodisp", "-autoexit", "-loglevel", "error", "-ss", f"{self.start:.3f}",
                    "-t", length, str(self.path)]
        return [self._player_path, "-q", str(self._cut())]

    def _cut(self) -> Path:
        # A private directory: the segment is a caller's voice, personal data like the transcript.
        self._tmp = tempfile.TemporaryDirectory(prefix="kasuhara-review-")
        wav = Path(self._tmp.name) / "segment.wav"
        assert self._sox_path is not None  # find_player offers aplay only beside sox
        done = subprocess.run([self._sox_path, str(self.path), str(wav), "trim", f"{self.start:.3f}",
                               f"{self.end - self.start:.3f}"], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            self._cleanup()
            raise KasuharaError(f"sox cannot cut {self.path}: {_last_line(done.stderr)}")
        return wav

    def begin(self) -> None:
        """Start the player and return at once."""
        try:
            # Its own session: Ctrl-C reaches this process, which stops the player, rather than both at once.
            self._process = subprocess.Popen(self._command(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                             stderr=subprocess.PIPE, start_new_session=True)
        except OSError as exc:
            self._cleanup()
            raise KasuharaError(f"cannot run {self.player}: {exc.strerror}") from None

    def wait(self) -> None:
        """Block until the segment has been played; a KasuharaError if the player failed."""
        process = self._process
        if process is None:
            return
        try:
            _, err = process.communicate()
        except BaseException:
            self.stop()
            raise
        finally:
            self._cleanup()
        if process.returncode not in (0, -15):  # -15: stopped on purpose
            raise KasuharaError(f"{self.player} failed on {self.path}: {_last_line(err.decode(errors='replace'))}")

    @property
    def playing(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        """End the playback now (no-op when it has ended)."""
        if self.playing:
            assert self._process is not None
            self._process.terminate()
            try:
                self._process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._cleanup()

    def _cleanup(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


def _last_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def prepare(summary: CallSummary, start: float, end: float, which: Which = shutil.which) -> Playback:
    """Everything checked before a sound is made: the range, the file, a player. Does not start playing."""
    if not 0 <= start < end:
        raise KasuharaError(f"bad time range {start:g}..{end:g}: the start must come before the end")
    if summary.duration is not None and start >= summary.duration:
        raise KasuharaError(f"bad time range {start:g}..{end:g}: the call lasts only {summary.duration:.1f} s")
    path = audio_path(summary)
    name, player_path = find_player(which)
    end = min(end, summary.duration) if summary.duration is not None else end
    return Playback(path, start, end, name, player_path, which("sox"))


def play_segment(summary: CallSummary, start: float, end: float, which: Which = shutil.which) -> str:
    """Play ``start``..``end`` of the call's audio and wait for it to finish; the player's name."""
    playback = prepare(summary, start, end, which)
    playback.begin()
    playback.wait()
    return playback.player
