"""Sending: the poller claims due deliveries, send tasks post them, attempts are recorded and retried."""

from __future__ import annotations

import logging
import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from webhooks.crypto import decrypt_secret
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.sender import SendResult, post_signed
from webhooks.services._log import log
from webhooks.services.endpoints import disable_endpoint
from webhooks.services.outbox import encode_body

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
# How long a claimed row stays reserved: queued (CLAIM_LEASE), then being sent (SEND_LEASE, > the timeout).
CLAIM_LEASE = timedelta(minutes=5)
SEND_LEASE = timedelta(minutes=2)


def retry_delay(attempt_count: int) -> timedelta:
    """The wait after the ``attempt_count``-th failed attempt, with jitter."""
    base = RETRY_DELAYS[attempt_count - 1]
    return base * random.uniform(1 - RETRY_JITTER, 1 + RETRY_JITTER)


def _due_filter(now: datetime) -> Q:
    return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )


def claim_due_deliveries(*, limit: int | None = None) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """Reserves up to ``limit`` due PENDING deliveries for this poller; returns (claim token, ids).

    ``SELECT … FOR UPDATE SKIP LOCKED`` lets concurrent pollers pick disjoint rows without waiting, and the
    conditional update re-checks the lease so that even a backend without row locks never hands a row out
    twice.
    """
    limit = limit or settings.WEBHOOKS_BATCH_SIZE
    now = timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        candidates = WebhookDelivery.objects.filter(_due_filter(now)).order_by("next_attempt_at")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("id", flat=True)[:limit])
        if not ids:
            return token, []
        WebhookDelivery.objects.filter(_due_filter(now), id__in=ids).update(
            claim_token=token, claimed_until=now + CLAIM_LEASE
        )
        claimed = list(WebhookDelivery.objects.filter(id__in=ids, claim_token=token).values_list("id", flat=True))
    return token, claimed


def dispatch_due_deliveries(*, limit: int | None = None) -> int:
    """One poller tick: claims due deliveries and queues one send task per delivery."""
    from webhooks.tasks import send_delivery  # inline: tasks imports services (cycle)

    token, ids = claim_due_deliveries(limit=limit)
    for delivery_id in ids:
        send_delivery.apply_async(args=[str(delivery_id), str(token)])
    if ids:
        log(logging.INFO, "webhook deliveries dispatched", count=len(ids), claim_token=str(token))
    return len(ids)


def send_claimed_delivery(*, delivery_id: Any, claim_token: Any) -> WebhookDelivery | None:
    """Sends a delivery this poller claimed. A no-op if the claim was lost (re-claimed, replayed, deleted).

    The poller's token is exchanged for a fresh one in a single conditional update, so of two copies of the
    same task (a broker redelivering under ``acks_late``) exactly one wins the row and sends; the other stops.
    """
    now = timezone.now()
    send_token = uuid.uuid4()
    still_ours = WebhookDelivery.objects.filter(
        id=delivery_id, claim_token=claim_token, status=DeliveryStatus.PENDING
    ).update(claim_token=send_token, claimed_until=now + SEND_LEASE)
    if not still_ours:
        log(logging.INFO, "webhook delivery claim lost; skipping", delivery_id=str(delivery_id))
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(id=delivery_id).first()
    if delivery is None:  # deleted with its endpoint in the meantime
        return None
    if not delivery.endpoint.is_active:
        _finish_without_sending(delivery, send_token, "엔드포인트가 비활성화되어 발송하지 않았습니다.")
        return delivery
    return _attempt(delivery, claim_token=send_token, retry_on_failure=True)


def _finish_without_sending(delivery: WebhookDelivery, claim_token: Any, reason: str) -> None:
    WebhookDelivery.objects.filter(id=delivery.id, claim_token=claim_token).update(
        status=DeliveryStatus.FAILED, last_error=reason, claim_token=None, claimed_until=None
    )


