"""The hub on a real loopback port with real websockets clients, the real Publisher and ConsoleClient."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from kasuhara_live import wire
from kasuhara_live.config import Config, HubConfig
from kasuhara_live.errors import ConfigError
from kasuhara_live.events import (
    Action,
    ActionKind,
    Alert,
    CallEnded,
    CallStarted,
    Event,
    Level,
    UtteranceFinal,
    UtterancePartial,
)
from kasuhara_live.hub import HubError
from kasuhara_live.hub.client import ConsoleClient, Publisher
from kasuhara_live.hub.server import Hub, run_hub, tls_from_config
from kasuhara_live.hub.users import Role, User, Users, hash_token

pytestmark = pytest.mark.asyncio

TOKENS = {"sato": "tok-sato", "suzuki": "tok-suzuki", "boss": "tok-boss", "seat-1": "tok-seat-1",
          "seat-2": "tok-seat-2"}
USERS = Users([
    User("sato", Role.AGENT, hash_token(TOKENS["sato"])),
    User("suzuki", Role.AGENT, hash_token(TOKENS["suzuki"])),
    User("boss", Role.SUPERVISOR, hash_token(TOKENS["boss"])),
    User("seat-1", Role.MONITOR, hash_token(TOKENS["seat-1"]), agent="sato"),
    User("seat-2", Role.MONITOR, hash_token(TOKENS["seat-2"]), agent="suzuki"),
])


@pytest.fixture()
def hub_cfg(cfg: Config) -> HubConfig:
    return dataclasses.replace(cfg.hub, max_message_bytes=4096, ended_call_linger_s=60.0)


@contextlib.asynccontextmanager
async def hub_running(hub_cfg: HubConfig, **kwargs: Any) -> AsyncIterator[Hub]:
    async with run_hub(hub_cfg, USERS, host="127.0.0.1", port=0, **kwargs) as hub:
        yield hub


async def raw_client(url: str, name: str | None = None, **kwargs: Any) -> ClientConnection:
    """A bare websockets client; with a name, it says hello and checks the welcome."""
    ws = await connect(url, **kwargs)
    if name is not None:
        await ws.send(json.dumps({"v": 1, "kind": "hello", "token": TOKENS[name]}))
        assert (await recv(ws))["kind"] == "welcome"
    return ws


async def recv(ws: ClientConnection, timeout: float = 3.0) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    return message


async def next_kind(client: ConsoleClient, kind: str, timeout: float = 3.0) -> dict[str, Any]:
    """The next message of a kind from a console (others are skipped)."""
    async def find() -> dict[str, Any]:
        async for message in client:
            if message["kind"] == kind:
                return message
        raise AssertionError("console iteration ended")
    return await asyncio.wait_for(find(), timeout)


async def closed_code(ws: ClientConnection, timeout: float = 3.0) -> int:
    """Read until the connection closes; its close code."""
    with contextlib.suppress(ConnectionClosed):
        async with asyncio.timeout(timeout):
            while True:
                await ws.recv()
    assert ws.close_code is not None
    return ws.close_code


def final(call: str, n: int, text: str | None = None) -> UtteranceFinal:
    return UtteranceFinal(call, float(n), f"u{n}", "customer", n - 0.5, float(n), text or f"発話{n}", -20.0,
                          wall=round(time.time(), 3))


def partial(call: str, n: int, text: str) -> UtterancePartial:
    return UtterancePartial(call, n - 0.2, f"u{n}", "customer", n - 0.5, n - 0.2, text, wall=round(time.time(), 3))


def alert(call: str, n: int) -> Alert:
    return Alert(call, float(n), f"a{n}", "dogeza", Level.WARNING, n - 0.5, float(n), ("土下座しろ",), ("conduct",),
                 "そのようなご要望には応じかねます", source="term:dogeza, grammar:command")


class CuttableProxy:
    """A TCP relay the test can cut (every connection aborted), make refuse new connections, or make swallow
    what the server says (so events reach the hub but their acks are lost)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.refusing = False
        self.swallowing = False
        self.port = 0
        self._writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def cut(self) -> None:
        for writer in self._writers:
            writer.transport.abort()
        self._writers.clear()

    async def close(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            writer.transport.abort()
            return
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._writers += [writer, up_writer]
        await asyncio.gather(self._pipe(reader, up_writer, False), self._pipe(up_reader, writer, True),
                             return_exceptions=True)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, from_server: bool) -> None:
        try:
            while data := await reader.read(65536):
                if from_server and self.swallowing:
                    continue
                writer.write(data)
                await writer.drain()
        finally:
            writer.transport.abort()


