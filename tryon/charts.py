"""The dashboard's usage chart: an inline SVG (no JavaScript, nothing fetched from the internet)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 760, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 16, 36
SERIES = (("completed", "완료", "#2f7d5b"), ("failed", "실패", "#c0392b"), ("pending", "처리 중", "#c9c3b5"))


def nice_ceiling(value: int) -> int:
    # Multiples of 4 so that the four grid steps are whole numbers.
    for step in (4, 8, 12, 20, 40, 60, 80, 100, 200, 400, 600, 800, 1000, 2000, 4000, 10000, 20000, 40000, 100000):
        if value <= step:
            return step
    return value


def usage_chart_svg(series: Sequence[dict[str, Any]]) -> SafeString:
    """Stacked daily bars (completed, failed, not finished yet), one per day, with a y axis and a legend."""
    peak = nice_ceiling(max([int(row["requested"]) for row in series] + [1]))
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(series), 1)
    bar = max(2.0, slot * 0.7)

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
        x = LEFT + index * slot + (slot - bar) / 2
        values = {
            "completed": int(row["completed"]),
            "failed": int(row["failed"]),
            "pending": max(0, int(row["requested"]) - int(row["completed"]) - int(row["failed"])),
        }
        base = 0
        for key, label, colour in SERIES:
            value = values[key]
            if not value:
                continue
            parts.append(
                f'<rect class="bar-{key}" x="{x:.1f}" y="{y(base + value):.1f}" width="{bar:.1f}" '
                f'height="{y(base) - y(base + value):.1f}" fill="{colour}">'
                f"<title>{escape(row['date'].isoformat())} · {escape(label)} {value}</title></rect>"
            )
            base += value
        if index % 5 == 0 or index == len(series) - 1:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="11" text-anchor="middle" '
                f'fill="#6e6e73">{escape(row["date"].strftime("%m/%d"))}</text>'
            )
    for i, (_, label, colour) in enumerate(SERIES):
        parts.append(
            f'<rect x="{LEFT + i * 90}" y="{HEIGHT - 12}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{LEFT + i * 90 + 14}" y="{HEIGHT - 3}" font-size="11" fill="#333">{escape(label)}</text>'
        )
    return mark_safe(  # noqa: S308 - every interpolated text is escaped above; the rest are numbers
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="일별 피팅 요청" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" style="max-width:{WIDTH}px;background:#fff">'
        + "".join(parts)
        + "</svg>"
    )
