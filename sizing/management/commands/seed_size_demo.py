"""Demo catalogue for a merchant: real-looking Korean size charts and one product per chart (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from merchants.models import Merchant
from sizing.models import Product
from sizing.services import import_size_chart

DEMO_CHARTS = [
    # (brand, category, kind, garment_flat, csv, product externalId, product name)
    (
        "BRAND_A",
        "TOP",
        "BODY",
        False,
        "label,chest_min,chest_max,height_min,height_max,weight_min,weight_max\n"
        "S,82,88,160,168,50,60\nM,88,94,165,173,58,68\nL,94,100,170,178,66,76\nXL,100,106,175,183,74,86\n",
        "BLUE-SHIRT-001",
        "블루 린넨 셔츠",
    ),
    ("BRAND_B", "TOP", "BODY", False, "label\n44\n55\n66\n77\n", "KNIT-55", "여성 라운드 니트"),
    ("BRAND_C", "TOP", "BODY", False, "label\n90\n95\n100\n105\n110\n", "MEN-TEE-95", "남성 반팔 티셔츠"),
    (
        "BRAND_D",
        "BOTTOM",
        "GARMENT",
        True,
        "label,waist,hip\n28,37,48\n30,39.5,50.5\n32,42,53\n34,44.5,55.5\n",
        "SLACKS-28",
        "와이드 슬랙스",
    ),
    ("BRAND_E", "DRESS", "BODY", False, "label\n82-88-155\n85-91-160\n88-94-165\n", "DRESS-KS", "플리츠 원피스"),
]


class Command(BaseCommand):
    help = "Creates demo size charts and products for a merchant (safe to run again)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("merchant", help="merchant name")

    def handle(self, *args: Any, **options: Any) -> None:
        merchant = Merchant.objects.filter(name=options["merchant"]).first()
        if merchant is None:
            raise CommandError(f"No merchant named {options['merchant']!r}")
        for brand, category, kind, flat, csv_text, external_id, name in DEMO_CHARTS:
            import_size_chart(
                merchant=merchant,
                brand=brand,
                category=category,
                kind=kind,
                garment_flat=flat,
                raw_csv=csv_text.encode(),
                note="demo",
            )
            Product.objects.update_or_create(
                merchant=merchant,
                external_id=external_id,
                defaults={"name": name, "brand": brand, "category": category},
            )
        self.stdout.write(f"{len(DEMO_CHARTS)} demo size charts and products for {merchant.name}")
