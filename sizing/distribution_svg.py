"""An inline SVG of a product's visitor measurements: histograms per dimension (by gender) and sizes given."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PANEL_WIDTH = 250
PANEL_HEIGHT = 150
PLOT_TOP = 24
PLOT_BOTTOM = 124
BAR_AREA_LEFT = 30
COLOURS = {"M": "#4a7bd0", "F": "#d0647a"}
# Histogram bins (start, step, count) per dimension.
BINS = {
    "height": (140.0, 5.0, 13),
    "weight": (35.0, 5.0, 17),
    "chest": (70.0, 4.0, 13),
    "waist": (55.0, 4.0, 15),
    "hip": (75.0, 4.0, 13),
}
TITLES = {
    "height": "키 (cm)",
    "weight": "몸무게 (kg)",
    "chest": "가슴 (cm)",
    "waist": "허리 (cm)",
    "hip": "엉덩이 (cm)",
}


@dataclass(frozen=True)
class MeasurementPoint:
    gender: str
    height: float
    weight: float
    chest: float | None
    waist: float | None
    hip: float | None
    recommended_size: str


def _histogram_panel(points: Sequence[MeasurementPoint], dimension: str, x: int, y: int) -> list[str]:
    start, step, count = BINS[dimension]
    bins = {gender: [0] * count for gender in COLOURS}
    for point in points:
        value = getattr(point, dimension)
        if value is None or point.gender not in bins:
            continue
        index = min(max(int((value - start) // step), 0), count - 1)  # first/last bin collect the tails
        bins[point.gender][index] += 1
    peak = max([1, *(a + b for a, b in zip(bins["M"], bins["F"], strict=True))])
    plot_width = PANEL_WIDTH - BAR_AREA_LEFT - 10
    bar_width = plot_width / count
    parts = [
        f'<g transform="translate({x},{y})">',
        f'<text x="{BAR_AREA_LEFT}" y="14" font-size="12" font-weight="bold">{escape(TITLES[dimension])}</text>',
        f'<line x1="{BAR_AREA_LEFT}" y1="{PLOT_BOTTOM}" x2="{BAR_AREA_LEFT + plot_width}" y2="{PLOT_BOTTOM}" stroke="#999"/>',
        f'<text x="{BAR_AREA_LEFT - 4}" y="{PLOT_TOP + 4}" font-size="9" text-anchor="end">{peak}</text>',
    ]
    if not any(any(values) for values in bins.values()):
        parts.append(f'<text x="{BAR_AREA_LEFT + 10}" y="70" font-size="11" fill="#777">데이터 없음</text>')
    scale = (PLOT_BOTTOM - PLOT_TOP) / peak
    for index in range(count):
        base = PLOT_BOTTOM
        for gender, colour in COLOURS.items():
            amount = bins[gender][index]
            if amount:
                height = amount * scale
                base -= height
                left = BAR_AREA_LEFT + index * bar_width + 1
                parts.append(
                    f'<rect class="bar bar-{dimension}" x="{left:.1f}" y="{base:.1f}" width="{bar_width - 2:.1f}" '
                    f'height="{height:.1f}" fill="{colour}"><title>{start + index * step:g}~ '
                    f"{gender}: {amount}</title></rect>"
                )
        if index % 3 == 0:
            parts.append(
                f'<text x="{BAR_AREA_LEFT + index * bar_width:.1f}" y="{PLOT_BOTTOM + 12}" font-size="9">'
                f"{start + index * step:g}</text>"
            )
    parts.append("</g>")
    return parts


def _size_panel(points: Sequence[MeasurementPoint], x: int, y: int) -> list[str]:
    counts = Counter(point.recommended_size for point in points if point.recommended_size)
    parts = [
        f'<g transform="translate({x},{y})">',
        '<text x="30" y="14" font-size="12" font-weight="bold">추천 사이즈</text>',
    ]
    if not counts:
        parts.append('<text x="30" y="60" font-size="11" fill="#777">추천 기록 없음</text></g>')
        return parts
    peak = max(counts.values())
    for row, (label, amount) in enumerate(counts.most_common(8)):
        top = PLOT_TOP + row * 12
        width = (PANEL_WIDTH - 120) * amount / peak
        parts.append(f'<text x="70" y="{top + 9}" font-size="10" text-anchor="end">{escape(label)}</text>')
        parts.append(
            f'<rect class="bar bar-size" x="75" y="{top}" width="{width:.1f}" height="10" fill="#6a9f58">'
            f"<title>{escape(label)}: {amount}</title></rect>"
        )
        parts.append(f'<text x="{80 + width:.1f}" y="{top + 9}" font-size="10">{amount}</text>')
    parts.append("</g>")
    return parts


def measurement_distribution_svg(points: Sequence[MeasurementPoint]) -> str:
    dimensions = ["height", "weight", "chest", "waist", "hip"]
    panels: list[str] = []
    for index, dimension in enumerate(dimensions):
        panels += _histogram_panel(points, dimension, (index % 3) * PANEL_WIDTH, (index // 3) * PANEL_HEIGHT)
    panels += _size_panel(points, 2 * PANEL_WIDTH, PANEL_HEIGHT)
    men = sum(1 for point in points if point.gender == "M")
    legend = (
        f'<g transform="translate(30,{2 * PANEL_HEIGHT + 8})" font-size="11">'
        f'<rect width="10" height="10" fill="{COLOURS["M"]}"/><text x="14" y="9">남성 {men}명</text>'
        f'<rect x="90" width="10" height="10" fill="{COLOURS["F"]}"/>'
        f'<text x="104" y="9">여성 {len(points) - men}명</text>'
        '<text x="190" y="9" fill="#777">가슴·허리·엉덩이는 직접 입력한 값만 표시합니다.</text></g>'
    )
    width, height = 3 * PANEL_WIDTH, 2 * PANEL_HEIGHT + 24
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="measurement-distribution" width="{width}" '
        f'height="{height}" style="max-width:100%;height:auto" viewBox="0 0 {width} {height}" role="img" aria-label="신체 측정 분포" '
        f'font-family="Noto Sans KR, Apple SD Gothic Neo, Malgun Gothic, sans-serif">{"".join(panels)}{legend}</svg>'
    )
