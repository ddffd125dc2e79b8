"""Reads of the sizing app, each scoped to one merchant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from common.errors import NotFound
from merchants.models import Merchant
from sizing.models import BodyMeasurement, Product, SizeChart, SizeFeedback


def product_for_merchant(*, merchant: Merchant, external_id: str) -> Product:
    product = Product.objects.filter(merchant=merchant, external_id=external_id).select_related("size_chart").first()
    if product is None:
        raise NotFound("상품을 찾을 수 없습니다.")
    return product


def chart_for_product(*, product: Product) -> SizeChart | None:
    """The product's own chart if set (and of its merchant), else the merchant's chart for its brand
    (case-insensitive) and category."""
    if product.size_chart_id is not None and product.size_chart.merchant_id == product.merchant_id:
        chart = product.size_chart
    else:
        chart = (
            SizeChart.objects.filter(
                merchant_id=product.merchant_id, brand__iexact=product.brand.strip(), category=product.category
            )
            .order_by("id")
            .first()
        )
    if chart is None:
        return None
    rows = list(chart.rows.order_by("position", "id"))
    if not rows:
        return None
    chart.ordered_rows = rows  # type: ignore[attr-defined]
    return chart


@dataclass(frozen=True)
class FitCounts:
    too_small: int
    good: int
    too_large: int

    @property
    def total(self) -> int:
        return self.too_small + self.good + self.too_large


def recent_fit_counts(*, product: Product) -> FitCounts:
    """Fit votes of the product's feedback within the bias window (see services.bias_size_shift)."""
    since = timezone.now() - timedelta(days=settings.SIZING_BIAS_WINDOW_DAYS)
    counts = SizeFeedback.objects.filter(product=product, created_at__gte=since).aggregate(
        too_small=Count("id", filter=Q(fit=SizeFeedback.Fit.TOO_SMALL)),
        good=Count("id", filter=Q(fit=SizeFeedback.Fit.GOOD)),
        too_large=Count("id", filter=Q(fit=SizeFeedback.Fit.TOO_LARGE)),
    )
    return FitCounts(**counts)


def helpful_rates(*, products: QuerySet[Product]) -> QuerySet[Product]:
    """Products annotated with ``feedback_total``, ``feedback_helpful``, ``measurement_total`` (dashboard)."""
    return products.annotate(
        measurement_total=Count("measurements", distinct=True),
        feedback_total=Count("feedback", distinct=True),
        feedback_helpful=Count("feedback", filter=Q(feedback__helpful=True), distinct=True),
    )


def measurements_for_product(*, product: Product) -> QuerySet[BodyMeasurement]:
    return BodyMeasurement.objects.filter(merchant_id=product.merchant_id, product=product)
