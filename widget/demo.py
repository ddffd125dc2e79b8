"""The demo shop (/demo/store/): the demo merchant's products with the widget on them, before any pasting.

The product photos are drawn here (flat-lay garments on white, like a shop's packshots) so the demo needs
no file from anywhere else. The products come from the catalogues the product apps register when they start
(sizing registers its own in sizing/apps.py): they count their steps into the widget's funnel, so the widget
does not import them back.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw

from merchants.demo import DEMO_MERCHANT, DEMO_WIDGET_KEY_NAME
from merchants.models import ApiKey, Merchant

COLOURS = {
    "BLUE-SHIRT-001": (62, 110, 170),
    "KNIT-55": (214, 184, 150),
    "MEN-TEE-95": (40, 40, 44),
    "SLACKS-28": (120, 112, 96),
    "DRESS-KS": (170, 60, 80),
}


@dataclass(frozen=True)
class DemoProduct:
    external_id: str
    name: str
    brand: str
    category: str  # try-on category


def demo_merchant() -> Merchant | None:
    return Merchant.objects.filter(name=DEMO_MERCHANT).first()


def demo_publishable_key(merchant: Merchant) -> ApiKey | None:
    return (
        ApiKey.objects.filter(
            merchant=merchant, kind=ApiKey.Kind.PUBLISHABLE, name=DEMO_WIDGET_KEY_NAME, revoked_at__isnull=True
        )
        .order_by("-created_at")
        .first()
    )


DemoCatalogue = Callable[[Merchant], list[DemoProduct]]
_catalogues: list[DemoCatalogue] = []


def register_demo_catalogue(catalogue: DemoCatalogue) -> None:
    """Adds a product app's catalogue to the demo shop (once, however often its app starts)."""
    if catalogue not in _catalogues:
        _catalogues.append(catalogue)


def demo_products(merchant: Merchant) -> list[DemoProduct]:
    return [product for catalogue in _catalogues for product in catalogue(merchant)]


def garment_outline(category: str, w: int, h: int) -> list[tuple[float, float]]:
    """A flat-lay garment's outline on a w×h canvas: trousers (lower_body), a dress, or a T-shirt."""
    if category == "lower_body":
        return [(0.3 * w, 0.06 * h), (0.7 * w, 0.06 * h), (0.76 * w, 0.95 * h), (0.56 * w, 0.95 * h)] + [
            (0.5 * w, 0.3 * h),
            (0.44 * w, 0.95 * h),
            (0.24 * w, 0.95 * h),
        ]
    if category == "dresses":
        return [
            (0.38 * w, 0.05 * h),
            (0.62 * w, 0.05 * h),
            (0.66 * w, 0.3 * h),
            (0.86 * w, 0.95 * h),
            (0.14 * w, 0.95 * h),
            (0.34 * w, 0.3 * h),
        ]
    return [
        (0.25 * w, 0.08 * h),
        (0.75 * w, 0.08 * h),
        (0.95 * w, 0.28 * h),
        (0.82 * w, 0.34 * h),
        (0.8 * w, 0.96 * h),
        (0.2 * w, 0.96 * h),
        (0.18 * w, 0.34 * h),
        (0.05 * w, 0.28 * h),
    ]


@lru_cache(maxsize=32)
def product_image_png(external_id: str, category: str) -> bytes:
    """A flat-lay photo of the product's garment, 600×750 PNG."""
    w, h = 600, 750
    image = Image.new("RGB", (w, h), (255, 255, 255))
    ImageDraw.Draw(image).polygon(garment_outline(category, w, h), fill=COLOURS.get(external_id, (90, 120, 150)))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
