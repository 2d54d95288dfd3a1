"""Choosing and running a console: what ``kasuhara-live console`` calls.

The link to the hub is opened inside the console's own event loop (a websocket belongs to the loop that
made it), so the caller hands over a function that opens it rather than an open link.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from kasuhara_live.config import Config
from kasuhara_live.console.agent import AgentConsole
from kasuhara_live.console.base import ConsoleApp
from kasuhara_live.console.link import ConsoleLink, welcome_field
from kasuhara_live.console.supervisor import SupervisorConsole
from kasuhara_live.errors import KasuharaError

ROLES = ("agent", "supervisor")

LinkOpener = Callable[[], AbstractAsyncContextManager[ConsoleLink]]


def console_app(cfg: Config, link: ConsoleLink, role: str | None = None) -> ConsoleApp:
    """The console for ``role`` (by default the role the hub's welcome gave this user).

    A role the hub does not give this user is refused: the hub would not send what that console shows.
    """
    granted = welcome_field(link, "role")
    role = role or granted
    if role not in ROLES:
        raise KasuharaError(f"unknown console role {role!r}: expected one of {', '.join(ROLES)}")
    if granted and granted != role:
        user = welcome_field(link, "user") or "this user"
        raise KasuharaError(f"the hub knows {user} as {granted}, not {role}: start the console with --role {granted}")
    return AgentConsole(cfg, link) if role == "agent" else SupervisorConsole(cfg, link)


async def run_console_async(cfg: Config, role: str | None, open_link: LinkOpener) -> int:
    """Open the link, run the console until the person quits, close the link; the app's return code."""
    async with open_link() as link:
        app = console_app(cfg, link, role)
        await app.run_async()
        return app.return_code or 0


def run_console(cfg: Config, role: str | None, open_link: LinkOpener) -> int:
    """Run a console in the terminal (blocking); ``open_link()`` is an async context manager yielding the link."""
    return asyncio.run(run_console_async(cfg, role, open_link))
