"""The OpenAPI document we serve describes the webhook operations as the contract does.

The contract's facts are written out below as a readable table, and the table is checked against the contract
(``tests/contract/``, a copy of ``../shared/spec`` kept equal by ``tests/test_contract_copies.py``).
"""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from tests.support.contract import load_toile_contract, resolve_schema

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
    deleted = document["paths"]["/api/webhooks/{id}"]["delete"]["responses"]["200"]
    assert "data" in resolve_schema(document, deleted["content"]["application/json"]["schema"])["properties"]
