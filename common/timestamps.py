"""The one way timestamps leave the app: ISO 8601 in UTC with a ``Z`` and milliseconds (``…T01:02:03.456Z``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


def iso_z(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_iso_z() -> str:
    return iso_z(timezone.now())  # type: ignore[return-value]


@extend_schema_field({"type": "string", "format": "date-time"})
class IsoZDateTimeField(serializers.Field):
    """An output field rendering a datetime with :func:`iso_z` (DRF's own would use the local time zone)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value: datetime | None) -> str | None:
        return iso_z(value)
