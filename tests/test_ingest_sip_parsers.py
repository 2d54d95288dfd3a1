"""The SIPREC server's parsers on their own: RTP, SDP, SIP and recording metadata, good, bad and fuzzed input."""

from __future__ import annotations

import random
import struct

import numpy as np
import pytest

from kasuhara_live.ingest.agents import AgentDirectory
from kasuhara_live.ingest.g711 import decode_ulaw, encode_ulaw
from kasuhara_live.ingest.rtp import RtpPacket, RtpReceiver, build_rtp, is_rtcp, parse_rtp
from kasuhara_live.ingest.sdp import AnswerStream, SdpError, build_answer, parse_sdp
from kasuhara_live.ingest.sip import (
    SipError,
    SipFramer,
    build_response,
    header_param,
    parse_message,
    split_multipart,
)
from kasuhara_live.ingest.siprec_metadata import (
    MetadataError,
    aor_user,
    choose_roles,
    parse_metadata,
)
from tests.siprec_helpers import METADATA, invite, offer_sdp
from tests.test_ingest_siprec_server import mutate

# -- RTP ------------------------------------------------------------------------------------------------------


def test_rtp_header_fields_csrc_extension_and_padding() -> None:
    payload = bytes(range(160))
    plain = parse_rtp(build_rtp(8, 65535, 4_000_000_000, 0xDEADBEEF, payload, marker=True))
    assert plain == RtpPacket(8, 65535, 4_000_000_000, 0xDEADBEEF, payload, True)
    csrc_ext_pad = (bytes([0x80 | 0x20 | 0x10 | 2, 0]) + struct.pack("!HII", 1, 160, 5) + b"\x00" * 8
                    + struct.pack("!HH", 0xBEDE, 1) + b"\x01\x02\x03\x04" + payload + b"\x00\x00\x03")
    parsed = parse_rtp(csrc_ext_pad)
    assert isinstance(parsed, RtpPacket) and parsed.payload == payload and parsed.seq == 1


@pytest.mark.parametrize(("data", "reason"), [
    (b"\x80\x00", "shorter than the 12-byte header"),
    (bytes([0x40, 0]) + bytes(10) + bytes(160), "version 1"),
    (bytes([0x8F, 0]) + bytes(10) + bytes(20), "csrc count 15"),
    (bytes([0x90, 0]) + bytes(10) + struct.pack("!HH", 0, 200) + bytes(8), "header extension of 200 words"),
    (bytes([0xA0, 0]) + bytes(10) + bytes(4) + b"\x00", "padding of 0 bytes"),
    (bytes([0xA0, 0]) + bytes(10) + bytes(4) + b"\x09", "padding of 9 bytes"),
    (build_rtp(0, 1, 1, 1, bytes(4000)), "too long"),
    (bytes([0x80, 200]) + bytes(26), "rtcp"),
])
def test_rtp_rejects_malformed_headers_with_a_reason(data: bytes, reason: str) -> None:
    result = parse_rtp(data)
    assert isinstance(result, str) and reason in result and "\n" not in result


def test_rtcp_is_told_apart() -> None:
    assert is_rtcp(bytes([0x81, 201]) + bytes(6)) and not is_rtcp(build_rtp(0, 1, 1, 1, b"x"))


def packets(count: int, ssrc: int = 1, seq0: int = 100, ts0: int = 0, pt: int = 0) -> list[RtpPacket]:
    pcm = (np.arange(count * 160) % 200 * 50 - 5000).astype(np.int16)
    return [RtpPacket(pt, (seq0 + i) & 0xFFFF, ts0 + 160 * i, ssrc, encode_ulaw(pcm[i * 160:(i + 1) * 160]))
            for i in range(count)]


def run(receiver: RtpReceiver, items: list[RtpPacket]) -> np.ndarray:
    blocks = [b for p in items for b in receiver.push(p)] + receiver.flush()
    return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.int16)


