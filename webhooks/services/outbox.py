"""The outbox: ``emit_event`` writes deliveries in the caller's transaction and, once it commits, kicks a
dispatcher so the first attempt is made at once; payloads and their encoding."""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from merchants.models import Merchant
from webhooks.events import WebhookPayloadSerializer, subscribable_events
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from webhooks.services._log import log


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
    log(
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
    return [
        endpoint for endpoint in active.only("id", "events", "paused_until") if event_type in (endpoint.events or [])
    ]


def encode_body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder).encode("utf-8")


# Set while a dispatcher run is queued and has not started: commits meanwhile need not queue another one.
KICK_KEY = "webhooks:dispatch-queued"
# Bounds how long a lost kick message can suppress new kicks (beat's poller covers that time anyway).
KICK_TTL_SECONDS = 10


def kick_dispatcher(*, force: bool = False) -> None:
    """Queues a dispatcher run unless one is already queued and not yet started (``force``: queue anyway).

    A run clears the flag before its first claim (:func:`dispatch_started`), so rows committed before the
    flag was seen set are claimed by that run: a burst of commits queues one run, not one per commit.
    """
    from webhooks.tasks import deliver_pending  # inline: tasks imports services (cycle)

    try:
        if not cache.add(KICK_KEY, 1, timeout=KICK_TTL_SECONDS) and not force:
            return
        deliver_pending.apply_async()
    except Exception:
        log(logging.WARNING, "webhook dispatcher not kicked; the poller will send within its interval")
        with contextlib.suppress(Exception):
            cache.delete(KICK_KEY)


def kick_dispatcher_on_commit() -> None:
    """Kicks a dispatcher once the current transaction commits: once per transaction, however many events
    it emits (robust: the caller's work is committed by then, a failed kick must not turn it into an error)."""
    connection_ = transaction.get_connection()
    if connection_.in_atomic_block:
        active = set(connection_.savepoint_ids)
        # Django keeps pending callbacks as (savepoint ids, callback, robust) and drops the ones registered
        # inside a savepoint that rolls back. A kick registered at this savepoint or an enclosing one is
        # dropped only together with the one we would add now, so it covers this commit.
        if any(callback is kick_dispatcher and ids <= active for ids, callback, _ in connection_.run_on_commit):
            return
    transaction.on_commit(kick_dispatcher, robust=True)


def ask_for_help() -> None:
    """Called by a run that found more endpoints due than it has lanes: queue another run (deduplicated like
    any kick) so an idle worker process joins in. Tasks run eagerly would run it inside this one: pointless."""
    from webhooks.tasks import deliver_pending  # inline: tasks imports services (cycle)

    if not deliver_pending.app.conf.task_always_eager:
        kick_dispatcher()


def dispatch_started() -> None:
    """Called by a dispatcher run before it claims: rows committed from now on need a new kick."""
    with contextlib.suppress(Exception):
        cache.delete(KICK_KEY)
