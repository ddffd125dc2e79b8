"""Recording attempts, in bulk: each delivery's next state (retries on the Svix schedule), one attempt row
per request, and the endpoint's health (410 and five days of failures disable; back-pressure pauses)."""

from __future__ import annotations

import logging
import random
import uuid
from collections import defaultdict
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_noop

from common.stored_text import StoredText
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.sender import SendResult
from webhooks.services._log import log
from webhooks.services.endpoints import disable_endpoint

# Svix's schedule: the first attempt at once, then these delays between attempts.
RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = 1 + len(RETRY_DELAYS)
RETRY_JITTER = 0.2  # ±20 % so that endpoints that failed together do not retry in lockstep
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


def retry_delay(attempt_count: int) -> timedelta:
    """The wait after the ``attempt_count``-th failed attempt, with jitter."""
    base = RETRY_DELAYS[attempt_count - 1]
    return base * random.uniform(1 - RETRY_JITTER, 1 + RETRY_JITTER)  # noqa: S311 - retry jitter, not a secret


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


@dataclass(frozen=True)
class Outcome:
    """What one HTTP attempt of a claimed delivery gave."""

    delivery_id: uuid.UUID
    endpoint_id: uuid.UUID
    merchant_id: int
    event_type: str
    result: SendResult


def record_outcomes(
    outcomes: list[Outcome],
    *,
    claim_token: Any,
    manual: bool = False,
    still_healthy: AbstractSet[uuid.UUID] = frozenset(),
) -> list[Outcome]:
    """Records attempts of deliveries held under ``claim_token``; returns the ones recorded.

    A delivery whose claim was lost meanwhile (replayed once the lease ran out, deleted with its endpoint)
    is not touched: exactly one holder of a row records its attempt. The endpoint's health counts every
    attempt, since the receiver did answer it. ``manual`` (a test send) fails at once instead of retrying
    and leaves the back-pressure state alone unless it succeeds. ``still_healthy``: endpoints the caller
    knows have nothing to clear (no failure since they were read), spared an update.
    """
    if not outcomes:
        return []
    now = timezone.now()
    with transaction.atomic():
        # Endpoint rows first, deliveries after: the order delete_endpoint locks in, so neither waits on
        # the other in a cycle.
        paused = _update_endpoint_health(outcomes, now=now, manual=manual, still_healthy=still_healthy)
        recorded_ids = _write_deliveries(outcomes, now=now, manual=manual, paused=paused, claim_token=claim_token)
        recorded = [outcome for outcome in outcomes if outcome.delivery_id in recorded_ids]
        WebhookAttempt.objects.bulk_create(
            [
                WebhookAttempt(
                    delivery_id=outcome.delivery_id,
                    merchant_id=outcome.merchant_id,
                    attempted_at=now,
                    succeeded=outcome.result.succeeded,
                    response_status=outcome.result.response_status,
                    error=outcome.result.error or "",
                    response_excerpt=outcome.result.response_excerpt,
                    duration_ms=outcome.result.duration_ms,
                )
                for outcome in recorded
            ]
        )
    for outcome in recorded:
        _log_outcome(outcome)
    return recorded


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


def _write_deliveries(
    outcomes: list[Outcome], *, now: datetime, manual: bool, paused: dict[uuid.UUID, datetime], claim_token: Any
) -> set[uuid.UUID]:
    """Writes each delivery's state after its attempt, where ``claim_token`` still holds it; returns those ids."""
    ours = WebhookDelivery.objects.filter(claim_token=claim_token)
    recorded: set[uuid.UUID] = set()
    delivered_by_status: dict[int | None, list[uuid.UUID]] = defaultdict(list)
    for outcome in outcomes:
        if outcome.result.succeeded:
            delivered_by_status[outcome.result.response_status].append(outcome.delivery_id)
    for response_status, ids in delivered_by_status.items():
        # One statement per status code; the claim token in the condition makes it a no-op for lost rows.
        updated = ours.filter(id__in=ids).update(
            status=DeliveryStatus.DELIVERED,
            attempt_count=F("attempt_count") + 1,
            last_attempt_at=now,
            delivered_at=now,
            last_response_status=response_status,
            last_error=None,
            claim_token=None,
            claimed_until=None,
        )
        if updated == len(ids):
            recorded.update(ids)
        else:  # some claims were lost: which rows did this statement write?
            recorded.update(
                WebhookDelivery.objects.filter(
                    id__in=ids, status=DeliveryStatus.DELIVERED, last_attempt_at=now
                ).values_list("id", flat=True)
            )
    failures = [outcome for outcome in outcomes if not outcome.result.succeeded]
    if not failures:
        return recorded
    attempt_counts = dict(
        ours.select_for_update()
        .filter(id__in=[outcome.delivery_id for outcome in failures])
        .values_list("id", "attempt_count")
    )
    failed: list[WebhookDelivery] = []
    for outcome in failures:
        if outcome.delivery_id not in attempt_counts:
            continue
        result = outcome.result
        attempt_count = attempt_counts[outcome.delivery_id] + 1
        row = WebhookDelivery(
            id=outcome.delivery_id,
            attempt_count=attempt_count,
            last_attempt_at=now,
            last_response_status=result.response_status,
            last_error=result.error,
            claim_token=None,
            claimed_until=None,
            status=DeliveryStatus.FAILED,
            next_attempt_at=now,
        )
        if not manual and result.response_status != 410 and attempt_count < MAX_ATTEMPTS:
            next_attempt_at = now + retry_delay(attempt_count)
            if result.retry_after is not None:
                next_attempt_at = max(next_attempt_at, now + timedelta(seconds=result.retry_after))
            if outcome.endpoint_id in paused:
                next_attempt_at = max(next_attempt_at, paused[outcome.endpoint_id])
            row.status, row.next_attempt_at = DeliveryStatus.PENDING, next_attempt_at
        failed.append(row)
    ours.bulk_update(
        failed,
        [
            "status",
            "attempt_count",
            "last_attempt_at",
            "next_attempt_at",
            "last_response_status",
            "last_error",
            "claim_token",
            "claimed_until",
        ],
    )
    return recorded | set(attempt_counts)


def _update_endpoint_health(
    outcomes: list[Outcome], *, now: datetime, manual: bool, still_healthy: AbstractSet[uuid.UUID]
) -> dict[uuid.UUID, datetime]:
    """Applies each endpoint's outcomes (in the order they happened); returns the endpoints now paused."""
    by_endpoint: dict[uuid.UUID, list[SendResult]] = defaultdict(list)
    for outcome in outcomes:
        by_endpoint[outcome.endpoint_id].append(outcome.result)
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


def _log_outcome(outcome: Outcome) -> None:
    context = {
        "delivery_id": str(outcome.delivery_id),
        "endpoint_id": str(outcome.endpoint_id),
        "merchant_id": outcome.merchant_id,
        "event_type": outcome.event_type,
        "response_status": outcome.result.response_status,
    }
    if outcome.result.succeeded:
        log(logging.INFO, "webhook delivered", **context)
    else:
        log(logging.WARNING, "webhook attempt failed", **context, error=outcome.result.error)
