"""The merchant's monthly try-on quota, the visitor's daily limit and the usage counts behind both."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NoReturn

from django.db import transaction
from django.utils import timezone

from common.errors import TooManyRequests
from merchants.models import Merchant
from tryon.events import USAGE_QUOTA_EXCEEDED, QuotaExceededDataSerializer
from tryon.models import QuotaExceededNotice, TryOnSettings
from tryon.selectors import month_start, monthly_requests, next_month_start, settings_for, visitor_requests_today
from webhooks.services import emit_event


def _seconds_until(moment: datetime) -> int:
    return max(1, int((moment - timezone.now()).total_seconds()))


def _notify_quota_exceeded(*, merchant: Merchant, quota: int, used: int) -> None:
    """Emits ``usage.quota_exceeded`` once per merchant and month."""
    month = month_start(timezone.localdate())
    with transaction.atomic():
        _, created = QuotaExceededNotice.objects.get_or_create(merchant=merchant, month=month)
        if created:
            emit_event(
                merchant=merchant,
                event_type=USAGE_QUOTA_EXCEEDED,
                data=QuotaExceededDataSerializer.of(resource="tryon", month=month, quota=quota, used=used),
            )


def refuse_over_quota(*, merchant: Merchant) -> NoReturn:
    """Emits ``usage.quota_exceeded`` (once a month) and answers 429 until the next month (KST)."""
    quota = settings_for(merchant=merchant).monthly_quota
    used = monthly_requests(merchant=merchant)
    _notify_quota_exceeded(merchant=merchant, quota=quota, used=used)
    next_month = timezone.make_aware(datetime.combine(next_month_start(timezone.localdate()), datetime.min.time()))
    raise TooManyRequests(f"월별 사용량 한도를 초과했습니다 ({used}/{quota}).", retry_after=_seconds_until(next_month))


def check_visitor_daily_limit(*, limits: TryOnSettings, merchant: Merchant, visitor_key: str) -> None:
    """429 until midnight (KST) once the visitor used up the merchant's per-visitor daily limit."""
    if limits.visitor_daily_limit is None or not visitor_key:
        return
    if visitor_requests_today(merchant=merchant, visitor_key=visitor_key) >= limits.visitor_daily_limit:
        tomorrow = timezone.make_aware(datetime.combine(timezone.localdate() + timedelta(days=1), datetime.min.time()))
        raise TooManyRequests(
            f"오늘 피팅 요청 한도({limits.visitor_daily_limit}회)를 모두 사용했습니다. 내일 다시 시도해 주세요.",
            retry_after=_seconds_until(tomorrow),
        )
