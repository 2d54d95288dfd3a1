"""The SIPREC server on loopback, driven by a small Python SBC: calls, refusals, timeouts and hostile input."""

from __future__ import annotations

import asyncio
import random
import re
import socket

import numpy as np
import pytest

from kasuhara_live.ingest.g711 import encode_ulaw
from kasuhara_live.ingest.rtp import build_rtp
from kasuhara_live.ingest.sink import CallMeta
from kasuhara_live.ingest.sip import SipMessage, parse_message
from kasuhara_live.ingest.siprec import SiprecServer
from tests.siprec_helpers import METADATA, FakeHandle, FakeSink, ingest_cfg, invite, offer_sdp, request

pytestmark = pytest.mark.asyncio


class Sbc(asyncio.DatagramProtocol):
    """A scripted SBC: sends SIP from one UDP socket and queues what comes back."""

    def __init__(self) -> None:
        self.responses: asyncio.Queue[SipMessage] = asyncio.Queue()
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self.responses.put_nowait(parse_message(data))

    @property
    def peer(self) -> str:
        assert self.transport is not None
        host, port = self.transport.get_extra_info("sockname")[:2]
        return f"{host}:{port}"

    def send(self, server: SiprecServer, data: bytes) -> None:
        assert self.transport is not None
        self.transport.sendto(data, ("127.0.0.1", server.port))

    async def final(self, timeout: float = 3.0) -> SipMessage:
        while True:
            response = await asyncio.wait_for(self.responses.get(), timeout)
            if response.status >= 200:
                return response


async def sbc(host: str = "127.0.0.1") -> Sbc:
    _, protocol = await asyncio.get_running_loop().create_datagram_endpoint(Sbc, local_addr=(host, 0))
    return protocol


def answer_ports(response: SipMessage) -> list[int]:
    return [int(p) for p in re.findall(r"^m=audio (\d+) ", response.body.decode(), re.MULTILINE)]


def tone(freq: float, packets: int) -> list[bytes]:
    t = np.arange(packets * 160) / 8000
    pcm = (8000 * np.sin(2 * np.pi * freq * t)).astype(np.int16)
    return [encode_ulaw(pcm[i * 160:(i + 1) * 160]) for i in range(packets)]


def send_rtp(ports: list[int], packets: int = 25, source: str = "127.0.0.1", ssrc: int = 7, seq0: int = 0) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((source, 0))
        for stream, port in enumerate(ports):
            for i, payload in enumerate(tone(300 + 400 * stream, packets), start=seq0):
                sock.sendto(build_rtp(0, 1000 + i, 160 * i, ssrc + stream, payload), ("127.0.0.1", port))


