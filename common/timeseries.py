"""Per-day series over the last N local (KST) days, for the dashboard's charts: zeros included, oldest first."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Aggregate, Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone


def last_days(days: int, *, today: date | None = None) -> list[date]:
    today = today or timezone.localdate()
    return [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def month_start(day: date | None = None) -> date:
    return (day or timezone.localdate()).replace(day=1)


def per_day(queryset: QuerySet, field: str, days: list[date], **aggregates: Aggregate) -> list[dict[str, Any]]:
    """``{"day": d, <name>: value, ...}`` for each day of ``days`` (default aggregate: ``count``)."""
    aggregates = aggregates or {"count": Count("pk")}
    rows = (
        queryset.filter(**{f"{field}__gte": start_of(days[0]), f"{field}__lt": start_of(days[-1] + timedelta(days=1))})
        .annotate(day=TruncDate(field, tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(**aggregates)
        .order_by()
    )
    by_day = {row["day"]: row for row in rows}
    return [{"day": day, **{name: (by_day.get(day) or {}).get(name) or 0 for name in aggregates}} for day in days]
