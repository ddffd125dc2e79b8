"""A shop's side of the try-on, for tests and benches: a shopper's photo, product photos, a local server that
serves a product image, and a shop's image host (ETags, redirects, a log of its requests)."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw

from tests.support.http import LocalServer, QuietHandler, http_server
from widget.demo import garment_outline


def _matplotlib_sample(name: str) -> Path:
    # A public-domain portrait (US Navy photo of Grace Hopper) shipped inside matplotlib, a mediapipe dependency.
    spec = importlib.util.find_spec("matplotlib")
    assert spec and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "sample_data" / name


PERSON_PHOTO = _matplotlib_sample("grace_hopper.jpg")


def person_jpeg() -> bytes:
    return PERSON_PHOTO.read_bytes()


def garment_png(size: tuple[int, int] = (400, 500), colour: tuple[int, int, int] = (200, 30, 40)) -> bytes:
    """A flat-lay T-shirt on a white background, like a product photo."""
    image = Image.new("RGB", size, (255, 255, 255))
    w, h = size
    ImageDraw.Draw(image).polygon(garment_outline("upper_body", w, h), fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def plain_jpeg(size: tuple[int, int] = (600, 800), colour: tuple[int, int, int] = (120, 160, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


@contextlib.contextmanager
def product_image_server() -> Iterator[str]:
    """A local server answering every GET with a garment PNG; yields a product image URL."""
    garment = garment_png()

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(garment)))
            self.end_headers()
            self.wfile.write(garment)

    with http_server(Handler) as base:
        yield f"{base}/shirt.png"


@dataclass
class ImageServer:
    """Serves ``files[path] = (body, content_type)`` on localhost, each with an ETag; answers a matching
    ``If-None-Match`` with 304. ``requests`` records (path, If-None-Match) of every GET."""

    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    base_url: str = ""
    requests: list[tuple[str, str]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path


@contextlib.contextmanager
def image_host() -> Iterator[ImageServer]:
    """A shop's image host serving a garment PNG at ``/shirt.png``; tests add files and redirects."""
    state = ImageServer(files={"/shirt.png": (garment_png(), "image/png")})

    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802
            state.requests.append((self.path, self.headers.get("If-None-Match", "")))
            if self.path in state.redirects:
                self.send_response(302)
                self.send_header("Location", state.redirects[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            entry = state.files.get(self.path)
            if entry is None:
                self.send_response(404)
                self.end_headers()
                return
            body, content_type = entry
            etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

    server = LocalServer(Handler)
    state.base_url = server.base_url
    try:
        yield state
    finally:
        server.close()
