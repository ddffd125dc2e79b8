"""Webhook business logic: endpoints, the outbox (``emit_event``), sending, retries and replay."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from common.errors import InvalidInput
from common.http import validate_public_url
from merchants.models import Merchant
from webhooks.crypto import encrypt_secret, generate_secret, secret_fingerprint
from webhooks.events import SUBSCRIBABLE_EVENTS
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

MAX_URL_LENGTH = 2048

logger = logging.getLogger(__name__)


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
    # Filtered in Python: JSON containment lookups are not available on SQLite (embedded mode).
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(merchant=merchant, is_active=True).only("id", "events")
        if event_type in (endpoint.events or [])
    ]
    if not endpoints:
        return 0
    now = timezone.now()
    message_id = new_message_id()
    payload = build_payload(event_type=event_type, data=data, occurred_at=now)
    with transaction.atomic():
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
    logger.info(
        "webhook event emitted",
        extra={"merchant_id": merchant.pk, "event_type": event_type, "message_id": message_id, "count": len(endpoints)},
    )
    return len(endpoints)


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
    logger.info("webhook endpoint created", extra={"merchant_id": merchant.pk, "endpoint_id": str(endpoint.pk)})
    return endpoint, secret