async def until(condition: object, timeout: float = 3.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def place_call(server: SiprecServer, client: Sbc, call_id: str) -> SipMessage:
    client.send(server, invite(call_id, peer=client.peer))
    ok = await client.final()
    assert ok.status == 200, ok.reason
    client.send(server, request("ACK", call_id, 1, client.peer, to_tag="x"))
    return ok


async def test_a_call_records_both_streams_agent_first_and_ends_on_bye() -> None:
    sink = FakeSink()
    async with SiprecServer(ingest_cfg(agents=("2001 = sato",)), sink) as server:
        client = await sbc()
        client.send(server, invite(peer=client.peer))
        trying = await asyncio.wait_for(client.responses.get(), 3)
        assert trying.status == 100
        ok = await client.final()
        assert ok.status == 200 and ok.get("content-type") == "application/sdp"
        assert "tag=" in ok.get("to") and "+sip.srs" in ok.get("contact")
        await asyncio.sleep(0.6)
        assert (await client.final()).serialise() == ok.serialise()  # no ACK yet: the 200 is sent again
        client.send(server, request("ACK", cseq=1, peer=client.peer))
        body = ok.body.decode()
        assert body.count("a=recvonly") == 2 and "a=label:1" in body and "a=label:2" in body
        ports = answer_ports(ok)
        send_rtp(ports)
        call = sink.calls[0]
        await until(lambda: sum(map(len, call.chunks.get(0, []))) >= 25 * 160 - 160 * 5)
        client.send(server, request("BYE", cseq=2, peer=client.peer))
        assert (await client.final()).status == 200
        await until(lambda: call.ends)
        assert call.ends == ["bye"] and call.rates == {8000}
        assert call.meta.protocol == "siprec" and call.meta.agent_key == "2001" and call.meta.caller == "0312345678"
        # the agent (label 2, the second m-line) is channel 0: its tone is the second one, 700 Hz
        for channel, freq in ((0, 700), (1, 300)):
            audio = call.channel(channel).astype(float)
            assert len(audio) == 25 * 160
            spectrum = np.abs(np.fft.rfft(audio))
            assert abs(np.argmax(spectrum) * 8000 / len(audio) - freq) < 10
        assert server.active_calls == 0 and not server.pool._used


async def test_a_retransmitted_invite_gets_the_same_answer_and_a_reinvite_the_same_ports() -> None:
    sink = FakeSink()
    async with SiprecServer(ingest_cfg(), sink) as server:
        client = await sbc()
        ok = await place_call(server, client, "c-re")
        client.send(server, invite("c-re", peer=client.peer))
        again = await client.final()
        assert again.serialise() == ok.serialise() and len(sink.calls) == 1
        tag = ok.get("to").split("tag=")[1]
        client.send(server, invite("c-re", cseq=5, peer=client.peer, to_tag=tag,
                                   sdp=offer_sdp(ports=(7000, 7002))))
        re_ok = await client.final()
        assert re_ok.status == 200 and answer_ports(re_ok) == answer_ports(ok) and len(sink.calls) == 1


async def test_options_busy_refused_and_unusable_offers() -> None:
    sink = FakeSink()
    async with SiprecServer(ingest_cfg(max_calls=1), sink) as server:
        client = await sbc()
        client.send(server, request("OPTIONS", "ping", 1, client.peer))
        options = await client.final()
        assert options.status == 200 and "siprec" in options.get("supported")
        await place_call(server, client, "first")
        client.send(server, invite("second", peer=client.peer))
        assert (await client.final()).status == 486
        client.send(server, request("BYE", "first", 2, client.peer))
        assert (await client.final()).status == 200
        client.send(server, invite("g729", peer=client.peer, sdp=offer_sdp(formats="18")))
        assert (await client.final()).status == 488
        client.send(server, request("BYE", "nobody", 2, client.peer))
        assert (await client.final()).status == 481
        sink.refuse = "unknown agent"
        client.send(server, invite("refused", peer=client.peer))
        assert (await client.final()).status == 486
        assert not server.pool._used


async def test_a_peer_not_allowed_gets_403() -> None:
    async with SiprecServer(ingest_cfg(allow=("10.0.0.0/8",)), FakeSink()) as server:
        client = await sbc()
        client.send(server, invite(peer=client.peer))
        assert (await client.final()).status == 403


async def test_no_media_ends_the_call_and_shutdown_ends_the_rest() -> None:
    sink = FakeSink()
    async with SiprecServer(ingest_cfg(no_media_timeout_s=1.0), sink) as server:
        client = await sbc()
        await place_call(server, client, "silent")
        await place_call(server, client, "talking")
        for _ in range(15):
            send_rtp(answer_ports_of(server, "talking"), packets=5)
            await asyncio.sleep(0.1)
        assert sink.by_session("silent").ends == ["no_media"]
        assert sink.by_session("talking").ends == []
    assert sink.by_session("talking").ends == ["shutdown"]


def answer_ports_of(server: SiprecServer, call_id: str) -> list[int]:
    call = server.dialogs[call_id].call
    assert call is not None
    return call.ports


async def test_rtp_from_another_address_is_not_heard() -> None:
    sink = FakeSink()
    async with SiprecServer(ingest_cfg(), sink) as server:
        client = await sbc()
        ok = await place_call(server, client, "c1")
        send_rtp(answer_ports(ok), source="127.0.0.2")
        await asyncio.sleep(0.2)
        assert sink.calls[0].chunks == {}


async def test_sip_over_tcp_in_pieces() -> None:
    sink = FakeSink()
    async with SiprecServer(ingest_cfg(), sink) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        data = b"\r\n\r\n" + invite("tcp-call").replace(b"SIP/2.0/UDP", b"SIP/2.0/TCP") + request("OPTIONS", "p", 1)
        for i in range(0, len(data), 97):
            writer.write(data[i:i + 97])
            await writer.drain()
        statuses = []
        while len(statuses) < 3:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 3)
            length = int(re.search(rb"Content-Length: (\d+)", head).group(1))  # type: ignore[union-attr]
            statuses.append(parse_message(head + await reader.readexactly(length), stream=True).status)
        assert statuses == [100, 200, 200] and sink.calls[0].meta.session == "tcp-call"
        writer.write(b"INVITE sip:x SIP/2.0\r\nContent-Length: nope\r\n\r\n")
        assert await asyncio.wait_for(reader.read(), 3) == b""  # unframeable: that connection is closed
        writer.close()


