"""Toile size API: POST /api/size/recommend, /api/size/feedback, /api/size/measurements (x-api-key)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from common.errors import InvalidInput
from merchants.api import ToileApiKeyView
from sizing import services
from sizing.serializers import FeedbackRequestSerializer, MeasurementRequestSerializer, RecommendRequestSerializer
from widget.analytics import record_widget_event


def _validated(serializer_class: type, request: Request) -> dict:
    if not isinstance(request.data, dict):
        raise InvalidInput("요청 본문은 JSON 객체여야 합니다.")
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


TAGS = ["Size"]
ERRORS = {
    400: OpenApiResponse(description="잘못된 요청 {error, message, statusCode}"),
    401: OpenApiResponse(description="API 키 인증 실패"),
    403: OpenApiResponse(description="접근 권한 없음"),
    404: OpenApiResponse(description="리소스 없음"),
}


class SizeRecommendView(ToileApiKeyView):
    publishable_key_allowed = True

    @extend_schema(
        tags=TAGS,
        summary="사이즈 추천",
        request=RecommendRequestSerializer,
        responses={
            200: OpenApiResponse(description="{data: {recommendation: {size, confidence} | null, product}}"),
            **ERRORS,
        },
    )
    def post(self, request: Request) -> Response:
        data = _validated(RecommendRequestSerializer, request)
        self.acting_visitor(data.get("visitorId"))
        result = services.recommend_size(
            merchant=self.merchant,
            product_external_id=data["productId"],
            measurement=data["measurement"],
            visitor_id=data.get("visitorId"),
        )
        product = result.product
        recommendation = None
        if result.size is not None and self.from_publishable_key:
            record_widget_event(merchant_id=self.merchant.pk, event="recommendations")
        if result.size is not None:
            recommendation = {
                "size": result.size,
                "confidence": result.confidence,
                "estimatedMeasurements": list(result.estimated),
            }
        return Response(
            {
                "data": {
                    "recommendation": recommendation,
                    "product": {"name": product.name, "category": product.category, "brand": product.brand},
                }
            }
        )


class SizeFeedbackView(ToileApiKeyView):
    publishable_key_allowed = True

    @extend_schema(
        tags=TAGS,
        summary="사이즈 추천 피드백 제출",
        request=FeedbackRequestSerializer,
        responses={201: OpenApiResponse(description="{data: {...}}"), **ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = _validated(FeedbackRequestSerializer, request)
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
        return Response(
            {
                "data": {
                    "id": feedback.pk,
                    "tryOnRequestId": str(feedback.try_on_request_id),
                    "recommendedSize": feedback.recommended_size,
                    "confidence": feedback.confidence,
                    "helpful": feedback.helpful,
                    "fit": feedback.fit or None,
                    "createdAt": feedback.created_at.isoformat().replace("+00:00", "Z"),
                }
            },
            status=status.HTTP_201_CREATED,
        )


class SizeMeasurementView(ToileApiKeyView):
    publishable_key_allowed = True

    @extend_schema(
        tags=TAGS,
        summary="신체 측정 데이터 저장",
        request=MeasurementRequestSerializer,
        responses={201: OpenApiResponse(description="{data: {ok: true}}"), **ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = _validated(MeasurementRequestSerializer, request)
        services.record_measurement(
            merchant=self.merchant, visitor_id=data["visitorId"], measurement=data["measurement"]
        )
        return Response({"data": {"ok": True}}, status=status.HTTP_201_CREATED)
