"""The websocket hub: monitors publish call events, consoles receive the calls they may see.

``protocol`` is the sans-I/O core (authentication, roles, routing, history, caps) with ``sequence`` (what a
publish's seq means); ``server`` and ``client`` are thin asyncio adapters on the ``websockets`` library;
``users`` loads and writes the users file; ``lock`` keeps one hub per store.  The wire protocol is described
in ``docs/hub-protocol.md``.
"""

from kasuhara_live.errors import KasuharaError


class HubError(KasuharaError):
    """The hub refused us (bad token, wrong role) or cannot be reached or started."""


__all__ = ["HubError"]
