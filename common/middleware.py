from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from common.errors import error_json_response
from common.request_limits import body_limit


class ApiRequestSizeLimitMiddleware:
    """Refuses a body declared larger than its path accepts (:mod:`common.request_limits`) with 413 in the
    product's format, before anything reads it.

    Under the web front this is also how a body the front refused unread is answered: it hands Django the
    request with the length it saw and no body, so the 413 passes the widget's CORS middleware like any other
    answer. DRF streams JSON bodies past Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``, hence the check here.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_json_response(request.path, 400, "Content-Length 헤더가 올바르지 않습니다.")
        if declared:
            limit = body_limit(request.path_info, request.META.get("CONTENT_TYPE", ""))
            if declared > limit.max_bytes:
                return error_json_response(request.path, 413, limit.message)
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