def test_reordered_packets_come_out_in_order_across_the_sequence_wrap() -> None:
    items = packets(10, seq0=65530)
    shuffled = [items[0], items[2], items[1], items[4], items[3], *items[5:]]
    out = run(RtpReceiver(), shuffled)
    expected = np.concatenate([decode_ulaw(p.payload) for p in items])
    assert np.array_equal(out, expected)


def test_lost_packets_and_timestamp_gaps_become_silence_so_timing_holds() -> None:
    items = packets(30)
    kept = [p for i, p in enumerate(items) if i not in (3, 4, 12)]
    receiver = RtpReceiver(window=3)
    out = run(receiver, kept)
    assert len(out) == 30 * 160 and receiver.lost == 3
    assert not out[3 * 160:5 * 160].any() and not out[12 * 160:13 * 160].any()
    assert np.array_equal(out[5 * 160:6 * 160], decode_ulaw(items[5].payload))
    # silence suppression: the timestamp jumps 1 s while the sequence does not
    dtx = [*packets(2), RtpPacket(0, 102, 8000 + 320, 1, items[0].payload)]
    assert len(run(RtpReceiver(), dtx)) == 8000 + 3 * 160


def test_duplicates_other_ssrcs_unknown_payload_types_and_late_packets_are_ignored() -> None:
    items = packets(60)
    intruder = packets(10, ssrc=666)
    dtmf = RtpPacket(101, 160, 0, 1, b"\x01\x02\x03\x04")  # out of this stream: a later seq
    mixed = [items[0], items[0], *intruder, items[1], RtpPacket(13, 102, 320, 1, b"\x40"), *items[3:6]]
    receiver = RtpReceiver()
    out = run(receiver, [*mixed, items[2]])
    assert len(out) == 6 * 160  # packet 2 (seq 102) was comfort noise: its 20 ms come from the timestamp gap
    assert receiver.ssrc == 1 and receiver.ignored >= 12
    assert run(RtpReceiver(), [dtmf]).size == 0


def test_a_new_ssrc_takes_over_after_the_old_one_falls_silent() -> None:
    first, second = packets(5), packets(60, ssrc=2, seq0=9000, ts0=777)
    receiver = RtpReceiver(takeover=50)
    out = run(receiver, first + second)
    assert receiver.ssrc == 2 and len(out) == 5 * 160 + 11 * 160


# -- SDP ------------------------------------------------------------------------------------------------------


def test_sdp_offer_and_answer() -> None:
    text = offer_sdp(ports=(6000, 6002)) + "m=video 6004 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
    offer = parse_sdp(text)
    assert [m.port for m in offer.media] == [6000, 6002, 6004] and offer.media[0].direction == "sendonly"
    assert offer.media[1].label == "2" and offer.media[0].host == "127.0.0.1"
    assert offer.media[0].codec() == (0, "PCMU/8000") and offer.media[2].codec() is None
    answer = build_answer(offer, [AnswerStream(40000), AnswerStream(40002, 8, "PCMA/8000"), AnswerStream(0)],
                          "10.0.0.9", 42)
    lines = answer.split("\r\n")
    assert "m=audio 40000 RTP/AVP 0" in lines and "m=audio 40002 RTP/AVP 8" in lines
    assert "m=video 0 RTP/AVP 96" in lines and lines.count("a=recvonly") == 2
    assert "c=IN IP4 10.0.0.9" in lines and "a=label:1" in lines and "a=label:2" in lines


def test_sdp_chooses_pcma_or_a_dynamic_pcmu_and_refuses_srtp_and_g729() -> None:
    pcma = parse_sdp("v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 18 8\r\n").media[0]
    dynamic = parse_sdp("v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 96\r\na=rtpmap:96 pcmu/8000\r\n").media[0]
    srtp = parse_sdp("v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/SAVP 0\r\n").media[0]
    g729 = parse_sdp("v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 18\r\n").media[0]
    assert pcma.codec() == (8, "PCMA/8000") and dynamic.codec() == (96, "PCMU/8000")
    assert srtp.codec() is None and g729.codec() is None