def _attempt(delivery: WebhookDelivery, *, claim_token: Any, retry_on_failure: bool) -> WebhookDelivery:
    endpoint = delivery.endpoint
    try:
        result = post_signed(
            url=endpoint.url,
            secret=decrypt_secret(endpoint.encrypted_secret),
            message_id=delivery.message_id,
            body=encode_body(delivery.payload),
        )
    except Exception as exc:
        # Our own failure (e.g. an undecryptable secret) counts as a failed attempt, so the row is retried on
        # schedule and the merchant sees the reason, instead of being re-claimed every lease forever.
        log(logging.ERROR, "webhook send crashed", delivery_id=str(delivery.id), endpoint_id=str(endpoint.pk))
        result = SendResult(False, None, f"내부 오류로 발송하지 못했습니다: {type(exc).__name__}", "", 0)
    return _record_attempt(delivery, result, claim_token=claim_token, retry_on_failure=retry_on_failure)


def _record_attempt(
    delivery: WebhookDelivery, result: SendResult, *, claim_token: Any, retry_on_failure: bool
) -> WebhookDelivery:
    now = timezone.now()
    log_context = {
        "delivery_id": str(delivery.id),
        "endpoint_id": str(delivery.endpoint_id),
        "merchant_id": delivery.merchant_id,
        "event_type": delivery.event_type,
        "response_status": result.response_status,
    }
    with transaction.atomic():
        current = WebhookDelivery.objects.select_for_update().filter(id=delivery.id, claim_token=claim_token).first()
        if current is None:
            # Deleted with its endpoint while we were sending; nothing left to record.
            return delivery
        current.attempt_count += 1
        current.last_attempt_at = now
        current.last_response_status = result.response_status
        current.last_error = result.error
        current.claim_token = None
        current.claimed_until = None
        endpoint_gone = result.response_status == 410
        if result.succeeded:
            current.status = DeliveryStatus.DELIVERED
            current.delivered_at = now
        elif retry_on_failure and not endpoint_gone and current.attempt_count < MAX_ATTEMPTS:
            current.status = DeliveryStatus.PENDING
            current.next_attempt_at = now + retry_delay(current.attempt_count)
        else:
            current.status = DeliveryStatus.FAILED
        current.save()
        WebhookAttempt.objects.create(
            delivery=current,
            merchant_id=current.merchant_id,
            attempted_at=now,
            succeeded=result.succeeded,
            response_status=result.response_status,
            error=result.error or "",
            response_excerpt=result.response_excerpt,
            duration_ms=result.duration_ms,
        )
        _update_endpoint_health(current.endpoint_id, result=result, now=now)
    if result.succeeded:
        log(logging.INFO, "webhook delivered", **log_context)
    else:
        log(logging.WARNING, "webhook attempt failed", **log_context, error=result.error, status=current.status)
    return current


def _update_endpoint_health(endpoint_id: Any, *, result: SendResult, now: datetime) -> None:
    if result.succeeded:
        WebhookEndpoint.objects.filter(pk=endpoint_id, failing_since__isnull=False).update(failing_since=None)
        return
    if result.response_status == 410:
        disable_endpoint(
            endpoint_id=endpoint_id,
            reason="수신 서버가 410 Gone을 응답하여 자동으로 비활성화되었습니다. URL을 확인한 뒤 다시 활성화해 주세요.",
        )
        return
    WebhookEndpoint.objects.filter(pk=endpoint_id, failing_since__isnull=True).update(failing_since=now)
    failing_since = WebhookEndpoint.objects.filter(pk=endpoint_id).values_list("failing_since", flat=True).first()
    if failing_since is not None and now - failing_since >= DISABLE_AFTER_FAILING_FOR:
        disable_endpoint(
            endpoint_id=endpoint_id,
            reason=(
                f"{timezone.localtime(failing_since):%Y-%m-%d %H:%M %Z}부터 5일 동안 발송이 계속 실패하여 자동으로 비활성화되었습니다. "
                f"마지막 오류: {result.error}"
            ),
        )
