"""The client's address: the one place that decides it, for rate limits, the audit,
captchas and sessions alike.

Behind a load balancer every connection comes from the balancer, so its headers are
read, but only when the connection's peer is a trusted proxy (MOTCUA_TRUSTED_PROXIES),
and the chain they carry is walked from the right, past trusted proxies only: the
first hop that is not one is the client. What a client writes in these headers lands
to the left of what the proxy appends, so it is never reached.

Both X-Forwarded-For and RFC 7239 Forwarded (for=) are read. A proxy maintains one of
them and passes the other through as the client sent it, and nothing in a request
says which: so when both are present they must name the same client, else neither is
believed and the answer is the peer. A hop named "unknown", an obfuscated one ("_x")
or one that is not an address stops the walk at the last trusted hop (the proxy that
reported it); a Forwarded header that does not parse counts as naming nobody.
Nothing here raises on what a request carries.

X-Forwarded-Proto is not read: links in mail, the session cookie's Secure flag and
the passkey origin all come from MOTCUA_BASE_URL, never from the request's scheme.

Not uvicorn's ProxyHeadersMiddleware: it reads X-Forwarded-For only (a client could
then forge Forwarded unseen), and it rewrites scope["client"] at the server's edge,
whereas the app and its in-process tests need the rule applied from the settings.
The `forwarded` package on PyPI is a few weeks old and unproven; the standard library's
ipaddress does the address work.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable
from typing import Any

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Networks = tuple[Network, ...]

# RFC 7230 token and quoted-string; RFC 7239 forwarded-pair = token "=" value.
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_QUOTED = r'"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"'
_PAIR = re.compile(rf"({_TOKEN})=({_TOKEN}|{_QUOTED})")
_QUOTED_PAIR = re.compile(r"\\(.)")
_PORT = re.compile(r"^(?:[0-9]{1,5}|_[A-Za-z0-9._-]+)$")
_OBFUSCATED = re.compile(r"^_[A-Za-z0-9._-]+$")


def parse_trusted_proxies(raw: str) -> tuple[str, ...]:
    """MOTCUA_TRUSTED_PROXIES: comma-separated addresses and networks, canonical.
    Raises ValueError naming the entry that is neither."""
    if not raw.strip():
        return ()
    entries = []
    for entry in raw.split(","):
        entry = entry.strip()
        try:
            # strict: "10.0.0.1/24" has host bits set; the operator meant something else.
            entries.append(str(ipaddress.ip_network(entry, strict=True)))
        except ValueError as exc:
            raise ValueError(
                f"{entry!r} is not an IP address or network (e.g. 10.0.0.5, 10.0.0.0/24, "
                f"fd00::/8): {exc}"
            ) from None
    return tuple(entries)


@functools.lru_cache(maxsize=8)
def trusted_networks(entries: str | tuple[str, ...]) -> Networks:
    """The networks of a setting's value (a comma list, or parse_trusted_proxies' tuple)."""
    if isinstance(entries, str):
        entries = parse_trusted_proxies(entries)
    return tuple(ipaddress.ip_network(entry) for entry in entries)


def client_address(scope: Any, trusted: Networks) -> str:
    """The address of the client of this ASGI request ("" when the server knows none)."""
    client = scope.get("client")
    peer = str(client[0]) if client else ""
    if not trusted:
        return peer
    peer_address = _trusted_peer(peer, trusted)
    if peer_address is None:
        return peer
    forwarded: list[str] = []
    x_forwarded_for: list[str] = []
    for name, value in scope.get("headers") or ():
        if name == b"forwarded":
            forwarded.append(value.decode("latin-1"))
        elif name == b"x-forwarded-for":
            x_forwarded_for.append(value.decode("latin-1"))
    named = []
    if forwarded:
        named.append(_walk(_forwarded_for(", ".join(forwarded)), peer_address, trusted))
    if x_forwarded_for:
        hops = [_node(hop.strip()) for hop in ", ".join(x_forwarded_for).split(",")]
        named.append(_walk(hops, peer_address, trusted))
    if not named or any(n != named[0] for n in named):
        return str(peer_address)
    return str(named[0])


@functools.lru_cache(maxsize=1024)
def _trusted_peer(peer: str, trusted: Networks) -> Address | None:
    # Every request asks about the few addresses connecting (the balancers): remembered.
    address = _address(peer)
    return address if address is not None and _trusted(address, trusted) else None


def _trusted(address: Address, trusted: Iterable[Network]) -> bool:
    return any(address in network for network in trusted)


def _walk(hops: list[Address | None], peer: Address, trusted: Networks) -> Address:
    """From the right: the first hop that is not a trusted proxy; an unidentified
    hop stops the walk at the last trusted one."""
    last = peer
    for hop in reversed(hops):
        if hop is None:
            return last
        if not _trusted(hop, trusted):
            return hop
        last = hop
    return last


def _forwarded_for(value: str) -> list[Address | None]:
    """The for= of each element of a Forwarded header, or [None] (nobody) when the
    header does not parse as RFC 7239."""
    elements = _forwarded_elements(value)
    if elements is None:
        return [None]
    return [_node(element["for"]) if "for" in element else None for element in elements]


def _forwarded_elements(value: str) -> list[dict[str, str]] | None:
    # forwarded-element = [ forwarded-pair ] *( ";" [ forwarded-pair ] ), in a #list.
    elements: list[dict[str, str]] = [{}]
    pos = _skip_space(value, 0)
    while pos < len(value):
        pair = _PAIR.match(value, pos)
        if pair is not None:
            name, raw = pair.group(1).lower(), pair.group(2)
            if name in elements[-1]:
                return None
            if raw.startswith('"'):
                raw = _QUOTED_PAIR.sub(r"\1", raw[1:-1])
            elements[-1][name] = raw
            pos = _skip_space(value, pair.end())
            if pos == len(value):
                break
        separator = value[pos]
        if separator == ",":
            elements.append({})
        elif separator != ";":
            return None
        pos = _skip_space(value, pos + 1)
    return elements


def _skip_space(value: str, pos: int) -> int:
    while pos < len(value) and value[pos] in " \t":
        pos += 1
    return pos


def _node(node: str) -> Address | None:
    """An address from an RFC 7239 node or an X-Forwarded-For entry (IPv4 or IPv6,
    bracketed or not, with or without a port); None for "unknown", an obfuscated
    identifier, or anything else."""
    if node.lower() == "unknown" or _OBFUSCATED.match(node):
        return None
    host = node
    if node.startswith("["):
        host, bracket, port = node[1:].partition("]")
        if not bracket or (port and not (port.startswith(":") and _PORT.match(port[1:]))):
            return None
    elif node.count(":") == 1:  # IPv4 with a port (a bare IPv6 address has several)
        host, _, port = node.partition(":")
        if not _PORT.match(port):
            return None
    return _address(host)


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id is not None:  # fe80::1%eth0 names an interface, not a client
            return None
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
    return address
