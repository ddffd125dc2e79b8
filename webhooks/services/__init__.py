"""Webhook business logic, by sub-domain; import from here (``from webhooks.services import emit_event``).

- ``endpoints``: validation, create/update/delete/disable of merchants' endpoints
- ``outbox``: ``emit_event`` (deliveries written in the caller's transaction, a dispatcher kicked on commit)
- ``dispatch``: the dispatcher: claims endpoints and their due deliveries, sends them concurrently
- ``attempts``: recording attempts in bulk, the retry schedule, endpoint health and back-pressure
- ``manual``: test send and replay
- ``housekeeping``: retention of the delivery log
"""

from webhooks.services.attempts import MAX_ATTEMPTS, RETRY_DELAYS, retry_delay
from webhooks.services.dispatch import claim_lanes, dispatch_due_deliveries
from webhooks.services.endpoints import (
    MAX_URL_LENGTH,
    create_endpoint,
    delete_endpoint,
    disable_endpoint,
    update_endpoint,
    validate_endpoint_url,
    validate_events,
    validate_max_concurrency,
)
from webhooks.services.housekeeping import purge_old_deliveries
from webhooks.services.manual import replay_delivery, send_test_event
from webhooks.services.outbox import build_payload, emit_event, encode_body, kick_dispatcher, new_message_id

__all__ = [
    "MAX_ATTEMPTS",
    "MAX_URL_LENGTH",
    "RETRY_DELAYS",
    "build_payload",
    "claim_lanes",
    "create_endpoint",
    "delete_endpoint",
    "disable_endpoint",
    "dispatch_due_deliveries",
    "emit_event",
    "encode_body",
    "kick_dispatcher",
    "new_message_id",
    "purge_old_deliveries",
    "replay_delivery",
    "retry_delay",
    "send_test_event",
    "update_endpoint",
    "validate_endpoint_url",
    "validate_max_concurrency",
    "validate_events",
]
