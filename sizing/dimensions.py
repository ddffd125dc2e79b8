"""What a size chart publishes: the body dimensions, the min/max fields of a row, a size label's pattern, and
the range one row gives for a dimension (one end alone stands for both). Shared by the models, the
recommendation, the CSV formats, the API and the dashboard, so each reads a chart the same way."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

DIMENSIONS = ("chest", "waist", "hip", "height", "weight")
# A chart row's fields, in the order of the CSV columns and the dashboard's inline: chest_min, chest_max, …
RANGE_FIELDS = tuple(f"{dim}_{end}" for dim in DIMENSIONS for end in ("min", "max"))

SIZE_LABEL = re.compile(r"^[A-Za-z0-9가-힣/+\- ]{1,10}$")


def published_range(low: float | None, high: float | None) -> tuple[float, float] | None:
    """A row's range of one dimension from its two ends; a value published alone (min or max) is a point."""
    if low is None:
        return None if high is None else (float(high), float(high))
    return float(low), float(low if high is None else high)


def row_ranges(values: Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    """The ranges a row publishes, by dimension, from its fields (``{"chest_min": 88, "chest_max": 94, …}``)."""
    return {
        dim: found
        for dim in DIMENSIONS
        if (found := published_range(values.get(f"{dim}_min"), values.get(f"{dim}_max"))) is not None
    }
