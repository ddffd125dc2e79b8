"""The public contracts the tests check our served OpenAPI document against (copies in tests/contract/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

CONTRACT_DIR = Path(__file__).resolve().parents[1] / "contract"
SHARED_SPEC_DIR = Path(__file__).resolve().parents[3] / "shared" / "spec"
TOILE_CONTRACT = CONTRACT_DIR / "tryon-service.openapi.json"


CONTENT_CONTRACT = CONTRACT_DIR / "content-service.openapi.yaml"


def load_toile_contract() -> dict[str, Any]:
    return json.loads(TOILE_CONTRACT.read_text(encoding="utf-8"))


def load_content_contract() -> dict[str, Any]:
    return yaml.safe_load(CONTENT_CONTRACT.read_text(encoding="utf-8"))


def response_fields_missing(
    contract: dict[str, Any], served: dict[str, Any], path: str, method: str
) -> dict[tuple[str, str], set[str]]:
    """The properties (dotted paths) of the contract's response bodies of an operation that the served document's
    same responses lack, by (status, media type); empty when ours have all of them (a superset)."""
    missing: dict[tuple[str, str], set[str]] = {}
    ours = served["paths"][path][method]["responses"]
    for code, theirs in contract["paths"][path][method]["responses"].items():
        theirs = resolve_schema(contract, theirs)
        for media, body in (theirs.get("content") or {}).items():
            if "schema" not in body:
                continue
            expected = property_paths(contract, body["schema"])
            try:
                actual = property_paths(served, ours[code]["content"][media]["schema"])
            except KeyError:
                actual = set()
            if expected - actual:
                missing[(code, media)] = expected - actual
    return missing


def resolve_schema(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follows ``$ref``s (and drf-spectacular's single-item ``allOf`` wrapper) to the schema they name."""
    if len(schema.get("allOf", [])) == 1:  # drf-spectacular's way of adding a default to an enum reference
        schema = {**schema["allOf"][0], **{k: v for k, v in schema.items() if k != "allOf"}}
    while "$ref" in schema:
        node: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def property_paths(document: dict[str, Any], schema: dict[str, Any], prefix: str = "") -> set[str]:
    """Every property of a body as a dotted path (``data.recommendation.size``; ``images[].url`` in arrays)."""
    schema = resolve_schema(document, schema)
    if schema.get("type") == "array" and "items" in schema:
        return property_paths(document, schema["items"], f"{prefix}[].")
    paths = set()
    for name, child in (schema.get("properties") or {}).items():
        paths.add(f"{prefix}{name}")
        paths |= property_paths(document, child, f"{prefix}{name}.")
    return paths


def as_json_schema(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI 3.0 schema as a standalone JSON Schema for ``jsonschema``: references inlined, ``nullable``
    as an alternative null."""
    schema = resolve_schema(document, schema)
    converted: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "properties":
            converted[key] = {name: as_json_schema(document, child) for name, child in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            converted[key] = as_json_schema(document, value)
        elif key in ("allOf", "anyOf", "oneOf"):
            converted[key] = [as_json_schema(document, child) for child in value]
        elif key != "nullable":
            converted[key] = value
    return {"anyOf": [converted, {"type": "null"}]} if schema.get("nullable") else converted


def webhook_payload_schema(document: dict[str, Any], event_type: str) -> dict[str, Any]:
    """The request body the served document declares for ``event_type``'s webhook (OpenAPI 3.0: ``x-webhooks``)."""
    operation = document["x-webhooks"][event_type]["post"]
    return resolve_schema(document, operation["requestBody"]["content"]["application/json"]["schema"])
