"""The one hardened outbound HTTP client.

``fetch_public_url`` is for URLs that customers give us (logos, product images); ``public_session`` is for
sending to customer URLs (webhooks). Both refuse private, loopback, link-local, multicast, reserved and
cloud-metadata addresses — also when they hide inside an IPv6 address (IPv4-mapped, IPv4-compatible, 6to4,
Teredo, NAT64) — checked against the address the socket actually connected to, after DNS resolution, so DNS
rebinding cannot slip past. A :class:`Deadline` bounds a whole exchange by wall-clock time: when it passes,
the sockets opened under it are shut down, so a peer trickling one byte at a time cannot hold a thread.
``provider_session`` is for the operator-configured AI providers: timeouts, no proxies from the environment,
no address filter.
"""

from __future__ import annotations

import contextlib
import contextvars
import heapq
import ipaddress
import itertools
import os
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext_noop
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from common.errors import UnsafeURL
from common.limits import ProcessSlots
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
FETCH_TIMED_OUT = StoredText(gettext_noop("URL을 가져오는 시간이 초과되었습니다."))
FILE_TOO_LARGE = StoredText(gettext_noop("파일이 너무 큽니다 (최대 %(mb)sMB)."))
FETCH_FAILED = StoredText(gettext_noop("URL을 가져올 수 없습니다: %(error)s"))
FETCH_STATUS = StoredText(gettext_noop("URL을 가져올 수 없습니다 (HTTP %(status)s)."))
FETCH_BROKEN = StoredText(gettext_noop("URL을 가져오는 중 오류가 발생했습니다: %(error)s"))
TOO_MANY_REDIRECTS = StoredText(gettext_noop("리디렉션이 너무 많습니다."))


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