@pytest.mark.parametrize("bad_metadata", [
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><recording xmlns="urn:ietf:params:xml:ns:recording:1"/>',
    "<recording>unclosed",
])
async def test_bad_sdp_or_metadata_is_answered_400(bad_metadata: str) -> None:
    async with SiprecServer(ingest_cfg(), FakeSink()) as server:
        client = await sbc()
        client.send(server, invite("bad-xml", peer=client.peer, metadata=bad_metadata))
        assert (await client.final()).status == 400
        client.send(server, invite("bad-sdp", peer=client.peer, sdp="v=0\r\nm=audio x RTP/AVP 0\r\n"))
        assert (await client.final()).status == 400
        client.send(server, b"INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9\r\nbroken header\r\n\r\n")
        assert (await client.final()).status == 400


_SPICE = b"\r\n:;=<>/@ \t-0123456789abcdefghijklmnopqrstuvwxyz\"'&!"


def mutate(data: bytes, rng: random.Random) -> bytes:
    """A few random edits; mostly with characters that mean something to SIP, SDP and XML, so the mutants get
    past UTF-8 decoding and into the parsers."""
    out = bytearray(data)

    def byte() -> int:
        return rng.choice(_SPICE) if rng.random() < 0.9 else rng.randrange(256)

    for _ in range(rng.randint(1, 8)):
        choice = rng.random()
        pos = rng.randrange(len(out) or 1)
        if choice < 0.4 and out:
            out[pos] = byte()
        elif choice < 0.7:
            out[pos:pos] = bytes(byte() for _ in range(rng.randint(1, 16)))
        elif choice < 0.9:
            del out[pos:pos + rng.randint(1, 64)]
        else:
            out = out[:pos]
    return bytes(out)