# -- authentication and malformed input --------------------------------------------------------------------


async def test_wrong_token_is_told_then_closed_with_4001(hub_cfg: HubConfig) -> None:
    async with hub_running(hub_cfg) as hub:
        ws = await raw_client(hub.url)
        await ws.send(json.dumps({"v": 1, "kind": "hello", "token": "guess"}))
        error = await recv(ws)
        assert error["kind"] == "error" and error["code"] == "unauthorized"
        assert await closed_code(ws) == 4001


@pytest.mark.parametrize("first", ['{"v": 1, "kind": "watch", "call_id": "c1"}', "garbage", "[]"])
async def test_no_hello_is_told_then_closed_with_4002(hub_cfg: HubConfig, first: str) -> None:
    async with hub_running(hub_cfg) as hub:
        ws = await raw_client(hub.url)
        await ws.send(first)
        assert (await recv(ws))["code"] == "hello_required"
        assert await closed_code(ws) == 4002


async def test_a_connection_that_never_says_hello_is_closed(hub_cfg: HubConfig) -> None:
    async with hub_running(hub_cfg) as hub:
        hub.hello_timeout_s = 0.2
        ws = await raw_client(hub.url)
        error = await recv(ws)
        assert error["code"] == "hello_required" and "no hello within 0.2 s" in error["message"]
        assert await closed_code(ws) == 4002


async def test_malformed_messages_get_errors_and_the_hub_serves_on(hub_cfg: HubConfig) -> None:
    async with hub_running(hub_cfg) as hub:
        ws = await raw_client(hub.url, "boss")
        for message, code in [("{oops", "bad_json"), ("[1]", "bad_message"), ('{"v": 1, "kind": "dance"}',
                              "bad_message"), (b"\x00\xff", "bad_json"), ('{"v": 1, "kind": "watch", "call_id": "x"}',
                              "unknown_call")]:
            await ws.send(message)
            assert (await recv(ws))["code"] == code
        seat = await raw_client(hub.url, "seat-1")
        await seat.send(json.dumps({"v": 1, "kind": "publish", "seq": 1,
                                    "event": {"v": 1, "kind": "alert", "call_id": "c1"}}))
        error = await recv(seat)
        assert error["code"] == "bad_event" and error["seq"] == 1 and "missing field" in error["message"]
        await seat.send(json.dumps({"v": 1, "kind": "publish", "seq": 1, "event": wire.to_json(final("c1", 1))}))
        assert await recv(seat) == {"v": 1, "kind": "ack", "call_id": "c1", "seq": 1}
        assert (await recv(ws))["event"]["text"] == "発話1"


async def test_oversized_messages_are_refused_and_others_keep_working(hub_cfg: HubConfig) -> None:
    async with hub_running(hub_cfg) as hub:
        big, boss, seat = [await raw_client(hub.url, n) for n in ("boss", "boss", "seat-1")]
        # Over hub.max_message_bytes: an error reply, the connection stays.
        await big.send(json.dumps({"v": 1, "kind": "watch", "call_id": "x" * 6000}))
        assert (await recv(big))["code"] == "too_large"
        # Far over it: websockets refuses the frame and closes that connection (1009, message too big).
        await big.send("x" * (4 * 4096 + 1))
        assert await closed_code(big) == 1009
        await seat.send(json.dumps({"v": 1, "kind": "publish", "seq": 1, "event": wire.to_json(final("c1", 1))}))
        assert (await recv(seat))["kind"] == "ack"
        assert (await recv(boss))["event"]["text"] == "発話1"


# -- routing with the real clients ----------------------------------------------------------------------------


