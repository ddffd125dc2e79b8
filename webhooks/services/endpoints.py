"""Merchants' webhook endpoints: validation, create, update (disable and enable), delete."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from common.addresses import validate_public_url
from common.errors import InvalidInput
from common.stored_text import StoredText
from merchants.models import Merchant
from webhooks.delivery.signing import encrypt_secret, generate_secret, secret_fingerprint
from webhooks.events import subscribable_events
from webhooks.models import WebhookEndpoint

logger = logging.getLogger(__name__)

MAX_URL_LENGTH = 2048
DISABLED_BY_MERCHANT = StoredText(gettext_noop("가맹점이 비활성화했습니다."))


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
    known = subscribable_events()
    unknown = [event for event in events if event not in known]
    if unknown:
        raise InvalidInput(f"events: 지원하지 않는 이벤트입니다: {', '.join(unknown)} (가능: {', '.join(known)})")
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


# update_endpoint's max_concurrency when the caller leaves it as it is (None clears the cap).
UNCHANGED: Any = object()


def validate_max_concurrency(value: int | None) -> int | None:
    """The merchant's cap on requests in flight to an endpoint: empty (automatic) or 1 … the global maximum."""
    if value is None:
        return None
    limit = settings.WEBHOOKS_ENDPOINT_MAX_CONCURRENCY
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
        raise InvalidInput(f"max_concurrency: 1에서 {limit} 사이의 숫자이거나 비워 두어야 합니다.")
    return value


def update_endpoint(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    events: list[str] | None = None,
    is_active: bool | None = None,
    max_concurrency: int | None = UNCHANGED,
) -> WebhookEndpoint:
    """Changes url/events/isActive and the cap on concurrent requests; the secret is never rotated here.
    Re-enabling clears the disable reason."""
    changed: list[str] = []
    if max_concurrency is not UNCHANGED and max_concurrency != endpoint.max_concurrency:
        # The dispatchers read it with each claim: a lower cap shrinks the window at their next renewal.
        endpoint.max_concurrency = validate_max_concurrency(max_concurrency)
        changed.append("max_concurrency")
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
            endpoint.disabled_reason = DISABLED_BY_MERCHANT()
            endpoint.disabled_at = timezone.now()
        changed += ["disabled_reason", "disabled_at", "failing_since"]
    if changed:
        endpoint.save(update_fields=[*changed, "updated_at"])
        logger.info(
            "webhook endpoint updated",
            extra={"merchant_id": endpoint.merchant_id, "endpoint_id": str(endpoint.pk), "fields": changed},
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
    logger.info("webhook endpoint deleted", extra={"merchant_id": merchant_id, "endpoint_id": endpoint_id})
