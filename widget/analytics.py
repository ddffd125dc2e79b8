"""Counting the widget funnel: opens → recommendations → uploads → completed try-ons → shares → share views.

Every count is one atomic ``UPDATE … SET n = n + 1`` on the merchant's row of the day, in the caller's
transaction: a try-on that rolls back is not counted.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import F, Sum
from django.utils import timezone

from widget.models import WidgetDailyStats

# (field, label) in funnel order.
FUNNEL: tuple[tuple[str, str], ...] = (
    ("opens", "위젯 열림"),
    ("recommendations", "사이즈 추천"),
    ("uploads", "사진 업로드"),
    ("completed", "피팅 완료"),
    ("shares", "공유"),
    ("share_views", "공유 조회"),
)
EVENTS = frozenset(field for field, _ in FUNNEL)
# Jobs made through a publishable key carry this in ``TryOnJob.metadata["channel"]``.
WIDGET_CHANNEL = "widget"


def record_widget_event(*, merchant_id: int, event: str, day: date | None = None) -> None:
    if event not in EVENTS:
        raise ValueError(f"unknown widget event {event!r}")
    day = day or timezone.localdate()
    WidgetDailyStats.objects.get_or_create(merchant_id=merchant_id, date=day)
    WidgetDailyStats.objects.filter(merchant_id=merchant_id, date=day).update(**{event: F(event) + 1})


def daily_widget_stats(*, merchant_id: int | None, days: int = 30) -> list[dict[str, Any]]:
    """One entry per day of the last ``days`` days (oldest first), zeros included; all merchants if None."""
    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    rows = WidgetDailyStats.objects.filter(date__gte=first)
    if merchant_id is not None:
        rows = rows.filter(merchant_id=merchant_id)
    totals: dict[date, dict[str, Any]] = {
        row["date"]: dict(row) for row in rows.values("date").annotate(**{f: Sum(f) for f in EVENTS})
    }
    return [
        {"date": day, **{field: int(totals.get(day, {}).get(field) or 0) for field, _ in FUNNEL}}
        for day in (first + timedelta(days=offset) for offset in range(days))
    ]


def funnel_totals(series: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Totals over ``series`` per funnel step, each with its rate against the step before (None at 0)."""
    steps = []
    previous: int | None = None
    for field, label in FUNNEL:
        total = sum(int(row[field]) for row in series)
        rate = round(100 * total / previous, 1) if previous else None
        steps.append({"field": field, "label": label, "total": total, "rate": rate})
        previous = total
    return steps


def tryon_job_from_widget(job: Any) -> bool:
    """Whether a try-on job was made through a publishable key (the widget funnel counts only those)."""
    return (job.metadata or {}).get("channel") == WIDGET_CHANNEL