async def test_agents_see_their_own_calls_and_supervisors_summaries_unless_watching(hub_cfg: HubConfig) -> None:
    async with hub_running(hub_cfg) as hub, \
            ConsoleClient(hub.url, TOKENS["sato"]) as sato, ConsoleClient(hub.url, TOKENS["boss"]) as boss, \
            Publisher(hub.url, TOKENS["seat-1"]) as seat1, Publisher(hub.url, TOKENS["seat-2"]) as seat2:
        assert sato.welcome is not None and sato.welcome.role == "agent" and boss.welcome is not None
        for pub, call in ((seat1, "c1"), (seat2, "c2")):
            for event in (CallStarted(call, 0.0, ("agent", "customer")), partial(call, 1, f"{call}途中"),
                          final(call, 1, f"{call}確定")):
                pub.publish(event)
                assert await pub.drain(3)  # else the final would supersede the partial before it is sent
        got = [(await next_kind(sato, "event"))["event"] for _ in range(3)]
        assert [(e["call_id"], e["kind"]) for e in got] == [
            ("c1", "call.started"), ("c1", "utterance.partial"), ("c1", "utterance.final")]
        got = [(await next_kind(boss, "event"))["event"] for _ in range(4)]
        assert sorted((e["call_id"], e["kind"]) for e in got) == [
            ("c1", "call.started"), ("c1", "utterance.final"), ("c2", "call.started"), ("c2", "utterance.final")]

        await boss.watch("c2")
        history = await next_kind(boss, "history")
        assert history["call_id"] == "c2" and [e["kind"] for e in history["events"]] == [
            "call.started", "utterance.final"]  # the partial of u1 was superseded by its final
        seat1.publish(partial("c1", 2, "c1二"))
        seat2.publish(partial("c2", 2, "c2二"))
        assert await seat1.drain(3)
        seat1.publish(final("c1", 2, "c1二確定"))
        got = [(await next_kind(boss, "event"))["event"] for _ in range(2)]
        assert {(e["call_id"], e["kind"]) for e in got} == {("c2", "utterance.partial"), ("c1", "utterance.final")}
        assert [(await next_kind(sato, "event"))["event"]["text"] for _ in range(2)] == ["c1二", "c1二確定"]

        # An agent cannot reach into another agent's call.
        await sato.watch("c2")
        assert (await next_kind(sato, "error"))["code"] == "forbidden"
        await sato.act(Action("c2", 2.0, ActionKind.SCRIPT_USED), request_id="r1")
        error = await next_kind(sato, "error")
        assert error["code"] == "forbidden" and error["id"] == "r1"
        await sato.act(Action("c1", 2.0, ActionKind.JOIN_REQUESTED, actor="boss"), request_id="r2")
        assert await next_kind(sato, "ack") == {"v": 1, "kind": "ack", "call_id": "c1", "id": "r2"}
        joined = (await next_kind(boss, "event"))["event"]
        assert joined["action"] == "join_requested" and joined["actor"] == "sato" and joined["role"] == "agent"


async def test_a_late_console_gets_the_history_of_live_calls(hub_cfg: HubConfig) -> None:
    async with hub_running(hub_cfg) as hub, Publisher(hub.url, TOKENS["seat-1"]) as seat:
        events: list[Event] = [CallStarted("c1", 0.0, ("mixed",)), final("c1", 1, "最初"), alert("c1", 1),
                               partial("c1", 2, "途中")]
        for event in events:
            seat.publish(event)
        assert await seat.drain(3)
        async with ConsoleClient(hub.url, TOKENS["sato"]) as sato, ConsoleClient(hub.url, TOKENS["boss"]) as boss:
            agent_view = await next_kind(sato, "history")
            assert [wire.from_json(e) for e in agent_view["events"]] == events
            assert agent_view["events"][2]["source"] == "term:dogeza, grammar:command"  # what raised the alert
            supervisor_view = await next_kind(boss, "history")
            assert supervisor_view["scope"] == "summary" and [wire.from_json(e) for e in
                                                              supervisor_view["events"]] == events[:3]


# -- slow consoles --------------------------------------------------------------------------------------------


