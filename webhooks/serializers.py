"""Request parsing and responses of the webhook management API (camelCase, as in the spec), each response
rendered and documented by one serializer."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.openapi import envelope
from common.serializers import BlankAsNullCharField
from common.timestamps import IsoZDateTimeField
from webhooks.events import EventNames
from webhooks.models import DeliveryStatus, WebhookEndpoint
from webhooks.services import MAX_URL_LENGTH

# The registered event types, read each time a serializer is built (DRF builds its fields per instance).
SUBSCRIBABLE = EventNames(subscribable_only=True)
ANY_EVENT = EventNames(subscribable_only=False)


class EndpointCreateSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=MAX_URL_LENGTH, trim_whitespace=True)
    events = serializers.ListField(child=serializers.ChoiceField(choices=SUBSCRIBABLE), allow_empty=False)


class EndpointUpdateSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=MAX_URL_LENGTH, trim_whitespace=True, required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=SUBSCRIBABLE), allow_empty=False, required=False
    )
    isActive = serializers.BooleanField(required=False)  # noqa: N815


# --- Responses: each serializer renders ``data`` and documents it; envelope() adds the envelope ---------------
# (A class docstring would become the schema's description in the public document: notes for us are comments.)


# Renders a WebhookEndpoint: never its secret.
class EndpointSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="pk")
    url = serializers.URLField()
    events = serializers.SerializerMethodField(method_name="subscribed_events")
    isActive = serializers.BooleanField(source="is_active")  # noqa: N815
    disabledReason = BlankAsNullCharField(source="disabled_reason", help_text="자동/수동 비활성화 사유")  # noqa: N815
    disabledAt = IsoZDateTimeField(source="disabled_at", allow_null=True)  # noqa: N815
    createdAt = IsoZDateTimeField(source="created_at")  # noqa: N815
    updatedAt = IsoZDateTimeField(source="updated_at")  # noqa: N815

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=SUBSCRIBABLE)))
    def subscribed_events(self, endpoint: WebhookEndpoint) -> list[str]:
        return list(endpoint.events or [])


# Renders the endpoint just created, with its secret (``context["secret"]``): the only body that carries it.
class CreatedEndpointSerializer(EndpointSerializer):
    secret = serializers.SerializerMethodField(
        method_name="raw_secret",
        help_text="HMAC 서명 검증용 raw secret (whsec_…). 이 응답에서 한 번만 제공됩니다.",
    )

    def raw_secret(self, endpoint: WebhookEndpoint) -> str:
        return self.context["secret"]


# Renders a WebhookDelivery.
class DeliverySerializer(serializers.Serializer):
    id = serializers.UUIDField(source="pk")
    endpointId = serializers.UUIDField(source="endpoint_id")  # noqa: N815
    event = serializers.ChoiceField(source="event_type", choices=ANY_EVENT)
    messageId = serializers.CharField(  # noqa: N815
        source="message_id", help_text="webhook-id 헤더 값: 재시도·재발송에도 같습니다."
    )
    status = serializers.ChoiceField(choices=DeliveryStatus.values)
    attemptCount = serializers.IntegerField(source="attempt_count")  # noqa: N815
    nextAttemptAt = IsoZDateTimeField(source="next_attempt_at")  # noqa: N815
    lastAttemptAt = IsoZDateTimeField(source="last_attempt_at", allow_null=True)  # noqa: N815
    lastResponseStatus = serializers.IntegerField(source="last_response_status", allow_null=True)  # noqa: N815
    lastError = serializers.CharField(source="last_error", allow_null=True)  # noqa: N815
    deliveredAt = IsoZDateTimeField(source="delivered_at", allow_null=True)  # noqa: N815
    createdAt = IsoZDateTimeField(source="created_at")  # noqa: N815


# Renders the merchant's endpoints.
class WebhookListDataSerializer(serializers.Serializer):
    items = EndpointSerializer(many=True)


# Renders a selectors.DeliveryPage.
class WebhookDeliveryPageDataSerializer(serializers.Serializer):
    items = DeliverySerializer(many=True)
    nextCursor = serializers.CharField(source="next_cursor", allow_null=True, help_text="마지막 페이지면 null")  # noqa: N815


WebhookListResponse = envelope("WebhookList", WebhookListDataSerializer)
WebhookCreatedResponse = envelope("WebhookCreated", CreatedEndpointSerializer)
WebhookUpdatedResponse = envelope("WebhookUpdated", EndpointSerializer)
WebhookDeletedResponse = envelope("WebhookDeleted", serializers.DictField, help_text="항상 빈 객체 {}")
WebhookTestResultResponse = envelope("WebhookTestResult", DeliverySerializer)
WebhookDeliveryPageResponse = envelope("WebhookDeliveryPage", WebhookDeliveryPageDataSerializer)
WebhookReplayedResponse = envelope("WebhookReplayed", DeliverySerializer)
