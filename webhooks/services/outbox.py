"""The outbox: ``emit_event`` writes deliveries in the caller's transaction and, once it commits, kicks a
dispatcher so the first attempt is made at once; the payload every delivery carries."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from merchants.models import Merchant
from webhooks.delivery.kick import kick_dispatcher_on_commit
from webhooks.events import WebhookPayloadSerializer, subscribable_events
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def build_payload(*, event_type: str, data: dict[str, Any], occurred_at: Any = None) -> dict[str, Any]:
    """The request body of the Standard Webhooks convention: ``{type, timestamp, data}``."""
    occurred_at = occurred_at or timezone.now()
    return dict(WebhookPayloadSerializer({"type": event_type, "timestamp": occurred_at, "data": data}).data)


def emit_event(*, merchant: Merchant, event_type: str, data: dict[str, Any]) -> int:
    """Writes one PENDING delivery per active endpoint of ``merchant`` subscribed to ``event_type``.

    This is the one way apps emit events. It runs in the caller's transaction (an outbox): if the caller
    rolls back, no delivery exists; once it commits, a dispatcher is kicked and sends them at once (beat's
    poller picks up anything a lost kick left behind). Returns the number written.
    """
    if event_type not in subscribable_events():
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
                    # An endpoint paused by back-pressure gets the event when its pause ends.
                    next_attempt_at=max(now, endpoint.paused_until or now),
                    created_at=now,
                )
                for endpoint in endpoints
            ]
        )
    if settings.WEBHOOKS_DISPATCH_ON_COMMIT:
        kick_dispatcher_on_commit()
    logger.info(
        "webhook event emitted",
        extra={"merchant_id": merchant.pk, "event_type": event_type, "message_id": message_id, "count": len(endpoints)},
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
    return [
        endpoint for endpoint in active.only("id", "events", "paused_until") if event_type in (endpoint.events or [])
    ]
