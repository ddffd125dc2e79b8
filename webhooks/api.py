"""Webhook management API (Toile): Bearer JWT of a merchant user, ``{data}`` envelope, Toile errors."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from common.openapi import toile_errors
from common.validation import validated
from merchants.api import ToileDashboardView
from webhooks import selectors, services
from webhooks.serializers import (
    EndpointCreateSerializer,
    EndpointUpdateSerializer,
    WebhookCreatedResponse,
    WebhookDeletedResponse,
    WebhookDeliveryPageResponse,
    WebhookListResponse,
    WebhookReplayedResponse,
    WebhookTestResultResponse,
    WebhookUpdatedResponse,
)

TAGS = ["Webhooks"]


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Toile error responses of an operation, for the OpenAPI document."""
    return toile_errors(
        *codes,
        d401="JWT 인증 실패",
        d403="가맹점에 속하지 않은 사용자",
        d404="내 가맹점의 웹훅·발송이 아님 (없거나 다른 가맹점의 것)",
        d409="지금 전송 중이거나 엔드포인트가 비활성화된 발송",
    )


class WebhookListCreateView(ToileDashboardView):
    @extend_schema(
        tags=TAGS,
        summary="웹훅 설정 목록 조회",
        responses={200: WebhookListResponse, **errors(401, 403)},
    )
    def get(self, request: Request) -> Response:
        endpoints = selectors.endpoints_for_merchant(merchant=self.merchant)
        return Response(WebhookListResponse.body({"items": endpoints}))

    @extend_schema(
        tags=TAGS,
        summary="웹훅 설정 생성 (secret 1회 노출)",
        request=EndpointCreateSerializer,
        responses={201: WebhookCreatedResponse, **errors(400, 401, 403)},
    )
    def post(self, request: Request) -> Response:
        values = validated(EndpointCreateSerializer, request.data)
        endpoint, secret = services.create_endpoint(merchant=self.merchant, **values)
        return Response(WebhookCreatedResponse.body(endpoint, secret=secret), status=status.HTTP_201_CREATED)


class WebhookDetailView(ToileDashboardView):
    @extend_schema(
        tags=TAGS,
        summary="웹훅 설정 수정 (secret은 회전되지 않음)",
        request=EndpointUpdateSerializer,
        responses={200: WebhookUpdatedResponse, **errors(400, 401, 403, 404)},
    )
    def patch(self, request: Request, id: str) -> Response:  # noqa: A002 - the spec's path parameter name
        endpoint = selectors.endpoint_for_merchant(merchant=self.merchant, endpoint_id=id)
        values = validated(EndpointUpdateSerializer, request.data)
        endpoint = services.update_endpoint(
            endpoint=endpoint, url=values.get("url"), events=values.get("events"), is_active=values.get("isActive")
        )
        return Response(WebhookUpdatedResponse.body(endpoint))

    @extend_schema(
        tags=TAGS,
        summary="웹훅 설정 삭제 (발송 기록 포함)",
        responses={200: WebhookDeletedResponse, **errors(401, 403, 404)},
    )
    def delete(self, request: Request, id: str) -> Response:  # noqa: A002
        endpoint = selectors.endpoint_for_merchant(merchant=self.merchant, endpoint_id=id)
        services.delete_endpoint(endpoint=endpoint)
        return Response(WebhookDeletedResponse.body({}))


class WebhookTestView(ToileDashboardView):
    @extend_schema(
        tags=TAGS,
        summary="웹훅 테스트 발송 (webhook.test, 동기, 10초 타임아웃)",
        request=None,
        responses={200: WebhookTestResultResponse, **errors(401, 403, 404)},
    )
    def post(self, request: Request, id: str) -> Response:  # noqa: A002
        endpoint = selectors.endpoint_for_merchant(merchant=self.merchant, endpoint_id=id)
        delivery = services.send_test_event(endpoint=endpoint)
        return Response(WebhookTestResultResponse.body(delivery))


class WebhookDeliveriesView(ToileDashboardView):
    @extend_schema(
        tags=TAGS,
        summary="웹훅 발송 로그 조회 (최신순, cursor 페이지네이션)",
        parameters=[
            OpenApiParameter("cursor", str, description="이전 응답의 nextCursor"),
            OpenApiParameter("take", int, description="1~100, 기본 50"),
        ],
        responses={200: WebhookDeliveryPageResponse, **errors(400, 401, 403, 404)},
    )
    def get(self, request: Request, id: str) -> Response:  # noqa: A002
        endpoint = selectors.endpoint_for_merchant(merchant=self.merchant, endpoint_id=id)
        page = selectors.deliveries_page(
            endpoint=endpoint,
            cursor=request.query_params.get("cursor") or None,
            take=selectors.parse_take(request.query_params.get("take")),
        )
        return Response(WebhookDeliveryPageResponse.body(page))


class DeliveryReplayView(ToileDashboardView):
    @extend_schema(
        tags=TAGS,
        summary="발송 재시도 (PENDING, attemptCount 0, nextAttemptAt now로 리셋)",
        request=None,
        responses={200: WebhookReplayedResponse, **errors(401, 403, 404, 409)},
    )
    def post(self, request: Request, id: str) -> Response:  # noqa: A002
        delivery = selectors.delivery_for_merchant(merchant=self.merchant, delivery_id=id)
        return Response(WebhookReplayedResponse.body(services.replay_delivery(delivery=delivery)))
