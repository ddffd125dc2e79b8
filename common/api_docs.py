"""Swagger UI (`/api/docs/`) and ReDoc (`/api/redoc/`) from drf-spectacular-sidecar's static files.

Both pages get a Content-Security-Policy that keeps every request on this server: ReDoc's bundle shows the
Redocly logo from cdn.redoc.ly (no option turns it off); under this policy the browser never asks for it and
ReDoc drops the broken image.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

# Swagger UI and ReDoc style their widgets inline; ReDoc's search runs in a worker built from a blob: URL.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'"
)


class _LocalOnly:
    def finalize_response(self, request: HttpRequest, response: HttpResponse, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        response.setdefault("Content-Security-Policy", DOCS_CONTENT_SECURITY_POLICY)
        return response


class SwaggerDocsView(_LocalOnly, SpectacularSwaggerSplitView):
    """The split view serves its start-up script as a file: no inline script."""


class RedocDocsView(_LocalOnly, SpectacularRedocView):
    template_name = "api_docs/redoc.html"
