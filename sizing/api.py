"""Toile size API: POST /api/size/recommend, /api/size/feedback, /api/size/measurements (x-api-key)."""

from __future__ import annotations

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from common.errors import InvalidInput
from merchants.api import ToileApiKeyView
from sizing import services
from sizing.serializers import FeedbackRequestSerializer, MeasurementRequestSerializer, RecommendRequestSerializer


def _validated(serializer_class: type, request: Request) -> dict:
    if not isinstance(request.data, dict):
        raise InvalidInput("요청 본문은 JSON 객체여야 합니다.")
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class SizeRecommendView(ToileApiKeyView):
    def post(self, request: Request) -> Response:
        data = _validated(RecommendRequestSerializer, request)
        result = services.recommend_size(
            merchant=self.merchant,
            product_external_id=data["productId"],
            measurement=data["measurement"],
            visitor_id=data.get("visitorId"),
        )
        product = result.product
        recommendation = None
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
    def post(self, request: Request) -> Response:
        data = _validated(FeedbackRequestSerializer, request)
        feedback = services.submit_size_feedback(
            merchant=self.merchant,
            try_on_request_id=data["tryOnRequestId"],
            recommended_size=data["recommendedSize"],
            confidence=data["confidence"],
            helpful=data["helpful"],
            comment=data.get("comment", ""),
            fit=data.get("fit", ""),
            product_external_id=data.get("productId"),
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
    def post(self, request: Request) -> Response:
        data = _validated(MeasurementRequestSerializer, request)
        services.record_measurement(
            merchant=self.merchant, visitor_id=data["visitorId"], measurement=data["measurement"]
        )
        return Response({"data": {"ok": True}}, status=status.HTTP_201_CREATED)
