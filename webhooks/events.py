"""The event types Toile sends to merchants' webhook endpoints, and the ``data`` each one carries.

Every app emits events through :func:`webhooks.services.emit_event` with one of these constants. The ``data``
of each type is declared once, below, as a serializer: the emitter renders its data with it (``.of(...)``),
and the OpenAPI document lists it as that webhook's payload (``x-webhooks``, webhooks/openapi.py).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, cast

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.serializers import BlankAsNullCharField
from common.timestamps import IsoZDateTimeField
from tryon.models import TryOnJob

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from webhooks.models import WebhookEndpoint  # webhooks.models imports this module

TRYON_COMPLETED = "tryon.completed"
TRYON_FAILED = "tryon.failed"
USAGE_QUOTA_EXCEEDED = "usage.quota_exceeded"
# Sent only by "test send" (POST /api/webhooks/{id}/test); endpoints cannot subscribe to it.
WEBHOOK_TEST = "webhook.test"

SUBSCRIBABLE_EVENTS: tuple[str, ...] = (TRYON_COMPLETED, TRYON_FAILED, USAGE_QUOTA_EXCEEDED)
ALL_EVENTS: tuple[str, ...] = (*SUBSCRIBABLE_EVENTS, WEBHOOK_TEST)

EVENT_LABELS: dict[str, StrOrPromise] = {
    TRYON_COMPLETED: _("가상 피팅 완료"),
    TRYON_FAILED: _("가상 피팅 실패"),
    USAGE_QUOTA_EXCEEDED: _("사용량 한도 초과"),
    WEBHOOK_TEST: _("테스트 발송"),
}


# --- The request body of every webhook (Standard Webhooks) ------------------------------------------------------
# (Comments, not docstrings, on these serializers: a docstring would be the schema's description in the public
# document; webhooks/openapi.py gives each webhook its own. No read-only fields either, such as method fields:
# these schemas are request bodies, where tools leave read-only properties out.)


class WebhookPayloadHead(serializers.Serializer):
    type = serializers.CharField(help_text="이벤트 종류")
    timestamp = IsoZDateTimeField(read_only=False, help_text="이벤트가 일어난 시각 (재시도·재발송에도 같음)")


# Renders ``{type, timestamp, data}`` (webhooks.services.build_payload); each webhook's schema is this with
# ``type`` fixed and ``data`` the event's serializer below. Built with type(), as common.openapi.envelope is: a
# ``data`` field in a class body would shadow the serializer's own ``.data`` for the type checker.
WebhookPayloadSerializer = cast(
    type[WebhookPayloadHead],
    type("WebhookPayload", (WebhookPayloadHead,), {"data": serializers.DictField(), "__module__": __name__}),
)


# --- The ``data`` of each event type ------------------------------------------------------------------------------


class EventDataSerializer(serializers.Serializer):
    event_type: ClassVar[str]


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


WEBHOOK_TEST_MESSAGE = "Toile 웹훅 테스트 이벤트입니다."


# Renders the test event of a WebhookEndpoint.
class WebhookTestDataSerializer(EventDataSerializer):
    event_type = WEBHOOK_TEST

    endpointId = serializers.UUIDField(source="endpoint.pk", help_text="테스트를 받는 엔드포인트")  # noqa: N815
    message = serializers.CharField()

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> dict[str, Any]:
        return dict(cls({"endpoint": endpoint, "message": WEBHOOK_TEST_MESSAGE}).data)


EVENT_DATA: dict[str, type[EventDataSerializer]] = {
    serializer.event_type: serializer
    for serializer in (
        TryOnCompletedDataSerializer,
        TryOnFailedDataSerializer,
        QuotaExceededDataSerializer,
        WebhookTestDataSerializer,
    )
}
