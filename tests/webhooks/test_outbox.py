"""emit_event writes delivery rows in the caller's transaction: committed with it or not at all."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from tests.support.merchants import make_merchant
from tests.support.webhooks import make_endpoint
from tryon import events
from webhooks.events import WEBHOOK_TEST
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from webhooks.services import emit_event

pytestmark = pytest.mark.django_db


def test_emit_writes_one_pending_delivery_per_subscribed_active_endpoint(merchant, allow_loopback):
    subscribed, _ = make_endpoint(merchant, "http://127.0.0.1:9/a", ["tryon.completed"])
    also_subscribed, _ = make_endpoint(merchant, "http://127.0.0.1:9/b", ["tryon.completed", "tryon.failed"])
    make_endpoint(merchant, "http://127.0.0.1:9/c", ["usage.quota_exceeded"])
    inactive, _ = make_endpoint(merchant, "http://127.0.0.1:9/d", ["tryon.completed"])
    inactive.is_active = False
    inactive.save()
    other = make_merchant()
    make_endpoint(other, "http://127.0.0.1:9/e", ["tryon.completed"])

    count = emit_event(merchant=merchant, event_type=events.TRYON_COMPLETED, data={"jobId": "j-1"})

    assert count == 2
    deliveries = WebhookDelivery.objects.filter(event_type="tryon.completed")
    assert {d.endpoint_id for d in deliveries} == {subscribed.id, also_subscribed.id}
    assert {d.status for d in deliveries} == {DeliveryStatus.PENDING}
    assert {d.attempt_count for d in deliveries} == {0}
    # One event, one webhook-id, shared by every endpoint that receives it.
    assert len({d.message_id for d in deliveries}) == 1
    payload = deliveries[0].payload
    assert payload["type"] == "tryon.completed"
    assert payload["data"] == {"jobId": "j-1"}
    assert payload["timestamp"].endswith("Z")


def test_rolled_back_transaction_emits_nothing(merchant, allow_loopback):
    make_endpoint(merchant, "http://127.0.0.1:9/a", ["tryon.failed"])

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        assert emit_event(merchant=merchant, event_type=events.TRYON_FAILED, data={"jobId": "j-2"}) == 1
        raise Boom

    assert WebhookDelivery.objects.count() == 0


def test_emit_without_subscribers_writes_nothing(merchant):
    assert emit_event(merchant=merchant, event_type=events.USAGE_QUOTA_EXCEEDED, data={}) == 0
    assert WebhookDelivery.objects.count() == 0


def test_unknown_or_test_event_type_is_a_programming_error(merchant):
    with pytest.raises(ValueError):
        emit_event(merchant=merchant, event_type="tryon.exploded", data={})
    with pytest.raises(ValueError):
        emit_event(merchant=merchant, event_type=WEBHOOK_TEST, data={})


@pytest.mark.django_db(transaction=True)
def test_deleting_an_endpoint_while_an_event_is_being_emitted_breaks_neither(jwt_client, merchant, allow_loopback):
    """The emitter's transaction (e.g. a try-on finishing) must commit even if the endpoint is deleted meanwhile."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    endpoint, _ = make_endpoint(merchant, "http://127.0.0.1:9/a", ["tryon.completed"])
    emitted, commit = threading.Event(), threading.Event()
    outcomes: dict[str, object] = {}

    def emitter() -> None:
        try:
            with transaction.atomic():
                outcomes["emitted"] = emit_event(merchant=merchant, event_type=events.TRYON_COMPLETED, data={})
                emitted.set()
                commit.wait(timeout=10)
            outcomes["emitter"] = "committed"
        except BaseException as exc:
            outcomes["emitter"] = exc
        finally:
            emitted.set()
            connection.close()

    def deleter() -> None:
        try:
            outcomes["delete"] = jwt_client.delete(f"/api/webhooks/{endpoint.pk}").status_code
        except BaseException as exc:
            outcomes["delete"] = exc
        finally:
            connection.close()

    emitting = threading.Thread(target=emitter)
    emitting.start()
    assert emitted.wait(timeout=10)
    deleting = threading.Thread(target=deleter)
    deleting.start()
    deleting.join(timeout=1)  # with the emitter's lock held, the delete waits for its commit
    commit.set()
    emitting.join(timeout=30)
    deleting.join(timeout=30)

    assert outcomes["emitter"] == "committed", outcomes
    assert outcomes["emitted"] == 1
    assert outcomes["delete"] == 200, outcomes
    assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    assert WebhookDelivery.objects.count() == 0
