"""Look at a console without a hub: play recorded events (JSON lines) into it.

    kasuhara-live replay samples/harassment_call.flac --jsonl /tmp/events.jsonl
    python -m kasuhara_live.console.preview --role agent /tmp/events.jsonl
    python -m kasuhara_live.console.preview --role supervisor --speed 4 --stagger 30 a.jsonl b.jsonl

Each file is one agent's calls (wire events, as ``replay --jsonl`` writes them, or hub messages).  Events are
paced by their audio time (``--speed``; 0 plays everything at once; ``--at`` jumps ahead).  The fake hub behaves
like the real one where a console can tell: supervisors get partials only of the call they watch, and every
action a console sends comes back as an event with its actor.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from kasuhara_live import wire
from kasuhara_live.config import Config, UiConfig, load_config
from kasuhara_live.console.app import ROLES, console_app
from kasuhara_live.console.link import MemoryLink, event_message, welcome_field
from kasuhara_live.errors import KasuharaError
from kasuhara_live.events import Action

Timed = tuple[float, dict[str, Any]]  # when to deliver (audio seconds from the start), the hub message


def load_messages(paths: list[Path], agents: list[str], stagger: float) -> list[Timed]:
    """Hub messages from JSON-lines files, in delivery order; the n-th file's calls start n × ``stagger`` late."""
    out: list[Timed] = []
    for n, path in enumerate(paths):
        agent = agents[n % len(agents)]
        with path.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise KasuharaError(f"{path}:{number}: not JSON: {exc}") from None
                if obj.get("kind") in wire.KINDS:
                    obj = {"v": 1, "kind": "event", "agent": agent, "monitor": f"seat-{n + 1}", "event": obj}
                event = obj.get("event") if isinstance(obj.get("event"), dict) else {}
                out.append((n * stagger + float(event.get("time", 0.0)), obj))
    out.sort(key=lambda timed: timed[0])  # stable: a call's own order is kept
    return out


class PreviewLink(MemoryLink):
    """A :class:`MemoryLink` that acts like the hub: watch filtering and echoed actions."""

    def __init__(self, user: str, role: str) -> None:
        super().__init__(user, role)
        self.watched: set[str] = set()
        self.agents: dict[str, str] = {}  # call id -> agent, for echoed actions

    def deliver(self, message: dict[str, Any]) -> None:
        event = message.get("event")
        if isinstance(event, dict):
            call_id = str(event.get("call_id", ""))
            self.agents.setdefault(call_id, str(message.get("agent", "")))
            if (welcome_field(self, "role") == "supervisor" and event.get("kind") == "utterance.partial"
                    and call_id not in self.watched):
                return
        self.feed(message)

    async def send(self, message: dict[str, Any]) -> None:
        await super().send(message)
        kind = message.get("kind")
        if kind == "watch":
            self.watched.add(message["call_id"])
        elif kind == "unwatch":
            self.watched.discard(message["call_id"])
        elif kind == "act":
            action = wire.from_json(message["event"])
            if not isinstance(action, Action):
                return  # the real hub refuses this; the consoles never send it
            echoed = dataclasses.replace(action, actor=welcome_field(self, "user"),
                                         role=welcome_field(self, "role"))
            self.feed(event_message(echoed, self.agents.get(action.call_id, ""), ""))


async def play(link: PreviewLink, messages: list[Timed], speed: float, at: float) -> None:
    """Deliver ``messages`` paced by their times (``speed`` × real time), skipping straight to ``at``."""
    loop = asyncio.get_running_loop()
    origin = loop.time()
    for when, message in messages:
        if speed > 0 and when > at:
            delay = origin + (when - at) / speed - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
        link.deliver(message)


async def preview(cfg: Config, role: str, messages: list[Timed], speed: float, at: float, user: str) -> int:
    link = PreviewLink(user, role)
    app = console_app(cfg, link, role)
    player = asyncio.create_task(play(link, messages, speed, at))
    try:
        await app.run_async()
    finally:
        player.cancel()
    return app.return_code or 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kasuhara_live.console.preview", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", type=Path, help="JSON lines: wire events or hub messages")
    parser.add_argument("--role", choices=ROLES, default="agent")
    parser.add_argument("--config", type=Path, help="a site config layered over configs/default.toml")
    parser.add_argument("--lang", choices=("ja", "en"), help="override ui.language")
    parser.add_argument("--speed", type=float, default=1.0, help="times real time; 0 = everything at once")
    parser.add_argument("--at", type=float, default=0.0, help="start this many audio seconds in")
    parser.add_argument("--stagger", type=float, default=20.0, help="seconds between the files' call starts")
    parser.add_argument("--agents", default="sato,suzuki,tanaka", help="agent names for the files, comma-separated")
    parser.add_argument("--user", help="who is looking (default: the first agent, or 'kimura' for supervisors)")
    args = parser.parse_args(argv)
    try:
        cfg = load_config(args.config)
        if args.lang:
            cfg = dataclasses.replace(cfg, ui=UiConfig(args.lang))
        agents = [a for a in args.agents.split(",") if a] or ["demo"]
        messages = load_messages(args.files, agents, args.stagger)
        user = args.user or (agents[0] if args.role == "agent" else "kimura")
        return asyncio.run(preview(cfg, args.role, messages, args.speed, args.at, user))
    except (KasuharaError, OSError) as exc:
        print(f"kasuhara-live preview: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
