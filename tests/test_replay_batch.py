"""Batch replay (``kasuhara-live replay folder/``): call ids that never collide with stored calls, unreadable
files skipped and listed at the end, and the batch's overall progress.

The command-line tests run the real command with the embedded Whisper model on three-second cuts of the
sample calls (sox), into real SQLite stores.
"""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

from kasuhara_live.batch import BatchProgress, free_call_id, replay_batch, time_left
from kasuhara_live.config import Config
from kasuhara_live.events import CallEnded, CallStarted, Event, UtteranceFinal
from kasuhara_live.replay import Progress
from kasuhara_live.store.store import CallStore
from tests.conftest import SAMPLES, ScriptedTranscriber, tone, write_wav
from tests.test_cli import run_cli


def cut(sample: str, start: float, target: Path, seconds: float = 3.0) -> Path:
    """A few seconds of a sample call (where someone speaks), as a file of its own."""
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["sox", str(SAMPLES / sample), str(target), "trim", str(start), str(seconds)], check=True)
    return target


def english(tmp_path: Path) -> Path:
    site = tmp_path / "site.toml"
    site.write_text('[ui]\nlanguage = "en"\n', encoding="utf-8")
    return site


def test_a_file_named_like_a_stored_call_gets_a_call_of_its_own(tmp_path: Path) -> None:
    folder, elsewhere = tmp_path / "calls", tmp_path / "elsewhere"
    cut("complaint_call.flac", 7.6, folder / "c-0501.flac")
    cut("harassment_call.flac", 6.4, folder / "other.flac")
    cut("harassment_call.flac", 31.3, elsewhere / "c-0501.flac")  # the same name again, in the same batch
    store_path = tmp_path / "calls.sqlite"
    with CallStore(store_path) as store:  # a call the hub stored under that id
        for event in (CallStarted("c-0501", 0.0, ("agent", "customer"), "headset", started_at=1_700_000_000.0),
                      UtteranceFinal("c-0501", 2.0, "u0001", "customer", 0.5, 2.0, "元の通話の発話"),
                      CallEnded("c-0501", 30.0)):
            store.record(event, "sato", "seat-1")
    jsonl = tmp_path / "events.jsonl"
    proc = run_cli("replay", str(folder), str(elsewhere / "c-0501.flac"), "--store", str(store_path),
                   "--jsonl", str(jsonl))
    assert proc.returncode == 0, proc.stderr
    with CallStore(store_path) as store:
        stored = store.call("c-0501")  # untouched: no utterance, alert, start or end of the replays in it
        assert [u.text for u in stored.utterances] == ["元の通話の発話"] and stored.alerts == []
        assert (stored.summary.started_at, stored.summary.agent, stored.summary.source, stored.summary.duration) == (
            1_700_000_000.0, "sato", "headset", 30.0)
        first, second = store.call("c-0501-2"), store.call("c-0501-3")
        assert first.summary.source == str(folder / "c-0501.flac") and first.utterances
        assert second.summary.source == str(elsewhere / "c-0501.flac") and second.utterances
        assert store.has_call("other")
    events = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert [e["call_id"] for e in events if e["kind"] == "call.started"] == ["c-0501-2", "other", "c-0501-3"]
    # Progress, a line per file off a terminal (Japanese by default), then the summary naming the new ids.
    lines = proc.stderr.splitlines()
    assert [line.split("・")[0] for line in lines[:2]] == ["1/3件", "2/3件"]
    assert all(line.split("　")[0].split("・")[1].startswith("残り") for line in lines[:2])  # 「1/3件・残り1分未満」
    assert lines[2] == "3/3件　c-0501.flac"
    assert lines[3:] == ["kasuhara-live replay: 3件中3件を再生しました",
                         "通話IDが既に使われているため、別のIDで再生したファイル 2件：",
                         f"  {folder / 'c-0501.flac'} → c-0501-2", f"  {elsewhere / 'c-0501.flac'} → c-0501-3"]


