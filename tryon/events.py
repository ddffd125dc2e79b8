"""The webhook events try-on sends, and the ``data`` each one carries (registered with the webhook engine from
tryon/apps.py; emitted with ``webhooks.services.emit_event`` by tryon/pipeline.py and tryon/services/quota.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.serializers import BlankAsNullCharField
from tryon.models import TryOnJob
from webhooks.events import EventDataSerializer, register_event

TRYON_COMPLETED = "tryon.completed"
TRYON_FAILED = "tryon.failed"
USAGE_QUOTA_EXCEEDED = "usage.quota_exceeded"

# (Comments, not docstrings, on these serializers: a docstring would be the schema's description in the public
# document. No read-only fields either: these schemas are request bodies, where tools leave them out.)


# Renders what tryon.completed and tryon.failed tell about a finished TryOnJob (``of(job)``).
class TryOnFinishedDataSerializer(EventDataSerializer):
    jobId = serializers.UUIDField(source="job.id")
    # Each event narrows it to its own status (a field redeclared in a subclass keeps its place in the body).
    status = serializers.ChoiceField(source="job.status", choices=[s.value for s in TryOnJob.FINISHED])
    category = serializers.ChoiceField(source="job.category", choices=TryOnJob.Category.values)
    productTitle = BlankAsNullCharField(source="job.product_title")
    engine = serializers.CharField(source="job.engine", help_text="엔진을 정하기 전에 실패했으면 빈 문자열")
    preview = serializers.BooleanField(help_text="오프라인 미리보기 엔진의 결과이면 true")

    @staticmethod
    def values_of(job: TryOnJob) -> dict[str, Any]:
        return {"job": job, "preview": bool(job.metadata.get("preview"))}


class TryOnCompletedDataSerializer(TryOnFinishedDataSerializer):
    event_type = TRYON_COMPLETED

    status = serializers.ChoiceField(source="job.status", choices=[TryOnJob.Status.COMPLETED.value])
    resultImageUrl = serializers.URLField(  # noqa: N815
        source="result_image_url", help_text="결과 이미지 (presigned URL, 발송 시점부터 1시간 유효)"
    )

    @classmethod
    def of(cls, job: TryOnJob, *, result_image_url: str) -> dict[str, Any]:
        return dict(cls({**cls.values_of(job), "result_image_url": result_image_url}).data)


class TryOnFailedDataSerializer(TryOnFinishedDataSerializer):
    event_type = TRYON_FAILED

    status = serializers.ChoiceField(source="job.status", choices=[TryOnJob.Status.FAILED.value])
    errorMessage = serializers.CharField(source="job.error_message", help_text="실패 사유")  # noqa: N815

    @classmethod
    def of(cls, job: TryOnJob) -> dict[str, Any]:
        return dict(cls(cls.values_of(job)).data)


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-11"})
class MonthField(serializers.Field):
    """Renders a date as its month, ``YYYY-MM``."""

    def to_representation(self, value: date) -> str:
        return value.strftime("%Y-%m")


class QuotaExceededDataSerializer(EventDataSerializer):
    event_type = USAGE_QUOTA_EXCEEDED

    resource = serializers.ChoiceField(choices=["tryon"], help_text="한도를 넘은 자원")
    month = MonthField(help_text="한도가 찬 달 (KST)")
    quota = serializers.IntegerField(min_value=0, help_text="월 한도")
    used = serializers.IntegerField(min_value=0, help_text="이번 달 사용량")

    @classmethod
    def of(cls, *, resource: str, month: date, quota: int, used: int) -> dict[str, Any]:
        return dict(cls({"resource": resource, "month": month, "quota": quota, "used": used}).data)


def register_events() -> None:
    """Registers try-on's event types with the webhook engine, in the order the dashboard and the OpenAPI
    document list them."""
    register_event(TryOnCompletedDataSerializer, label=_("가상 피팅 완료"))
    register_event(TryOnFailedDataSerializer, label=_("가상 피팅 실패"))
    register_event(QuotaExceededDataSerializer, label=_("사용량 한도 초과"))
