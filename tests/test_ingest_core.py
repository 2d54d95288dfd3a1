"""The call server's core without sockets: lining channels up, finding the agent, many calls on one desk."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pytest

from kasuhara_live.config import Config
from kasuhara_live.errors import ConfigError
from kasuhara_live.events import CallEnded, CallStarted, Event, UtteranceFinal, UtterancePartial
from kasuhara_live.ingest.agents import AgentDirectory, seat_key
from kasuhara_live.ingest.align import ChannelAligner
from kasuhara_live.ingest.calls import CallDesk
from kasuhara_live.ingest.g711 import Upsampler, decode_alaw, decode_ulaw, encode_ulaw
from kasuhara_live.ingest.sink import CallMeta, CallRefused
from tests.conftest import LoudnessDetector, ScriptedTranscriber, quiet, tone

# -- G.711 and upsampling ----------------------------------------------------------------------------------


def test_g711_tables_follow_the_standard() -> None:
    assert decode_ulaw(bytes([0xFF, 0x7F, 0x00, 0x80])).tolist() == [0, 0, -32124, 32124]
    assert decode_alaw(bytes([0xD5, 0x55, 0x2A, 0xAA])).tolist() == [8, -8, -32256, 32256]
    samples = (np.sin(np.arange(800) / 5) * 12000).astype(np.int16)
    error = np.abs(decode_ulaw(encode_ulaw(samples)).astype(int) - samples)
    assert error.max() <= 0.04 * 12000  # μ-law keeps about 12 bits near full scale


def test_upsampling_packet_by_packet_equals_the_whole_and_keeps_a_tone() -> None:
    t = np.arange(8000)
    tone8k = (np.sin(2 * np.pi * 440 * t / 8000) * 10000).astype(np.int16)
    whole = Upsampler().push(tone8k)
    stream = Upsampler()
    packets = np.concatenate([stream.push(tone8k[i : i + 160]) for i in range(0, 8000, 160)])
    assert np.array_equal(whole, packets) and whole.size == 16000
    spectrum = np.abs(np.fft.rfft(whole[2000:14000].astype(float)))
    peak_hz = np.argmax(spectrum) * 16000 / 12000
    assert abs(peak_hz - 440) < 3
    image = spectrum[int(7560 * 12000 / 16000)]  # 8000 - 440 Hz: the image zero-stuffing makes
    assert image < spectrum.max() / 100


# -- aligning channels -------------------------------------------------------------------------------------


def test_blocks_go_out_only_when_every_channel_has_one() -> None:
    aligner = ChannelAligner(2, block=1600, max_lag=8000)
    assert aligner.push(0, np.full(3200, 5, np.int16), 16000) == []
    [chunk] = aligner.push(1, np.full(800, 7, np.int16), 8000)  # 8 kHz: 800 samples are 0.1 s
    assert chunk.samples.shape == (2, 1600) and chunk.start == 0 and (chunk.samples[0] == 5).all()
    [chunk] = aligner.push(1, np.full(1600, 7, np.int16), 16000)
    assert chunk.start == 1600 and aligner.filled == 0


def test_a_stream_that_stops_is_taken_as_silence_after_the_lag() -> None:
    aligner = ChannelAligner(2, block=1600, max_lag=4800)
    out = []
    for _ in range(10):  # one second of the agent, nothing from the customer (on hold, silence suppression)
        out += aligner.push(0, np.full(1600, 3, np.int16), 16000)
    # Held back less than 0.3 s (padding brings the lag to a block under it), not the whole second.
    assert len(out) == 8 and all((c.samples[1] == 0).all() for c in out)
    assert [c.start for c in out] == [1600 * i for i in range(8)] and aligner.filled == 8 * 1600
    rest = aligner.flush()
    assert sum(c.length for c in out + rest) == 16000 and rest[-1].end == 16000


def test_flush_pads_the_shorter_channel_and_keeps_a_short_last_block() -> None:
    aligner = ChannelAligner(2, block=1600, max_lag=16000)
    aligner.push(0, np.ones(2000, np.int16), 16000)
    aligner.push(1, np.ones(500, np.int16), 16000)
    out = aligner.flush()
    assert [c.length for c in out] == [1600, 400] and out[1].samples[1].sum() == 0


def test_aligner_rejects_a_channel_or_rate_it_does_not_have() -> None:
    aligner = ChannelAligner(2, block=1600, max_lag=1600)
    with pytest.raises(ValueError):
        aligner.push(2, np.ones(10, np.int16), 16000)
    with pytest.raises(ValueError):
        aligner.push(0, np.ones(10, np.int16), 44100)


# -- the agent of a call -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "seat"), [("sip:2001@pbx.example", "2001"), ("<sips:2001@pbx;user=phone>", "2001"),
                                           ("tel:+81312345678", "+81312345678"), (" Queue-7 ", "queue-7")])
def test_seat_key_is_the_user_part(key: str, seat: str) -> None:
    assert seat_key(key) == seat


def test_agents_are_found_by_full_key_or_extension_and_unknown_ones_go_to_the_fallback() -> None:
    directory = AgentDirectory(("sip:2001@pbx.example = sato", "2002 = suzuki"), unknown_agent="")
    assert directory.lookup("sip:2001@pbx.example") == "sato"
    assert directory.lookup("sip:2002@sbc.example") == "suzuki" and directory.knows("2002")
    assert directory.lookup("sip:9999@pbx.example") == "" and not directory.knows("") and directory.lookup("") == ""
    assert AgentDirectory((), unknown_agent="pool").lookup("anything") == "pool"


@pytest.mark.parametrize("entry", ["2001", "= sato", "2001 =", ""])
def test_a_bad_agents_entry_is_a_config_error_naming_it(entry: str) -> None:
    with pytest.raises(ConfigError, match=r"ingest\.agents"):
        AgentDirectory((entry,))


# -- the desk: many calls, one transcriber ----------------------------------------------------------------


class Collected:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events: list[tuple[Event, str]] = []

    def __call__(self, event: Event, agent: str) -> None:
        with self.lock:
            self.events.append((event, agent))

    def of(self, call_id: str) -> list[Event]:
        with self.lock:
            return [e for e, _ in self.events if e.call_id == call_id]


def desk_for(cfg: Config, **ingest: object) -> tuple[CallDesk, Collected]:
    cfg = dataclasses.replace(cfg, ingest=dataclasses.replace(
        cfg.ingest, **{"agents": ("sip:2001@pbx = sato", "2002 = suzuki"), **ingest}))
    out = Collected()
    return CallDesk(cfg, ScriptedTranscriber(), out, lambda call_id: [], "v1", LoudnessDetector), out


def speak(call: object, seconds_of_talk: float) -> None:
    agent = np.concatenate([quiet(0.5), tone(seconds_of_talk), quiet(1.0)])
    customer = np.concatenate([quiet(1.0), tone(seconds_of_talk), quiet(0.5)])
    for i in range(0, agent.size, 320):  # 20 ms packets at 16 kHz, as an adapter would push them
        call.audio(0, agent[i : i + 320], 16000)  # type: ignore[attr-defined]
        call.audio(1, customer[i : i + 320], 16000)  # type: ignore[attr-defined]


def test_calls_run_side_by_side_and_end_with_their_reason_and_agent(cfg: Config) -> None:
    desk, out = desk_for(cfg)
    first = desk.open_call(CallMeta("siprec", "a@x", "127.0.0.1:5070", "sip:2001@pbx", "0312345678"))
    second = desk.open_call(CallMeta("audiohook", "b", "127.0.0.1:6000", "2002"))
    assert first.call_id.startswith("sato-") and second.call_id.startswith("suzuki-") and len(desk.live()) == 2
    speak(first, 1.5)
    speak(second, 2.0)
    first.end("bye")
    second.end("closed")
    second.end("again")  # ignored: a call ends once
    assert desk.close(timeout=10)
    for call, agent, reason in ((first, "sato", "bye"), (second, "suzuki", "closed")):
        events = out.of(call.call_id)
        assert isinstance(events[0], CallStarted) and isinstance(events[-1], CallEnded)
        assert events[-1].reason == reason and all(a == agent for e, a in out.events if e.call_id == call.call_id)
        assert {e.speaker for e in events if isinstance(e, UtteranceFinal)} == {"agent", "customer"}
    started = out.of(first.call_id)[0]
    assert isinstance(started, CallStarted) and started.caller and "0312345678" not in started.caller
    assert started.source == "siprec:127.0.0.1:5070" and desk.live() == []


def test_calls_are_refused_without_an_agent_over_the_limit_and_when_closing(cfg: Config) -> None:
    desk, _ = desk_for(cfg, max_calls=1)
    with pytest.raises(CallRefused, match=r"ingest\.agents"):
        desk.open_call(CallMeta("siprec", "x", "127.0.0.1:1", "sip:9999@pbx"))
    call = desk.open_call(CallMeta("siprec", "y", "127.0.0.1:1", "2001"))
    with pytest.raises(CallRefused, match="max_calls"):
        desk.open_call(CallMeta("siprec", "z", "127.0.0.1:1", "2002"))
    call.end("bye")
    desk.close(timeout=5)
    with pytest.raises(CallRefused, match="shutting down"):
        desk.open_call(CallMeta("siprec", "w", "127.0.0.1:1", "2002"))
    assert desk.refused == 3 and desk.opened == 1


class FailingTranscriber(ScriptedTranscriber):
    def transcribe(self, audios, final=False):  # type: ignore[no-untyped-def]
        raise RuntimeError("engine gone")


def test_a_failing_recogniser_ends_that_call_with_error_and_the_desk_goes_on(cfg: Config) -> None:
    desk, out = desk_for(cfg)
    desk.transcriber = FailingTranscriber()
    call = desk.open_call(CallMeta("siprec", "s", "127.0.0.1:1", "2001"))
    speak(call, 1.0)
    call.end("bye")
    call.thread.join(5)
    assert out.of(call.call_id)[-1].reason == "error"  # type: ignore[attr-defined]
    desk.transcriber = ScriptedTranscriber()
    assert desk.open_call(CallMeta("siprec", "t", "127.0.0.1:1", "2001")).call_id
    assert desk.close(timeout=5)


def test_the_desk_asks_partials_for_the_configured_speakers_only(cfg: Config) -> None:
    desk, out = desk_for(cfg, partial_speakers=("customer",))
    call = desk.open_call(CallMeta("siprec", "p", "127.0.0.1:1", "2001"))
    speak(call, 2.5)
    call.end("bye")
    assert desk.close(timeout=10)
    events = out.of(call.call_id)
    assert {e.speaker for e in events if isinstance(e, UtterancePartial)} == {"customer"}
    assert {e.speaker for e in events if isinstance(e, UtteranceFinal)} == {"agent", "customer"}
