"""Outgoing HTTP of workflows (HTTP request steps) and webhooks, with a server-side request forgery guard.

- Only http and https URLs; no credentials in the URL; redirects are not followed (a 3xx is the answer).
- The host is resolved once, every address must be public (not private, loopback, link-local, multicast, reserved
  or unspecified), and the connection goes to that resolved address (the request keeps its Host header, and TLS its
  server name), so a DNS answer that changes between the check and the connection (DNS rebinding) cannot redirect it.
- NOCODE["AUTOMATION_ALLOW_PRIVATE_URLS"] lifts the address check (tests, single-tenant installations).
- Bounded: a timeout per request and at most RESPONSE_LIMIT bytes of the answer are read.
"""

import ipaddress
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings

SCHEMES = ("http", "https")
RESPONSE_LIMIT = 64 * 1024
USER_AGENT = "NoCode-Backend-Automation/1"


class OutboundError(Exception):
    """The request was refused or could not complete (message is safe to show to the project's users)."""


class OutboundRefused(OutboundError):
    """The URL itself is refused (not http(s), credentials, a private or local address): retrying cannot help."""


@dataclass(frozen=True)
class OutboundResponse:
    status_code: int
    body: bytes
    duration_ms: int

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 300


def _private_allowed() -> bool:
    return bool(settings.NOCODE["AUTOMATION_ALLOW_PRIVATE_URLS"])


_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# What inet_aton reads as an IPv4 address: 127.1, 0x7f000001, 2130706433, 0177.0.0.1, ...
_INET_ATON_CHARS = frozenset("0123456789abcdefx.")
MASK = "***"


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo, NAT64), which the check must see too."""
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if ip in _NAT64:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def _is_public_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return False
        embedded = _embedded_ipv4(ip)
        if embedded:
            return all(_is_public_ip(inner) for inner in embedded)
    return not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified
    )


def _public(address: str) -> bool:
    return _is_public_ip(ipaddress.ip_address(address))


def literal_address(hostname: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address a URL's host names literally, in any spelling a resolver accepts (`ipaddress` forms, IPv6
    with a zone, and inet_aton's shorthand, hexadecimal, octal and single-number IPv4 forms); None for a name."""
    host = hostname.rstrip(".").lower()
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if host and set(host) <= _INET_ATON_CHARS and host[0].isdigit():
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def url_errors(url: Any) -> list[str]:
    """Problems of a URL that can be seen without resolving it (checked when a workflow or webhook is saved)."""
    if not isinstance(url, str) or not url or len(url) > 2000:
        return ["A http(s) URL of at most 2000 characters."]
    if "{{" in url:
        return []  # templated: checked when the step runs
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError:
        return ["Not a valid URL."]
    if parts.scheme not in SCHEMES:
        return ["Only http and https URLs are allowed."]
    if not parts.hostname:
        return ["The URL has no host."]
    if parts.username or parts.password:
        return ["Credentials in the URL are not allowed; use a header."]
    if not _private_allowed():
        literal = literal_address(parts.hostname)
        if literal is not None and not _is_public_ip(literal):
            return ["Private, loopback and link-local addresses are not allowed."]
        name = parts.hostname.rstrip(".")
        if name == "localhost" or name.endswith(".localhost"):
            return ["Private, loopback and link-local addresses are not allowed."]
    return []


def url_masked(url: str) -> str:
    """`url` with every query-string value replaced by MASK (they may carry credentials), for readers who may
    not see secrets; a URL that does not parse is masked whole."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    if not parts.query:
        return url
    query = "&".join(f"{pair.partition('=')[0]}={MASK}" if pair else pair for pair in parts.query.split("&"))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _resolve(host: str, port: int) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundError(f"Cannot resolve host '{host}'.") from exc
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise OutboundError(f"Cannot resolve host '{host}'.")
    if not _private_allowed() and not all(_public(address) for address in addresses):
        raise OutboundRefused(f"Host '{host}' resolves to a private or local address; refused.")
    return addresses[0]


def http_send(
    *, method: str, url: str, headers: dict[str, str] | None = None, content: bytes | None = None, timeout: float
) -> OutboundResponse:
    """Send one request to a checked, pinned address; OutboundError on refusal, timeout or connection failure."""
    problems = url_errors(url)
    if problems:
        raise OutboundRefused(f"{problems[0]} ({url[:200]})")
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = _resolve(host, port)
    pinned_host = f"[{address}]" if ":" in address else address
    netloc = f"{pinned_host}:{parts.port}" if parts.port else pinned_host
    pinned_url = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    host_header = f"{host}:{parts.port}" if parts.port else host
    request_headers = {"User-Agent": USER_AGENT, **(headers or {}), "Host": host_header}
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    started = time.monotonic()
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client,
            client.stream(
                method, pinned_url, headers=request_headers, content=content, extensions=extensions
            ) as response,
        ):
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) >= RESPONSE_LIMIT:
                    body = body[:RESPONSE_LIMIT]
                    break
            status = response.status_code
    except httpx.TimeoutException as exc:
        raise OutboundError(f"Timed out after {timeout:g} s.") from exc
    except httpx.HTTPError as exc:
        raise OutboundError(f"Request failed: {type(exc).__name__}: {exc}"[:500]) from exc
    return OutboundResponse(status_code=status, body=body, duration_ms=int((time.monotonic() - started) * 1000))