async def test_a_console_that_stops_reading_is_dropped_without_slowing_the_others(
        cfg: Config, caplog: pytest.LogCaptureFixture) -> None:
    hub_cfg = dataclasses.replace(cfg.hub, client_queue_limit=10)
    caplog.set_level(logging.WARNING, logger="kasuhara_live.hub.server")
    async with hub_running(hub_cfg) as hub, ConsoleClient(hub.url, TOKENS["boss"]) as boss, \
            Publisher(hub.url, TOKENS["seat-1"]) as seat:
        # The sleeper reads its welcome, then nothing: small kernel buffers make it back up quickly.
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", hub.port))
        sock.setblocking(False)
        sleeper = await raw_client(hub.url, "boss", sock=sock, max_queue=1)
        count, latencies = 250, []
        long_text = "お客様のお話を伺っております。" * 400  # ~18 kB in UTF-8, as a stress, not a real utterance

        async def read_all() -> None:
            for _ in range(count):
                message = await next_kind(boss, "event", timeout=10)
                latencies.append(time.time() - message["event"]["wall"])

        reader = asyncio.create_task(read_all())
        for n in range(1, count + 1):
            seat.publish(final("c1", n, f"{n}:{long_text}"))
            if n % 10 == 0:
                await asyncio.sleep(0.01)
        assert await seat.drain(10)
        await asyncio.wait_for(reader, 10)
        assert len(latencies) == count and max(latencies) < 2.0, max(latencies)
        assert "messages behind: disconnecting it" in caplog.text
        # Whatever the sleeper finds in its buffers when it wakes, the hub has closed it.
        code = await closed_code(sleeper, timeout=10)
        assert code in (4008, 1006)


# -- a monitor's connection drops mid-call -----------------------------------------------------------------


async def test_a_monitor_that_loses_its_connection_mid_call_loses_no_final_or_alert(hub_cfg: HubConfig) -> None:
    async with hub_running(hub_cfg) as hub, ConsoleClient(hub.url, TOKENS["boss"]) as boss:
        proxy = CuttableProxy(hub.port)
        await proxy.start()
        received: list[dict[str, Any]] = []

        async def read_call() -> None:
            async for message in boss:
                if message["kind"] == "event":
                    received.append(message["event"])
                    if message["event"]["kind"] == "call.ended":
                        return

        reader = asyncio.create_task(read_call())
        async with Publisher(f"ws://127.0.0.1:{proxy.port}", TOKENS["seat-1"], reconnect_max_s=0.2) as seat:
            assert await seat.wait_connected(3)
            seat.publish(CallStarted("c1", 0.0, ("agent", "customer")))
            for n in range(1, 61):
                seat.publish(partial("c1", n, f"途中{n}"))
                seat.publish(final("c1", n))
                if n % 5 == 0:
                    seat.publish(alert("c1", n))
                await asyncio.sleep(0.004)
                if n == 15:
                    proxy.swallowing = True  # the hub gets events 16-19 but the publisher no acks
                elif n == 20:
                    proxy.cut()
                    proxy.swallowing = False
                    proxy.refusing = True  # the hub is away for a while: the publisher buffers
                elif n == 30:
                    proxy.refusing = False
                elif n in (45, 46):
                    proxy.cut()
            seat.publish(CallEnded("c1", 61.0))
            assert await seat.drain(10), f"{seat.pending} events not acked"
            assert seat.connects >= 3
            assert hub.state.duplicates > 0  # events the hub had were sent again after a reconnect
        await asyncio.wait_for(reader, 5)
        await proxy.close()
    finals = [e["text"] for e in received if e["kind"] == "utterance.final"]
    alerts = [e["alert_id"] for e in received if e["kind"] == "alert"]
    assert finals == [f"発話{n}" for n in range(1, 61)]
    assert alerts == [f"a{n}" for n in range(5, 61, 5)]
    assert received[0]["kind"] == "call.started" and received[-1]["kind"] == "call.ended"


async def test_a_console_reconnects_and_gets_the_history_again(hub_cfg: HubConfig) -> None:
    async with hub_running(hub_cfg) as hub, Publisher(hub.url, TOKENS["seat-1"]) as seat:
        proxy = CuttableProxy(hub.port)
        await proxy.start()
        async with ConsoleClient(f"ws://127.0.0.1:{proxy.port}", TOKENS["sato"], reconnect_max_s=0.2) as sato:
            seat.publish(CallStarted("c1", 0.0, ("mixed",)))
            assert (await next_kind(sato, "event"))["event"]["kind"] == "call.started"
            proxy.cut()
            assert (await next_kind(sato, "disconnected"))["code"] == 1006
            seat.publish(final("c1", 1, "切断中の発話"))  # said while the console was away
            assert (await next_kind(sato, "welcome"))["user"] == "sato"
            history = await next_kind(sato, "history")
            assert [e["kind"] for e in history["events"]] == ["call.started", "utterance.final"]
        await proxy.close()


# -- clients refused --------------------------------------------------------------------------------------------


