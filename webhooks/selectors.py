"""Reads of webhook data, always scoped to the calling merchant."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Func, Min, Q, QuerySet
from django.db.models.functions import TruncDate, TruncMinute
from django.utils import timezone

from common.errors import InvalidInput, NotFound
from merchants.models import Merchant
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100


def endpoints_for_merchant(*, merchant: Merchant) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(merchant=merchant).order_by("-created_at")


def endpoint_for_merchant(*, merchant: Merchant, endpoint_id: uuid.UUID | str) -> WebhookEndpoint:
    """The merchant's endpoint; another merchant's endpoint is indistinguishable from a missing one (404)."""
    endpoint = WebhookEndpoint.objects.filter(merchant=merchant, pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound("웹훅 설정을 찾을 수 없습니다.")
    return endpoint


def delivery_for_merchant(*, merchant: Merchant, delivery_id: uuid.UUID | str) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.filter(merchant=merchant, pk=delivery_id).first()
    if delivery is None:
        raise NotFound("발송 기록을 찾을 수 없습니다.")
    return delivery


@dataclass(frozen=True)
class DeliveryPage:
    items: list[WebhookDelivery]
    next_cursor: str | None


def encode_cursor(delivery: WebhookDelivery) -> str:
    raw = json.dumps({"t": delivery.created_at.isoformat(), "i": str(delivery.pk)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        created_at = datetime.fromisoformat(decoded["t"])
        if created_at.tzinfo is None:
            raise ValueError("naive datetime")
        # The database compares in UTC: a moment at the calendar's edge (0001-01-01T00:00+14:00) has none.
        created_at = created_at.astimezone(UTC)
        return created_at, uuid.UUID(decoded["i"])
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeError, OverflowError, RecursionError) as exc:
        raise InvalidInput("cursor: 올바르지 않은 커서입니다.") from exc


def parse_take(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_PAGE_SIZE
    try:
        take = int(raw)
    except ValueError as exc:
        raise InvalidInput(f"take: 1~{MAX_PAGE_SIZE} 사이의 정수여야 합니다.") from exc
    if not 1 <= take <= MAX_PAGE_SIZE:
        raise InvalidInput(f"take: 1~{MAX_PAGE_SIZE} 사이의 정수여야 합니다.")
    return take


def deliveries_page(*, endpoint: WebhookEndpoint, cursor: str | None, take: int) -> DeliveryPage:
    """Newest first; the cursor is the position of the last item shown (keyset pagination, stable under inserts)."""
    queryset = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-id")
    if cursor:
        created_at, delivery_id = decode_cursor(cursor)
        queryset = queryset.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=delivery_id))
    rows = list(queryset[: take + 1])
    items = rows[:take]
    next_cursor = encode_cursor(items[-1]) if len(rows) > take else None
    return DeliveryPage(items=items, next_cursor=next_cursor)


@dataclass(frozen=True)
class DailySuccess:
    day: date
    attempts: int
    succeeded: int

    @property
    def rate(self) -> float | None:
        return self.succeeded / self.attempts if self.attempts else None


def daily_success_rates(*, merchant: Merchant | None, days: int = 14, today: date | None = None) -> list[DailySuccess]:
    """Attempts and successes per local day, oldest first, for ``merchant`` (``None``: every merchant)."""
    today = today or timezone.localdate()
    first_day = today - timedelta(days=days - 1)
    start = timezone.make_aware(datetime.combine(first_day, time.min))
    by_day = _attempts_by(
        WebhookAttempt.objects.filter(attempted_at__gte=start),
        TruncDate("attempted_at", tzinfo=timezone.get_current_timezone()),
        merchant=merchant,
    )
    shown = [first_day + timedelta(days=n) for n in range(days)]
    return [DailySuccess(day, *by_day.get(day, (0, 0))) for day in shown]


@dataclass(frozen=True)
class DeliveryCounts:
    pending: int
    failed: int
    # Pending deliveries whose latest attempt failed: they are being retried.
    retrying: int


def delivery_counts(*, merchant: Merchant | None) -> DeliveryCounts:
    """The merchant's deliveries waiting (pending), given up (failed) and being retried: the home card."""
    deliveries = WebhookDelivery.objects.all()
    if merchant is not None:
        deliveries = deliveries.filter(merchant=merchant)
    counts = deliveries.aggregate(
        pending=Count("id", filter=Q(status=DeliveryStatus.PENDING)),
        failed=Count("id", filter=Q(status=DeliveryStatus.FAILED)),
        retrying=Count("id", filter=Q(status=DeliveryStatus.PENDING, attempt_count__gt=0)),
    )
    return DeliveryCounts(**counts)


