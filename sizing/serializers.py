"""Request validation of the sizing API, exactly as the Toile contract states (plus documented extensions)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.fields import StrictBooleanField, StrictCharField, StrictIntegerField, StrictNumberField, StrictUUIDField
from common.openapi import envelope
from common.timestamps import IsoZDateTimeField
from sizing.dimensions import SIZE_LABEL
from sizing.models import Gender, SizeFeedback


@extend_schema_field({"type": "string", "pattern": SIZE_LABEL.pattern})
class SizeLabelField(StrictCharField):
    """A size label as the contract's ``recommendedSize`` pattern allows (whole string)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(trim_whitespace=False, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if not SIZE_LABEL.fullmatch(value):
            raise serializers.ValidationError("1~10자의 한글·영문·숫자·공백·/+- 만 쓸 수 있습니다.")
        return value


class MeasurementSerializer(serializers.Serializer):
    height = StrictNumberField(maximum=300)
    weight = StrictNumberField(maximum=500)
    gender = serializers.ChoiceField(choices=Gender.values, error_messages={"invalid_choice": "M 또는 F여야 합니다."})
    chest = StrictNumberField(maximum=300, required=False)
    waist = StrictNumberField(maximum=300, required=False)
    hip = StrictNumberField(maximum=300, required=False)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["객체여야 합니다."]})
        return super().to_internal_value(data)


class RecommendRequestSerializer(serializers.Serializer):
    # No length limit: the contract sets none, so an id longer than any stored one is simply unknown (404).
    productId = StrictCharField()  # noqa: N815 - the contract's field names
    measurement = MeasurementSerializer()
    visitorId = StrictUUIDField(required=False, error_messages={"invalid": "UUID 형식이어야 합니다."})  # noqa: N815


class MeasurementRequestSerializer(serializers.Serializer):
    visitorId = StrictUUIDField(error_messages={"invalid": "UUID 형식이어야 합니다."})  # noqa: N815
    measurement = MeasurementSerializer()


class FeedbackRequestSerializer(serializers.Serializer):
    tryOnRequestId = StrictUUIDField(error_messages={"invalid": "피팅 요청 ID는 UUID여야 합니다."})  # noqa: N815
    recommendedSize = SizeLabelField()  # noqa: N815
    confidence = StrictIntegerField(low=0, high=100)
    helpful = StrictBooleanField()
    comment = StrictCharField(max_length=500, required=False, allow_blank=True, trim_whitespace=False)
    # Extensions (not in the contract; optional): the product the feedback is about and the fit direction.
    productId = StrictCharField(required=False)  # noqa: N815
    fit = serializers.ChoiceField(choices=SizeFeedback.Fit.values, required=False)
    # Required with a publishable key (the widget): the visitor may give feedback on their own try-on only.
    visitorId = StrictUUIDField(required=False, error_messages={"invalid": "UUID 형식이어야 합니다."})  # noqa: N815


# --- Responses: each serializer renders the body and documents it -------------------------------------------


class RecommendationSerializer(serializers.Serializer):
    size = serializers.CharField(help_text="추천 사이즈 라벨 (S/M/L, 44/55/66, 95/100, 28/30 …)")
    confidence = serializers.IntegerField(min_value=0, max_value=100, help_text="추천 신뢰도 (%)")
    estimatedMeasurements = serializers.ListField(  # noqa: N815 - the API's field names
        source="estimated",
        child=serializers.CharField(),
        help_text="입력하지 않아 키·몸무게로 추정한 치수 (chest, waist, hip)",
    )


class RecommendedProductSerializer(serializers.Serializer):
    name = serializers.CharField()
    category = serializers.CharField()
    brand = serializers.CharField()


class RecommendDataSerializer(serializers.Serializer):
    recommendation = RecommendationSerializer(allow_null=True, help_text="사이즈표가 없거나 쓸 수 없으면 null")
    product = RecommendedProductSerializer()


RecommendResponseSerializer = envelope("RecommendResponse", RecommendDataSerializer)


def recommend_body(result: Any) -> dict[str, Any]:
    """The body of ``POST /api/size/recommend`` for a recommendation result (no size: ``recommendation: null``)."""
    recommendation = result if result.size is not None else None
    return RecommendResponseSerializer.body({"recommendation": recommendation, "product": result.product})


class SizeFeedbackDataSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tryOnRequestId = serializers.UUIDField(source="try_on_request_id")  # noqa: N815
    recommendedSize = serializers.CharField(source="recommended_size")  # noqa: N815
    confidence = serializers.IntegerField()
    helpful = serializers.BooleanField()
    fit = serializers.SerializerMethodField()
    createdAt = IsoZDateTimeField(source="created_at")  # noqa: N815

    @extend_schema_field({"type": "string", "enum": SizeFeedback.Fit.values, "nullable": True})
    def get_fit(self, feedback: SizeFeedback) -> str | None:
        return feedback.fit or None


SizeFeedbackResponseSerializer = envelope("SizeFeedbackResponse", SizeFeedbackDataSerializer)


class MeasurementDataSerializer(serializers.Serializer):
    ok = serializers.BooleanField()


MeasurementResponseSerializer = envelope("MeasurementResponse", MeasurementDataSerializer)
