"""The widget's files as the project serves them: read once, gzipped once, revalidated by ETag."""

from __future__ import annotations

import gzip
import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers

ASSET_DIR = Path(__file__).resolve().parent / "assets"
SCRIPT_PATH = ASSET_DIR / "toile.js"
# A shop page loads /widget/v1/toile.js on every product view: browsers and CDNs may keep it an hour and
# serve it while revalidating for a day, so a fix within v1 reaches every shop the same day. Breaking
# changes get a new path (/widget/v2/).
SCRIPT_CACHE_CONTROL = "public, max-age=3600, stale-while-revalidate=86400"
# The bundled Noto Sans KR subset never changes under its name.
FONT_CACHE_CONTROL = "public, max-age=31536000, immutable"
FONT_WEIGHTS = {"400": "noto-sans-kr-400.woff", "700": "noto-sans-kr-700.woff"}


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    etag: str
    mtime_ns: int


_lock = threading.Lock()
_loaded: dict[Path, Asset] = {}


def load_asset(path: Path, *, compress: bool) -> Asset:
    """The file's bytes (and gzip), read again only when the file changed on disk."""
    mtime_ns = path.stat().st_mtime_ns
    with _lock:
        cached = _loaded.get(path)
        if cached is not None and cached.mtime_ns == mtime_ns:
            return cached
        body = path.read_bytes()
        asset = Asset(
            body=body,
            gzipped=gzip.compress(body, compresslevel=9, mtime=0) if compress else None,
            etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"',
            mtime_ns=mtime_ns,
        )
        _loaded[path] = asset
        return asset


def font_path(weight: str) -> Path:
    """The Noto Sans KR subset the share page ships too (tryon/static/tryon/fonts, OFL)."""
    return Path(apps.get_app_config("tryon").path) / "static" / "tryon" / "fonts" / FONT_WEIGHTS[weight]


def asset_response(request: HttpRequest, asset: Asset, *, content_type: str, cache_control: str) -> HttpResponse:
    """200 with the file (gzipped when the client takes it), or 304 when the client's copy is current."""
    if asset.etag in [tag.strip() for tag in request.META.get("HTTP_IF_NONE_MATCH", "").split(",")]:
        response: HttpResponse = HttpResponseNotModified()
    else:
        accepts_gzip = "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", "")
        if asset.gzipped is not None and accepts_gzip:
            response = HttpResponse(asset.gzipped, content_type=content_type)
            response["Content-Encoding"] = "gzip"
        else:
            response = HttpResponse(asset.body, content_type=content_type)
        response["Content-Length"] = str(len(response.content))
    if asset.gzipped is not None:
        patch_vary_headers(response, ["Accept-Encoding"])
    response["ETag"] = asset.etag
    response["Cache-Control"] = cache_control
    # Loaded by shop pages on other sites: as a classic script (no CORS needed) or with crossorigin/SRI, and
    # the fonts through the FontFace API, which does need CORS.
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    response["X-Content-Type-Options"] = "nosniff"
    return response