async def test_a_publisher_with_a_bad_token_fails_clearly_instead_of_retrying(hub_cfg: HubConfig) -> None:
    async with hub_running(hub_cfg) as hub:
        async with Publisher(hub.url, "stolen") as pub:
            with pytest.raises(HubError, match="refused the token"):
                await pub.wait_connected(3)
            with pytest.raises(HubError):
                pub.publish(final("c1", 1))
        async with Publisher(hub.url, TOKENS["sato"]) as pub:
            pub.publish(final("c1", 1))
            with pytest.raises(HubError, match=r"this needs a monitor user's token"):
                await pub.drain(3)


async def test_a_console_with_a_bad_token_or_no_hub_gets_a_hub_error(hub_cfg: HubConfig) -> None:
    async with hub_running(hub_cfg) as hub:
        with pytest.raises(HubError, match="refused the token"):
            async with ConsoleClient(hub.url, "stolen"):
                pass
        port = hub.port
    with pytest.raises(HubError, match="cannot reach the hub"):
        async with ConsoleClient(f"ws://127.0.0.1:{port}", TOKENS["boss"]):
            pass


# -- TLS ----------------------------------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a test certificate")
async def test_tls(hub_cfg: HubConfig, tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    tls_cfg = dataclasses.replace(hub_cfg, tls_cert=str(cert), tls_key=str(key))
    trust = ssl.create_default_context(cafile=str(cert))
    async with run_hub(tls_cfg, USERS, host="127.0.0.1", port=0) as hub:
        assert hub.url.startswith("wss://")
        async with ConsoleClient(hub.url, TOKENS["boss"], ssl=trust) as boss, \
                Publisher(hub.url, TOKENS["seat-1"], ssl=trust) as seat:
            seat.publish(final("c1", 1, "暗号化"))
            assert (await next_kind(boss, "event"))["event"]["text"] == "暗号化"
        # A client that does not trust the certificate cannot connect.
        with pytest.raises(HubError, match="cannot reach the hub"):
            async with ConsoleClient(hub.url, TOKENS["boss"]):
                pass
    with pytest.raises(ConfigError, match=r"hub\.tls_cert and hub\.tls_key go together"):
        tls_from_config(dataclasses.replace(hub_cfg, tls_cert=str(cert)))


class FlakySink:
    """A store that fails on its first write (a full disk that an admin then clears)."""

    def __init__(self) -> None:
        self.failures_left = 1
        self.recorded: list[Event] = []

    def record(self, event: Event, agent: str, monitor: str = "", team: str = "") -> None:
        if self.failures_left:
            self.failures_left -= 1
            raise OSError("no space left on device")
        self.recorded.append(event)


async def test_an_event_the_sink_could_not_record_is_not_acked_and_arrives_after_the_resend(
        hub_cfg: HubConfig, caplog: pytest.LogCaptureFixture) -> None:
    sink = FlakySink()
    async with hub_running(hub_cfg, sink=sink) as hub, ConsoleClient(hub.url, TOKENS["sato"]) as sato, \
            Publisher(hub.url, TOKENS["seat-1"], reconnect_max_s=0.2) as seat:
        seat.publish(final("c1", 1, "記録できるまで"))
        assert await seat.drain(5) and seat.connects == 2  # closed with 1011, reconnected, sent again
        assert (await next_kind(sato, "event"))["event"]["text"] == "記録できるまで"
        assert [e.text for e in sink.recorded] == ["記録できるまで"]  # type: ignore[union-attr]
    assert "internal error on a message" in caplog.text and "記録できるまで" not in caplog.text


async def test_while_the_hub_is_away_partials_give_way_and_finals_and_alerts_are_kept(hub_cfg: HubConfig) -> None:
    async with hub_running(hub_cfg) as hub, ConsoleClient(hub.url, TOKENS["sato"]) as sato:
        seat = Publisher(hub.url, TOKENS["seat-1"], buffer_events=5)  # not started: the hub is "away"
        seat.publish(CallStarted("c1", 0.0, ("mixed",)))
        for text in ("ど", "どげ", "どげざ"):
            seat.publish(partial("c1", 1, text))  # each replaces the one before
        assert seat.pending == 2
        seat.publish(final("c1", 1, "土下座しろ"))  # the final replaces the partial of its utterance
        assert seat.pending == 2
        for n in range(2, 9):
            seat.publish(partial("c1", n, f"途中{n}"))  # seven utterances: only the newest partials fit
        seat.publish(alert("c1", 8))
        for n in range(9, 14):
            seat.publish(final("c1", n))  # finals are kept even beyond buffer_events
        # started, final 1, the alert and finals 9-13: every partial gave way to them.
        assert seat.pending == 8 and seat.dropped_partials == 7
        async with seat:
            assert await seat.drain(3)
        got = [(await next_kind(sato, "event"))["event"] for _ in range(8)]
        assert [e["kind"] for e in got] == ["call.started", "utterance.final", "alert"] + ["utterance.final"] * 5
        assert [e.get("text") for e in got if e["kind"] == "utterance.final"] == [
            "土下座しろ", *[f"発話{n}" for n in range(9, 14)]]


async def test_publish_threadsafe_from_another_thread_keeps_order(hub_cfg: HubConfig) -> None:
    async with hub_running(hub_cfg) as hub, ConsoleClient(hub.url, TOKENS["sato"]) as sato, \
            Publisher(hub.url, TOKENS["seat-1"]) as seat:
        def produce() -> None:
            for n in range(1, 51):
                seat.publish_threadsafe(final("c1", n))

        await asyncio.to_thread(produce)
        assert await seat.drain(5)
        assert [(await next_kind(sato, "event"))["event"]["text"] for _ in range(50)] == [
            f"発話{n}" for n in range(1, 51)]


async def test_the_history_on_connect_fits_however_many_calls_there_are(cfg: Config) -> None:
    hub_cfg = dataclasses.replace(cfg.hub, client_queue_limit=10)
    async with hub_running(hub_cfg) as hub, Publisher(hub.url, TOKENS["seat-1"]) as seat:
        hub.state.max_live_calls = 30  # one seat stands in for thirty (the cap is tested on its own)
        for n in range(30):
            seat.publish(CallStarted(f"c{n}", 0.0, ("mixed",)))
        assert await seat.drain(3)
        async with ConsoleClient(hub.url, TOKENS["boss"]) as boss:
            histories = [await next_kind(boss, "history") for _ in range(30)]
            assert sorted(h["call_id"] for h in histories) == sorted(f"c{n}" for n in range(30))
            seat.publish(final("c0", 1))
            assert (await next_kind(boss, "event"))["event"]["text"] == "発話1"  # still connected


async def test_a_publisher_resending_a_big_buffer_is_slowed_down_not_dropped(cfg: Config) -> None:
    hub_cfg = dataclasses.replace(cfg.hub, client_queue_limit=10)
    async with hub_running(hub_cfg) as hub, ConsoleClient(hub.url, TOKENS["sato"]) as sato:
        seat = Publisher(hub.url, TOKENS["seat-1"])
        for n in range(1, 501):  # buffered while "the hub was away": 50 times the hub's queue limit in acks
            seat.publish(final("c1", n))
        async with seat:
            assert await seat.drain(10) and seat.connects == 1
        texts = [(await next_kind(sato, "event"))["event"]["text"] for _ in range(500)]
        assert texts == [f"発話{n}" for n in range(1, 501)]


def burst(ws: ClientConnection, call_id: str, count: int) -> None:
    """Write ``count`` publish frames to the socket in one go, as a publisher resending its buffer may."""
    for n in range(1, count + 1):
        message = {"v": 1, "kind": "publish", "seq": n, "event": wire.to_json(final(call_id, n, f"{call_id}-{n}"))}
        ws.protocol.send_text(json.dumps(message).encode())
    ws.transport.write(b"".join(ws.protocol.data_to_send()))


async def test_bursts_from_monitors_do_not_get_a_reading_console_dropped(cfg: Config) -> None:
    hub_cfg = dataclasses.replace(cfg.hub, client_queue_limit=10)
    async with hub_running(hub_cfg) as hub, ConsoleClient(hub.url, TOKENS["boss"]) as boss:
        seats = [await raw_client(hub.url, "seat-1"), await raw_client(hub.url, "seat-2")]
        # The hub reads each burst at once: 10 times the consoles' queue limit, from two monitors together.
        for seat, call_id in zip(seats, ("c1", "c2"), strict=True):
            burst(seat, call_id, 100)
        for seat in seats:
            assert [(await recv(seat))["seq"] for _ in range(100)] == list(range(1, 101))
        texts = [(await next_kind(boss, "event"))["event"]["text"] for _ in range(200)]
        for call_id in ("c1", "c2"):
            assert [t for t in texts if t.startswith(call_id)] == [f"{call_id}-{n}" for n in range(1, 101)]