@pytest.mark.parametrize("text", [
    "", "m=audio 1 RTP/AVP 0", "v=0\r\n", "v=0\r\nc=IN IP4\r\nm=audio 1 RTP/AVP 0\r\n",
    "v=0\r\nm=audio 99999 RTP/AVP 0\r\n", "v=0\r\nm=audio 1 RTP/AVP\r\n", "v=0\r\nbogus\r\nm=audio 1 RTP/AVP 0\r\n",
    "v=0\r\nm=audio 1 RTP/AVP 0\r\na=label:a b\r\n", "v=0\r\nm=audio 1 RTP/AVP 0\r\na=rtpmap:x\r\n",
    "v=0\r\n" + "a=x\r\n" * 9000,
])
def test_sdp_rejects_malformed_offers(text: str) -> None:
    with pytest.raises(SdpError):
        parse_sdp(text)


# -- SIP ------------------------------------------------------------------------------------------------------


def test_sip_compact_folded_headers_bare_lf_and_content_length() -> None:
    raw = (b"\r\nOPTIONS sip:srs@example SIP/2.0\nv: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK1\nVia: SIP/2.0/UDP 5.6.7.8\n"
           b"f: <sip:a@b>;tag=1\nt: <sip:c@d>\ni: abc\nSubject: one\n  two\nCSeq: 7 OPTIONS\nl: 4\n\nbodyEXTRA")
    message = parse_message(raw)
    assert message.method == "OPTIONS" and message.call_id == "abc" and message.cseq() == (7, "OPTIONS")
    assert message.get("subject") == "one two" and message.body == b"body"
    assert message.get_all("via") == ["SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK1", "SIP/2.0/UDP 5.6.7.8"]
    response = build_response(message, 200, "OK", "t1", extra=[("contact", "<sip:x@y>")])
    wire = response.serialise().decode()
    assert wire.startswith("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK1\r\nVia: SIP/2.0/UDP 5.6.7.8")
    assert "To: <sip:c@d>;tag=t1\r\n" in wire and "Call-ID: abc\r\n" in wire and wire.endswith("Length: 0\r\n\r\n")
    assert parse_message(response.serialise()).status == 200


@pytest.mark.parametrize(("raw", "answerable"), [
    (b"", False), (b"HELLO\r\n\r\n", False), (b"INVITE sip:x SIP/3.0\r\n\r\n", False),
    (b"INVITE sip:x SIP/2.0\r\nno colon\r\n\r\n", True),
    (b"INVITE sip:x SIP/2.0\r\nContent-Length: 10\r\n\r\nshort", True),
    (b"INVITE sip:x SIP/2.0\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", True),
    (b"INVITE sip:x SIP/2.0\r\nX: \xff\xfe\r\n\r\n", False),
    (b"INVITE sip:x SIP/2.0\r\n" + b"X: y\r\n" * 200 + b"\r\n", True),
    (b"INVITE sip:x SIP/2.0\r\n" + b"X" * 70000, False),
])
def test_sip_rejects_malformed_messages(raw: bytes, answerable: bool) -> None:
    with pytest.raises(SipError) as caught:
        parse_message(raw)
    assert (caught.value.message is not None) == answerable and "\n" not in str(caught.value)


def test_sip_needs_content_length_on_tcp_and_frames_a_stream() -> None:
    with pytest.raises(SipError):
        parse_message(b"OPTIONS sip:x SIP/2.0\r\nCall-ID: 1\r\n\r\n", stream=True)
    one, two = invite("a"), invite("b")
    framer = SipFramer()
    data = b"\r\n\r\n" + one + two
    frames = [f for i in range(0, len(data), 10) for f in framer.feed(data[i:i + 10])]
    assert frames == [one, two]
    with pytest.raises(SipError):
        SipFramer().feed(b"INVITE sip:x SIP/2.0\r\nl: many\r\n\r\n")
    with pytest.raises(SipError):
        SipFramer().feed(b"X" * 70000)


