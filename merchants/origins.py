"""Web origins (``scheme://host[:port]``) as browsers serialise them in the ``Origin`` header.

Publishable keys list the origins of the shop pages allowed to use them. Both the stored list and the
incoming header go through :func:`normalize_origin`, so ``https://Shop.Example.com:443/`` and the browser's
``https://shop.example.com`` compare equal.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from common.errors import InvalidInput

DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_ORIGINS_PER_KEY = 20


def normalize_origin(value: str) -> str:
    """The canonical form of an origin, or :class:`InvalidInput` saying what is wrong with it."""
    text = str(value).strip()
    if not text:
        raise InvalidInput(_("Origin이 비어 있습니다."))
    if "*" in text:
        raise InvalidInput(_("와일드카드 Origin은 허용되지 않습니다: %(origin)s") % {"origin": text})
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InvalidInput(_("Origin 형식이 올바르지 않습니다: %(origin)s") % {"origin": text}) from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise InvalidInput(_("Origin은 http:// 또는 https:// 로 시작해야 합니다: %(origin)s") % {"origin": text})
    if not parts.hostname or parts.username or parts.password:
        raise InvalidInput(_("Origin에 호스트가 없거나 사용자 정보가 있습니다: %(origin)s") % {"origin": text})
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise InvalidInput(
            _("Origin에는 경로·쿼리를 넣을 수 없습니다 (예: https://shop.example.com): %(origin)s") % {"origin": text}
        )
    try:
        host = parts.hostname.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise InvalidInput(_("Origin의 호스트 이름이 올바르지 않습니다: %(origin)s") % {"origin": text}) from exc
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port is not None and port != DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}:{port}"
    return f"{scheme}://{host}"


def normalize_origins(values: list[str] | tuple[str, ...]) -> list[str]:
    """Distinct canonical origins in the given order (at most :data:`MAX_ORIGINS_PER_KEY`)."""
    found: list[str] = []
    for value in values:
        origin = normalize_origin(value)
        if origin not in found:
            found.append(origin)
    if len(found) > MAX_ORIGINS_PER_KEY:
        raise InvalidInput(
            _("Origin은 키마다 최대 %(count)s개까지 등록할 수 있습니다.") % {"count": MAX_ORIGINS_PER_KEY}
        )
    return found


def origin_or_none(value: str) -> str | None:
    try:
        return normalize_origin(value)
    except InvalidInput:
        return None


def _served_origin(request: HttpRequest) -> str | None:
    try:
        return origin_or_none(f"{request.scheme}://{request.get_host()}")
    except Exception:  # DisallowedHost: the Host header is not one of ours
        return None


def own_origins(request: HttpRequest) -> set[str]:
    """The origins this server is reached at: the request's own and PUBLIC_BASE_URL's (behind a proxy)."""
    return {origin for origin in (_served_origin(request), origin_or_none(settings.PUBLIC_BASE_URL)) if origin}


def request_origin(request: HttpRequest) -> str | None:
    """The origin of the page that sent this request, as far as the browser tells it; None from non-browsers.

    Browsers send ``Origin`` on every cross-origin request and on same-origin POSTs, but not on a same-origin
    GET: that one is recognised by ``Sec-Fetch-Site: same-origin`` (or a Referer on this host) instead.
    An opaque origin (``Origin: null``, e.g. a sandboxed iframe or a file:// page) is returned as ``"null"``,
    which no key allows.
    """
    header = request.META.get("HTTP_ORIGIN", "").strip()
    if header:
        return origin_or_none(header) or "null"
    if request.META.get("HTTP_SEC_FETCH_SITE") == "same-origin" and (served := _served_origin(request)):
        return served
    referer = urlsplit(request.META.get("HTTP_REFERER", ""))
    if referer.netloc:
        referer_origin = origin_or_none(f"{referer.scheme}://{referer.netloc}")
        if referer_origin and referer_origin in own_origins(request):
            return referer_origin
    return None
