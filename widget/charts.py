"""The dashboard's widget funnel chart: one line per funnel step over the days, as inline SVG."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from tryon.charts import nice_ceiling
from widget.analytics import FUNNEL

WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 16, 56
COLOURS = {
    "opens": "#6b7fa8",
    "recommendations": "#2f5d50",
    "uploads": "#c98a2b",
    "completed": "#2f7d5b",
    "shares": "#8e44ad",
    "share_views": "#c0392b",
}


def funnel_chart_svg(series: Sequence[dict[str, Any]]) -> SafeString:
    peak = nice_ceiling(max([int(row[field]) for row in series for field, _ in FUNNEL] + [1]))
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_width / max(len(series) - 1, 1)

    def x(index: int) -> float:
        return LEFT + index * step

    def y(value: float) -> float:
        return TOP + plot_height - plot_height * value / peak

    parts: list[str] = []
    for i in range(5):
        level = peak * i / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(level):.1f}" y2="{y(level):.1f}" stroke="#e4e0d8"/>'
            f'<text x="{LEFT - 6}" y="{y(level) + 4:.1f}" font-size="11" text-anchor="end" fill="#6e6e73">'
            f"{round(level)}</text>"
        )
    for index, row in enumerate(series):
        if index % 5 == 0 or index == len(series) - 1:
            parts.append(
                f'<text x="{x(index):.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="11" text-anchor="middle" '
                f'fill="#6e6e73">{escape(row["date"].strftime("%m/%d"))}</text>'
            )
    for field, label in FUNNEL:
        points = " ".join(f"{x(i):.1f},{y(int(row[field])):.1f}" for i, row in enumerate(series))
        parts.append(
            f'<polyline class="line-{field}" fill="none" stroke="{COLOURS[field]}" stroke-width="2" '
            f'points="{points}"><title>{escape(label)}</title></polyline>'
        )
    for i, (field, label) in enumerate(FUNNEL):
        left = LEFT + (i % 3) * 150
        top = HEIGHT - 30 + (i // 3) * 16
        parts.append(
            f'<rect x="{left}" y="{top}" width="10" height="10" fill="{COLOURS[field]}"/>'
            f'<text x="{left + 14}" y="{top + 9}" font-size="11" fill="#333">{escape(label)}</text>'
        )
    return mark_safe(  # noqa: S308 - every interpolated text is escaped above; the rest are numbers
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="일별 위젯 퍼널" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" style="max-width:{WIDTH}px;background:#fff">'
        + "".join(parts)
        + "</svg>"
    )
