"""How large a request body each path accepts: the one rule that the web front applies from the headers,
before it reads a byte of the body, and that Django's ``ApiRequestSizeLimitMiddleware`` applies to the
declared length before anything parses it.

- A view with a tighter limit of its own declares it: a ``request_body_limit(content_type)`` classmethod
  returning a :class:`BodyLimit` (the try-on upload: its photo limit plus room for the form).
- Other API paths: ``API_MAX_MULTIPART_BYTES`` for multipart bodies, else ``API_MAX_BODY_BYTES``.
- Every other path (dashboard and admin uploads): ``WEB_MAX_BODY_BYTES``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import Resolver404, resolve

from common.errors import product_for_path


@dataclass(frozen=True)
class BodyLimit:
    max_bytes: int
    # What the 413 says (in Korean, as every API message).
    message: str


def body_limit(path_info: str, content_type: str) -> BodyLimit:
    """The limit on a request body to ``path_info`` sent as ``content_type`` (the header, parameters and all)."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    declared_by_view = getattr(_view_class(path_info), "request_body_limit", None)
    if declared_by_view is not None:
        limit: BodyLimit = declared_by_view(media_type)
        return limit
    if not product_for_path(path_info):
        max_bytes = settings.WEB_MAX_BODY_BYTES
    elif media_type == "multipart/form-data":
        max_bytes = settings.API_MAX_MULTIPART_BYTES
    else:
        max_bytes = settings.API_MAX_BODY_BYTES
    return BodyLimit(max_bytes, f"요청 본문이 너무 큽니다 (최대 {readable_size(max_bytes)}).")


def readable_size(size: int) -> str:
    if size >= 1024 * 1024 and size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)}MB"
    if size >= 1024:
        return f"{size // 1024}KB"
    return f"{size}B"


def _view_class(path_info: str) -> type | None:
    try:
        match = resolve(path_info)
    except Resolver404:
        return None
    view_class: type | None = getattr(match.func, "view_class", None)
    return view_class
