"""The AudioHook session without sockets: messages in, actions out."""

from __future__ import annotations

import json
import uuid
from typing import Any

import numpy as np
import pytest

from kasuhara_live.ingest.audiohook_client import STEREO, duration
from kasuhara_live.ingest.audiohook_protocol import (
    MAX_FRAME_BYTES,
    NULL_UUID,
    Audio,
    AudioHookSession,
    EndCall,
    Hangup,
    OpenCall,
    Send,
    State,
    Violation,
    agent_key_of,
    choose_media,
    parse_duration,
)
from kasuhara_live.ingest.g711 import decode_ulaw, encode_ulaw

SID = "3f1d2a64-1111-4222-8333-444455556666"


class Client:
    """Writes a client's messages with correct seq/serverseq/position unless told otherwise."""

    def __init__(self, session: AudioHookSession) -> None:
        self.session = session
        self.seq = 0
        self.sent: list[dict[str, Any]] = []  # what the server sent, parsed

    def message(self, kind: str, parameters: dict[str, Any] | None = None, **override: Any) -> str:
        self.seq += 1
        message = {"version": "2", "id": SID, "type": kind, "seq": self.seq,
                   "serverseq": self.session.seq, "position": duration(self.session.samples / 8000),
                   "parameters": {} if parameters is None else parameters}
        message.update(override)
        return json.dumps(message)

    def send(self, kind: str, parameters: dict[str, Any] | None = None, **override: Any) -> list[Any]:
        actions = self.session.receive_text(self.message(kind, parameters, **override))
        self.sent += [json.loads(a.text) for a in actions if isinstance(a, Send)]
        return actions

    def open(self, media: list[dict[str, Any]] | None = None, conversation: str = "", **extra: Any) -> list[Any]:
        params = {"organizationId": str(uuid.uuid4()), "conversationId": conversation or str(uuid.uuid4()),
                  "participant": {"id": str(uuid.uuid4()), "ani": "+81312345678", "aniName": "",
                                  "dnis": "+81120000000"},
                  "media": STEREO if media is None else media, **extra}
        return self.send("open", params)


def opened_session(media: list[dict[str, Any]] | None = None) -> tuple[AudioHookSession, Client]:
    session = AudioHookSession("10.0.0.5:40000", SID)
    client = Client(session)
    actions = client.open(media)
    assert [type(a) for a in actions] == [OpenCall]
    client.sent += [json.loads(a.text) for a in session.accept() if isinstance(a, Send)]
    assert session.state is State.ACTIVE
    return session, client


def kinds(actions: list[Any]) -> list[str]:
    return [json.loads(a.text)["type"] if isinstance(a, Send) else type(a).__name__ for a in actions]


def test_open_asks_the_sink_and_opened_names_the_chosen_media() -> None:
    session = AudioHookSession("10.0.0.5:40000", SID)
    client = Client(session)
    mono = {"type": "audio", "format": "PCMU", "channels": ["external"], "rate": 8000}
    (action,) = client.open([mono, *STEREO], customConfig={"agent": "team-a"})
    assert isinstance(action, OpenCall)
    assert action.meta.protocol == "audiohook" and action.meta.session == SID
    assert action.meta.peer == "10.0.0.5:40000" and action.meta.caller == "+81312345678"
    assert action.meta.agent_key == "team-a"
    (opened,) = session.accept()
    reply = json.loads(opened.text)
    assert reply["type"] == "opened" and reply["seq"] == 1 and reply["clientseq"] == 1 and reply["id"] == SID
    assert reply["parameters"]["media"] == STEREO  # stereo preferred over the mono offered first


def test_agent_key_rule() -> None:
    participant = {"ani": "+8190", "dnis": "tel:+81120"}
    assert agent_key_of({"participant": participant}) == "tel:+81120"
    assert agent_key_of({"participant": participant, "customConfig": {"agent": "team"}}) == "team"
    assert agent_key_of({"participant": participant, "customConfig": {"agent": "team"},
                         "inputVariables": {"agent": "2001"}}) == "2001"
    assert agent_key_of({"participant": participant, "inputVariables": {"agent": 5}}) == "tel:+81120"
    assert agent_key_of({}) == ""


