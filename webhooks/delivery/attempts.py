"""Recording attempts, in bulk: each delivery's next state (retries on the Svix schedule), one attempt row
per request, and the endpoint's health they tell (webhooks/delivery/health.py)."""

from __future__ import annotations

import logging
import random
import uuid
from collections import defaultdict
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from webhooks.delivery.health import update_endpoint_health
from webhooks.delivery.sender import SendResult
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery

logger = logging.getLogger(__name__)

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


def retry_delay(attempt_count: int) -> timedelta:
    """The wait after the ``attempt_count``-th failed attempt, with jitter."""
    base = RETRY_DELAYS[attempt_count - 1]
    return base * random.uniform(1 - RETRY_JITTER, 1 + RETRY_JITTER)  # noqa: S311 - retry jitter, not a secret


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
        by_endpoint: dict[uuid.UUID, list[SendResult]] = defaultdict(list)
        for outcome in outcomes:
            by_endpoint[outcome.endpoint_id].append(outcome.result)
        paused = update_endpoint_health(by_endpoint, now=now, manual=manual, still_healthy=still_healthy)
        recorded_ids = _write_deliveries(outcomes, now=now, manual=manual, paused=paused, claim_token=claim_token)
        recorded = [outcome for outcome in outcomes if outcome.delivery_id in recorded_ids]
        _insert_attempts(recorded, now=now)
    _log_outcomes(recorded)
    return recorded


def _write_deliveries(
    outcomes: list[Outcome], *, now: datetime, manual: bool, paused: dict[uuid.UUID, datetime], claim_token: Any
) -> set[uuid.UUID]:
    """Writes each delivery's state after its attempt, where ``claim_token`` still holds it; returns those ids."""
    ours = WebhookDelivery.objects.filter(claim_token=claim_token)
    recorded = _write_delivered(
        [outcome for outcome in outcomes if outcome.result.succeeded], now=now, claim_token=claim_token
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


_DELIVERED_SQL = """
UPDATE {deliveries} AS d
SET status = %(delivered)s, attempt_count = d.attempt_count + 1, last_attempt_at = %(now)s, delivered_at = %(now)s,
    last_response_status = v.response_status, last_error = NULL, claim_token = NULL, claimed_until = NULL
FROM unnest(%(ids)s::uuid[], %(statuses)s::int[]) AS v(id, response_status)
WHERE d.id = v.id AND d.claim_token = %(token)s
RETURNING d.id
"""

_ATTEMPTS_SQL = """
INSERT INTO {attempts}
    (delivery_id, merchant_id, attempted_at, succeeded, response_status, error, response_excerpt, duration_ms)
SELECT v.delivery_id, v.merchant_id, %(now)s, v.succeeded, v.response_status, v.error, v.excerpt, v.duration_ms
FROM unnest(
    %(ids)s::uuid[], %(merchants)s::bigint[], %(succeeded)s::boolean[], %(statuses)s::int[], %(errors)s::text[],
    %(excerpts)s::text[], %(durations)s::int[]
) AS v(delivery_id, merchant_id, succeeded, response_status, error, excerpt, duration_ms)
"""


def _write_delivered(delivered: list[Outcome], *, now: datetime, claim_token: Any) -> set[uuid.UUID]:
    """Marks the delivered ones delivered where ``claim_token`` still holds them; returns those ids.

    PostgreSQL: one statement for the whole batch, whose RETURNING tells exactly which rows it wrote (no ORM
    per row: at a thousand deliveries a second the ORM's work cost more than the database's). Elsewhere one
    update per response status, the claim token in the condition making it a no-op for lost rows.
    """
    if not delivered:
        return set()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                _DELIVERED_SQL.format(deliveries=WebhookDelivery._meta.db_table),
                {
                    "delivered": DeliveryStatus.DELIVERED.value,
                    "now": now,
                    "ids": [outcome.delivery_id for outcome in delivered],
                    "statuses": [outcome.result.response_status for outcome in delivered],
                    "token": claim_token,
                },
            )
            return {row[0] for row in cursor.fetchall()}
    ours = WebhookDelivery.objects.filter(claim_token=claim_token)
    recorded: set[uuid.UUID] = set()
    by_status: dict[int | None, list[uuid.UUID]] = defaultdict(list)
    for outcome in delivered:
        by_status[outcome.result.response_status].append(outcome.delivery_id)
    for response_status, ids in by_status.items():
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
    return recorded


def _insert_attempts(recorded: list[Outcome], *, now: datetime) -> None:
    """One attempt row per recorded outcome: in one statement from arrays on PostgreSQL, else bulk_create."""
    if not recorded:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                _ATTEMPTS_SQL.format(attempts=WebhookAttempt._meta.db_table),
                {
                    "now": now,
                    "ids": [outcome.delivery_id for outcome in recorded],
                    "merchants": [outcome.merchant_id for outcome in recorded],
                    "succeeded": [outcome.result.succeeded for outcome in recorded],
                    "statuses": [outcome.result.response_status for outcome in recorded],
                    "errors": [outcome.result.error or "" for outcome in recorded],
                    "excerpts": [outcome.result.response_excerpt for outcome in recorded],
                    "durations": [outcome.result.duration_ms for outcome in recorded],
                },
            )
        return
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


def _log_outcomes(recorded: list[Outcome]) -> None:
    """Each failed attempt at WARNING; deliveries one line per batch at INFO (each one at DEBUG): at a thousand
    deliveries a second a line each cost a worker more CPU than the requests themselves."""
    delivered = 0
    for outcome in recorded:
        if outcome.result.succeeded:
            delivered += 1
            if logger.isEnabledFor(logging.DEBUG):
                _log_outcome(outcome)
        else:
            _log_outcome(outcome)
    if delivered:
        context: dict[str, Any] = {"delivered": delivered, "failed": len(recorded) - delivered}
        endpoints = {outcome.endpoint_id for outcome in recorded}
        if len(endpoints) == 1:  # the common batch: one endpoint's lane
            context |= {"endpoint_id": str(recorded[0].endpoint_id), "merchant_id": recorded[0].merchant_id}
        else:
            context["endpoints"] = len(endpoints)
        logger.info("webhooks delivered", extra=context)


def _log_outcome(outcome: Outcome) -> None:
    context = {
        "delivery_id": str(outcome.delivery_id),
        "endpoint_id": str(outcome.endpoint_id),
        "merchant_id": outcome.merchant_id,
        "event_type": outcome.event_type,
        "response_status": outcome.result.response_status,
    }
    if outcome.result.succeeded:
        logger.debug("webhook delivered", extra=context)
    else:
        logger.warning("webhook attempt failed", extra={**context, "error": outcome.result.error})
