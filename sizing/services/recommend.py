"""Recommending a size for a body on a product's chart, corrected by the product's fit feedback; each answer is
counted for the dashboard (and for the widget funnel when the storefront widget asked). The choice itself is
sizing/recommendation.py's."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from merchants.models import Merchant
from sizing.models import BodyMeasurement, DailyRecommendations, Product
from sizing.recommendation import Body, ChartError, recommend
from sizing.selectors import chart_for_product, product_for_merchant, recent_fit_counts
from sizing.services.charts import chart_spec
from sizing.services.measurements import measurement_fields
from widget.analytics import record_widget_event

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SizeRecommendationResult:
    product: Product
    size: str | None
    confidence: int | None
    estimated: tuple[str, ...] = ()
    size_shift: float = 0.0


def bias_size_shift(*, product: Product) -> float:
    """The shift (in sizes) the product's recent fit feedback calls for; 0 without a consistent bias.

    Rule: over the last ``SIZING_BIAS_WINDOW_DAYS``, with at least ``SIZING_BIAS_MIN_FEEDBACK`` fit votes
    (too small / fits / too large), lean = (too small − too large) / votes. When |lean| ≥
    ``SIZING_BIAS_THRESHOLD`` the body's size position moves by lean × ``SIZING_BIAS_MAX_SHIFT`` sizes
    (positive: the product runs small, so the body is read as bigger).
    """
    counts = recent_fit_counts(product=product)
    if counts.total < settings.SIZING_BIAS_MIN_FEEDBACK:
        return 0.0
    lean = (counts.too_small - counts.too_large) / counts.total
    if abs(lean) < settings.SIZING_BIAS_THRESHOLD:
        return 0.0
    return round(lean * settings.SIZING_BIAS_MAX_SHIFT, 3)


def _count_recommendation(*, merchant: Merchant, sized: bool) -> None:
    today = timezone.localdate()
    DailyRecommendations.objects.get_or_create(merchant=merchant, date=today)
    counts = {"served": F("served") + 1, **({"sized": F("sized") + 1} if sized else {})}
    DailyRecommendations.objects.filter(merchant=merchant, date=today).update(**counts)


def recommend_size(
    *,
    merchant: Merchant,
    product_external_id: str,
    measurement: dict[str, Any],
    visitor_id: uuid.UUID | None = None,
    from_widget: bool = False,
) -> SizeRecommendationResult:
    """The size for the body on the product's chart; stores the body when a visitor is named, and counts the
    answer for the dashboard (and for the widget funnel when the storefront widget asked)."""
    product = product_for_merchant(merchant=merchant, external_id=product_external_id)
    chart = chart_for_product(product=product)
    result = SizeRecommendationResult(product=product, size=None, confidence=None)
    if chart is not None:
        body = Body(
            gender=measurement["gender"],
            height=measurement["height"],
            weight=measurement["weight"],
            chest=measurement.get("chest"),
            waist=measurement.get("waist"),
            hip=measurement.get("hip"),
        )
        shift = bias_size_shift(product=product)
        try:
            found = recommend(body, chart_spec(chart), size_shift=shift)
        except ChartError:
            logger.warning("Unusable size chart %s for product %s", chart.pk, product.pk)
        else:
            result = SizeRecommendationResult(
                product=product,
                size=found.size,
                confidence=found.confidence,
                estimated=found.estimated,
                size_shift=shift,
            )
    _count_recommendation(merchant=merchant, sized=result.size is not None)
    if from_widget and result.size is not None:
        record_widget_event(merchant_id=merchant.pk, event="recommendations")
    if visitor_id is not None:
        BodyMeasurement.objects.create(
            merchant=merchant,
            visitor_id=visitor_id,
            product=product,
            source=BodyMeasurement.Source.RECOMMEND,
            recommended_size=result.size or "",
            confidence=result.confidence,
            **measurement_fields(measurement),
        )
    return result
