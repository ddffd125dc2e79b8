"""Sizing catalogue factories with real-looking Korean brand charts, and the try-on job a size feedback names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sizing.models import Product, SizeChart, SizeChartRow

# A men's shirt brand publishing body ranges for S–XL.
TOP_BODY_ROWS: list[tuple[str, dict[str, tuple[float, float]]]] = [
    ("S", {"chest": (82, 88), "height": (160, 168), "weight": (50, 60)}),
    ("M", {"chest": (88, 94), "height": (165, 173), "weight": (58, 68)}),
    ("L", {"chest": (94, 100), "height": (170, 178), "weight": (66, 76)}),
    ("XL", {"chest": (100, 106), "height": (175, 183), "weight": (74, 86)}),
]
# Slacks with garment measurements in 단면 (half girths), inch-waist labels.
BOTTOM_GARMENT_ROWS: list[tuple[str, dict[str, tuple[float, float]]]] = [
    ("28", {"waist": (37, 37), "hip": (48, 48)}),
    ("30", {"waist": (39.5, 39.5), "hip": (50.5, 50.5)}),
    ("32", {"waist": (42, 42), "hip": (53, 53)}),
    ("34", {"waist": (44.5, 44.5), "hip": (55.5, 55.5)}),
]


def make_chart(
    merchant: Any,
    *,
    brand: str,
    category: str,
    rows: Sequence[tuple[str, Mapping[str, tuple[float, float]]] | str],
    kind: str = SizeChart.Kind.BODY,
    garment_flat: bool = False,
) -> SizeChart:
    chart = SizeChart.objects.create(
        merchant=merchant, brand=brand, category=category, kind=kind, garment_flat=garment_flat
    )
    for position, row in enumerate(rows):
        ranges: Mapping[str, tuple[float, float]]
        label, ranges = (row, {}) if isinstance(row, str) else row
        values = {
            f"{dim}_{end}": value
            for dim, pair in ranges.items()
            for end, value in zip(("min", "max"), pair, strict=True)
        }
        SizeChartRow.objects.create(chart=chart, label=label, position=position, **values)
    return chart


def make_product(merchant: Any, *, external_id: str, brand: str, category: str, name: str = "상품") -> Product:
    return Product.objects.create(merchant=merchant, external_id=external_id, name=name, brand=brand, category=category)


def make_try_on_job(merchant):
    """A try-on job row of the try-on app (feedback names one by id)."""
    from django.apps import apps

    job_model = apps.get_model("tryon", "TryOnJob")
    return job_model.objects.create(merchant=merchant, product_image_url="https://shop.example/shirt.jpg")
