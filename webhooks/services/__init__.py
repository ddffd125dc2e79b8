"""Webhook endpoint management, by sub-domain; import from here (``from webhooks.services import emit_event``).
Sending is the delivery engine's (``webhooks/delivery/``).

- ``endpoints``: validation, create/update/delete of merchants' endpoints
- ``outbox``: ``emit_event`` (deliveries written in the caller's transaction, a dispatcher kicked on commit)
- ``manual``: test send and replay
- ``housekeeping``: retention of the delivery log
"""

from webhooks.services.endpoints import (
    MAX_URL_LENGTH,
    create_endpoint,
    delete_endpoint,
    update_endpoint,
    validate_endpoint_url,
    validate_events,
    validate_max_concurrency,
)
from webhooks.services.housekeeping import purge_old_deliveries
from webhooks.services.manual import replay_delivery, send_test_event
from webhooks.services.outbox import build_payload, emit_event, new_message_id

__all__ = [
    "MAX_URL_LENGTH",
    "build_payload",
    "create_endpoint",
    "delete_endpoint",
    "emit_event",
    "new_message_id",
    "purge_old_deliveries",
    "replay_delivery",
    "send_test_event",
    "update_endpoint",
    "validate_endpoint_url",
    "validate_events",
    "validate_max_concurrency",
]
