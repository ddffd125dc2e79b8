"""An endpoint's health, as its receiver's answers tell it: back-pressure pauses (five failures in a row, a
Retry-After), and the automatic disable (a 410 Gone, five days of failures)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Set as AbstractSet
from datetime import datetime, timedelta
from typing import Any

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_noop

from common.stored_text import StoredText
from webhooks.delivery.sender import SendResult
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

DISABLE_AFTER_FAILING_FOR = timedelta(days=5)
# Back-pressure. After this many failed attempts in a row an endpoint is paused: nothing is sent to it until
# the pause ends, then one delivery probes it; the pause doubles from FIRST_PAUSE up to MAX_PAUSE while the
# probes keep failing, and any success ends it. A Retry-After on a 429/503 pauses it at once for that long.
# Deliveries held by a pause spend none of their attempts; each attempted one keeps the Svix schedule.
BREAKER_THRESHOLD = 5
# Why an endpoint was switched off (its disabledReason).
DISABLED_AFTER_FAILING = StoredText(
    gettext_noop("%(since)s부터 5일 동안 발송이 계속 실패하여 자동으로 비활성화되었습니다. 마지막 오류: %(error)s")
)
DISABLED_BY_410 = StoredText(
    gettext_noop("수신 서버가 410 Gone을 응답하여 자동으로 비활성화되었습니다. URL을 확인한 뒤 다시 활성화해 주세요.")
)
FIRST_PAUSE = timedelta(seconds=5)
MAX_PAUSE = timedelta(minutes=5)


def breaker_pause(consecutive_failures: int) -> timedelta | None:
    """How long an endpoint with this many failed attempts in a row is paused; None below the threshold."""
    if consecutive_failures < BREAKER_THRESHOLD:
        return None
    return min(FIRST_PAUSE * 2 ** min(consecutive_failures - BREAKER_THRESHOLD, 16), MAX_PAUSE)


def pause_after(*, consecutive_failures: int, result: SendResult) -> timedelta | None:
    """How long the endpoint is paused after ``result``, its ``consecutive_failures``-th failure in a row."""
    if result.succeeded:
        return None
    if result.retry_after is not None:
        return timedelta(seconds=result.retry_after)
    return breaker_pause(consecutive_failures)


def should_stop_sending(*, consecutive_failures: int, result: SendResult) -> bool:
    """Whether a dispatcher stops sending to the endpoint after ``result`` (what recording will decide)."""
    if result.succeeded:
        return False
    return result.response_status == 410 or result.retry_after is not None or consecutive_failures >= BREAKER_THRESHOLD


def defer_pending(*, endpoint_ids: list[uuid.UUID], now: datetime) -> int:
    """Moves the unclaimed due deliveries of these paused endpoints to the end of the pause: held, not attempted.

    Claims skip paused endpoints anyway; this keeps their deliveries out of the due ones (which every claim
    reads) and shows when they will be sent.
    """
    pause_end = WebhookEndpoint.objects.filter(pk=OuterRef("endpoint_id")).values("paused_until")[:1]
    return (
        WebhookDelivery.objects.filter(endpoint_id__in=endpoint_ids, status=DeliveryStatus.PENDING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .filter(next_attempt_at__lt=Subquery(pause_end))
        .update(next_attempt_at=Subquery(pause_end))
    )


def update_endpoint_health(
    by_endpoint: dict[uuid.UUID, list[SendResult]],
    *,
    now: datetime,
    manual: bool,
    still_healthy: AbstractSet[uuid.UUID],
) -> dict[uuid.UUID, datetime]:
    """Applies each endpoint's results (in the order they happened); returns the endpoints now paused.

    ``manual`` (a test send) leaves the back-pressure state alone; ``still_healthy``: endpoints the caller knows
    have nothing to clear (no failure since they were read), spared an update.
    """
    healthy = [
        endpoint_id
        for endpoint_id, results in by_endpoint.items()
        if results[-1].succeeded and not (endpoint_id in still_healthy and all(r.succeeded for r in results))
    ]
    failing = [endpoint_id for endpoint_id, results in by_endpoint.items() if not results[-1].succeeded]
    gone = {
        endpoint_id for endpoint_id, results in by_endpoint.items() if any(r.response_status == 410 for r in results)
    }
    paused: dict[uuid.UUID, datetime] = {}
    changed: list[WebhookEndpoint] = []
    # Locked in primary-key order, like every other writer that locks several endpoints.
    for endpoint in (
        WebhookEndpoint.objects.select_for_update()
        .filter(pk__in=failing)
        .order_by("pk")
        .only("id", "failing_since", "consecutive_failures", "paused_until")
    ):
        results = by_endpoint[endpoint.pk]
        failures_in_a_row = _trailing_failures(results)
        if failures_in_a_row < len(results):  # a success earlier in this batch ended the previous run
            endpoint.consecutive_failures, endpoint.failing_since, endpoint.paused_until = 0, None, None
        endpoint.failing_since = endpoint.failing_since or now
        if not manual:
            endpoint.consecutive_failures += failures_in_a_row
            retry_after = max(
                (r.retry_after for r in results[-failures_in_a_row:] if r.retry_after is not None), default=None
            )
            pause = (
                timedelta(seconds=retry_after)
                if retry_after is not None
                else breaker_pause(endpoint.consecutive_failures)
            )
            if pause is not None:
                endpoint.paused_until = max(now + pause, endpoint.paused_until or now)
                paused[endpoint.pk] = endpoint.paused_until
        changed.append(endpoint)
    if changed:
        # A test send (manual) keeps the back-pressure state as it is; only its failure streak counts.
        fields = ["failing_since"] if manual else ["failing_since", "consecutive_failures", "paused_until"]
        WebhookEndpoint.objects.bulk_update(changed, fields)
    for endpoint in changed:
        failing_for = now - endpoint.failing_since if endpoint.failing_since else timedelta(0)
        if endpoint.pk not in gone and failing_for >= DISABLE_AFTER_FAILING_FOR:
            disable_endpoint(
                endpoint_id=endpoint.pk,
                reason=DISABLED_AFTER_FAILING(
                    since=f"{timezone.localtime(endpoint.failing_since):%Y-%m-%d %H:%M %Z}",
                    error=by_endpoint[endpoint.pk][-1].error,
                ),
            )
    if healthy:
        WebhookEndpoint.objects.filter(pk__in=healthy).filter(
            Q(failing_since__isnull=False) | Q(consecutive_failures__gt=0) | Q(paused_until__isnull=False)
        ).update(failing_since=None, consecutive_failures=0, paused_until=None)
    for endpoint_id in sorted(gone):
        disable_endpoint(
            endpoint_id=endpoint_id,
            reason=DISABLED_BY_410(),
        )
    return paused


def _trailing_failures(results: list[SendResult]) -> int:
    count = 0
    for result in reversed(results):
        if result.succeeded:
            break
        count += 1
    return count


def disable_endpoint(*, endpoint_id: Any, reason: str) -> None:
    now = timezone.now()
    updated = WebhookEndpoint.objects.filter(pk=endpoint_id, is_active=True).update(
        is_active=False, disabled_reason=reason[:500], disabled_at=now, updated_at=now
    )
    if updated:
        logger.warning("webhook endpoint disabled", extra={"endpoint_id": str(endpoint_id), "reason": reason})
