"""What a merchant triggers by hand: a test send now, and a replay of a delivery."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import Conflict
from webhooks.delivery.attempts import Outcome, record_outcomes
from webhooks.delivery.claims import claim_lease
from webhooks.delivery.kick import kick_dispatcher_on_commit
from webhooks.delivery.sender import crashed, encode_body, post_signed
from webhooks.delivery.signing import decrypt_secret
from webhooks.events import WEBHOOK_TEST, WebhookTestDataSerializer
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from webhooks.services.outbox import build_payload, new_message_id

logger = logging.getLogger(__name__)


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
            data=WebhookTestDataSerializer.of(endpoint.pk),
            occurred_at=now,
        ),
        next_attempt_at=now,
        created_at=now,
        # Reserved from the start so no dispatcher ever picks up a test send.
        claim_token=claim_token,
        claimed_until=now + claim_lease(),
    )
    try:
        result = post_signed(
            url=endpoint.url,
            secret=decrypt_secret(endpoint.encrypted_secret),
            message_id=delivery.message_id,
            body=encode_body(delivery.payload),
        )
    except Exception as exc:
        logger.exception(
            "webhook test send crashed", extra={"delivery_id": str(delivery.id), "endpoint_id": str(endpoint.pk)}
        )
        result = crashed(exc)
    outcome = Outcome(delivery.id, endpoint.pk, endpoint.merchant_id, WEBHOOK_TEST, result)
    record_outcomes([outcome], claim_token=claim_token, manual=True)
    delivery.refresh_from_db()
    return delivery


def replay_delivery(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Resets a delivery to PENDING, attemptCount 0, nextAttemptAt now; a dispatcher sends it after commit.

    The ``webhook-id`` stays the same so the receiver can recognise a repeat.
    """
    now = timezone.now()
    with transaction.atomic():
        current = WebhookDelivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
        if current.claimed_until is not None and current.claimed_until > now:
            raise Conflict(_("이 발송은 지금 전송 중입니다. 잠시 후 다시 시도해 주세요."))
        if not current.endpoint.is_active:
            raise Conflict(_("엔드포인트가 비활성화되어 있습니다. 먼저 활성화(isActive: true)한 뒤 재시도해 주세요."))
        current.status = DeliveryStatus.PENDING
        current.attempt_count = 0
        current.next_attempt_at = now
        current.claim_token = None
        current.claimed_until = None
        current.save(update_fields=["status", "attempt_count", "next_attempt_at", "claim_token", "claimed_until"])
        if settings.WEBHOOKS_DISPATCH_ON_COMMIT:
            kick_dispatcher_on_commit()
    logger.info("webhook delivery replayed", extra={"delivery_id": str(current.id), "merchant_id": current.merchant_id})
    return current
