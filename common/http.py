"""The one hardened outbound HTTP client.

``fetch_public_url`` is for URLs that customers give us (logos, product images); ``public_session`` is for
sending to customer URLs (webhooks). Both refuse private, loopback, link-local, multicast, reserved and
cloud-metadata addresses — checked against the address the socket actually connected to, after DNS
resolution, so DNS rebinding cannot slip past. ``provider_session`` is for the operator-configured AI
providers: timeouts, no proxies from the environment, no address filter.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from common.errors import UnsafeURL

METADATA_ADDRESSES = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


def _allow_loopback() -> bool:
    return bool(getattr(settings, "SSRF_ALLOW_LOOPBACK", False))


def refusal_reason(address: str, *, allow_loopback: bool | None = None) -> str | None:
    """Why connecting to ``address`` is refused, or None if it is a public address."""
    if allow_loopback is None:
        allow_loopback = _allow_loopback()
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip in METADATA_ADDRESSES:
        return "클라우드 메타데이터 주소로는 요청할 수 없습니다."
    if ip.is_loopback:
        return None if allow_loopback else "루프백 주소(localhost)로는 요청할 수 없습니다."
    if ip.is_link_local:
        return "링크 로컬 주소로는 요청할 수 없습니다."
    if ip.is_private or ip.is_reserved or ip.is_multicast or ip.is_unspecified or not ip.is_global:
        return "사설망 또는 예약된 주소로는 요청할 수 없습니다."
    return None


def validate_public_url(url: str, *, allow_loopback: bool | None = None, resolve: bool = True) -> None:
    """Refuses non-http(s) URLs and hosts that resolve to a non-public address. Raises :class:`UnsafeURL`."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(f"올바른 URL이 아닙니다: {exc}") from exc
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("http 또는 https URL만 사용할 수 있습니다.")
    if not parts.hostname:
        raise UnsafeURL("URL에 호스트가 없습니다.")
    if parts.username or parts.password:
        raise UnsafeURL("사용자 정보가 포함된 URL은 사용할 수 없습니다.")
    if not resolve:
        return
    try:
        infos = socket.getaddrinfo(
            parts.hostname, port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except socket.gaierror as exc:
        raise UnsafeURL(f"호스트 이름을 찾을 수 없습니다: {parts.hostname}") from exc
    for info in infos:
        reason = refusal_reason(str(info[4][0]), allow_loopback=allow_loopback)
        if reason:
            raise UnsafeURL(reason)


def _check_peer(sock: socket.socket) -> None:
    peer = sock.getpeername()
    if isinstance(peer, tuple):
        reason = refusal_reason(str(peer[0]))
        if reason:
            sock.close()
            raise UnsafeURL(reason)


class _GuardedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _check_peer(sock)
        return sock


class _GuardedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _check_peer(sock)
        return sock


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}


def timeout(read: float | None = None) -> tuple[float, float]:
    return (settings.HTTP_CONNECT_TIMEOUT, read if read is not None else settings.HTTP_READ_TIMEOUT)


def public_session() -> requests.Session:
    """A session whose every connection is checked against the SSRF rules. Never follow redirects with it
    blindly: pass ``allow_redirects=False`` (each hop would be checked, but webhooks must not follow)."""
    session = requests.Session()
    session.trust_env = False
    adapter = _GuardedAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def provider_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


@dataclass(frozen=True)
class FetchedFile:
    content: bytes
    content_type: str
    final_url: str


def fetch_public_url(url: str, *, max_bytes: int, total_timeout: float = 15.0, max_redirects: int = 3) -> FetchedFile:
    """GETs a customer-supplied URL under the SSRF rules, with a size cap and timeouts.

    Redirects are followed by hand, at most ``max_redirects``, each hop validated. Raises :class:`UnsafeURL`
    with a message fit for the customer.
    """
    session = public_session()
    deadline = time.monotonic() + total_timeout
    current = url
    for _ in range(max_redirects + 1):
        validate_public_url(current)
        try:
            response = session.get(
                current, timeout=timeout(min(10.0, total_timeout)), stream=True, allow_redirects=False
            )
        except UnsafeURL:
            raise
        except requests.RequestException as exc:
            raise UnsafeURL(f"URL을 가져올 수 없습니다: {type(exc).__name__}") from exc
        with response:
            if response.is_redirect:
                location = response.headers.get("Location", "")
                current = requests.compat.urljoin(current, location)
                continue
            if response.status_code != 200:
                raise UnsafeURL(f"URL을 가져올 수 없습니다 (HTTP {response.status_code}).")
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise UnsafeURL(f"파일이 너무 큽니다 (최대 {max_bytes // (1024 * 1024)}MB).")
            chunks: list[bytes] = []
            received = 0
            try:
                for chunk in response.iter_content(64 * 1024):
                    received += len(chunk)
                    if time.monotonic() > deadline:
                        raise UnsafeURL("URL을 가져오는 시간이 초과되었습니다.")
                    if received > max_bytes:
                        raise UnsafeURL(f"파일이 너무 큽니다 (최대 {max_bytes // (1024 * 1024)}MB).")
                    chunks.append(chunk)
            except requests.RequestException as exc:
                raise UnsafeURL(f"URL을 가져오는 중 오류가 발생했습니다: {type(exc).__name__}") from exc
            return FetchedFile(b"".join(chunks), response.headers.get("Content-Type", ""), current)
    raise UnsafeURL("리디렉션이 너무 많습니다.")
