"""An AudioHook client that plays Genesys Cloud's part, for tests and benchmarks (not a production sender).

:func:`stream_call` sends a stereo call (column 0 the agent, column 1 the customer, int16 at 8000 Hz) to an AudioHook
server as PCMU frames, paced at ``speed`` × real time (0: as fast as the socket takes them), with optional client
pauses and pings, and closes the session the way Genesys does.  :class:`AudioHookClient` is the same client one
message at a time, for tests that need to misbehave in between.  :func:`load_stereo_8k` reads a recorded call.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl as ssl_module
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from kasuhara_live.errors import AudioError, KasuharaError
from kasuhara_live.ingest.audiohook_protocol import RATE
from kasuhara_live.ingest.g711 import encode_ulaw

STEREO = [{"type": "audio", "format": "PCMU", "channels": ["external", "internal"], "rate": RATE}]
MONO = [{"type": "audio", "format": "PCMU", "channels": ["external"], "rate": RATE}]
COLUMN_OF = {"internal": 0, "external": 1}  # the call array's columns: agent, customer


class AudioHookClientError(KasuharaError):
    """The server refused, disconnected or did not answer."""


@dataclass
class ClientResult:
    """What one streamed session saw."""

    session: str = ""  # the session id the client used
    messages: list[dict[str, Any]] = field(default_factory=list)  # the server's, in order
    disconnect_info: str = ""  # the server's disconnect, if it sent one
    close_code: int | None = None


def duration(seconds: float) -> str:
    """AudioHook's ISO 8601 form of a duration: ``PT1.5S``."""
    text = f"{seconds:.3f}".rstrip("0").rstrip(".")
    return f"PT{text}S"


