from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from common.errors import error_json_response, product_for_path


class ApiRequestSizeLimitMiddleware:
    """Refuses oversized API bodies with 413 in the product's format before anything reads them.

    DRF streams JSON bodies past Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``, so the declared length is checked
    here. Endpoints with their own, tighter limit (try-on photos) check it themselves with their own message.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if product_for_path(request.path):
            limit = (
                settings.API_MAX_MULTIPART_BYTES
                if request.content_type == "multipart/form-data"
                else settings.API_MAX_BODY_BYTES
            )
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return error_json_response(request.path, 400, "Content-Length 헤더가 올바르지 않습니다.")
            if declared > limit:
                return error_json_response(
                    request.path, 413, f"요청 본문이 너무 큽니다 (최대 {limit // (1024 * 1024)}MB)."
                )
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Adds the ``CONTENT_SECURITY_POLICIES`` policy of the first matching path prefix to HTML responses."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" in response or not response.get("Content-Type", "").startswith("text/html"):
            return response
        for prefix, policy in settings.CONTENT_SECURITY_POLICIES.items():
            if request.path.startswith(prefix):
                response["Content-Security-Policy"] = policy
                break
        return response


class DashboardLanguageMiddleware:
    """Korean first: the dashboard speaks the language picked with its switch, everything else Korean.

    The switch (``set_language``) stores the choice in the language cookie; only dashboard pages read it, so
    the APIs, their error messages and the shoppers' share pages keep ``LANGUAGE_CODE`` whatever a browser's
    Accept-Language says.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = settings.LANGUAGE_CODE
        if request.path.startswith(settings.DASHBOARD_PATH_PREFIXES):
            chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
            if chosen in dict(settings.LANGUAGES):
                language = chosen
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
