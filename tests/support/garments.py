"""Product photos of garments for the try-on tests and bench: the demo shop's, the fixture's tee, and two that
are hard to cut out (a striped tee whose white stripes run into the white background, a white tee on white).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from widget.demo import garment_outline, product_image_png

STRIPE_NAVY = (28, 38, 92)
WHITE_TEE = (244, 244, 240)


@dataclass(frozen=True)
class Garment:
    name: str
    category: str
    png: bytes


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _outline_mask(category: str, size: tuple[int, int]) -> Image.Image:
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).polygon(garment_outline(category, *size), fill=255)
    return mask


def fixture_tee(size: tuple[int, int] = (400, 500), colour: tuple[int, int, int] = (200, 30, 40)) -> bytes:
    """The flat red tee of tests/support/shop.py's ``garment_png``."""
    image = Image.new("RGB", size, (255, 255, 255))
    ImageDraw.Draw(image).polygon(garment_outline("upper_body", *size), fill=colour)
    return _png(image)


def striped_tee(size: tuple[int, int] = (600, 750), stripe: float = 0.035) -> bytes:
    """Navy and white Breton stripes on a white background: every white stripe reaches the outline."""
    width, height = size
    rows = (np.arange(height) // max(1, int(stripe * height))) % 2 == 0
    pattern = np.where(rows[:, None, None], np.array(STRIPE_NAVY, np.uint8), np.uint8(255))
    stripes = Image.fromarray(np.broadcast_to(pattern, (height, width, 3)).copy())
    image = Image.new("RGB", size, (255, 255, 255))
    image.paste(stripes, mask=_outline_mask("upper_body", size))
    return _png(image)


def stripe_rows(size: tuple[int, int] = (600, 750), stripe: float = 0.035) -> np.ndarray:
    """Which rows of :func:`striped_tee` are white stripes (bool per row)."""
    height = size[1]
    return (np.arange(height) // max(1, int(stripe * height))) % 2 == 1


def white_tee(size: tuple[int, int] = (600, 750)) -> bytes:
    """An off-white tee on a white background with the soft shadow a packshot has."""
    mask = _outline_mask("upper_body", size)
    image = Image.new("RGB", size, (255, 255, 255))
    shadow = Image.new("L", size, 0)
    shadow.paste(mask, (6, 8))
    shadow = shadow.filter(ImageFilter.GaussianBlur(7)).point(lambda value: value * 40 // 255)
    image.paste((150, 150, 150), mask=shadow)
    # A little fabric shading from top to bottom so that the tee is not one flat colour.
    ramp = np.linspace(0, 8, size[1], dtype=np.float32)[:, None, None]
    fabric = np.clip(np.array(WHITE_TEE, np.float32) - ramp + np.zeros((size[1], size[0], 3), np.float32), 0, 255)
    image.paste(Image.fromarray(fabric.astype(np.uint8)), mask=mask)
    return _png(image)


def demo_garment(external_id: str, category: str) -> bytes:
    return product_image_png(external_id, category)


def all_garments() -> list[Garment]:
    return [
        Garment("demo shirt", "upper_body", demo_garment("BLUE-SHIRT-001", "upper_body")),
        Garment("demo slacks", "lower_body", demo_garment("SLACKS-28", "lower_body")),
        Garment("demo dress", "dresses", demo_garment("DRESS-KS", "dresses")),
        Garment("fixture tee", "upper_body", fixture_tee()),
        Garment("striped tee", "upper_body", striped_tee()),
        Garment("white tee", "upper_body", white_tee()),
    ]
