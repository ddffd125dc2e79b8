"""The public contracts the tests check our served OpenAPI document against (copies in tests/contract/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CONTRACT_DIR = Path(__file__).resolve().parents[1] / "contract"
SHARED_SPEC_DIR = Path(__file__).resolve().parents[3] / "shared" / "spec"
TOILE_CONTRACT = CONTRACT_DIR / "tryon-service.openapi.json"


def load_toile_contract() -> dict[str, Any]:
    return json.loads(TOILE_CONTRACT.read_text(encoding="utf-8"))


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
