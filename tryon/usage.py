"""Daily try-on usage per merchant (KST days): what the quota counts and the dashboard charts."""

from __future__ import annotations

from django.db.models import F
from django.utils import timezone

from merchants.models import Merchant
from tryon.models import DailyUsage


def record_usage(*, merchant: Merchant, field: str) -> None:
    today = timezone.localdate()
    DailyUsage.objects.get_or_create(merchant=merchant, date=today)
    DailyUsage.objects.filter(merchant=merchant, date=today).update(**{field: F(field) + 1})
