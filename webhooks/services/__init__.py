"""Webhook business logic, by sub-domain; import from here (``from webhooks.services import emit_event``).

- ``endpoints``: validation, create/update/delete/disable of merchants' endpoints
- ``outbox``: ``emit_event`` (deliveries written in the caller's transaction), payloads
- ``sending``: claiming due deliveries, sending them, recording attempts, retries
- ``manual``: test send and replay
- ``housekeeping``: retention of the delivery log
"""

from webhooks.services.endpoints import (
    MAX_URL_LENGTH,
    create_endpoint,
    delete_endpoint,
    disable_endpoint,
    update_endpoint,
    validate_endpoint_url,
    validate_events,
)
from webhooks.services.housekeeping import purge_old_deliveries
from webhooks.services.manual import replay_delivery, send_test_event
from webhooks.services.outbox import build_payload, emit_event, encode_body, new_message_id
from webhooks.services.sending import (
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    claim_due_deliveries,
    dispatch_due_deliveries,
    retry_delay,
    send_claimed_delivery,
)

__all__ = [
    "MAX_ATTEMPTS",
    "MAX_URL_LENGTH",
    "RETRY_DELAYS",
    "build_payload",
    "claim_due_deliveries",
    "create_endpoint",
    "delete_endpoint",
    "disable_endpoint",
    "dispatch_due_deliveries",
    "emit_event",
    "encode_body",
    "new_message_id",
    "purge_old_deliveries",
    "replay_delivery",
    "retry_delay",
    "send_claimed_delivery",
    "send_test_event",
    "update_endpoint",
    "validate_endpoint_url",
    "validate_events",
]
