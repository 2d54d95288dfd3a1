"""One recorded SIPREC call on the asyncio loop: its RTP sockets, a receiver per stream, the no-media watchdog,
and the ports it holds from ``ingest.rtp_port_min``..``rtp_port_max``.

Ports: a call takes one block of even-aligned ports, stream *i* at ``base + 2*i`` (and ``base + 2*i + 1`` kept
free for its RTCP, RFC 3550 §11).  One block per call keeps a call's streams together in firewall logs and is
what lets SIPp's pcap replay (one pcap, per-packet port offsets from the first m-line) reach every stream.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable

import numpy as np

from kasuhara_live.ingest.rtp import Decoder, RtpReceiver, is_rtcp, parse_rtp
from kasuhara_live.ingest.sink import CallHandle

log = logging.getLogger("kasuhara_live.ingest.siprec")
_LOGGED_BAD_PACKETS = 5  # per stream at WARNING; the rest at DEBUG, so a flood cannot flood the log


class PortPool:
    """The RTP port range, handed out in blocks of two ports per stream and taken back when a call ends."""

    def __init__(self, low: int, high: int) -> None:
        self.low = low + (low % 2)
        self.high = high
        self._used: set[int] = set()
        self._cursor = self.low

    def candidates(self, streams: int) -> list[int]:
        """Free block bases, starting after the last one given (so a just-freed port is not reused at once)."""
        size = 2 * streams
        span = range(self.low, self.high - size + 2, 2)
        if not span:
            return []
        start = (self._cursor - self.low) // 2 % len(span)
        ordered = list(span[start:]) + list(span[:start])
        return [b for b in ordered if not any(p in self._used for p in range(b, b + size))]

    def take(self, base: int, streams: int) -> None:
        self._used.update(range(base, base + 2 * streams))
        self._cursor = base + 2 * streams

    def give_back(self, base: int, streams: int) -> None:
        self._used.difference_update(range(base, base + 2 * streams))


class _StreamProtocol(asyncio.DatagramProtocol):
    def __init__(self, call: RecordedCall, channel: int) -> None:
        self.call = call
        self.channel = channel
        self.receiver = RtpReceiver(call.decoders[channel] if channel < len(call.decoders) else None)
        self.bad = 0

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self.call.packet(self, data, str(addr[0]))


class RecordedCall:
    """The media side of one call: ``open()`` binds its streams, ``start()`` feeds them to the core's handle,
    ``end()`` releases everything once."""

    def __init__(self, call_id: str, media_hosts: set[str], decoders: list[dict[int, Decoder]],
                 no_media_timeout_s: float, on_end: Callable[[RecordedCall, str], None]) -> None:
        self.call_id = call_id
        self.handle: CallHandle | None = None
        self.media_hosts = media_hosts  # the signalling peer and the SDP c= addresses: RTP from nowhere else
        self.decoders = decoders  # per channel: payload type → decoder
        self.timeout = no_media_timeout_s
        self.on_end = on_end
        self.ports: list[int] = []
        self.base = 0
        self.ended = ""
        self._transports: list[asyncio.DatagramTransport] = []
        self._streams: list[_StreamProtocol] = []
        self._loop = asyncio.get_running_loop()
        self._last_media = self._loop.time()
        self._watchdog: asyncio.Task[None] | None = None

    async def open(self, pool: PortPool, host: str, slots: list[int]) -> bool:
        """Bind one RTP socket per channel in one block of the pool, channel *c* at ``base + 2*slots[c]``;
        False when no block is free."""
        for base in pool.candidates(len(slots)):
            ports = [base + 2 * slot for slot in slots]
            if await self._bind_block(host, ports):
                pool.take(base, len(slots))
                self.base, self.ports = base, ports
                return True
        return False

    def start(self, handle: CallHandle) -> None:
        """Audio goes to ``handle`` from now on; the no-media watchdog starts."""
        self.handle = handle
        self._last_media = self._loop.time()
        self._watchdog = asyncio.create_task(self._watch(), name=f"siprec-watchdog-{self.call_id[:32]}")

    def close(self) -> None:
        """Release the sockets of a call that never started (the core refused it)."""
        self.ended = "refused"
        for transport in self._transports:
            transport.close()

    async def _bind_block(self, host: str, ports: list[int]) -> bool:
        transports: list[asyncio.DatagramTransport] = []
        streams: list[_StreamProtocol] = []
        try:
            for channel, port in enumerate(ports):
                stream = _StreamProtocol(self, channel)
                transport, _ = await self._loop.create_datagram_endpoint(
                    lambda s=stream: s, local_addr=(host, port), family=_family(host))  # type: ignore[misc]
                transports.append(transport)
                streams.append(stream)
        except OSError:
            for transport in transports:
                transport.close()  # another program holds a port of this block: try the next block
            return False
        self._transports, self._streams = transports, streams
        return True

    def packet(self, stream: _StreamProtocol, data: bytes, host: str) -> None:
        """One datagram on one of our RTP ports."""
        if self.handle is None or self.ended or _plain(host) not in self.media_hosts or is_rtcp(data):
            return
        parsed = parse_rtp(data)
        if isinstance(parsed, str):
            stream.bad += 1
            level = logging.WARNING if stream.bad <= _LOGGED_BAD_PACKETS else logging.DEBUG
            log.log(level, "siprec: call %s channel %d: dropped a packet from %s: %s",
                    self.call_id[:64], stream.channel, host, parsed)
            return
        self._last_media = self._loop.time()
        self._deliver(stream.channel, stream.receiver.push(parsed))

    def _deliver(self, channel: int, blocks: list[np.ndarray]) -> None:
        if self.handle is None:
            return
        for block in blocks:
            try:
                self.handle.audio(channel, block, 8000)
            except Exception as err:  # the core's trouble must not take the server down
                log.warning("siprec: call %s: the call core refused audio: %s", self.call_id[:64], err)
                return

    async def _watch(self) -> None:
        while not self.ended:
            idle = self._loop.time() - self._last_media
            if idle >= self.timeout:
                self.end("no_media")
                return
            await asyncio.sleep(min(self.timeout - idle + 0.01, 1.0))

    def end(self, reason: str) -> None:
        """Flush what the reorder windows hold, end the core's call and close the sockets (once)."""
        if self.ended:
            return
        self.ended = reason
        for stream in self._streams:
            self._deliver(stream.channel, stream.receiver.flush())
        for transport in self._transports:
            transport.close()
        if self._watchdog is not None and self._watchdog is not asyncio.current_task():
            self._watchdog.cancel()
        try:
            if self.handle is not None:
                self.handle.end(reason)
        except Exception as err:
            log.warning("siprec: call %s: ending it in the call core failed: %s", self.call_id[:64], err)
        self.on_end(self, reason)


def _family(host: str) -> int:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _plain(host: str) -> str:
    """An address as the allowlist and the SDP write it (a dual-stack socket reports ::ffff:a.b.c.d)."""
    return host.removeprefix("::ffff:") if host.startswith("::ffff:") and "." in host else host
