"""The ``ingest`` command: the call server's edges around the call core.

One process holds the recogniser, the judge and the hub connection (an ``ingest`` user's token), and listens for
calls on the protocols ``[ingest]`` turns on: SIPREC from an SBC and Genesys AudioHook websockets.  Each call is
opened on the :class:`~kasuhara_live.ingest.calls.CallDesk`, which publishes its events to the hub with the agent
the site's mapping names.  Ctrl-C or SIGTERM: the adapters stop taking calls and end theirs (``shutdown``), the
desk waits for the last finals, and the publisher delivers everything before the process exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass

from kasuhara_live.asr.transcriber import Transcriber
from kasuhara_live.config import Config
from kasuhara_live.events import Event
from kasuhara_live.ingest.calls import CallDesk, HooksFor

log = logging.getLogger(__name__)


@dataclass
class IngestResult:
    """How the server's run went: calls taken and refused, and whether the hub has everything."""

    opened: int = 0
    refused: int = 0
    delivered: bool = False
    events_refused: int = 0

    def summary(self) -> str:
        state = "all delivered to the hub" if self.delivered else "NOT all delivered to the hub"
        if self.events_refused:
            state = f"{self.events_refused} events REFUSED by the hub"
        return f"ingest: {self.opened} calls taken, {self.refused} refused; {state}"


@contextlib.asynccontextmanager
async def listening(cfg: Config, desk: CallDesk) -> AsyncIterator[list[str]]:
    """Start every protocol ``[ingest]`` turns on, for the ``async with`` block; yields where each listens."""
    from kasuhara_live.ingest.audiohook import run_audiohook
    from kasuhara_live.ingest.siprec import SiprecServer

    where: list[str] = []
    async with AsyncExitStack() as stack:
        if cfg.ingest.sip_listen:
            sip = await stack.enter_async_context(SiprecServer(cfg.ingest, desk))
            where.append(f"SIPREC on {sip.host}:{sip.port} (udp, tcp)")
        if cfg.ingest.audiohook_listen:
            hook = await stack.enter_async_context(run_audiohook(cfg.ingest, desk))
            where.append(f"AudioHook on {hook.url}")
        yield where


async def serve(cfg: Config, transcriber: Transcriber, hooks_for: HooksFor, *, hub_url: str, token: str,
                stop: asyncio.Event, config_version: str = "",
                ready: Callable[[list[str]], None] | None = None) -> IngestResult:
    """Run the call server until ``stop`` is set."""
    from kasuhara_live.monitor import open_publisher

    result = IngestResult()
    # Partials beyond the bound are dropped while the hub is away (never finals): a bound per call, as a monitor has.
    bound = cfg.monitor.buffer_events * max(1, min(cfg.ingest.max_calls, 100))
    async with open_publisher(cfg, hub_url, token, role="ingest", buffer_events=bound) as publisher:
        loop = asyncio.get_running_loop()

        def publish(event: Event, agent: str) -> None:  # from the calls' threads
            loop.call_soon_threadsafe(publisher.publish, event, agent)

        desk = CallDesk(cfg, transcriber, publish, hooks_for, config_version)
        try:
            async with listening(cfg, desk) as where:
                if not await publisher.wait_connected(5.0):
                    log.warning("the hub at %s is not reachable yet; events are kept until it is", hub_url)
                if ready is not None:
                    ready(where)
                health = asyncio.create_task(_report_health(desk, transcriber, stop))
                await stop.wait()
                await health
        finally:
            # The adapters have ended their calls (shutdown); the desk waits for each call's last events.
            await asyncio.to_thread(desk.close, 60.0)
            result.opened, result.refused = desk.opened, desk.refused
            result.delivered = await publisher.drain(30.0)
            result.events_refused = publisher.refused()
            result.delivered = result.delivered and not result.events_refused
    return result


HEALTH_EVERY_S = 60.0


async def _report_health(desk: CallDesk, transcriber: Transcriber, stop: asyncio.Event) -> None:
    """One log line a minute: live calls, and how the shared recogniser keeps up (a queue that waits long means
    the machine carries more calls than it can: move some to another server)."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), HEALTH_EVERY_S)
        if stop.is_set():
            return
        stats = getattr(transcriber, "stats", None)
        asr = ""
        if callable(stats):
            now = stats()
            asr = (f"; asr busy {now.busy_fraction:.0%}, queue wait p95 {now.wait_p95_s:.2f} s (finals "
                   f"{now.final_wait_p95_s:.2f} s), {now.dropped_partials} partials dropped so far")
        log.info("%d live calls, %d taken, %d refused%s", len(desk.live()), desk.opened, desk.refused, asr)


def run_ingest(cfg: Config, transcriber: Transcriber, hooks_for: HooksFor, *, hub_url: str, token: str,
               config_version: str = "") -> IngestResult:
    """The ``ingest`` command's main: serve until Ctrl-C or SIGTERM, then end every call cleanly."""

    async def main() -> IngestResult:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)

        def ready(where: list[str]) -> None:
            listens = "; ".join(where) or "no protocol on (ingest.sip_listen and ingest.audiohook_listen are empty)"
            print(f"kasuhara-live ingest: {listens}; hub {hub_url}", file=sys.stderr, flush=True)

        return await serve(cfg, transcriber, hooks_for, hub_url=hub_url, token=token, stop=stop,
                           config_version=config_version, ready=ready)

    return asyncio.run(main())
