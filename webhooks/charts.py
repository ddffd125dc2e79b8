"""The dashboard's webhook charts, as inline SVG (no JavaScript, no external assets): per-day success rate,
and attempts per minute for the operator view."""

from __future__ import annotations

from django.utils import timezone
from django.utils.html import escape

from webhooks.selectors import DailySuccess, MinuteThroughput

WIDTH = 720
HEIGHT = 220
MARGIN_LEFT = 40
MARGIN_BOTTOM = 36
MARGIN_TOP = 16


def _bar_color(rate: float) -> str:
    if rate >= 0.95:
        return "#2e7d32"
    if rate >= 0.8:
        return "#f9a825"
    return "#c62828"


def success_rate_svg(days: list[DailySuccess]) -> str:
    """Bars of the daily success rate (0–100 %); a day without attempts shows a grey dash."""
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    slot = (WIDTH - MARGIN_LEFT - 8) / max(len(days), 1)
    bar_width = slot * 0.7
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="webhook-success-chart" role="img" width="{WIDTH}" '
        f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11">',
        "<title>일별 웹훅 발송 성공률</title>",
    ]
    for percent in (0, 50, 100):
        y = MARGIN_TOP + plot_height * (1 - percent / 100)
        parts.append(
            f'<line x1="{MARGIN_LEFT}" y1="{y:.1f}" x2="{WIDTH - 4}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#666">{percent}%</text>'
        )
    for index, day in enumerate(days):
        x = MARGIN_LEFT + index * slot + (slot - bar_width) / 2
        center = x + bar_width / 2
        label = f"{day.day:%m/%d}"
        parts.append(
            f'<text x="{center:.1f}" y="{HEIGHT - MARGIN_BOTTOM + 14}" text-anchor="middle" fill="#444">{label}</text>'
        )
        if day.rate is None:
            y = MARGIN_TOP + plot_height
            parts.append(
                f'<line x1="{x:.1f}" y1="{y - 1:.1f}" x2="{x + bar_width:.1f}" y2="{y - 1:.1f}" stroke="#aaa" '
                f'stroke-width="2"><title>{label}: 발송 없음</title></line>'
            )
            continue
        height = max(plot_height * day.rate, 1.0)
        y = MARGIN_TOP + plot_height - height
        tooltip = escape(f"{label}: {day.succeeded}/{day.attempts} 성공 ({day.rate:.0%})")
        parts.append(
            f'<rect class="day-bar" data-day="{day.day.isoformat()}" data-attempts="{day.attempts}" '
            f'data-succeeded="{day.succeeded}" x="{x:.1f}" y="{y:.1f}" width="{bar_width:.1f}" '
            f'height="{height:.1f}" fill="{_bar_color(day.rate)}"><title>{tooltip}</title></rect>'
            f'<text x="{center:.1f}" y="{HEIGHT - MARGIN_BOTTOM + 27}" text-anchor="middle" fill="#777">'
            f"{day.rate:.0%}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def throughput_svg(minutes: list[MinuteThroughput]) -> str:
    """Attempts per minute (failed part in red), the current minute last."""
    width, height, bottom, top = 360, 90, 16, 14
    plot_height = height - bottom - top
    peak = max((minute.attempts for minute in minutes), default=0) or 1
    slot = width / max(len(minutes), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="webhook-throughput-chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="10">',
        "<title>분당 발송 시도</title>",
        f'<text x="0" y="10" fill="#666">최대 {peak}건/분</text>',
    ]
    for index, minute in enumerate(minutes):
        x = index * slot + slot * 0.15
        label = f"{timezone.localtime(minute.minute):%H:%M}"
        tooltip = escape(f"{label}: 시도 {minute.attempts}건, 성공 {minute.delivered}건")
        total = plot_height * minute.attempts / peak
        ok = plot_height * minute.delivered / peak
        base = top + plot_height
        parts.append(
            f'<g class="minute" data-minute="{label}" data-attempts="{minute.attempts}" '
            f'data-delivered="{minute.delivered}"><title>{tooltip}</title>'
            f'<rect x="{x:.1f}" y="{base - total:.1f}" width="{slot * 0.7:.1f}" height="{total:.1f}" fill="#c62828"/>'
            f'<rect x="{x:.1f}" y="{base - ok:.1f}" width="{slot * 0.7:.1f}" height="{ok:.1f}" fill="#2e7d32"/></g>'
        )
    first, last = (f"{timezone.localtime(m.minute):%H:%M}" for m in (minutes[0], minutes[-1])) if minutes else ("", "")
    parts.append(
        f'<text x="0" y="{height - 3}" fill="#444">{first}</text>'
        f'<text x="{width}" y="{height - 3}" text-anchor="end" fill="#444">{last}</text></svg>'
    )
    return "".join(parts)
