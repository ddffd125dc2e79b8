"""A product's (or a filtered list's) visitor measurements as charts: one histogram per dimension, split by
gender, and the sizes recommended. Drawn by the dashboard's shared chart helper (common/charts.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common import charts

# Histogram bins (start, step, count) per dimension; the first and last bins collect the tails.
BINS = {
    "height": (140.0, 5.0, 13),
    "weight": (35.0, 5.0, 17),
    "chest": (70.0, 4.0, 13),
    "waist": (55.0, 4.0, 15),
    "hip": (75.0, 4.0, 13),
}
TITLES = {
    "height": gettext_lazy("키 (cm)"),
    "weight": gettext_lazy("몸무게 (kg)"),
    "chest": gettext_lazy("가슴 (cm)"),
    "waist": gettext_lazy("허리 (cm)"),
    "hip": gettext_lazy("엉덩이 (cm)"),
}
MAX_SIZES = 8


@dataclass(frozen=True)
class MeasurementPoint:
    gender: str
    height: float
    weight: float
    chest: float | None
    waist: float | None
    hip: float | None
    recommended_size: str


@dataclass(frozen=True)
class Distribution:
    charts: list[charts.Chart]
    men: int
    women: int


def measurement_distribution(points: Sequence[MeasurementPoint]) -> Distribution:
    men = sum(1 for point in points if point.gender == "M")
    women = sum(1 for point in points if point.gender == "F")
    drawn: list[charts.Chart] = []
    for dimension, (start, step, count) in BINS.items():
        series = [
            charts.Series(
                label,
                charts.histogram(
                    (getattr(point, dimension) for point in points if point.gender == gender),
                    start=start,
                    step=step,
                    count=count,
                ),
                colour,
            )
            for gender, label, colour in (
                ("M", _("남성 %(count)s명") % {"count": men}, charts.MALE),
                ("F", _("여성 %(count)s명") % {"count": women}, charts.FEMALE),
            )
        ]
        drawn.append(
            charts.Chart(
                key=f"measurements-{dimension}",
                title=str(TITLES[dimension]),
                labels=charts.bin_labels(start=start, step=step, count=count),
                series=series,
                stacked=True,
                size="sm",
            )
        )
    sizes = Counter(point.recommended_size for point in points if point.recommended_size).most_common(MAX_SIZES)
    drawn.append(
        charts.Chart(
            key="measurements-sizes",
            title=_("추천 사이즈"),
            labels=[label for label, _count in sizes],
            series=[charts.Series(_("추천 수"), [amount for _label, amount in sizes], charts.SUCCESS)],
            horizontal=True,
            size="sm",
        )
    )
    return Distribution(charts=drawn, men=men, women=women)
