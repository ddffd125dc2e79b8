"""The registry of event types: the engine lists what the apps registered, in a stable order, and an event type
an app registers is subscribable, emitted, delivered and documented with nothing else to change in webhooks."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers
from rest_framework.test import APIClient
from standardwebhooks import Webhook

from tests.support.contract import resolve_schema, webhook_payload_schema
from webhooks import events
from webhooks.delivery.dispatcher import dispatch_due_deliveries
from webhooks.events import EventDataSerializer, all_events, register_event, subscribable_events
from webhooks.models import WebhookDelivery
from webhooks.services import emit_event


class ParcelShippedDataSerializer(EventDataSerializer):
    event_type = "parcel.shipped"

    parcelId = serializers.CharField()  # noqa: N815

    @classmethod
    def of(cls, parcel_id: str) -> dict[str, Any]:
        return dict(cls({"parcelId": parcel_id}).data)


@pytest.fixture
def registry(monkeypatch):
    """The registry as the apps left it, restored after the test (which may register more)."""
    monkeypatch.setattr(events, "_registered", dict(events._registered))


def test_the_subscribable_types_come_first_in_the_order_they_were_registered():
    assert subscribable_events() == ("tryon.completed", "tryon.failed", "usage.quota_exceeded")
    assert all_events() == (*subscribable_events(), "webhook.test")


def test_registering_a_type_again_is_a_no_op_and_another_type_under_its_name_is_refused(registry):
    register_event(ParcelShippedDataSerializer, label="발송")
    register_event(ParcelShippedDataSerializer, label="발송")
    assert all_events().count("parcel.shipped") == 1

    class OtherParcelData(EventDataSerializer):
        event_type = "parcel.shipped"

    with pytest.raises(ImproperlyConfigured):
        register_event(OtherParcelData, label="발송")


@pytest.mark.django_db
def test_a_registered_type_is_subscribed_to_emitted_delivered_and_documented(
    registry, jwt_client, merchant, receiver, allow_loopback
):
    refused = jwt_client.post("/api/webhooks", {"url": receiver.url(), "events": ["parcel.shipped"]}, format="json")
    assert refused.status_code == 400  # not registered yet

    register_event(ParcelShippedDataSerializer, label="발송")
    created = jwt_client.post("/api/webhooks", {"url": receiver.url(), "events": ["parcel.shipped"]}, format="json")
    assert created.status_code == 201
    secret = created.json()["data"]["secret"]
    assert emit_event(merchant=merchant, event_type="parcel.shipped", data=ParcelShippedDataSerializer.of("p-1")) == 1
    dispatch_due_deliveries()

    [request] = receiver.requests
    body = Webhook(secret).verify(request.body, request.headers)
    assert body["type"] == "parcel.shipped" and body["data"] == {"parcelId": "p-1"}
    assert WebhookDelivery.objects.get().get_event_type_display() == "발송"
    served = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert list(served["x-webhooks"])[-2:] == ["parcel.shipped", "webhook.test"]
    data = resolve_schema(served, webhook_payload_schema(served, "parcel.shipped")["properties"]["data"])
    assert set(data["properties"]) == {"parcelId"}
