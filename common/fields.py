"""Serializer fields that take JSON types at their word, for every API's requests.

DRF is lenient: ``CharField`` turns 123 into "123", ``UUIDField`` turns the integer 5 into
``00000000-…-0005``, ``BooleanField`` accepts "yes" and ``FloatField`` accepts "1e3". The contracts type their
fields strictly, and a lenient field would store made-up values instead of refusing the request.
"""

from __future__ import annotations

import math
from typing import Any

from drf_spectacular.drainage import set_override
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """A JSON string only (DRF would turn 123 into "123")."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictUUIDField(serializers.UUIDField):
    """A JSON string holding a UUID (the contract's ``type: string, format: uuid``).

    DRF's UUIDField also turns a JSON integer into a UUID (``12345`` → ``00000000-…-3039``), which would store a
    made-up visitor or look up a made-up try-on job instead of refusing the request.
    """

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


@extend_schema_field(OpenApiTypes.NUMBER)
class StrictNumberField(serializers.Field):
    """A JSON number (not a string, not a boolean), finite, > 0 and ≤ ``maximum``."""

    default_error_messages = {
        "invalid": "숫자여야 합니다.",
        "positive": "0보다 커야 합니다.",
        "max": "{maximum} 이하여야 합니다.",
    }

    def __init__(self, *, maximum: float, **kwargs: Any) -> None:
        self.maximum = maximum
        super().__init__(**kwargs)
        # The served schema states the bounds as the contract does (per field: each has its own maximum).
        set_override(self, "field", {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": maximum})

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            self.fail("invalid")
        try:
            value = float(data)
        except OverflowError:  # an integer beyond any float (the JSON parser already refuses most)
            self.fail("max", maximum=self.maximum)
        if not math.isfinite(value):
            self.fail("invalid")
        if value <= 0:
            self.fail("positive")
        if value > self.maximum:
            self.fail("max", maximum=self.maximum)
        return value

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanField(serializers.Field):
    default_error_messages = {"invalid": "true 또는 false여야 합니다."}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field(OpenApiTypes.INT)
class StrictIntegerField(serializers.Field):
    default_error_messages = {"invalid": "정수여야 합니다.", "range": "{low}~{high} 사이여야 합니다."}

    def __init__(self, *, low: int, high: int, **kwargs: Any) -> None:
        self.low, self.high = low, high
        super().__init__(**kwargs)
        set_override(self, "field", {"type": "integer", "minimum": low, "maximum": high})

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, (int, float)) or not float(data).is_integer():
            self.fail("invalid")
        if not self.low <= data <= self.high:
            self.fail("range", low=self.low, high=self.high)
        return int(data)

    def to_representation(self, value: Any) -> Any:
        return value
