"""Webhook management API (Toile): Bearer JWT of a merchant user, ``{data}`` envelope, Toile errors."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from common.validation import validated
from merchants.api import ToileDashboardView
from webhooks import selectors, services
from webhooks.serializers import (
    CreatedEndpointSerializer,
    DeliverySerializer,
    EndpointCreateSerializer,
    EndpointSerializer,
    EndpointUpdateSerializer,
    data_envelope,
    delivery_data,
    endpoint_data,
)

TAGS = ["Webhooks"]


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Toile error responses of an operation, for the OpenAPI document."""
    return {code: OpenApiResponse(description="{error, message, statusCode}") for code in codes}


class WebhookListCreateView(ToileDashboardView):
    @extend_schema(
        tags=TAGS,
        summary="웹훅 설정 목록 조회",
        responses={
            200: data_envelope(
                "WebhookList", inline_serializer("WebhookListData", {"items": EndpointSerializer(many=True)})
            ),
            **errors(401, 403),
        },
    )
    def get(self, request: Request) -> Response:
        endpoints = selectors.endpoints_for_merchant(merchant=self.merchant)
        return Response({"data": {"items": [endpoint_data(endpoint) for endpoint in endpoints]}})

    @extend_schema(
        tags=TAGS,
        summary="웹훅 설정 생성 (secret 1회 노출)",
        request=EndpointCreateSerializer,
        responses={201: data_envelope("WebhookCreated", CreatedEndpointSerializer()), **errors(400, 401, 403)},
    )
    def post(self, request: Request) -> Response:
        values = validated(EndpointCreateSerializer, request.data)
        endpoint, secret = services.create_endpoint(merchant=self.merchant, **values)
        # The only response that ever carries the secret.
        return Response({"data": {**endpoint_data(endpoint), "secret": secret}}, status=status.HTTP_201_CREATED)


class WebhookDetailView(ToileDashboardView):
    @extend_schema(
        tags=TAGS,
        summary="웹훅 설정 수정 (secret은 회전되지 않음)",
        request=EndpointUpdateSerializer,
        responses={200: data_envelope("WebhookUpdated", EndpointSerializer()), **errors(400, 401, 403, 404)},
    )
    def patch(self, request: Request, id: str) -> Response:  # noqa: A002 - the spec's path parameter name
        endpoint = selectors.endpoint_for_merchant(merchant=self.merchant, endpoint_id=id)
        values = validated(EndpointUpdateSerializer, request.data)
        endpoint = services.update_endpoint(
            endpoint=endpoint, url=values.get("url"), events=values.get("events"), is_active=values.get("isActive")
        )
        return Response({"data": endpoint_data(endpoint)})

    @extend_schema(
        tags=TAGS,
        summary="웹훅 설정 삭제 (발송 기록 포함)",
        responses={
            200: data_envelope("WebhookDeleted", serializers.DictField(help_text="항상 빈 객체 {}")),
            **errors(401, 403, 404),
        },
    )
    def delete(self, request: Request, id: str) -> Response:  # noqa: A002
        endpoint = selectors.endpoint_for_merchant(merchant=self.merchant, endpoint_id=id)
        services.delete_endpoint(endpoint=endpoint)
        return Response({"data": {}})


class WebhookTestView(ToileDashboardView):
    @extend_schema(
        tags=TAGS,
        summary="웹훅 테스트 발송 (webhook.test, 동기, 10초 타임아웃)",
        request=None,
        responses={200: data_envelope("WebhookTestResult", DeliverySerializer()), **errors(401, 403, 404)},
    )
    def post(self, request: Request, id: str) -> Response:  # noqa: A002
        endpoint = selectors.endpoint_for_merchant(merchant=self.merchant, endpoint_id=id)
        delivery = services.send_test_event(endpoint=endpoint)
        return Response({"data": delivery_data(delivery)})


class WebhookDeliveriesView(ToileDashboardView):
    @extend_schema(
        tags=TAGS,
        summary="웹훅 발송 로그 조회 (최신순, cursor 페이지네이션)",
        parameters=[
            OpenApiParameter("cursor", str, description="이전 응답의 nextCursor"),
            OpenApiParameter("take", int, description="1~100, 기본 50"),
        ],
        responses={
            200: data_envelope(
                "WebhookDeliveryPage",
                inline_serializer(
                    "WebhookDeliveryPageData",
                    {"items": DeliverySerializer(many=True), "nextCursor": serializers.CharField(allow_null=True)},
                ),
            ),
            **errors(400, 401, 403, 404),
        },
    )
    def get(self, request: Request, id: str) -> Response:  # noqa: A002
        endpoint = selectors.endpoint_for_merchant(merchant=self.merchant, endpoint_id=id)
        page = selectors.deliveries_page(
            endpoint=endpoint,
            cursor=request.query_params.get("cursor") or None,
            take=selectors.parse_take(request.query_params.get("take")),
        )
        return Response({"data": {"items": [delivery_data(d) for d in page.items], "nextCursor": page.next_cursor}})


class DeliveryReplayView(ToileDashboardView):
    @extend_schema(
        tags=TAGS,
        summary="발송 재시도 (PENDING, attemptCount 0, nextAttemptAt now로 리셋)",
        request=None,
        responses={200: data_envelope("WebhookReplayed", DeliverySerializer()), **errors(401, 403, 404, 409)},
    )
    def post(self, request: Request, id: str) -> Response:  # noqa: A002
        delivery = selectors.delivery_for_merchant(merchant=self.merchant, delivery_id=id)
        return Response({"data": delivery_data(services.replay_delivery(delivery=delivery))})