def test_media_choice() -> None:
    assert choose_media([{"type": "audio", "format": "L16", "channels": ["external"], "rate": 8000}]) is None
    reversed_stereo = {"type": "audio", "format": "PCMU", "channels": ["internal", "external"], "rate": 8000}
    chosen = choose_media([reversed_stereo])
    assert chosen is not None and chosen.channels == ("internal", "external")
    assert choose_media([{**reversed_stereo, "channels": ["external", "external"]}]) is None
    assert choose_media([{**reversed_stereo, "rate": 16000}]) is None
    assert choose_media([{**reversed_stereo, "channels": [["external"], {"a": 1}]}]) is None  # unhashable
    with pytest.raises(Violation, match=r"every parameters\.media entry"):
        choose_media([[1]])


def test_nested_values_are_named_not_printed() -> None:
    session = AudioHookSession("p", SID)
    nested: object = "x"
    for _ in range(500):
        nested = [nested]
    Client(session).send("open", {}, version=nested)
    assert session.failure == 'version a list: only "2" is spoken here'


def test_stereo_frames_split_into_agent_and_customer() -> None:
    session, _ = opened_session()
    agent = np.arange(-800, 800, 10, dtype=np.int16)
    customer = -agent
    frame = encode_ulaw(np.stack([customer, agent], axis=1).reshape(-1))  # external first, as offered
    actions = session.receive_binary(frame)
    assert [(a.channel, a.samples.size) for a in actions] == [(0, 160), (1, 160)]
    np.testing.assert_array_equal(actions[0].samples, decode_ulaw(encode_ulaw(agent)))
    np.testing.assert_array_equal(actions[1].samples, decode_ulaw(encode_ulaw(customer)))
    assert session.samples == 160


def test_mono_customer_gets_a_silent_agent_channel() -> None:
    session, _ = opened_session([{"type": "audio", "format": "PCMU", "channels": ["external"], "rate": 8000}])
    actions = session.receive_binary(encode_ulaw(np.full(80, 1000, dtype=np.int16)))
    assert [a.channel for a in actions] == [0, 1]
    assert not actions[0].samples.any() and actions[1].samples.min() > 900


def test_no_usable_media_disconnects() -> None:
    session = AudioHookSession("p", SID)
    actions = Client(session).open([{"type": "audio", "format": "L16", "channels": ["external"], "rate": 8000}])
    (reply,) = [json.loads(a.text) for a in actions]
    assert reply["type"] == "disconnect" and reply["parameters"]["reason"] == "error"
    assert "PCMU" in reply["parameters"]["info"]


def test_ping_pong_and_close_closed_with_sequence_numbers() -> None:
    session, client = opened_session()
    (pong,) = client.send("ping", {"rtt": "PT0.05S"})
    assert json.loads(pong.text)["type"] == "pong" and json.loads(pong.text)["clientseq"] == 2
    actions = client.send("close", {"reason": "end"})
    assert actions[0] == EndCall("closed")
    closed = json.loads(actions[1].text)
    assert closed["type"] == "closed" and closed["seq"] == 3 and closed["clientseq"] == 3
    assert session.client_closed and session.state is State.CLOSED
    assert session.receive_binary(b"\xff" * 2) == [] and client.send("ping") == []


