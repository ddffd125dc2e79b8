"""Body measurements a shopper enters (the widget's /measurements, or a recommendation with a visitorId)."""

from __future__ import annotations

import uuid
from typing import Any

from merchants.models import Merchant
from sizing.models import BodyMeasurement

BODY_FIELDS = ("gender", "height", "weight", "chest", "waist", "hip")


def measurement_fields(measurement: dict[str, Any]) -> dict[str, Any]:
    """The stored fields of a validated ``measurement`` object (girths left out are stored empty)."""
    return {key: measurement.get(key) for key in BODY_FIELDS}


def record_measurement(*, merchant: Merchant, visitor_id: uuid.UUID, measurement: dict[str, Any]) -> BodyMeasurement:
    return BodyMeasurement.objects.create(
        merchant=merchant,
        visitor_id=visitor_id,
        source=BodyMeasurement.Source.WIDGET,
        **measurement_fields(measurement),
    )
