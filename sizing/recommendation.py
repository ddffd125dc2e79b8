"""The size recommendation itself: pure functions over a body and a chart (no database).

How a size is chosen
--------------------
1. Every chart row becomes a *body* interval per dimension. Garment charts are converted with the category's
   ease allowance (garment girth − ease = the body girth it is cut for; ``단면`` values are doubled first).
   Single published values (e.g. ``95`` = chest 95, KS ``82-88-160``) are points; the boundary between two
   neighbouring sizes is the midpoint between them (also when published ranges overlap or leave a gap).
2. Each dimension maps the body value onto a continuous *size position* by piecewise-linear interpolation
   (size ``i`` spans ``[i − 0.5, i + 0.5]``; linear extrapolation beyond the smallest/largest size).
3. The body's position is the weighted mean of the dimensions' positions (weights: how much the dimension
   decides fit in this category, halved for estimated girths). The size is the nearest whole position.
   Because each map is non-decreasing and the weights do not depend on the values, a bigger body never gets
   a smaller size on a chart whose sizes grow monotonically (charts are validated to grow).
4. Confidence is the probability that the *true* position lies inside the chosen size's span, with the
   position's uncertainty combining measurement error (self-measured tape: 2 cm; estimated girths: the
   regression's residual SD, ~2.4–5.0 cm), and disagreement between dimensions (chest says M, hip says L).
   So it is high well inside a size with measured girths, at most ~50 % on a boundary, lower when girths are
   estimated or the body lies outside the chart. It is capped at 99 — no recommendation is certain.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext_noop

from common.stored_text import StoredText
from sizing.anthropometry import estimate_girth
from sizing.dimensions import DIMENSIONS

GIRTHS = ("chest", "waist", "hip")

# Ease allowance (cm) between a garment's girth and the body girth it is made for, per category. Regular fit
# values in line with common Korean pattern-making practice (e.g. a regular shirt 8–12 cm over the chest,
# coats more, trousers close at the waist).
EASE_CM: dict[str, dict[str, float]] = {
    "TOP": {"chest": 10.0, "waist": 10.0, "hip": 8.0},
    "OUTER": {"chest": 16.0, "waist": 16.0, "hip": 14.0},
    "BOTTOM": {"chest": 0.0, "waist": 2.0, "hip": 6.0},
    "DRESS": {"chest": 8.0, "waist": 6.0, "hip": 8.0},
}

# How much each dimension decides the fit of a category.
IMPORTANCE: dict[str, dict[str, float]] = {
    "TOP": {"chest": 3.0, "waist": 1.0, "hip": 0.5, "height": 1.0, "weight": 1.5},
    "OUTER": {"chest": 3.0, "waist": 1.0, "hip": 0.5, "height": 1.0, "weight": 1.5},
    "BOTTOM": {"chest": 0.5, "waist": 3.0, "hip": 2.0, "height": 1.0, "weight": 1.5},
    "DRESS": {"chest": 2.0, "waist": 2.0, "hip": 2.0, "height": 1.0, "weight": 1.5},
}
ESTIMATED_GIRTH_WEIGHT_FACTOR = 0.5

# Measurement error (cm / kg, one SD) of values the shopper enters.
MEASURED_SD = {"chest": 2.0, "waist": 2.0, "hip": 2.0, "height": 1.0, "weight": 1.0}
# Half-width used for a one-size chart published as a single value.
DEFAULT_HALF_WIDTH = {"chest": 5.0, "waist": 4.0, "hip": 5.0, "height": 6.0, "weight": 8.0}
MAX_CONFIDENCE = 99

# Legacy Korean women's sizes (44/55/66/77/88): chest and stature they are commonly equated with.
LEGACY_WOMEN = {
    "44": {"chest": 82.0, "height": 150.0},
    "55": {"chest": 85.0, "height": 155.0},
    "66": {"chest": 88.0, "height": 160.0},
    "77": {"chest": 94.0, "height": 165.0},
    "88": {"chest": 100.0, "height": 170.0},
}
# The same labels on skirts and trousers name waist and hip, as Korean conversion tables equate them
# (44 ≈ 24 in, 55 ≈ 26 in, 66 ≈ 28 in, 77 ≈ 30 in, 88 ≈ 32 in waist).
LEGACY_WOMEN_BOTTOM = {
    "44": {"waist": 61.0, "hip": 87.0},
    "55": {"waist": 66.0, "hip": 90.0},
    "66": {"waist": 71.0, "hip": 93.0},
    "77": {"waist": 76.0, "hip": 96.0},
    "88": {"waist": 81.0, "hip": 99.0},
}
KS_LABEL = re.compile(r"^\s*(\d{2,3})(?:-(\d{2,3}))(?:-(\d{2,3}))?\s*$")
# KS K 0050 / K 0051 body-dimension labels, by category and number of parts.
KS_PARTS: dict[str, dict[int, tuple[str, ...]]] = {
    "TOP": {2: ("chest", "height"), 3: ("chest", "hip", "height")},
    "OUTER": {2: ("chest", "height"), 3: ("chest", "hip", "height")},
    "DRESS": {2: ("chest", "height"), 3: ("chest", "hip", "height")},
    "BOTTOM": {2: ("waist", "hip"), 3: ("waist", "hip", "height")},
}


@dataclass(frozen=True)
class Body:
    gender: str
    height: float
    weight: float
    chest: float | None = None
    waist: float | None = None
    hip: float | None = None


@dataclass(frozen=True)
class ChartRowSpec:
    label: str
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class ChartSpec:
    category: str
    kind: str  # "BODY" | "GARMENT"
    rows: Sequence[ChartRowSpec]
    garment_flat: bool = False


@dataclass(frozen=True)
class Recommendation:
    size: str
    confidence: int
    position: float
    estimated: tuple[str, ...]


class ChartError(ValueError):
    """The chart cannot be used (sizes not growing, no usable dimension, labels without values)."""


# ChartError's messages, in Korean; the dashboard shows them translated (common/stored_text.py).
NO_SHARED_DIMENSION = StoredText(gettext_noop("사이즈 차트에 모든 사이즈에 공통된 치수가 없습니다."))
SIZES_OUT_OF_ORDER = StoredText(
    gettext_noop("사이즈는 작은 것부터 큰 순서로, %(dimension)s 값이 커지도록 입력해야 합니다.")
)
NO_SIZES = StoredText(gettext_noop("사이즈가 하나 이상 필요합니다."))


def label_values(category: str, label: str, all_labels: Sequence[str]) -> dict[str, float]:
    """Body values a label itself names, for rows published without numbers (KS, legacy, numeric sizes)."""
    match = KS_LABEL.match(label)
    if match:
        numbers = [float(part) for part in match.groups() if part]
        names = KS_PARTS.get(category, {}).get(len(numbers))
        return dict(zip(names, numbers, strict=True)) if names else {}
    text = label.strip()
    if not text.isdigit():
        return {}
    number = float(text)
    legacy = all(candidate.strip() in LEGACY_WOMEN for candidate in all_labels)
    if category in ("TOP", "OUTER", "DRESS"):
        if legacy:
            return dict(LEGACY_WOMEN[text])
        if 75 <= number <= 130:  # men's/unisex chest sizes 85, 90, 95, 100, 105 …
            return {"chest": number}
    if category == "BOTTOM":
        if legacy:  # women's 44/55/66/77 skirts and trousers (not "44" as inches, "55" as a cm waist)
            return dict(LEGACY_WOMEN_BOTTOM[text])
        if 22 <= number <= 44:  # waist in inches (26, 28, 30 …)
            return {"waist": round(number * 2.54, 1)}
        if 55 <= number <= 130:  # waist in cm
            return {"waist": number}
    return {}


def body_intervals(chart: ChartSpec) -> dict[str, list[tuple[float, float]]]:
    """Per usable dimension, each size's body interval (min, max), in chart order. Raises ChartError."""
    labels = [row.label for row in chart.rows]
    per_row: list[dict[str, tuple[float, float]]] = []
    for row in chart.rows:
        ranges = dict(row.ranges)
        if not ranges:
            ranges = {dim: (value, value) for dim, value in label_values(chart.category, row.label, labels).items()}
            from_label = True
        else:
            from_label = False
        if chart.kind == "GARMENT" and not from_label:
            ease = EASE_CM.get(chart.category, {})
            factor = 2.0 if chart.garment_flat else 1.0
            ranges = {
                dim: (low * factor - ease.get(dim, 0.0), high * factor - ease.get(dim, 0.0))
                if dim in GIRTHS
                else (low, high)
                for dim, (low, high) in ranges.items()
            }
        per_row.append(ranges)
    usable = [dim for dim in DIMENSIONS if per_row and all(dim in ranges for ranges in per_row)]
    if not usable:
        raise ChartError(NO_SHARED_DIMENSION())
    intervals = {dim: [ranges[dim] for ranges in per_row] for dim in usable}
    for dim, values in intervals.items():
        centers = [(low + high) / 2 for low, high in values]
        if any(later <= earlier for earlier, later in zip(centers, centers[1:], strict=False)):
            raise ChartError(SIZES_OUT_OF_ORDER(dimension=dim))
    return intervals


