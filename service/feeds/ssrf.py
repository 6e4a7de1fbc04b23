"""The private-address (SSRF) guard for feed fetching.

A feed URL given to the HTTP service could point at the service's own network: its
loopback, the LAN, a cloud metadata endpoint. The guard refuses every address that is
not globally routable, unless the configured allowlist names the host or its network.

The check runs where the connection is made (see :class:`GuardedBackend`), not on the
URL: every DNS answer is checked (all of them, since the connection may use any), the
socket is opened to the checked address (a second, different DNS answer cannot slip
in), and every redirect hop goes through the same door.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpcore

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class BlockedAddressError(Exception):
    """A feed URL leads to an address the guard refuses; the message names host and address."""


def blocked_reason(address: IPAddress) -> str | None:
    """Why ``address`` is refused ("loopback", "private", ...), or ``None`` when it is public."""
    mapped = getattr(address, "ipv4_mapped", None) or getattr(address, "sixtofour", None)
    if mapped is not None:
        # ::ffff:127.0.0.1 and 2002:7f00:1:: reach IPv4 hosts: judge the IPv4 address.
        return blocked_reason(mapped)
    for reason in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(address, f"is_{reason}"):
            return reason.replace("_", "-")
    if not address.is_global:
        # Shared address space (100.64/10, where some clouds keep metadata services) and other
        # special-purpose ranges are neither private nor public.
        return "non-global"
    return None


@dataclass(frozen=True)
class AddressGuard:
    """Refuses non-public addresses except those of allowlisted hosts or networks.

    ``allow`` items are host names (``feeds.internal``), addresses or CIDR networks
    (``10.0.0.0/8``), as in the service's ``feed_allow_hosts`` setting.
    """

    allow: tuple[str, ...] = ()
    _hosts: frozenset[str] = field(init=False, repr=False)
    _networks: tuple[IPNetwork, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        hosts, networks = set(), []
        for item in self.allow:
            try:
                networks.append(ipaddress.ip_network(item.strip(), strict=False))
            except ValueError:
                hosts.add(item.strip().lower().rstrip("."))
        object.__setattr__(self, "_hosts", frozenset(hosts))
        object.__setattr__(self, "_networks", tuple(networks))

    def check(self, host: str, addresses: Iterable[str]) -> None:
        """Raise ``BlockedAddressError`` unless ``host`` is allowlisted or every address is allowed."""
        if host.lower().rstrip(".") in self._hosts:
            return
        for text in addresses:
            address = ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone id
            if any(address in network for network in self._networks):
                continue
            reason = blocked_reason(address)
            if reason:
                raise BlockedAddressError(
                    f"refused to fetch from {host!r}: it resolves to {address}, a {reason} address "
                    "(allow it with the feed_allow_hosts setting)"
                )

    async def resolve(self, host: str, port: int) -> list[str]:
        """Resolve ``host`` and check every address; return them, checked, in resolver order."""
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise OSError(f"cannot resolve {host!r}: {exc.strerror}") from exc
        addresses = list(dict.fromkeys(info[4][0] for info in infos))
        self.check(host, addresses)
        return addresses


class GuardedBackend:
    """An httpcore network backend that dials only addresses the guard accepts.

    httpcore calls ``connect_tcp`` for every new connection, redirects included; TLS still
    verifies the certificate against the URL's host name because httpcore passes that
    name separately when it starts TLS.
    """

    def __init__(self, inner: Any, guard: AddressGuard) -> None:
        self._inner = inner
        self._guard = guard

    async def connect_tcp(self, host: str, port: int, **kwargs: Any) -> Any:
        """Resolve, check every address, then connect to the checked addresses in order."""
        try:
            addresses = await self._guard.resolve(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc  # httpx reports it as a connection failure
        failure: Exception | None = None
        for address in addresses:  # like a resolver-aware client: the next address if one fails
            try:
                return await self._inner.connect_tcp(address, port, **kwargs)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> Any:
        raise BlockedAddressError("unix sockets are never used for feed fetching")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
