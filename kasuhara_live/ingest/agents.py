"""Which hub agent takes a call, from what the phone system calls the agent's seat (``ingest.agents``)."""

from __future__ import annotations

import re

from kasuhara_live.errors import ConfigError

_SCHEME = re.compile(r"^(?:sips?|tel):", re.IGNORECASE)


def seat_key(key: str) -> str:
    """The part of a phone-system name that identifies a seat: ``sip:2001@pbx.example;user=phone`` → ``2001``,
    ``tel:+81312345678`` → ``+81312345678``; anything else stripped and lower-cased."""
    bare = _SCHEME.sub("", key.strip().strip("<>"))
    bare = bare.split(";", 1)[0].split("@", 1)[0]
    return bare.strip().lower()


class AgentDirectory:
    """``lookup(key)``: the configured agent for a seat, by the exact key first and then by its seat part."""

    def __init__(self, entries: tuple[str, ...], unknown_agent: str = "") -> None:
        self.exact: dict[str, str] = {}
        self.by_seat: dict[str, str] = {}
        self._written: dict[str, str] = {}  # a lower-cased key or its seat part -> the key as the site wrote it
        for entry in entries:
            key, sep, agent = entry.rpartition("=")
            key, agent = key.strip(), agent.strip()
            if not sep or not key or not agent:
                raise ConfigError(f"ingest.agents: {entry!r} is not \"phone-system key = agent\" "
                                  "(e.g. \"sip:2001@pbx.example = sato\")")
            self.exact[key.lower()] = agent
            self.by_seat.setdefault(seat_key(key), agent)
            self._written[key.lower()] = key
            self._written.setdefault(seat_key(key), key)
        self.unknown_agent = unknown_agent

    def lookup(self, key: str) -> str:
        """The agent's hub name, or "" when the key is not mapped and no ``unknown_agent`` is set."""
        found = self.exact.get(key.strip().lower()) or (self.by_seat.get(seat_key(key)) if key.strip() else None)
        return found or self.unknown_agent

    def key_for(self, name: str) -> str:
        """The site's key (as written) that ``name`` matches, by the whole name first and then by its seat part;
        "" when none does. SIPREC uses it to tell which participant of a recorded call is the agent."""
        if not name.strip():
            return ""
        return self._written.get(name.strip().lower()) or self._written.get(seat_key(name), "")

    def knows(self, key: str) -> bool:
        """Whether ``key`` is mapped (not merely caught by ``unknown_agent``): adapters use it to tell which
        participant of a call is the agent."""
        return bool(key.strip()) and (key.strip().lower() in self.exact or seat_key(key) in self.by_seat)
