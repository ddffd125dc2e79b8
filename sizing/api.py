"""Toile size API: POST /api/size/recommend, /api/size/feedback, /api/size/measurements (x-api-key)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from common.openapi import toile_errors
from common.validation import validated
from merchants.api import ToileApiKeyView
from sizing import services
from sizing.serializers import (
    FeedbackRequestSerializer,
    MeasurementRequestSerializer,
    MeasurementResponseSerializer,
    RecommendRequestSerializer,
    RecommendResponseSerializer,
    SizeFeedbackResponseSerializer,
    recommend_body,
)

TAGS = ["Size"]


class SizeRecommendView(ToileApiKeyView):
    publishable_key_allowed = True

    @extend_schema(
        tags=TAGS,
        summary="사이즈 추천",
        request=RecommendRequestSerializer,
        responses={200: RecommendResponseSerializer, **toile_errors(400, 401, 403, 404, 429, 500)},
    )
    def post(self, request: Request) -> Response:
        data = validated(RecommendRequestSerializer, request.data)
        self.acting_visitor(data.get("visitorId"))
        result = services.recommend_size(
            merchant=self.merchant,
            product_external_id=data["productId"],
            measurement=data["measurement"],
            visitor_id=data.get("visitorId"),
            from_widget=self.from_publishable_key,
        )
        return Response(recommend_body(result))


class SizeFeedbackView(ToileApiKeyView):
    publishable_key_allowed = True

    @extend_schema(
        tags=TAGS,
        summary="사이즈 추천 피드백 제출",
        request=FeedbackRequestSerializer,
        responses={201: SizeFeedbackResponseSerializer, **toile_errors(400, 401, 403, 404, 429, 500)},
    )
    def post(self, request: Request) -> Response:
        data = validated(FeedbackRequestSerializer, request.data)
        visitor = self.acting_visitor(data.get("visitorId"))
        feedback = services.submit_size_feedback(
            merchant=self.merchant,
            try_on_request_id=data["tryOnRequestId"],
            recommended_size=data["recommendedSize"],
            confidence=data["confidence"],
            helpful=data["helpful"],
            comment=data.get("comment", ""),
            fit=data.get("fit", ""),
            product_external_id=data.get("productId"),
            visitor_id=visitor,
        )
        return Response(SizeFeedbackResponseSerializer.body(feedback), status=status.HTTP_201_CREATED)


class SizeMeasurementView(ToileApiKeyView):
    publishable_key_allowed = True

    @extend_schema(
        tags=TAGS,
        summary="신체 측정 데이터 저장",
        request=MeasurementRequestSerializer,
        responses={201: MeasurementResponseSerializer, **toile_errors(400, 401, 403, 429, 500)},
    )
    def post(self, request: Request) -> Response:
        data = validated(MeasurementRequestSerializer, request.data)
        services.record_measurement(
            merchant=self.merchant, visitor_id=data["visitorId"], measurement=data["measurement"]
        )
        return Response(MeasurementResponseSerializer.body({"ok": True}), status=status.HTTP_201_CREATED)
