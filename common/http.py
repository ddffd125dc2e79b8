"""The one hardened outbound HTTP client.

``fetch_public_url`` is for URLs that customers give us (logos, product images); ``public_session`` is for
sending to customer URLs (webhooks). Both refuse the addresses common/addresses.py refuses, checked against the
address each socket actually connected to, after DNS resolution, so DNS rebinding cannot slip past; a
:class:`~common.deadline.Deadline` bounds a whole exchange by wall-clock time. ``provider_session`` is for the
operator-configured AI providers: timeouts, no proxies from the environment, no address filter. Webhooks,
sent a thousand a second, go through common/keepalive.py: a lean client with these same guards.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field

import requests
from django.conf import settings
from django.utils.translation import gettext_noop
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from common.addresses import refusal_reason, validate_public_url
from common.deadline import Deadline, active_deadline
from common.errors import UnsafeURL
from common.limits import ProcessSlots
from common.stored_text import StoredText

FETCH_TIMED_OUT = StoredText(gettext_noop("URL을 가져오는 시간이 초과되었습니다."))
FILE_TOO_LARGE = StoredText(gettext_noop("파일이 너무 큽니다 (최대 %(mb)sMB)."))
FETCH_FAILED = StoredText(gettext_noop("URL을 가져올 수 없습니다: %(error)s"))
FETCH_STATUS = StoredText(gettext_noop("URL을 가져올 수 없습니다 (HTTP %(status)s)."))
FETCH_BROKEN = StoredText(gettext_noop("URL을 가져오는 중 오류가 발생했습니다: %(error)s"))
TOO_MANY_REDIRECTS = StoredText(gettext_noop("리디렉션이 너무 많습니다."))


def check_peer(sock: socket.socket) -> None:
    """Refuses (closes, raises UnsafeURL) a connection whose peer address the SSRF rules refuse."""
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
        deadline = active_deadline.get()
        if deadline is not None:
            deadline.attach(self.sock)

    def request(self, *args, **kwargs) -> None:
        deadline = active_deadline.get()
        if deadline is not None:
            if deadline.expired or deadline.remaining() <= 0:
                raise requests.Timeout("deadline passed before the request was sent")
            deadline.attach(self.sock)
        super().request(*args, **kwargs)  # type: ignore[misc]


class _GuardedHTTPConnection(_DeadlineAware, HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        check_peer(sock)
        return sock


class _GuardedHTTPSConnection(_DeadlineAware, HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        check_peer(sock)
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