class _Watchdog:
    """One daemon thread per process that expires :class:`Deadline` objects on time (a heap, not a timer each)."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Deadline]] = []
        self._sequence = itertools.count()
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, deadline: Deadline) -> None:
        with self._condition:
            heapq.heappush(self._heap, (deadline.expires_at, next(self._sequence), deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="http-deadline-watchdog", daemon=True)
                self._thread.start()
            self._condition.notify()

    def _run(self) -> None:
        while True:
            with self._condition:
                while self._heap and self._heap[0][2].finished:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._condition.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._condition.wait(wait)
                    continue
                _, _, due = heapq.heappop(self._heap)
            due.expire()


_watchdog = _Watchdog()
# A forked child (gunicorn/celery worker) has no watchdog thread and must not share the parent's lock.
os.register_at_fork(after_in_child=lambda: globals().__setitem__("_watchdog", _Watchdog()))
_active_deadline: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("http_deadline", default=None)


class Deadline:
    """A wall-clock limit on a whole HTTP exchange (connect, send, every read), enforced by closing sockets.

    Socket timeouts bound each read only, so a peer sending one byte every few seconds could hold a thread for
    minutes. Inside ``with Deadline(seconds):`` every connection the guarded sessions use is registered; when
    the time is up, the watchdog shuts those sockets down and the blocked read fails at once. ``expired`` tells
    the caller afterwards that the failure was the deadline's.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expires_at = time.monotonic() + seconds
        self.expired = False
        self.finished = False
        self._sockets: dict[int, socket.socket] = {}
        self._lock = threading.Lock()
        self._token: contextvars.Token | None = None

    def remaining(self) -> float:
        return max(0.0, self.expires_at - time.monotonic())

    def attach(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            if not self.expired:
                self._sockets[id(sock)] = sock
                return
        _shutdown(sock)

    def expire(self) -> None:
        with self._lock:
            if self.finished or self.expired:
                return
            self.expired = True
            sockets = list(self._sockets.values())
        for sock in sockets:
            _shutdown(sock)

    def disarm(self) -> None:
        """Ends the watch early: call it before a kept-alive connection goes back to its pool, so that the
        watchdog can never cut a connection another request is about to reuse."""
        with self._lock:
            self.finished = True
            self._sockets.clear()

    def __enter__(self) -> Deadline:
        self._token = _active_deadline.set(self)
        _watchdog.watch(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.disarm()
        if self._token is not None:
            _active_deadline.reset(self._token)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _check_peer(sock: socket.socket) -> None:
    peer = sock.getpeername()
    if isinstance(peer, tuple):
        reason = refusal_reason(str(peer[0]))
        if reason:
            sock.close()
            raise UnsafeURL(reason)


class _DeadlineAware:
    """Registers the connection's socket with the active :class:`Deadline` on connect and on every request
    (a kept-alive connection is reused under a new deadline). TLS wraps the raw socket, so the final
    ``self.sock`` is what gets registered."""

    sock: socket.socket | None

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        deadline = _active_deadline.get()
        if deadline is not None:
            deadline.attach(self.sock)

    def request(self, *args, **kwargs) -> None:
        deadline = _active_deadline.get()
        if deadline is not None:
            if deadline.expired or deadline.remaining() <= 0:
                raise requests.Timeout("deadline passed before the request was sent")
            deadline.attach(self.sock)
        super().request(*args, **kwargs)  # type: ignore[misc]


class _GuardedHTTPConnection(_DeadlineAware, HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _check_peer(sock)
        return sock


class _GuardedHTTPSConnection(_DeadlineAware, HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _check_peer(sock)
        return sock


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}


def timeout(read: float | None = None) -> tuple[float, float]:
    return (settings.HTTP_CONNECT_TIMEOUT, read if read is not None else settings.HTTP_READ_TIMEOUT)


def public_session(*, pool_maxsize: int = 10) -> requests.Session:
    """A session whose every connection is checked against the SSRF rules. Never follow redirects with it
    blindly: pass ``allow_redirects=False`` (each hop would be checked, but webhooks must not follow).
    Wrap each exchange in a :class:`Deadline` to bound it by wall-clock time."""
    session = requests.Session()
    session.trust_env = False
    adapter = _GuardedAdapter(max_retries=0, pool_maxsize=pool_maxsize)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def provider_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


customer_fetch_slots = ProcessSlots("CUSTOMER_FETCH_CONCURRENCY", "CUSTOMER_FETCH_WAIT_SECONDS")


@dataclass(frozen=True)
class FetchedFile:
    content: bytes
    content_type: str
    final_url: str
    # 304 when ``headers`` made the request conditional and the copy the caller holds is still current.
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)


def fetch_public_url(
    url: str,
    *,
    max_bytes: int,
    total_timeout: float = 15.0,
    max_redirects: int = 3,
    headers: Mapping[str, str] | None = None,
    per_process_cap: bool = True,
) -> FetchedFile:
    """GETs a customer-supplied URL under the SSRF rules, with a size cap and a wall-clock ``total_timeout``.

    Redirects are followed by hand, at most ``max_redirects``, each hop validated. With ``per_process_cap``
    (web processes), at most ``CUSTOMER_FETCH_CONCURRENCY`` fetches run at once per process (503 past a short
    wait); a worker's remote loop bounds its fetches itself. ``headers`` (e.g. ``If-None-Match``) go with the
    request; a 304 answer is returned as such. Raises :class:`UnsafeURL` with a message fit for the customer.
    """
    slot = customer_fetch_slots.acquire() if per_process_cap else contextlib.nullcontext()
    with slot, public_session() as session, Deadline(total_timeout) as deadline:
        try:
            return _fetch(
                session, url, deadline, max_bytes=max_bytes, max_redirects=max_redirects, headers=headers or {}
            )
        except UnsafeURL:
            if deadline.expired:
                raise UnsafeURL(FETCH_TIMED_OUT()) from None
            raise


def _too_large(max_bytes: int) -> UnsafeURL:
    return UnsafeURL(FILE_TOO_LARGE(mb=max_bytes // (1024 * 1024)))


def _fetch(
    session: requests.Session,
    url: str,
    deadline: Deadline,
    *,
    max_bytes: int,
    max_redirects: int,
    headers: Mapping[str, str],
) -> FetchedFile:
    current = url
    for _ in range(max_redirects + 1):
        validate_public_url(current)
        try:
            response = session.get(
                current,
                timeout=(min(settings.HTTP_CONNECT_TIMEOUT, deadline.remaining()), min(10.0, deadline.remaining())),
                stream=True,
                allow_redirects=False,
                headers=dict(headers),
            )
        except UnsafeURL:
            raise
        except requests.RequestException as exc:
            raise UnsafeURL(FETCH_FAILED(error=type(exc).__name__)) from exc
        with response:
            if response.is_redirect:
                current = requests.compat.urljoin(current, response.headers.get("Location", ""))
                continue
            if response.status_code == 304 and headers:
                return FetchedFile(b"", "", current, status=304, headers=response.headers)
            if response.status_code != 200:
                raise UnsafeURL(FETCH_STATUS(status=response.status_code))
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise _too_large(max_bytes)
            chunks: list[bytes] = []
            received = 0
            try:
                for chunk in response.iter_content(64 * 1024):
                    received += len(chunk)
                    if deadline.expired:
                        raise UnsafeURL(FETCH_TIMED_OUT())
                    if received > max_bytes:
                        raise _too_large(max_bytes)
                    chunks.append(chunk)
            except requests.RequestException as exc:
                raise UnsafeURL(FETCH_BROKEN(error=type(exc).__name__)) from exc
            if deadline.expired:
                # The watchdog's shutdown can look like a clean end of the body.
                raise UnsafeURL(FETCH_TIMED_OUT())
            return FetchedFile(
                b"".join(chunks), response.headers.get("Content-Type", ""), current, headers=response.headers
            )
    raise UnsafeURL(TOO_MANY_REDIRECTS())
