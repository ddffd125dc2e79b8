"""Webhook business logic: endpoints, the outbox (``emit_event``), sending, retries and replay."""

from __future__ import annotations

import json
import logging
import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from common.errors import Conflict, InvalidInput
from common.http import validate_public_url
from merchants.models import Merchant
from webhooks.crypto import decrypt_secret, encrypt_secret, generate_secret, secret_fingerprint
from webhooks.events import SUBSCRIBABLE_EVENTS, WEBHOOK_TEST
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.sender import SendResult, post_signed

logger = logging.getLogger(__name__)

MAX_URL_LENGTH = 2048


def _log(level: int, message: str, **context: Any) -> None:
    """Logs with the ids in the text (the plain formatter shows no extras) and as structured ``extra``."""
    details = " ".join(f"{key}={value}" for key, value in context.items())
    logger.log(level, "%s %s", message, details, extra=context, exc_info=level >= logging.ERROR)


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def build_payload(*, event_type: str, data: dict[str, Any], occurred_at: Any = None) -> dict[str, Any]:
    """The request body of the Standard Webhooks convention: ``{type, timestamp, data}``."""
    occurred_at = occurred_at or timezone.now()
    return {"type": event_type, "timestamp": occurred_at.isoformat().replace("+00:00", "Z"), "data": data}


def emit_event(*, merchant: Merchant, event_type: str, data: dict[str, Any]) -> int:
    """Writes one PENDING delivery per active endpoint of ``merchant`` subscribed to ``event_type``.

    This is the one way apps emit events. It runs in the caller's transaction (an outbox): if the caller
    rolls back, no delivery exists; once it commits, the poller sends them. Returns the number written.
    """
    if event_type not in SUBSCRIBABLE_EVENTS:
        raise ValueError(f"unknown webhook event type: {event_type!r}")
    now = timezone.now()
    message_id = new_message_id()
    payload = build_payload(event_type=event_type, data=data, occurred_at=now)
    with transaction.atomic():
        endpoints = _subscribed_endpoints(merchant=merchant, event_type=event_type)
        if not endpoints:
            return 0
        WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    merchant=merchant,
                    endpoint_id=endpoint.id,
                    event_type=event_type,
                    message_id=message_id,
                    payload=payload,
                    status=DeliveryStatus.PENDING,
                    next_attempt_at=now,
                    created_at=now,
                )
                for endpoint in endpoints
            ]
        )
    _log(
        logging.INFO,
        "webhook event emitted",
        merchant_id=merchant.pk,
        event_type=event_type,
        message_id=message_id,
        count=len(endpoints),
    )
    return len(endpoints)


def _subscribed_endpoints(*, merchant: Merchant, event_type: str) -> list[WebhookEndpoint]:
    """The merchant's active endpoints subscribed to ``event_type``, share-locked until the caller commits.

    PostgreSQL checks the deliveries' foreign key only at commit. Without the ``FOR KEY SHARE`` lock, an
    endpoint deleted after this read would make the *caller's* commit fail (a try-on that finished would be
    rolled back); with it, a concurrent delete either finishes first (the endpoint is skipped here) or waits
    for the caller's commit and then removes the new deliveries with the endpoint.
    """
    active = WebhookEndpoint.objects.filter(merchant=merchant, is_active=True)
    if connection.vendor == "postgresql":
        sql, params = active.order_by("pk").values_list("pk", flat=True).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"{sql} FOR KEY SHARE", params)
            active = WebhookEndpoint.objects.filter(pk__in=[row[0] for row in cursor.fetchall()])
    # Filtered in Python: JSON containment lookups are not available on SQLite (embedded mode).
    return [endpoint for endpoint in active.only("id", "events") if event_type in (endpoint.events or [])]


def validate_endpoint_url(url: str) -> str:
    """http(s), at most 2048 characters, and a host that resolves only to public addresses."""
    url = (url or "").strip()
    if not url:
        raise InvalidInput("url: URL을 입력해 주세요.")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidInput(f"url: URL은 최대 {MAX_URL_LENGTH}자입니다.")
    validate_public_url(url)
    return url


def validate_events(events: Any) -> list[str]:
    if not isinstance(events, list) or not all(isinstance(event, str) for event in events):
        raise InvalidInput("events: 이벤트 이름의 배열이어야 합니다.")
    unknown = [event for event in events if event not in SUBSCRIBABLE_EVENTS]
    if unknown:
        raise InvalidInput(
            f"events: 지원하지 않는 이벤트입니다: {', '.join(unknown)} (가능: {', '.join(SUBSCRIBABLE_EVENTS)})"
        )
    if not events:
        raise InvalidInput("events: 하나 이상의 이벤트를 선택해 주세요.")
    # Keeps the caller's order, drops repeats.
    return list(dict.fromkeys(events))


def create_endpoint(*, merchant: Merchant, url: str, events: list[str]) -> tuple[WebhookEndpoint, str]:
    """Creates an active endpoint; returns it with the raw secret, which is never available again."""
    url = validate_endpoint_url(url)
    events = validate_events(events)
    secret = generate_secret()
    endpoint = WebhookEndpoint.objects.create(
        merchant=merchant,
        url=url,
        events=events,
        encrypted_secret=encrypt_secret(secret),
        secret_hint=secret_fingerprint(secret),
    )
    _log(logging.INFO, "webhook endpoint created", merchant_id=merchant.pk, endpoint_id=str(endpoint.pk))
    return endpoint, secret


