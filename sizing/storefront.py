"""What sizing gives the storefront widget's demo shop (/demo/store/): the merchant's products, each with the
try-on category of its garment. Registered when the app starts (sizing/apps.py)."""

from __future__ import annotations

from merchants.models import Merchant
from sizing.models import Product
from widget.demo import DemoProduct

# The sizing category of a product → the try-on category of its garment.
TRYON_CATEGORY = {"TOP": "upper_body", "BOTTOM": "lower_body", "DRESS": "dresses"}


def demo_catalogue(merchant: Merchant) -> list[DemoProduct]:
    return [
        DemoProduct(
            external_id=product.external_id,
            name=product.name,
            brand=product.brand,
            category=TRYON_CATEGORY.get(product.category, "upper_body"),
        )
        for product in Product.objects.filter(merchant=merchant).order_by("id")
    ]