@pytest.mark.parametrize(("override", "info"), [
    ({"seq": 5}, "seq 5 out of order, expected 2"),
    ({"seq": True}, "seq True out of order"),
    ({"serverseq": 99}, "serverseq 99 is not one we sent"),
    ({"version": "1"}, "only \"2\""),
    ({"type": "dance"}, "unknown message type 'dance'"),
    ({"id": str(uuid.uuid4())}, "is not this session's"),
    ({"position": "12 seconds"}, "position must be a duration"),
    ({"parameters": []}, "parameters must be an object"),
])
def test_a_broken_message_ends_the_call_and_disconnects(override: dict[str, Any], info: str) -> None:
    session, client = opened_session()
    actions = client.send("ping", **override)
    assert actions[0] == EndCall("protocol_error")
    reply = json.loads(actions[1].text)
    assert reply["type"] == "disconnect" and reply["parameters"]["reason"] == "error"
    assert info in reply["parameters"]["info"] and info in session.failure
    assert reply["clientseq"] == 1  # the last good message
    assert session.state is State.DISCONNECTING
    client.seq = 1
    assert client.send("ping") == []  # only close counts now
    assert kinds(client.send("close", {"reason": "disconnect"})) == ["closed"]  # no second EndCall


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", "[" * 60_000, "x" * 70_000, '"open"', "\ud800"])
def test_garbage_before_open(text: str) -> None:
    session = AudioHookSession("p")
    (action,) = session.receive_text(text)
    reply = json.loads(action.text)
    assert reply["type"] == "disconnect" and reply["id"] == NULL_UUID and session.failure


def test_first_message_must_be_open_with_the_header_id() -> None:
    session = AudioHookSession("p", SID)
    assert "first message must be open" in json.loads(Client(session).send("ping")[0].text)["parameters"]["info"]
    session = AudioHookSession("p", str(uuid.uuid4()))
    Client(session).open()
    assert "differs from the Audiohook-Session-Id header" in session.failure


@pytest.mark.parametrize(("frame", "info"), [
    (b"\xff" * 161, "161 bytes"),
    (b"", "0 bytes"),
    (b"\xff" * (MAX_FRAME_BYTES + 2), f"{MAX_FRAME_BYTES + 2} bytes"),
])
def test_bad_frames(frame: bytes, info: str) -> None:
    session, _ = opened_session()
    actions = session.receive_binary(frame)
    assert kinds(actions) == ["EndCall", "disconnect"] and info in session.failure


def test_audio_before_opened() -> None:
    session = AudioHookSession("p", SID)
    Client(session).open()
    assert kinds(session.receive_binary(b"\xff\xff")) == ["disconnect"]
    assert session.failure == "audio frame before opened"
    assert session.accept() == [EndCall("protocol_error")]  # the sink's call is ended at once


def test_pause_resume_keeps_the_clock_with_silence() -> None:
    session, client = opened_session()
    session.receive_binary(b"\x00" * 1600)  # 100 ms of loud samples on both channels
    (pause,) = session.pause()
    assert json.loads(pause.text)["type"] == "pause"
    assert client.send("paused") == [] and session.state is State.PAUSED
    (ping_reply,) = client.send("ping")  # pings go on through a pause
    assert json.loads(ping_reply.text)["type"] == "pong"
    actions = client.send("resumed", {"start": "PT0.1S", "discarded": "PT2.5S"})
    assert session.state is State.ACTIVE
    gap = {0: 0, 1: 0}
    for action in actions:
        assert isinstance(action, Audio) and not action.samples.any()
        gap[action.channel] += action.samples.size
    assert gap == {0: 20000, 1: 20000} and session.samples == 800 + 20000
    (discard,) = [a for a in client.send("discarded", {"start": "PT2.6S", "discarded": "PT0.25S"})
                  if a.channel == 0]
    assert discard.samples.size == 2000


def test_audio_during_a_pause_is_an_error() -> None:
    session, client = opened_session()
    client.send("paused")
    assert kinds(session.receive_binary(b"\xff\xff")) == ["EndCall", "disconnect"]
    assert session.failure == "audio frame during a pause"


def test_an_absurd_gap_is_refused() -> None:
    session, client = opened_session()
    client.send("paused")
    actions = client.send("resumed", {"start": "PT0S", "discarded": "PT99999S"})
    assert kinds(actions) == ["EndCall", "disconnect"] and "gap of 99999 s" in session.failure


def test_probe_is_answered_but_never_reaches_the_sink() -> None:
    session = AudioHookSession("p", SID)
    client = Client(session)
    assert kinds(client.open(conversation=NULL_UUID)) == ["opened"]
    assert session.receive_binary(b"\xff\xff") == []
    assert kinds(client.send("close", {"reason": "end"})) == ["closed"]


def test_refusal_timeout_and_shutdown() -> None:
    session = AudioHookSession("p", SID)
    Client(session).open()
    (reply,) = session.refuse("unknown agent tel:+81120")
    assert json.loads(reply.text)["parameters"] == {"reason": "error", "info": "call refused: unknown agent tel:+81120"}
    session, _ = opened_session()
    actions = session.timed_out(30.0)
    assert kinds(actions) == ["EndCall", "disconnect", "Hangup"] and actions[0] == EndCall("no_media")
    assert actions[2] == Hangup(1000, "no audio") and session.failure == "no audio for 30 s"
    session, _ = opened_session()
    assert session.shutdown()[0] == EndCall("shutdown")
    session, _ = opened_session()
    assert session.lost() == [EndCall("sender_lost")] and session.lost() == []


def test_durations() -> None:
    assert parse_duration("PT1.5S", "x") == 1.5 and parse_duration("PT0S", "x") == 0.0
    assert duration(0) == "PT0S" and duration(12.25) == "PT12.25S"
    for bad in ("1.5", "PT-1S", "PT1e3S", "P1DT1S", None, 3):
        with pytest.raises(Exception, match=r"duration like PT1\.5S"):
            parse_duration(bad, "x")