class AudioHookClient:
    """One session over a connected websocket; :meth:`connect` makes one."""

    def __init__(self, ws: ClientConnection, session_id: str) -> None:
        self.ws = ws
        self.id = session_id
        self.seq = 0
        self.serverseq = 0
        self.samples = 0  # stream position in samples, discarded audio included
        self.media: list[str] = []
        self.asked_to_pause = False  # the server's last word was pause (not resume)
        self.paused_at: int | None = None  # where our pause began, in samples, while paused
        self.result = ClientResult(session_id)
        self._inbox: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, url: str, *, api_key: str = "", session_id: str = "",
                      ssl: ssl_module.SSLContext | None = None) -> AudioHookClient:
        """Open the websocket with Genesys's headers (a random session id unless given)."""
        session_id = session_id or str(uuid.uuid4())
        headers = {"Audiohook-Session-Id": session_id, "Audiohook-Correlation-Id": str(uuid.uuid4()),
                   "Audiohook-Organization-Id": str(uuid.uuid4())}
        if api_key:
            headers["X-API-KEY"] = api_key
        ws = await connect(url, additional_headers=headers, ssl=ssl, compression=None, ping_interval=None,
                           max_size=2**20, open_timeout=10)
        return cls(ws, session_id)

    @property
    def disconnected(self) -> bool:
        return bool(self.result.disconnect_info) or self._reader.done()

    async def send(self, kind: str, parameters: dict[str, Any]) -> None:
        """A client message with the next seq, the last serverseq seen and the current position."""
        self.seq += 1
        await self.ws.send(json.dumps({"version": "2", "id": self.id, "type": kind, "seq": self.seq,
                                       "serverseq": self.serverseq, "position": duration(self.samples / RATE),
                                       "parameters": parameters}))

    async def open(self, *, conversation_id: str = "", ani: str = "+81312345678", dnis: str = "+81120000000",
                   media: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
        """Send open (extra parameters such as customConfig go in as given) and wait for opened."""
        params = {"organizationId": str(uuid.uuid4()), "conversationId": conversation_id or str(uuid.uuid4()),
                  "participant": {"id": str(uuid.uuid4()), "ani": ani, "aniName": "", "dnis": dnis},
                  "media": STEREO if media is None else media, "language": "ja-JP", **extra}
        await self.send("open", params)
        opened = await self.expect("opened")
        self.media = list(opened["parameters"]["media"][0]["channels"])
        return opened

    async def send_audio(self, call: np.ndarray) -> None:
        """Frames of the call (n × 2 int16: agent, customer) in the chosen media's channel order."""
        columns = [call[:, COLUMN_OF[name]] for name in self.media]
        await self.ws.send(encode_ulaw(np.stack(columns, axis=1).reshape(-1)))
        self.samples += call.shape[0]

    async def pause(self, seconds: float) -> None:
        """A client pause: paused, ``seconds`` of audio not sent, then resumed with that much discarded."""
        start = duration(self.samples / RATE)
        await self.send("paused", {})
        self.samples += round(seconds * RATE)
        await self.send("resumed", {"start": start, "discarded": duration(seconds)})

    async def follow_server(self) -> None:
        """Answer the server's pause with paused and its resume with resumed, as Genesys does."""
        if self.asked_to_pause and self.paused_at is None:
            self.paused_at = self.samples
            await self.send("paused", {})
        elif not self.asked_to_pause and self.paused_at is not None:
            start, self.paused_at = self.paused_at, None
            await self.send("resumed", {"start": duration(start / RATE),
                                        "discarded": duration((self.samples - start) / RATE)})

    async def close(self, reason: str = "end") -> dict[str, Any]:
        """The close transaction, then the websocket's own close, as Genesys ends a session."""
        await self.send("close", {"reason": reason})
        closed = await self.expect("closed")
        await self.ws.close()
        return closed

    async def expect(self, kind: str, timeout: float = 10.0) -> dict[str, Any]:
        """The server's next message of this type (others are skipped); a disconnect or closed socket raises."""
        async with asyncio.timeout(timeout):
            while (message := await self._inbox.get()) is not None:
                if message.get("type") == kind:
                    return message
                if message.get("type") == "disconnect" and kind != "closed":  # closing after one is the norm
                    raise AudioHookClientError(f"server disconnected: {message['parameters'].get('info', '')}")
        raise AudioHookClientError(f"connection closed while waiting for {kind} (code {self.ws.close_code})")

    async def finish(self) -> ClientResult:
        """Close the socket if still open and return what the session saw."""
        await self.ws.close()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        self.result.close_code = self.ws.close_code
        return self.result

    async def _read(self) -> None:
        try:
            async for data in self.ws:
                message = json.loads(data)
                self.result.messages.append(message)
                self.serverseq = max(self.serverseq, int(message.get("seq", 0)))
                if message.get("type") in ("pause", "resume"):
                    self.asked_to_pause = message["type"] == "pause"
                if message.get("type") == "disconnect":
                    self.result.disconnect_info = str(message["parameters"].get("info", "")) or "(no info)"
                self._inbox.put_nowait(message)
        except ConnectionClosed:
            pass
        finally:
            self._inbox.put_nowait(None)


async def stream_call(url: str, call: np.ndarray | Path, *, speed: float = 1.0, frame_ms: int = 100,
                      pauses: Sequence[tuple[float, float]] = (), ping_every_s: float = 0.0, api_key: str = "",
                      ssl: ssl_module.SSLContext | None = None, **open_params: Any) -> ClientResult:
    """Stream ``call`` (n × 2 int16 at 8000 Hz: agent, customer; or a stereo file, left the agent) as one
    AudioHook session and close it.

    ``pauses``: (at_s, seconds) client pauses, whose audio is skipped as Genesys skips it; ``ping_every_s``: a ping
    every so many seconds of audio.  The server's pause and resume are answered as Genesys answers them.  A server
    disconnect stops the stream (see the result's ``disconnect_info``).
    """
    if isinstance(call, Path):
        call = load_stereo_8k(call)
    client = await AudioHookClient.connect(url, api_key=api_key, ssl=ssl)
    try:
        await client.open(**open_params)
        await _stream(client, call, speed, RATE * frame_ms // 1000, sorted(pauses), ping_every_s)
        if client.disconnected:
            with contextlib.suppress(AudioHookClientError, ConnectionClosed):
                await client.close("disconnect")
        else:
            await client.close()
    except AudioHookClientError:
        pass  # the server's disconnect is in the result
    return await client.finish()


async def _stream(client: AudioHookClient, call: np.ndarray, speed: float, frame: int,
                  pauses: list[tuple[float, float]], ping_every_s: float) -> None:
    loop = asyncio.get_running_loop()
    origin = loop.time()
    next_ping = ping_every_s
    while client.samples < call.shape[0] and not client.disconnected:
        if pauses and pauses[0][0] * RATE <= client.samples:
            await client.pause(pauses.pop(0)[1])
            continue
        await client.follow_server()
        chunk = call[client.samples: client.samples + frame]
        if client.paused_at is None:
            await client.send_audio(chunk)
        else:
            client.samples += chunk.shape[0]  # paused by the server: this audio is discarded, its time passes
        if ping_every_s and client.samples >= next_ping * RATE:
            next_ping += ping_every_s
            await client.send("ping", {})
        if speed > 0:
            await asyncio.sleep(max(0.0, origin + client.samples / RATE / speed - loop.time()))
        else:
            await asyncio.sleep(0)  # let the reader see a disconnect


def load_stereo_8k(path: Path) -> np.ndarray:
    """A stereo recording (left agent, right customer) as n × 2 int16 at 8000 Hz."""
    import av  # PyAV comes with faster-whisper; imported here so the client needs it only for files

    try:
        container = av.open(str(path))
    except Exception as exc:  # PyAV raises many error types for unreadable input
        raise AudioError(f"cannot read audio {path}: {exc}") from None
    with container:
        stream = container.streams.audio[0]
        if stream.codec_context.channels != 2:
            raise AudioError(f"{path} is not stereo: give left = agent, right = customer")
        resampler = av.AudioResampler(format="s16", layout="stereo", rate=RATE)
        blocks = [out.to_ndarray().reshape(-1, 2) for frame in container.decode(stream)
                  for out in resampler.resample(frame)]
        blocks += [out.to_ndarray().reshape(-1, 2) for out in resampler.resample(None)]
    return np.concatenate(blocks).astype(np.int16)
