"""What the product, feedback and measurement pages show: helpful rates and measurement distributions."""

from __future__ import annotations

from django.db.models import QuerySet
from django.template.loader import render_to_string

from sizing.distribution import MeasurementPoint, measurement_distribution
from sizing.models import BodyMeasurement

MAX_CHART_POINTS = 5000


def distribution_html(measurements: QuerySet[BodyMeasurement]) -> str:
    """Charts of the newest measurements: a histogram per dimension by gender, and the sizes recommended."""
    fields = ("gender", "height", "weight", "chest", "waist", "hip", "recommended_size")
    points = [
        MeasurementPoint(**values) for values in measurements.order_by("-created_at").values(*fields)[:MAX_CHART_POINTS]
    ]
    return render_to_string(
        "sizing/admin/measurement_distribution.html", {"distribution": measurement_distribution(points)}
    )


def helpful_rate_text(helpful: int, total: int) -> str:
    return f"{round(100 * helpful / total)}% ({helpful}/{total})" if total else "—"
