"""Which peers may send calls: ``ingest.allow`` as addresses and networks."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from kasuhara_live.errors import ConfigError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class PeerAllowlist:
    """``allowed("10.0.0.5")`` is True when the address is in one of the configured networks."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.networks: list[Network] = []
        for entry in entries:
            try:
                self.networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                raise ConfigError(f"ingest.allow: {entry!r} is not an address or network (e.g. 10.20.0.0/16)") from None

    def allowed(self, host: str) -> bool:
        try:
            address = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # a dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d
        return any(address.version == net.version and address in net for net in self.networks)
