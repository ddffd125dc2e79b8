"""Reads of the sizing app, each scoped to one merchant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from common.errors import NotFound
from merchants.models import Merchant
from sizing.models import BodyMeasurement, DailyRecommendations, Product, SizeChart, SizeFeedback


def product_for_merchant(*, merchant: Merchant, external_id: str) -> Product:
    product = Product.objects.filter(merchant=merchant, external_id=external_id).select_related("size_chart").first()
    if product is None:
        raise NotFound("상품을 찾을 수 없습니다.")
    return product


def brand_charts(*, merchant: Merchant | int, brand: str, category: str) -> QuerySet[SizeChart]:
    """The merchant's charts of a brand (case-insensitive, spaces around ignored) and category: one at most."""
    return SizeChart.objects.filter(merchant=merchant, brand__iexact=brand.strip(), category=category)


def chart_for_product(*, product: Product) -> SizeChart | None:
    """The product's own chart if set (and of its merchant), else the merchant's chart for its brand
    (case-insensitive) and category."""
    own = product.size_chart if product.size_chart_id is not None else None
    if own is not None and own.merchant_id == product.merchant_id:
        chart: SizeChart | None = own
    else:
        chart = (
            brand_charts(merchant=product.merchant_id, brand=product.brand, category=product.category)
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


class ProductCounts(TypedDict):
    measurement_total: int
    feedback_total: int
    feedback_helpful: int


if TYPE_CHECKING:  # django-stubs' annotated-model type exists for the type checker only
    from django_stubs_ext import WithAnnotations

    ProductWithCounts = WithAnnotations[Product, ProductCounts]


def helpful_rates(*, products: QuerySet[Product]) -> QuerySet[ProductWithCounts]:
    """Products with their measurement and feedback counts (dashboard)."""
    return products.annotate(
        measurement_total=Count("measurements", distinct=True),
        feedback_total=Count("feedback", distinct=True),
        feedback_helpful=Count("feedback", filter=Q(feedback__helpful=True), distinct=True),
    )


def measurements_for_product(*, product: Product) -> QuerySet[BodyMeasurement]:
    return BodyMeasurement.objects.filter(merchant_id=product.merchant_id, product=product)


# --- dashboard -------------------------------------------------------------------------------------------
def _scoped(queryset: QuerySet, merchant: Merchant | None) -> QuerySet:
    return queryset if merchant is None else queryset.filter(merchant=merchant)


def daily_recommendations(*, merchant: Merchant | None, days: list[date]) -> list[dict]:
    """``{"day", "served", "sized"}`` per day (zeros included); all merchants if None."""
    rows = _scoped(DailyRecommendations.objects.filter(date__gte=days[0], date__lte=days[-1]), merchant)
    totals = {row["date"]: row for row in rows.values("date").annotate(served=Sum("served"), sized=Sum("sized"))}
    return [
        {
            "day": day,
            "served": int((totals.get(day) or {}).get("served") or 0),
            "sized": int((totals.get(day) or {}).get("sized") or 0),
        }
        for day in days
    ]


def recommendations_since(*, merchant: Merchant | None, day: date) -> int:
    total = _scoped(DailyRecommendations.objects.filter(date__gte=day), merchant).aggregate(total=Sum("served"))
    return int(total["total"] or 0)


@dataclass(frozen=True)
class HelpfulSummary:
    helpful: int
    total: int

    @property
    def rate(self) -> float | None:
        return 100 * self.helpful / self.total if self.total else None


def helpful_summary(*, merchant: Merchant | None, since: datetime) -> HelpfulSummary:
    counts = _scoped(SizeFeedback.objects.filter(created_at__gte=since), merchant).aggregate(
        total=Count("id"), helpful=Count("id", filter=Q(helpful=True))
    )
    return HelpfulSummary(helpful=counts["helpful"], total=counts["total"])
