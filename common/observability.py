"""Request ids, the access log line and request metrics of every request; ``GET /metrics``."""

from __future__ import annotations

import hmac
import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from common import metrics
from common.logging import request_id_var

access_logger = logging.getLogger("common.access")
# A caller's id is kept if it looks like one (a proxy's or a storefront's); anything else is replaced.
_ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
REQUEST_ID_HEADER = "X-Request-ID"


class RequestContextMiddleware:
    """Gives every request an id (``X-Request-ID`` in, or a new one; echoed back), then logs and counts it.

    The access line names the route pattern, never the path: share links and job ids are in paths.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = offered if _ACCEPTABLE_REQUEST_ID.match(offered) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            elapsed = time.perf_counter() - started
            match = request.resolver_match
            route = ("/" + match.route) if match is not None and match.route else "unmatched"
            metrics.HTTP_REQUESTS.labels(route, request.method, str(response.status_code)).inc()
            metrics.HTTP_LATENCY.labels(route, request.method).observe(elapsed)
            access_logger.info(
                "%s %s %s",
                request.method,
                route,
                response.status_code,
                extra={
                    "method": request.method,
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 1),
                },
            )
            response[REQUEST_ID_HEADER] = request_id
            return response
        finally:
            request_id_var.reset(token)


@csrf_exempt
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not settings.METRICS_TOKEN:
        raise Http404("metrics are off: set METRICS_TOKEN")
    offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(offered.encode(), settings.METRICS_TOKEN.encode()):
        response = HttpResponse("a valid Bearer METRICS_TOKEN is required\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics.scrape(), content_type="text/plain; version=0.0.4; charset=utf-8")
