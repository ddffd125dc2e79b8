"""CORS for the storefront widget: the shopper-facing API answers browsers on the shops' own origins only.

A preflight carries no key (the browser sends ``OPTIONS`` without the ``x-api-key`` header), so it is
answered for the origins of *all* active publishable keys, and only on the paths of views that accept
publishable keys (``publishable_key_allowed``). Which key may be used from which origin is then checked on
the actual request, server-side, by :class:`merchants.authentication.ApiKeyUsePolicy` (403 otherwise).
No credentials (cookies) are ever allowed cross-origin: the widget authenticates with its key alone.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers

from common.errors import error_json_response
from merchants.origins import origin_or_none
from merchants.services import publishable_origins

ALLOWED_METHODS = "GET, POST"
ALLOWED_HEADERS = "x-api-key, content-type"
EXPOSED_HEADERS = "Retry-After"
# Short, so that a revoked key or a removed origin stops preflights within minutes (Chromium caps it at 2 h).
PREFLIGHT_MAX_AGE_SECONDS = 600


def is_shopper_path(path_info: str) -> bool:
    """Whether the path is served by a view that publishable keys may call."""
    try:
        match = resolve(path_info)
    except Resolver404:
        return False
    view_class = getattr(match.func, "view_class", None)
    return bool(getattr(view_class, "publishable_key_allowed", False))


class ShopperApiCorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.META.get("HTTP_ORIGIN", "")
        if not header or not request.path.startswith("/api/") or not is_shopper_path(request.path_info):
            return self.get_response(request)
        origin = origin_or_none(header)
        allowed = origin is not None and origin in publishable_origins()
        if request.method == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in request.META:
            return self._preflight(request, allowed)
        response = self.get_response(request)
        patch_vary_headers(response, ["Origin"])
        if allowed:
            response["Access-Control-Allow-Origin"] = header
            response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return response

    def _preflight(self, request: HttpRequest, allowed: bool) -> HttpResponse:
        response: HttpResponse
        if not allowed:
            # Without Access-Control-Allow-Origin the browser refuses the actual request; the body says why
            # to anyone reading the network log.
            response = error_json_response(
                request.path, 403, "이 Origin은 Toile 위젯을 사용하도록 등록되어 있지 않습니다 (공개 키의 허용 Origin)."
            )
        else:
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Origin"] = request.META["HTTP_ORIGIN"]
            response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_SECONDS)
        patch_vary_headers(response, ["Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"])
        return response