async def test_fuzzed_sip_and_rtp_leave_the_server_and_a_good_call_standing() -> None:
    rng = random.Random(20261207)
    sink = FakeSink()
    async with SiprecServer(ingest_cfg(), sink) as server:
        good = await sbc()
        ok = await place_call(server, good, "good-call")
        ports = answer_ports(ok)
        fuzzer = await sbc()
        xml = METADATA.format(customer_label="1", agent_label="2")
        seeds = [invite(f"fz-{i}", peer=fuzzer.peer) for i in range(3)]
        seeds += [invite("fz-sdp", peer=fuzzer.peer, sdp=mutate(offer_sdp().encode(), rng).decode("latin-1")),
                  request("BYE", "fz-0", 3, fuzzer.peer), request("OPTIONS", "o", 1, fuzzer.peer)]
        rtp = build_rtp(0, 5, 800, 99, bytes(160))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as raw:
            for i in range(600):
                seed = rng.choice(seeds)
                if i % 3 == 0:  # the SIP layer intact, the metadata or the SDP mutated
                    mutant = mutate((xml if i % 2 else offer_sdp()).encode(), rng).decode("utf-8", "replace")
                    seed = invite(f"fx-{i}", peer=fuzzer.peer, **{"metadata" if i % 2 else "sdp": mutant})
                fuzzer.send(server, mutate(seed, rng) if i % 3 else seed)
                raw.sendto(mutate(rtp, rng), ("127.0.0.1", ports[i % 2]))
                if i % 50 == 0:
                    await asyncio.sleep(0.01)
        await asyncio.sleep(0.3)  # let the server work through the fuzz before the good audio
        for burst in range(10):  # paced, as a real sender is: a burst could overflow the socket buffer
            send_rtp(ports, packets=10, seq0=10 * burst)
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)  # (the fuzzer's SSRC was heard first: ours takes over after 50 packets)
        good.send(server, request("BYE", "good-call", 9, good.peer))
        while (await good.final()).get("cseq") != "9 BYE":
            pass
        call = sink.by_session("good-call")
        await until(lambda: call.ends)
        assert call.ends == ["bye"] and len(call.channel(0)) >= 50 * 160
        client = await sbc()
        await place_call(server, client, "after-fuzz")  # still answering


class BrokenSink(FakeSink):
    def open_call(self, meta: CallMeta) -> FakeHandle:
        raise RuntimeError("the core fell over")


async def test_extensions_non_siprec_invites_port_exhaustion_and_a_failing_core() -> None:
    sink = FakeSink()
    async with SiprecServer(ingest_cfg(rtp_port_min=41000, rtp_port_max=41003), sink) as server:
        client = await sbc()
        client.send(server, invite("ext", peer=client.peer).replace(b"Require: siprec", b"Require: siprec, 100rel"))
        busy = await client.final()
        assert busy.status == 420 and busy.get("unsupported") == "100rel"
        plain = invite("plain", peer=client.peer).replace(b"Require: siprec\r\n", b"").replace(b";+sip.src", b"")
        client.send(server, plain)
        assert (await client.final()).status == 488
        ok = await place_call(server, client, "only-one")
        assert sorted(answer_ports(ok)) == [41000, 41002]
        client.send(server, invite("no-ports", peer=client.peer))
        assert (await client.final()).status == 503
        client.send(server, request("BYE", "only-one", 2, client.peer))
        assert (await client.final()).status == 200
    broken = BrokenSink()
    async with SiprecServer(ingest_cfg(), broken) as server:
        client = await sbc()
        client.send(server, invite("broken", peer=client.peer))
        assert (await client.final()).status == 500
        assert server.active_calls == 0 and not server.pool._used


async def test_in_dialog_requests() -> None:
    sink = FakeSink()
    async with SiprecServer(ingest_cfg(), sink) as server:
        client = await sbc()
        ok = await place_call(server, client, "dlg")
        tag = ok.get("to").split("tag=")[1]
        for method, status in (("CANCEL", 200), ("INFO", 200), ("UPDATE", 200), ("SUBSCRIBE", 405)):
            client.send(server, request(method, "dlg", 3, client.peer, to_tag=tag))
            response = await client.final()
            assert response.status == status, method
            assert response.body == b""
        client.send(server, request("INVITE", "dlg", 4, client.peer, to_tag=tag))
        offer = await client.final()  # a re-INVITE without SDP: our last SDP comes back as the offer
        assert offer.status == 200 and answer_ports(offer) == answer_ports(ok)
        client.send(server, request("ACK", "dlg", 4, client.peer, to_tag=tag))
        assert sink.calls[0].ends == []
