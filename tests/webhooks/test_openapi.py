"""The OpenAPI document we serve describes the webhook operations as the contract does, and every webhook we
send (its payload as the event type registered with webhooks/events.py declares it).

The contract's facts are written out below as a readable table, and the table is checked against the contract
(``tests/contract/``, a copy of ``../shared/spec`` kept equal by ``tests/test_contract_copies.py``). What the
emitters really send is checked against the served payloads in tests/tryon/test_quota_and_events.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from tests.support.contract import (
    load_toile_contract,
    resolve_schema,
    response_fields_missing,
    webhook_payload_schema,
)
from webhooks.events import all_events, event_types

ENDPOINT_FIELDS = {"id", "url", "events", "isActive", "createdAt", "updatedAt"}
DELIVERY_FIELDS = {"id", "status", "attemptCount", "lastResponseStatus", "lastError"}
LOG_ITEM_FIELDS = DELIVERY_FIELDS | {"event", "nextAttemptAt", "lastAttemptAt", "createdAt"}

# (path, method) -> (success status, the contract's status codes, fields of `data` (or of `data.items[]`))
OPERATIONS: dict[tuple[str, str], tuple[str, set[str], set[str] | None]] = {
    ("/api/webhooks", "get"): ("200", {"200", "401"}, ENDPOINT_FIELDS),
    ("/api/webhooks", "post"): ("201", {"201", "400", "401"}, {"id", "url", "events", "isActive", "secret"}),
    ("/api/webhooks/{id}", "patch"): ("200", {"200", "400", "401", "404"}, None),
    ("/api/webhooks/{id}", "delete"): ("200", {"200", "401", "404"}, None),
    ("/api/webhooks/{id}/test", "post"): ("200", {"200", "401", "404"}, DELIVERY_FIELDS),
    ("/api/webhooks/{id}/deliveries", "get"): ("200", {"200", "401", "404"}, LOG_ITEM_FIELDS),
    ("/api/webhooks/deliveries/{id}/replay", "post"): ("200", {"200", "401", "404"}, None),
}


def data_fields(document: dict[str, Any], response: dict[str, Any]) -> set[str]:
    body = resolve_schema(document, response["content"]["application/json"]["schema"])
    data = resolve_schema(document, body["properties"]["data"])
    if "items" in data.get("properties", {}):
        data = resolve_schema(document, resolve_schema(document, data["properties"]["items"])["items"])
    return set(data["properties"])


def test_the_table_matches_the_contract():
    contract = load_toile_contract()
    webhook_operations = {
        (path, method)
        for path, item in contract["paths"].items()
        if path.startswith("/api/webhooks")
        for method in item
    }
    assert webhook_operations == set(OPERATIONS)
    for (path, method), (success, codes, fields) in OPERATIONS.items():
        responses = contract["paths"][path][method]["responses"]
        assert set(responses) == codes, (path, method)
        assert success in responses
        if fields is not None:
            assert data_fields(contract, responses[success]) == fields, (path, method)


def test_served_schema_describes_the_webhook_operations_as_the_contract(db):
    document = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()

    for (path, method), (success, codes, fields) in OPERATIONS.items():
        operation = document["paths"][path][method]
        # A superset of the contract's responses: 403 for a signed-in user who belongs to no merchant.
        assert codes <= set(operation["responses"]), (path, method, sorted(operation["responses"]))
        assert "403" in operation["responses"], (path, method)
        assert {"BearerAuth": []} in operation["security"], (path, method)
        if fields is not None:
            assert fields <= data_fields(document, operation["responses"][success]), (path, method)
        for code in codes - {success}:  # the errors, in Toile's body
            error = resolve_schema(document, operation["responses"][code]["content"]["application/json"]["schema"])
            assert set(error["properties"]) == {"error", "message", "statusCode"}, (path, method, code)
        assert not response_fields_missing(load_toile_contract(), document, path, method), (path, method)
    deleted = document["paths"]["/api/webhooks/{id}"]["delete"]["responses"]["200"]
    assert "data" in resolve_schema(document, deleted["content"]["application/json"]["schema"])["properties"]


# The `data` of each event type: what a merchant's receiver gets (in {type, timestamp, data}).
EVENT_FIELDS = {
    "tryon.completed": {"jobId", "status", "category", "productTitle", "engine", "preview", "resultImageUrl"},
    "tryon.failed": {"jobId", "status", "category", "productTitle", "engine", "preview", "errorMessage"},
    "usage.quota_exceeded": {"resource", "month", "quota", "used"},
    "webhook.test": {"endpointId", "message"},
}


@pytest.fixture(scope="module")
def served(django_db_blocker) -> dict[str, Any]:
    with django_db_blocker.unblock():
        return APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()


def test_the_event_table_is_what_webhooks_events_declares():
    assert {event.name for event in event_types()} == set(all_events()) == set(EVENT_FIELDS)
    for event in event_types():
        assert set(event.data().fields) == EVENT_FIELDS[event.name], event.name


def test_served_schema_lists_every_webhook_with_its_payload(served):
    assert set(served["x-webhooks"]) == set(EVENT_FIELDS)
    for event_type, fields in EVENT_FIELDS.items():
        operation = served["x-webhooks"][event_type]["post"]
        assert event_type in operation["summary"] and "webhook-signature" in operation["description"]
        assert {"200", "410"} <= set(operation["responses"])
        payload = webhook_payload_schema(served, event_type)
        assert set(payload["properties"]) == set(payload["required"]) == {"type", "timestamp", "data"}
        assert resolve_schema(served, payload["properties"]["type"])["enum"] == [event_type]
        assert resolve_schema(served, payload["properties"]["timestamp"])["format"] == "date-time"
        data = resolve_schema(served, payload["properties"]["data"])
        assert set(data["properties"]) == set(data["required"]) == fields, event_type
        # Request bodies: tools leave read-only properties out of what a receiver's model reads.
        assert not [name for name, prop in data["properties"].items() if prop.get("readOnly")], event_type
    completed = resolve_schema(served, webhook_payload_schema(served, "tryon.completed")["properties"]["data"])
    assert resolve_schema(served, completed["properties"]["status"])["enum"] == ["COMPLETED"]
    assert completed["properties"]["resultImageUrl"]["format"] == "uri"


def test_the_served_document_is_valid_openapi_3_0(served):
    """``webhooks`` is OpenAPI 3.1; this 3.0 document keeps them under ``x-webhooks`` (which ReDoc shows)."""
    assert served["openapi"].startswith("3.0") and "webhooks" not in served
    validate_schema(served)