def test_unreadable_files_are_skipped_and_listed_at_the_end(tmp_path: Path) -> None:
    folder = tmp_path / "calls"
    folder.mkdir()
    (folder / "a-broken.wav").write_bytes(b"RIFF....WAVEfmt garbage" * 20)  # first: today it ended the batch
    (folder / "b-empty.flac").write_bytes(b"")
    cut("complaint_call.flac", 7.6, folder / "c-good.flac")
    store_path = tmp_path / "calls.sqlite"
    proc = run_cli("replay", str(folder), "--store", str(store_path), "--jsonl", "-",
                   "--config", str(english(tmp_path)))
    assert proc.returncode == 1, proc.stderr  # not everything was replayed; what could be, was
    assert "Traceback" not in proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    assert {e["call_id"] for e in events} == {"c-good"} and events[-1]["kind"] == "call.ended"
    with CallStore(store_path) as store:
        assert [c.call_id for c in store.calls()] == ["c-good"] and store.call("c-good").utterances
    lines = proc.stderr.splitlines()
    assert lines[:3] == ["1/3 calls  a-broken.wav: unreadable, skipped", "2/3 calls  b-empty.flac: unreadable, skipped",
                         "3/3 calls  c-good.flac"]
    assert lines[3:5] == ["kasuhara-live replay: replayed 1 of 3 files",
                          "2 file(s) could not be read and were skipped:"]
    assert lines[5].startswith(f"  cannot read audio {folder / 'a-broken.wav'}: ")
    assert lines[6] == f"  cannot read audio {folder / 'b-empty.flac'}: the file is empty"
    assert len(lines) == 7


def test_a_lone_unreadable_file_is_still_a_one_line_error(tmp_path: Path) -> None:
    broken = tmp_path / "call.wav"
    broken.write_bytes(b"RIFF....WAVEfmt garbage" * 20)
    proc = run_cli("replay", str(broken))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "cannot read audio" in proc.stderr


def test_call_ids_get_the_first_free_number() -> None:
    taken = {"call", "call-2", "call-4"}
    assert free_call_id("call", taken.__contains__) == "call-3"
    assert free_call_id("new", taken.__contains__) == "new"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_overall_progress_counts_calls_and_says_the_time_left() -> None:
    clock = FakeClock()
    batch = BatchProgress(40, 4200.0, clock)
    assert batch.line("ja") == "0/40件"  # no pace to go by yet
    for _ in range(12):
        batch.end_file(100.0, 100.0)
    clock.now += 192.0  # 1200 s of audio in 192 s: 3000 s to go take 480 s
    assert batch.line("ja") == "12/40件・残り約8分"
    assert batch.line("en") == "12/40 calls, about 8 min left"
    batch.end_file(20.0, 100.0)  # broke off after 20 s: its other 80 s never come
    assert batch.audio == 4120.0 and batch.done == 13
    assert time_left("ja", 59.0) == "1分未満" and time_left("ja", 4980.0) == "約1時間23分"
    assert time_left("en", 4980.0) == "about 1 h 23 min"
    for _ in range(27):
        batch.end_file(100.0, 100.0)
    assert batch.line("ja") == "40/40件"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_each_files_bar_carries_the_batch_count(cfg: Config, tmp_path: Path) -> None:
    first = write_wav(tmp_path / "first.wav", [tone(1.0)])
    second = write_wav(tmp_path / "second.wav", [tone(1.0)])
    screen, events = Terminal(), list[Event]()
    result = replay_batch([first, second], cfg, ScriptedTranscriber(), events.append, stream=screen,
                          clock=FakeClock())
    assert result.replayed == [(first, "first"), (second, "second")] and not result.failed
    bars = screen.getvalue().split("\n")
    # Each file's bar is drawn again at its end, with the count moved on (padded over the longer line before).
    assert bars[0].rsplit("\r", 1)[-1].rstrip() == f"1/2件・残り1分未満  {'first.wav':20s} [{'#' * 20}] 100%"
    assert bars[1].rsplit("\r", 1)[-1].rstrip() == f"2/2件  {'second.wav':20s} [{'#' * 20}] 100%"
    assert "\r1/2件・残り1分未満  second.wav" in bars[1]  # under way: the time left
    # A single file's bar is as it always was: no batch count.
    alone = Terminal()
    progress = Progress("call.wav", 10.0, alone)
    progress.update(5.0)
    assert alone.getvalue() == f"\r{'call.wav':30s} [{'#' * 12:25s}]  50%"