def _knots(values: list[tuple[float, float]], dim: str) -> list[tuple[float, float]]:
    """(body value, size position) breakpoints of one dimension's map."""
    count = len(values)
    centers = [(low + high) / 2 for low, high in values]
    if count == 1:
        low, high = values[0]
        if high - low < 1e-6:
            low, high = low - DEFAULT_HALF_WIDTH[dim], high + DEFAULT_HALF_WIDTH[dim]
        return [(low, -0.5), (high, 0.5)]
    boundaries = []
    for index in range(count - 1):
        high = values[index][1]
        next_low = values[index + 1][0]
        boundary = (high + next_low) / 2
        # Points (or ranges crossing the neighbour's centre) fall back to the midpoint of the centres.
        if not centers[index] < boundary < centers[index + 1]:
            boundary = (centers[index] + centers[index + 1]) / 2
        boundaries.append(boundary)
    first_low = values[0][0]
    if first_low >= boundaries[0] - 1e-6 or values[0][1] - values[0][0] < 1e-6:
        first_low = 2 * centers[0] - boundaries[0]
    last_high = values[-1][1]
    if last_high <= boundaries[-1] + 1e-6 or values[-1][1] - values[-1][0] < 1e-6:
        last_high = 2 * centers[-1] - boundaries[-1]
    points = [first_low, *boundaries, last_high]
    return [(value, index - 0.5) for index, value in enumerate(points)]


