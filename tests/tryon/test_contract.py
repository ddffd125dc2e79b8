"""The try-on and share operations as the Toile contract states them: the served OpenAPI document's paths,
path parameters and status codes, and request fields typed as the contract types them."""

import uuid

import pytest
from rest_framework.test import APIClient

from tests.support.contract import load_toile_contract, resolve_schema, response_fields_missing
from tests.support.tryon import make_completed_job
from tryon.models import ShareLink, TryOnFeedback

PREFIXES = ("/api/tryon", "/api/share")
METHODS = ("get", "post", "put", "patch", "delete")


def operations(document: dict) -> dict[tuple[str, str], dict]:
    return {
        (path, method): item[method]
        for path, item in document["paths"].items()
        if path.startswith(PREFIXES)
        for method in METHODS
        if method in item
    }


@pytest.fixture(scope="module")
def served(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


@pytest.fixture(scope="module")
def contract() -> dict:
    return load_toile_contract()


def test_served_schema_has_every_contract_operation_and_no_other(served, contract):
    assert set(operations(served)) == set(operations(contract))


def test_path_parameters_are_named_and_typed_as_in_the_contract(served, contract):
    ours = operations(served)
    for key, theirs in operations(contract).items():
        expected = {(p["name"], p["in"], p["schema"].get("format")) for p in theirs.get("parameters", [])}
        actual = {(p["name"], p["in"], p["schema"].get("format")) for p in ours[key].get("parameters", [])}
        assert expected <= actual, (key, actual)
        assert all(p.get("required") for p in ours[key].get("parameters", []) if p["in"] == "path"), key


def test_every_contract_status_code_is_documented(served, contract):
    ours = operations(served)
    for key, theirs in operations(contract).items():
        missing = set(theirs["responses"]) - set(ours[key]["responses"])
        assert not missing, (key, missing)


def test_every_contract_response_field_is_in_the_served_schema(served, contract):
    """Success and error bodies alike, nested fields too: ours may add fields, never lack one."""
    for path, method in operations(contract):
        assert not response_fields_missing(contract, served, path, method), (path, method)


def test_public_share_operations_need_no_key_and_the_others_do(served, contract):
    ours = operations(served)
    for key, theirs in operations(contract).items():
        needs_key = theirs.get("security") != []
        assert bool(ours[key].get("security")) == needs_key, (key, ours[key].get("security"))


@pytest.mark.parametrize("visitor_id", [5, 1.5, True, ["550e8400-e29b-41d4-a716-446655440001"]])
def test_feedback_visitor_id_must_be_a_uuid_string(api_key_client, merchant, visitor_id):
    job = make_completed_job(merchant)
    response = api_key_client.post(
        f"/api/tryon/{job.id}/feedback", {"vote": "GOOD", "visitorId": visitor_id}, format="json"
    )
    assert response.status_code == 400, response.json()
    assert response.json()["error"] == "BadRequest" and response.json()["statusCode"] == 400
    assert "visitorId" in response.json()["message"]
    assert not TryOnFeedback.objects.exists()


@pytest.mark.parametrize("visitor_id", [5, True])
def test_share_visitor_id_must_be_a_uuid_string(api_key_client, merchant, visitor_id):
    job = make_completed_job(merchant)
    response = api_key_client.post(f"/api/tryon/{job.id}/share", {"visitorId": visitor_id}, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["error"] == "BadRequest" and "visitorId" in response.json()["message"]
    assert not ShareLink.objects.exists()


def test_uuid_strings_are_still_accepted(api_key_client, merchant):
    job = make_completed_job(merchant)
    visitor = str(uuid.uuid4())
    feedback = api_key_client.post(
        f"/api/tryon/{job.id}/feedback", {"vote": "BAD", "visitorId": visitor}, format="json"
    )
    assert feedback.status_code == 201
    assert feedback.json()["data"]["visitorId"] == visitor
    share = api_key_client.post(f"/api/tryon/{job.id}/share", {"visitorId": visitor}, format="json")
    assert share.status_code == 201 and share.json()["data"]["shareUrl"].startswith("http")


def test_request_fields_are_typed_and_required_as_in_the_contract(served, contract):
    ours = operations(served)
    for key, theirs in operations(contract).items():
        if "requestBody" not in theirs:
            continue
        ((media, body),) = theirs["requestBody"]["content"].items()
        expected = resolve_schema(contract, body["schema"])
        actual = resolve_schema(served, ours[key]["requestBody"]["content"][media]["schema"])
        assert set(expected.get("required", [])) <= set(actual.get("required", [])), key
        for name, field in expected["properties"].items():
            mine = resolve_schema(served, actual["properties"][name])
            # productTitle/productPageUrl also accept "" (an empty form field): a oneOf whose first branch is the
            # contract's field.
            mine = resolve_schema(served, mine["oneOf"][0]) if "oneOf" in mine else mine
            for keyword in ("type", "format", "enum", "maxLength"):
                if keyword in field:
                    assert mine.get(keyword) == field[keyword], (key, name, keyword, mine)
