"""Which addresses a customer-supplied URL may lead to (the SSRF rules).

Private, loopback, link-local, multicast, reserved and cloud-metadata addresses are refused — also when they
hide inside an IPv6 address (IPv4-mapped, IPv4-compatible, 6to4, Teredo, NAT64). :func:`validate_public_url`
checks a URL's form and what its host resolves to; the hardened client (common/http.py) checks the address
each socket actually connected to, so DNS rebinding cannot slip past.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_noop

from common.errors import UnsafeURL
from common.stored_text import StoredText

METADATA_ADDRESSES = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
# RFC 6052's well-known NAT64 prefix: the last 32 bits are an IPv4 address the translator connects to.
NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")
# RFC 8215's local-use NAT64 prefix: translates into the operator's own network.
NAT64_LOCAL_USE = ipaddress.ip_network("64:ff9b:1::/48")
# Deprecated IPv4-compatible addresses (::a.b.c.d); :: and ::1 themselves are handled as unspecified/loopback.
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")

# Refusals: raised to API callers and the dashboard, and stored in a webhook delivery's last error.
METADATA_REFUSED = StoredText(gettext_noop("클라우드 메타데이터 주소로는 요청할 수 없습니다."))
LOOPBACK_REFUSED = StoredText(gettext_noop("루프백 주소(localhost)로는 요청할 수 없습니다."))
LINK_LOCAL_REFUSED = StoredText(gettext_noop("링크 로컬 주소로는 요청할 수 없습니다."))
PRIVATE_REFUSED = StoredText(gettext_noop("사설망 또는 예약된 주소로는 요청할 수 없습니다."))
INVALID_URL = StoredText(gettext_noop("올바른 URL이 아닙니다: %(error)s"))
NOT_HTTP = StoredText(gettext_noop("http 또는 https URL만 사용할 수 있습니다."))
NO_HOST = StoredText(gettext_noop("URL에 호스트가 없습니다."))
USER_INFO = StoredText(gettext_noop("사용자 정보가 포함된 URL은 사용할 수 없습니다."))
UNKNOWN_HOST = StoredText(gettext_noop("호스트 이름을 찾을 수 없습니다: %(host)s"))


def _allow_loopback() -> bool:
    return bool(getattr(settings, "SSRF_ALLOW_LOOPBACK", False))


def embedded_ipv4_addresses(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to through a transition mechanism (none for plain IPv6)."""
    if ip.ipv4_mapped:
        return [ip.ipv4_mapped]
    if ip.sixtofour:
        return [ip.sixtofour]
    if ip.teredo:
        server, client = ip.teredo
        return [server, client]
    if ip in NAT64_WELL_KNOWN or (ip in IPV4_COMPATIBLE and int(ip) > 1):
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    return []


def _refusal_reason_for(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_loopback: bool) -> str | None:
    if ip in METADATA_ADDRESSES:
        return METADATA_REFUSED()
    if ip.is_loopback:
        return None if allow_loopback else LOOPBACK_REFUSED()
    if ip.is_link_local:
        return LINK_LOCAL_REFUSED()
    if ip.is_private or ip.is_reserved or ip.is_multicast or ip.is_unspecified or not ip.is_global:
        return PRIVATE_REFUSED()
    return None


def refusal_reason(address: str, *, allow_loopback: bool | None = None) -> str | None:
    """Why connecting to ``address`` is refused, or None if it is a public address."""
    if allow_loopback is None:
        allow_loopback = _allow_loopback()
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in NAT64_LOCAL_USE:
            return PRIVATE_REFUSED()
        embedded = embedded_ipv4_addresses(ip)
        if ip.ipv4_mapped:
            # ::ffff:127.0.0.1 is the IPv4 address itself, judged (and allowed for loopback) as such.
            return _refusal_reason_for(ip.ipv4_mapped, allow_loopback)
        for inner in embedded:
            # A tunnelled or translated address never counts as this machine's loopback.
            reason = _refusal_reason_for(inner, allow_loopback=False)
            if reason:
                return reason
        if ip in NAT64_WELL_KNOWN:
            # Python files the whole prefix under "reserved"; what the translator reaches is the IPv4 inside.
            return None
    return _refusal_reason_for(ip, allow_loopback)


def validate_public_url(url: str, *, allow_loopback: bool | None = None, resolve: bool = True) -> None:
    """Refuses non-http(s) URLs and hosts that resolve to a non-public address. Raises :class:`UnsafeURL`."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(INVALID_URL(error=exc)) from exc
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL(NOT_HTTP())
    if not parts.hostname:
        raise UnsafeURL(NO_HOST())
    if parts.username or parts.password:
        raise UnsafeURL(USER_INFO())
    if not resolve:
        return
    try:
        infos = socket.getaddrinfo(
            parts.hostname, port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except socket.gaierror as exc:
        raise UnsafeURL(UNKNOWN_HOST(host=parts.hostname)) from exc
    for info in infos:
        reason = refusal_reason(str(info[4][0]), allow_loopback=allow_loopback)
        if reason:
            raise UnsafeURL(reason)