def _position(knots: list[tuple[float, float]], value: float) -> tuple[float, float]:
    """Size position of ``value`` and the local slope (positions per unit); the end segments extrapolate."""
    segment = 0
    while segment < len(knots) - 2 and value > knots[segment + 1][0]:
        segment += 1
    (x0, y0), (x1, y1) = knots[segment], knots[segment + 1]
    slope = (y1 - y0) / (x1 - x0)
    return y0 + (value - x0) * slope, slope


def _normal_cdf(value: float) -> float:
    return 0.5 * (1.0 + math.erf(value / math.sqrt(2.0)))


def is_unmeasured_one_size(chart: ChartSpec) -> bool:
    """A single size published without any number ("Free"): recommended, but nothing can be checked."""
    return (
        len(chart.rows) == 1
        and not chart.rows[0].ranges
        and not label_values(chart.category, chart.rows[0].label, [chart.rows[0].label])
    )


def validate_chart(chart: ChartSpec) -> None:
    """Raises ChartError when the chart cannot be used for recommendations."""
    if not chart.rows:
        raise ChartError(NO_SIZES())
    if not is_unmeasured_one_size(chart):
        body_intervals(chart)


UNMEASURED_ONE_SIZE_CONFIDENCE = 50


def recommend(body: Body, chart: ChartSpec, *, size_shift: float = 0.0) -> Recommendation:
    """Best size and confidence. ``size_shift`` (in sizes) moves the body's position: the feedback-driven bias
    correction (+0.5 reads the body half a size bigger because the product runs small)."""
    if is_unmeasured_one_size(chart):
        # The only size there is; 50 says "no better than a coin flip that it fits": we could check nothing.
        return Recommendation(
            size=chart.rows[0].label, confidence=UNMEASURED_ONE_SIZE_CONFIDENCE, position=0.0, estimated=()
        )
    intervals = body_intervals(chart)
    importance = IMPORTANCE.get(chart.category, IMPORTANCE["TOP"])
    estimated: list[str] = []
    positions: list[tuple[float, float, float]] = []  # (position, weight, sd in positions)
    estimated_error = 0.0  # summed weight × sd of estimated girths (their errors move together)
    for dim, values in intervals.items():
        value = getattr(body, dim)
        sd = MEASURED_SD[dim]
        weight = importance[dim]
        if dim in GIRTHS and value is None:
            estimate = estimate_girth(gender=body.gender, girth=dim, height=body.height, weight=body.weight)
            value, sd = estimate.value, estimate.sd
            weight *= ESTIMATED_GIRTH_WEIGHT_FACTOR
            estimated.append(dim)
        position, slope = _position(_knots(values, dim), float(value))
        if dim in estimated:
            estimated_error += weight * sd * slope
            sd = 0.0
        positions.append((position, weight, sd * slope))
    total_weight = sum(weight for _, weight, _ in positions)
    mean_position = sum(position * weight for position, weight, _ in positions) / total_weight + size_shift
    # Variance of the weighted mean: entered values have independent errors; estimated girths all come from the
    # same height and weight, so their errors are taken as fully correlated (the cautious choice). Plus the
    # dimensions' disagreement.
    measurement_var = sum((weight / total_weight) ** 2 * sd**2 for _, weight, sd in positions)
    measurement_var += (estimated_error / total_weight) ** 2
    disagreement_var = (
        sum(weight * (position + size_shift - mean_position) ** 2 for position, weight, _ in positions) / total_weight
    )
    spread = math.sqrt(measurement_var + disagreement_var + 1e-9)
    index = min(max(math.floor(mean_position + 0.5), 0), len(chart.rows) - 1)  # ties go to the bigger size
    probability = _normal_cdf((index + 0.5 - mean_position) / spread) - _normal_cdf(
        (index - 0.5 - mean_position) / spread
    )
    confidence = max(0, min(MAX_CONFIDENCE, int(probability * 100)))
    return Recommendation(
        size=chart.rows[index].label, confidence=confidence, position=mean_position, estimated=tuple(estimated)
    )