def update_endpoint(
    *, endpoint: WebhookEndpoint, url: str | None = None, events: list[str] | None = None, is_active: bool | None = None
) -> WebhookEndpoint:
    """Changes url/events/isActive; the secret is never rotated here. Re-enabling clears the disable reason."""
    changed: list[str] = []
    if url is not None:
        endpoint.url = validate_endpoint_url(url)
        changed.append("url")
    if events is not None:
        endpoint.events = validate_events(events)
        changed.append("events")
    if is_active is not None and is_active != endpoint.is_active:
        endpoint.is_active = is_active
        changed.append("is_active")
        if is_active:
            endpoint.disabled_reason = ""
            endpoint.disabled_at = None
            endpoint.failing_since = None
        else:
            endpoint.disabled_reason = "가맹점이 비활성화했습니다."
            endpoint.disabled_at = timezone.now()
        changed += ["disabled_reason", "disabled_at", "failing_since"]
    if changed:
        endpoint.save(update_fields=[*changed, "updated_at"])
        _log(
            logging.INFO,
            "webhook endpoint updated",
            merchant_id=endpoint.merchant_id,
            endpoint_id=str(endpoint.pk),
            fields=changed,
        )
    return endpoint


def delete_endpoint(*, endpoint: WebhookEndpoint) -> None:
    """Removes the endpoint with all its deliveries and attempts.

    The row is locked first, so an event being emitted for it right now (see :func:`_subscribed_endpoints`)
    commits before the deliveries to remove are collected.
    """
    endpoint_id, merchant_id = str(endpoint.pk), endpoint.merchant_id
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint.pk).first()
        if locked is not None:
            locked.delete()
    _log(logging.INFO, "webhook endpoint deleted", merchant_id=merchant_id, endpoint_id=endpoint_id)


def disable_endpoint(*, endpoint_id: Any, reason: str) -> None:
    now = timezone.now()
    updated = WebhookEndpoint.objects.filter(pk=endpoint_id, is_active=True).update(
        is_active=False, disabled_reason=reason[:500], disabled_at=now, updated_at=now
    )
    if updated:
        _log(logging.WARNING, "webhook endpoint disabled", endpoint_id=str(endpoint_id), reason=reason)


# --- Sending ---------------------------------------------------------------------------------------------

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


def encode_body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder).encode("utf-8")


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
    from webhooks.tasks import send_delivery

    token, ids = claim_due_deliveries(limit=limit)
    for delivery_id in ids:
        send_delivery.apply_async(args=[str(delivery_id), str(token)])
    if ids:
        _log(logging.INFO, "webhook deliveries dispatched", count=len(ids), claim_token=str(token))
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
        _log(logging.INFO, "webhook delivery claim lost; skipping", delivery_id=str(delivery_id))
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
        _log(logging.ERROR, "webhook send crashed", delivery_id=str(delivery.id), endpoint_id=str(endpoint.pk))
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
        _log(logging.INFO, "webhook delivered", **log_context)
    else:
        _log(logging.WARNING, "webhook attempt failed", **log_context, error=result.error, status=current.status)
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


def send_test_event(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Sends ``webhook.test`` now (10 s timeout) and returns its delivery: DELIVERED or FAILED, no retries."""
    now = timezone.now()
    claim_token = uuid.uuid4()
    delivery = WebhookDelivery.objects.create(
        merchant_id=endpoint.merchant_id,
        endpoint=endpoint,
        event_type=WEBHOOK_TEST,
        message_id=new_message_id(),
        payload=build_payload(
            event_type=WEBHOOK_TEST,
            data={"endpointId": str(endpoint.pk), "message": "Toile 웹훅 테스트 이벤트입니다."},
            occurred_at=now,
        ),
        next_attempt_at=now,
        created_at=now,
        # Reserved from the start so the poller never picks up a test send.
        claim_token=claim_token,
        claimed_until=now + SEND_LEASE,
    )
    return _attempt(delivery, claim_token=claim_token, retry_on_failure=False)


def replay_delivery(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Resets a delivery to PENDING, attemptCount 0, nextAttemptAt now; the next poller tick sends it.

    The ``webhook-id`` stays the same so the receiver can recognise a repeat.
    """
    now = timezone.now()
    with transaction.atomic():
        current = WebhookDelivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
        if current.claimed_until is not None and current.claimed_until > now:
            raise Conflict("이 발송은 지금 전송 중입니다. 잠시 후 다시 시도해 주세요.")
        if not current.endpoint.is_active:
            raise Conflict("엔드포인트가 비활성화되어 있습니다. 먼저 활성화(isActive: true)한 뒤 재시도해 주세요.")
        current.status = DeliveryStatus.PENDING
        current.attempt_count = 0
        current.next_attempt_at = now
        current.claim_token = None
        current.claimed_until = None
        current.save(update_fields=["status", "attempt_count", "next_attempt_at", "claim_token", "claimed_until"])
    _log(logging.INFO, "webhook delivery replayed", delivery_id=str(current.id), merchant_id=current.merchant_id)
    return current


def purge_old_deliveries(*, older_than: timedelta) -> int:
    """Deletes finished (DELIVERED/FAILED) deliveries and their attempts created before ``older_than`` ago."""
    cutoff = timezone.now() - older_than
    deleted, _ = WebhookDelivery.objects.filter(created_at__lt=cutoff).exclude(status=DeliveryStatus.PENDING).delete()
    if deleted:
        _log(logging.INFO, "old webhook deliveries purged", rows=deleted, cutoff=cutoff.isoformat())
    return deleted
