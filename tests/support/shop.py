"""A shop's side of the try-on, for tests and benches: a shopper's photo, product photos, and a local server
that serves a product image."""

from __future__ import annotations

import contextlib
import importlib.util
import io
from collections.abc import Iterator
from pathlib import Path

from PIL import Image, ImageDraw

from tests.support.http import QuietHandler, http_server
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