def test_multipart_bodies() -> None:
    message = parse_message(invite())
    parts = split_multipart(message.get("content-type"), message.body)
    assert [kind for kind, _ in parts] == ["application/sdp", "application/rs-metadata+xml"]
    assert parts[0][1].startswith(b"v=0") and parts[1][1].rstrip().endswith(b"</recording>")
    assert header_param('multipart/mixed; boundary="abc"', "boundary") == "abc"
    for bad in (("multipart/mixed", b"x"), ("multipart/mixed;boundary=b", b"no parts"),
                ("multipart/mixed;boundary=b", b"--b\r\n\r\nx\r\n--b\r\n\r\ny")):
        with pytest.raises(SipError):
            split_multipart(*bad)


# -- metadata -------------------------------------------------------------------------------------------------


def test_metadata_participants_and_the_streams_they_send() -> None:
    customer, agent = parse_metadata(METADATA.format(customer_label="1", agent_label="2").encode())
    assert customer.aor == "sip:0312345678@carrier.example" and customer.sends == ("1",)
    assert agent.aor == "sip:2001@pbx.example" and agent.sends == ("2",) and agent.name == "佐藤"
    assert aor_user("tel:+81312345678") == "+81312345678"


@pytest.mark.parametrize(("agents", "agent_key", "caller", "labels"), [
    ((), "sip:2001@pbx.example", "0312345678", ("2", "1")),  # nobody listed: the second participant (callee)
    (("2001 = sato",), "2001", "0312345678", ("2", "1")),  # the extension
    (("SIP:2001@PBX.example = sato",), "SIP:2001@PBX.example", "0312345678", ("2", "1")),  # the whole AOR
    (("0312345678 = odd",), "0312345678", "2001", ("1", "2")),  # the site says the first one is its agent
])
def test_roles_from_ingest_agents_else_the_callee(agents: tuple[str, ...], agent_key: str, caller: str,
                                                  labels: tuple[str, str]) -> None:
    roles = choose_roles(parse_metadata(METADATA.format(customer_label="1", agent_label="2").encode()),
                         AgentDirectory(agents))
    assert (roles.agent_key, roles.caller, roles.labels) == (agent_key, caller, labels)


@pytest.mark.parametrize("data", [
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><recording/>',
    b"<recording xmlns='urn:ietf:params:xml:ns:recording:1'><participant>",
    b"<other xmlns='urn:ietf:params:xml:ns:recording:1'/>", b"<recording/>",
    b"<recording xmlns='urn:ietf:params:xml:ns:recording:1'>" + b" " * 70000 + b"</recording>",
])
def test_metadata_refuses_entities_bad_xml_wrong_roots_and_size(data: bytes) -> None:
    with pytest.raises(MetadataError):
        parse_metadata(data)


# -- fuzzing: every parser fails only with its own error ------------------------------------------------------


def test_fuzzed_input_raises_only_the_parsers_own_errors() -> None:
    rng = random.Random(7865)
    seeds = {
        "sip": invite(),
        "sdp": offer_sdp().encode(),
        "xml": METADATA.format(customer_label="1", agent_label="2").encode(),
        "rtp": build_rtp(0, 1, 160, 9, bytes(160)),
    }
    receiver = RtpReceiver()
    for i in range(4000):
        kind = ("sip", "sdp", "xml", "rtp")[i % 4]
        data = mutate(seeds[kind], rng)
        try:
            if kind == "sip":
                message = parse_message(data, stream=bool(i % 8))
                if message.get("content-type").startswith("multipart"):
                    split_multipart(message.get("content-type"), message.body)
                SipFramer().feed(data)
            elif kind == "sdp":
                for media in parse_sdp(data.decode("utf-8", "replace")).media:
                    media.codec()
            elif kind == "xml":
                choose_roles(parse_metadata(data), AgentDirectory(("2001 = sato",)))
            else:
                parsed = parse_rtp(data)
                if isinstance(parsed, RtpPacket):
                    run(receiver, [parsed])
        except (SipError, SdpError, MetadataError):
            pass
