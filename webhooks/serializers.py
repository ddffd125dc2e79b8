"""Request parsing and response rendering of the webhook management API (camelCase, as in the spec)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from common.timestamps import iso_z
from webhooks.events import SUBSCRIBABLE_EVENTS
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services import MAX_URL_LENGTH


class EndpointCreateSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=MAX_URL_LENGTH, trim_whitespace=True)
    events = serializers.ListField(child=serializers.ChoiceField(choices=SUBSCRIBABLE_EVENTS), allow_empty=False)


class EndpointUpdateSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=MAX_URL_LENGTH, trim_whitespace=True, required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=SUBSCRIBABLE_EVENTS), allow_empty=False, required=False
    )
    isActive = serializers.BooleanField(required=False)  # noqa: N815


def endpoint_data(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """An endpoint as the API shows it: never the secret."""
    return {
        "id": str(endpoint.pk),
        "url": endpoint.url,
        "events": list(endpoint.events or []),
        "isActive": endpoint.is_active,
        "disabledReason": endpoint.disabled_reason or None,
        "disabledAt": iso_z(endpoint.disabled_at),
        "createdAt": iso_z(endpoint.created_at),
        "updatedAt": iso_z(endpoint.updated_at),
    }


def delivery_data(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": str(delivery.pk),
        "endpointId": str(delivery.endpoint_id),
        "event": delivery.event_type,
        "messageId": delivery.message_id,
        "status": delivery.status,
        "attemptCount": delivery.attempt_count,
        "nextAttemptAt": iso_z(delivery.next_attempt_at),
        "lastAttemptAt": iso_z(delivery.last_attempt_at),
        "lastResponseStatus": delivery.last_response_status,
        "lastError": delivery.last_error,
        "deliveredAt": iso_z(delivery.delivered_at),
        "createdAt": iso_z(delivery.created_at),
    }


# --- Response shapes, for the OpenAPI document (the views render with the functions above) -------------


class EndpointSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=SUBSCRIBABLE_EVENTS))
    isActive = serializers.BooleanField()  # noqa: N815
    disabledReason = serializers.CharField(allow_null=True, help_text="자동/수동 비활성화 사유")  # noqa: N815
    disabledAt = serializers.DateTimeField(allow_null=True)  # noqa: N815
    createdAt = serializers.DateTimeField()  # noqa: N815
    updatedAt = serializers.DateTimeField()  # noqa: N815


class CreatedEndpointSerializer(EndpointSerializer):
    secret = serializers.CharField(help_text="HMAC 서명 검증용 raw secret (whsec_…). 이 응답에서 한 번만 제공됩니다.")


class DeliverySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    endpointId = serializers.UUIDField()  # noqa: N815
    event = serializers.CharField()
    messageId = serializers.CharField(help_text="webhook-id 헤더 값: 재시도·재발송에도 같습니다.")  # noqa: N815
    status = serializers.ChoiceField(choices=["PENDING", "DELIVERED", "FAILED"])
    attemptCount = serializers.IntegerField()  # noqa: N815
    nextAttemptAt = serializers.DateTimeField()  # noqa: N815
    lastAttemptAt = serializers.DateTimeField(allow_null=True)  # noqa: N815
    lastResponseStatus = serializers.IntegerField(allow_null=True)  # noqa: N815
    lastError = serializers.CharField(allow_null=True)  # noqa: N815
    deliveredAt = serializers.DateTimeField(allow_null=True)  # noqa: N815
    createdAt = serializers.DateTimeField()  # noqa: N815


def data_envelope(name: str, serializer: Any) -> Any:
    from drf_spectacular.utils import inline_serializer

    return inline_serializer(name=name, fields={"data": serializer})
