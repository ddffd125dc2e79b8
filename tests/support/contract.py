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
