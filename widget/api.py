"""POST /api/widget/events: the widget reports what only the browser sees (a shopper opening the panel)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from common.fields import StrictUUIDField
from common.openapi import envelope, toile_errors
from common.validation import validated
from merchants.api import ToileApiKeyView
from widget.analytics import record_widget_event

# Events the browser may report, and the counter each one adds to. The later funnel steps (recommendations,
# uploads, completed try-ons, shares, share views) are counted by the server where they happen.
CLIENT_EVENTS = {"open": "opens"}


class WidgetEventSerializer(serializers.Serializer):
    event = serializers.ChoiceField(choices=sorted(CLIENT_EVENTS))
    visitorId = StrictUUIDField(required=False)  # noqa: N815 - the API's field names
    productId = serializers.CharField(required=False, max_length=200)  # noqa: N815 - accepted, not stored


# Renders the recorded event (``{"event": …}``).
class WidgetEventRecordedDataSerializer(serializers.Serializer):
    event = serializers.ChoiceField(choices=sorted(CLIENT_EVENTS))


WidgetEventRecordedResponse = envelope("WidgetEventRecorded", WidgetEventRecordedDataSerializer)


class WidgetEventView(ToileApiKeyView):
    publishable_key_allowed = True

    @extend_schema(
        tags=["Widget"],
        summary="위젯 이벤트 기록 (패널 열림)",
        request=WidgetEventSerializer,
        responses={
            202: WidgetEventRecordedResponse,
            **toile_errors(400, 401, 403, 429, d403="허용되지 않은 Origin 또는 키"),
        },
    )
    def post(self, request: Request) -> Response:
        values = validated(WidgetEventSerializer, request.data)
        event = values["event"]
        self.acting_visitor(values.get("visitorId"))
        record_widget_event(merchant_id=self.merchant.pk, event=CLIENT_EVENTS[event])
        return Response(WidgetEventRecordedResponse.body({"event": event}), status=status.HTTP_202_ACCEPTED)