def recently_failed_deliveries(*, merchant: Merchant | None, limit: int) -> list[WebhookDelivery]:
    """Deliveries whose last attempt failed (given up, or waiting for a retry), newest attempt first."""
    deliveries = WebhookDelivery.objects.filter(last_attempt_at__isnull=False).exclude(status=DeliveryStatus.DELIVERED)
    if merchant is not None:
        deliveries = deliveries.filter(merchant=merchant)
    return list(deliveries.select_related("endpoint").order_by("-last_attempt_at")[:limit])


@dataclass(frozen=True)
class MinuteThroughput:
    minute: datetime
    attempts: int
    delivered: int


def throughput_per_minute(
    *, merchant: Merchant | None, minutes: int = 15, now: datetime | None = None
) -> list[MinuteThroughput]:
    """Attempts and successes in each of the last ``minutes`` minutes (the current one last)."""
    now = now or timezone.now()
    first = now.replace(second=0, microsecond=0) - timedelta(minutes=minutes - 1)
    by_minute = _attempts_by(
        WebhookAttempt.objects.filter(attempted_at__gte=first, attempted_at__lte=now),
        TruncMinute("attempted_at"),
        merchant=merchant,
    )
    shown = [first + timedelta(minutes=n) for n in range(minutes)]
    return [MinuteThroughput(minute, *by_minute.get(minute, (0, 0))) for minute in shown]


def _attempts_by(
    attempts: QuerySet[WebhookAttempt], bucket: Func, *, merchant: Merchant | None
) -> dict[Any, tuple[int, int]]:
    """Attempts and the successful ones per ``bucket`` of their time (a day, a minute); ``merchant``'s only,
    unless None."""
    if merchant is not None:
        attempts = attempts.filter(merchant=merchant)
    rows = (
        attempts.annotate(bucket=bucket)
        .values("bucket")
        .annotate(total=Count("id"), ok=Count("id", filter=Q(succeeded=True)))
    )
    return {row["bucket"]: (row["total"], row["ok"]) for row in rows}


@dataclass(frozen=True)
class Backlog:
    """What waits to be sent: due deliveries (the oldest one's wait is the lag), those being sent, retries
    scheduled for later, and endpoints paused by back-pressure."""

    due: int
    oldest_due_at: datetime | None
    sending: int
    scheduled: int
    paused_endpoints: int
    now: datetime

    @property
    def lag_seconds(self) -> float:
        return max(0.0, (self.now - self.oldest_due_at).total_seconds()) if self.oldest_due_at else 0.0


def delivery_backlog(*, merchant: Merchant | None, now: datetime | None = None) -> Backlog:
    now = now or timezone.now()
    pending = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING)
    endpoints = WebhookEndpoint.objects.filter(is_active=True, paused_until__gt=now)
    if merchant is not None:
        pending, endpoints = pending.filter(merchant=merchant), endpoints.filter(merchant=merchant)
    due = pending.filter(next_attempt_at__lte=now).aggregate(
        count=Count("id"),
        oldest=Min("next_attempt_at"),
        sending=Count("id", filter=Q(claimed_until__gt=now)),
    )
    return Backlog(
        due=due["count"],
        oldest_due_at=due["oldest"],
        sending=due["sending"],
        scheduled=pending.filter(next_attempt_at__gt=now).count(),
        paused_endpoints=endpoints.count(),
        now=now,
    )


@dataclass(frozen=True)
class PendingBacklog:
    count: int
    oldest_age_seconds: float


def pending_backlog() -> PendingBacklog:
    """Every merchant's deliveries still waiting for an attempt, and how long the oldest has waited (metrics)."""
    summary = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).aggregate(
        count=Count("pk"), oldest=Min("created_at")
    )
    oldest = summary["oldest"]
    return PendingBacklog(summary["count"], (timezone.now() - oldest).total_seconds() if oldest else 0.0)
