"""The served OpenAPI schema describes the size requests with the contract's fields, bounds and pattern."""

import pytest
from rest_framework.test import APIClient

from tests.support.contract import load_toile_contract, property_paths, resolve_schema

PATHS = ["/api/size/recommend", "/api/size/feedback", "/api/size/measurements"]


def request_schema(document: dict, path: str) -> dict:
    return resolve_schema(
        document, document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    )


@pytest.fixture(scope="module")
def served(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        return APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()


@pytest.mark.parametrize("path", PATHS)
def test_request_fields_required_and_bounds_match_the_contract(served, path):
    contract = load_toile_contract()
    expected, actual = request_schema(contract, path), request_schema(served, path)
    assert set(expected["required"]) <= set(actual["required"])
    for name, field in expected["properties"].items():
        mine = resolve_schema(served, actual["properties"][name])
        if field.get("type") == "object":  # the nested measurement
            assert set(field["required"]) <= set(mine["required"])
            pairs = [
                (field["properties"][key], resolve_schema(served, mine["properties"][key]))
                for key in field["properties"]
            ]
        else:
            pairs = [(field, mine)]
        for theirs, ours in pairs:
            for keyword in ("type", "format", "enum", "pattern", "minimum", "maximum", "maxLength"):
                if keyword in theirs:
                    assert ours.get(keyword) == theirs[keyword], (path, name, keyword, ours)


@pytest.mark.parametrize("path", PATHS)
def test_responses_list_the_contracts_codes_and_fields(served, path):
    contract = load_toile_contract()
    theirs, ours = contract["paths"][path]["post"]["responses"], served["paths"][path]["post"]["responses"]
    assert set(theirs) <= set(ours), (path, sorted(set(theirs) - set(ours)))
    for code, response in theirs.items():
        if not code.startswith("2"):
            continue
        expected = property_paths(contract, response["content"]["application/json"]["schema"])
        actual = property_paths(served, ours[code]["content"]["application/json"]["schema"])
        assert expected <= actual, (path, code, sorted(expected - actual))
