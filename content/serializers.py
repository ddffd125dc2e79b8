"""Request validation (the spec's constraints, with Korean messages) and the responses (camelCase), each
rendered and documented by one serializer."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.fields import StrictCharField
from common.openapi import ErrorResponseSerializer
from common.serializers import ConditionalFieldsSerializer, ConstantField
from common.timestamps import IsoZDateTimeField
from content import selectors
from content.caching import CachedEvent
from content.constants import ALL_PLATFORMS, ALL_STYLES, PLATFORM_SIZES, FontFamily
from content.estimates import remaining_seconds
from content.models import GeneratedImage, ImageJob
from content.providers.registry import configured_ai_providers
from content.typography import drawable

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
# Event ids appear in URL paths (/api/content/events/{eventDraftId}): no slashes, whitespace or query marks.
EVENT_DRAFT_ID = re.compile(r"^[^\s/?#%\\]{1,100}$")


def _null_message(field: str, required: bool) -> str:
    # An optional field sent as null is refused too (the spec does not make it nullable), but not as "required".
    if required:
        return f"{field}은(는) 필수 항목입니다."
    return f"{field}은(는) null일 수 없습니다. 값을 보내거나 필드를 생략하세요."


def _text(
    field: str, *, min_length: int | None = None, max_length: int | None = None, **kwargs: Any
) -> StrictCharField:
    messages: dict[str, StrOrPromise] = {
        "required": f"{field}은(는) 필수 항목입니다.",
        "null": _null_message(field, kwargs.get("required", True)),
        "blank": f"{field}은(는) 비어 있을 수 없습니다.",
        "invalid": f"{field}은(는) 문자열이어야 합니다.",
        "max_length": f"{field}은(는) 최대 {max_length}자입니다.",
        "min_length": f"{field}은(는) 최소 {min_length}자 이상이어야 합니다.",
    }
    return StrictCharField(min_length=min_length, max_length=max_length, error_messages=messages, **kwargs)


def _choice(field: str, choices: list[str], **kwargs: Any) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=choices,
        error_messages={
            "invalid_choice": f"{field}은(는) {', '.join(choices)} 중 하나여야 합니다.",
            "required": f"{field}은(는) 필수 항목입니다.",
            "null": _null_message(field, kwargs.get("required", True)),
        },
        **kwargs,
    )


def _choice_list(field: str, choices: list[str]) -> serializers.ListField:
    return serializers.ListField(
        child=_choice(field, choices),
        required=False,
        allow_empty=False,
        max_length=len(choices) * 2,
        error_messages={
            "not_a_list": f"{field}은(는) 배열이어야 합니다.",
            "empty": f"{field}은(는) 비어 있을 수 없습니다.",
            "null": f"{field}은(는) 배열이어야 합니다.",
        },
    )


def _drawable_or_error(field: str, value: str) -> str:
    if not drawable(value):
        raise serializers.ValidationError(
            f"{field}에 이미지에 표시할 수 있는 글자가 없습니다 (이모지만으로는 만들 수 없습니다)."
        )
    return value


def _http_url_or_error(field: str, value: str) -> str:
    try:
        serializers.URLField().run_validation(value)
    except serializers.ValidationError as exc:
        raise serializers.ValidationError(f"{field}은 올바른 URL이어야 합니다.") from exc
    if not value.lower().startswith(("http://", "https://")):
        raise serializers.ValidationError(f"{field}은 http 또는 https URL이어야 합니다.")
    return value


def _hex_or_error(field: str, value: str) -> str:
    if not HEX_COLOR.match(value):
        raise serializers.ValidationError(f"{field}는 HEX 색상 코드 형식이어야 합니다. (예: #FF5733)")
    return value.upper()


# The facts of an event beyond the contract, limited so that each fits its place on a 2:1 link preview.
PERIOD_MAX = 30
CALL_TO_ACTION_MAX = 20
STORE_NAME_MAX = 30
# Longer links make QR codes too dense to scan from a phone screen.
EVENT_URL_MAX = 200


class EventInfoSerializer(serializers.Serializer):
    default_error_messages = {"invalid": "eventInfo은(는) 객체여야 합니다."}

    title = _text("eventInfo.title", min_length=1, max_length=50)
    giftName = _text("eventInfo.giftName", min_length=1, max_length=30)
    brandColor = _text("eventInfo.brandColor", required=False)
    logoUrl = _text("eventInfo.logoUrl", required=False, max_length=2048)
    period = _text("eventInfo.period", required=False, min_length=1, max_length=PERIOD_MAX)
    callToAction = _text("eventInfo.callToAction", required=False, min_length=1, max_length=CALL_TO_ACTION_MAX)
    eventUrl = _text("eventInfo.eventUrl", required=False, max_length=EVENT_URL_MAX)
    storeName = _text("eventInfo.storeName", required=False, min_length=1, max_length=STORE_NAME_MAX)
    secondaryColor = _text("eventInfo.secondaryColor", required=False)
    fontFamily = _choice("eventInfo.fontFamily", FontFamily.values, required=False)
    # Set by the service, never by clients: the storage name of our safely fetched copy of the logo.
    logoImage = serializers.CharField(required=False, read_only=True)

    def validate_title(self, value: str) -> str:
        return _drawable_or_error("eventInfo.title", value)

    def validate_giftName(self, value: str) -> str:
        return _drawable_or_error("eventInfo.giftName", value)

    def validate_period(self, value: str) -> str:
        return _drawable_or_error("eventInfo.period", value)

    def validate_callToAction(self, value: str) -> str:
        return _drawable_or_error("eventInfo.callToAction", value)

    def validate_storeName(self, value: str) -> str:
        return _drawable_or_error("eventInfo.storeName", value)

    def validate_brandColor(self, value: str) -> str:
        return _hex_or_error("brandColor", value)

    def validate_secondaryColor(self, value: str) -> str:
        return _hex_or_error("secondaryColor", value)

    def validate_logoUrl(self, value: str) -> str:
        return _http_url_or_error("logoUrl", value)

    def validate_eventUrl(self, value: str) -> str:
        return _http_url_or_error("eventUrl", value)


def _dedupe(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


class ImageGenerationRequestSerializer(serializers.Serializer):
    default_error_messages = {"invalid": "요청 본문은 JSON 객체여야 합니다."}

    eventDraftId = _text("eventDraftId", min_length=1, max_length=100)
    eventInfo = EventInfoSerializer(error_messages={"required": "eventInfo은(는) 필수 항목입니다."})
    styles = _choice_list("styles", ALL_STYLES)
    platforms = _choice_list("platforms", ALL_PLATFORMS)
    priority = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=10,
        error_messages={
            "invalid": "priority는 1에서 10 사이의 정수여야 합니다.",
            "min_value": "priority는 1에서 10 사이의 정수여야 합니다.",
            "max_value": "priority는 1에서 10 사이의 정수여야 합니다.",
        },
    )

    def validate_eventDraftId(self, value: str) -> str:
        if not EVENT_DRAFT_ID.match(value):
            raise serializers.ValidationError("eventDraftId에는 공백, /, ?, #, %, \\ 문자를 쓸 수 없습니다.")
        if value in (".", ".."):
            # URL normalisation would make /api/content/events/{eventDraftId} point elsewhere.
            raise serializers.ValidationError("eventDraftId는 . 또는 .. 일 수 없습니다.")
        return value

    def validate_styles(self, value: list[str]) -> list[str]:
        return _dedupe(value)

    def validate_platforms(self, value: list[str]) -> list[str]:
        return _dedupe(value)


class RegenerationSerializer(serializers.Serializer):
    sourceImageId = _text("regeneration.sourceImageId", max_length=40)
    content = _text("regeneration.content", required=False, allow_blank=True, max_length=500)


class ImageGenerationJobSerializer(ImageGenerationRequestSerializer):
    """The job payload of the spec's ``ImageGenerationJob`` as the task receives it (validated again there)."""

    jobId = _text("jobId", max_length=40)
    requestedAt = serializers.DateTimeField(required=False)
    regeneration = RegenerationSerializer(required=False)


class ImageRegenerationRequestSerializer(serializers.Serializer):
    default_error_messages = {"invalid": "요청 본문은 JSON 객체여야 합니다."}

    content = _text("content", required=False, allow_blank=True, max_length=500)
    style = _choice("style", ALL_STYLES, required=False)  # type: ignore[assignment]  # DRF pops fields off the class


class ImageFilterSerializer(serializers.Serializer):
    style = _choice("style", ALL_STYLES, required=False)  # type: ignore[assignment]  # DRF pops fields off the class
    platform = _choice("platform", ALL_PLATFORMS, required=False)


# --- Responses: each serializer renders the body and documents it (/api/schema/) ------------------------------
# (A class docstring would become the schema's description in the public document: notes for us are comments.)


class ImageSizeSerializer(serializers.Serializer):
    width = serializers.IntegerField()
    height = serializers.IntegerField()


# Renders a GeneratedImage.
class ImageDetailSerializer(serializers.Serializer):
    imageId = serializers.CharField(source="id")
    style = serializers.ChoiceField(choices=ALL_STYLES)  # type: ignore[assignment]  # DRF pops fields off the class
    url = serializers.SerializerMethodField()
    platform = serializers.ChoiceField(choices=ALL_PLATFORMS)
    size = serializers.SerializerMethodField()
    createdAt = IsoZDateTimeField(source="created_at")
    fallbackUsed = serializers.BooleanField(source="fallback_used")
    provider = serializers.ChoiceField(choices=GeneratedImage.Provider.values)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, image: GeneratedImage) -> str:
        return selectors.image_url(image.file_name)

    @extend_schema_field(ImageSizeSerializer)
    def get_size(self, image: GeneratedImage) -> dict[str, int]:
        width, height = PLATFORM_SIZES[image.platform]
        return {"width": image.width or width, "height": image.height or height}


# Renders the AcceptedJob of a generation.
class ImageGenerationAcceptedResponseSerializer(serializers.Serializer):
    jobId = serializers.CharField(source="job.id")
    eventDraftId = serializers.CharField(source="job.event_draft_id")
    # A repeat request answered from the event's cache says PENDING too (NOTES.md).
    status = ConstantField(ImageJob.Status.PENDING.value)
    estimatedCompletionTime = serializers.IntegerField(source="estimated_seconds")
    message = serializers.SerializerMethodField()

    def get_message(self, accepted: Any) -> str:
        return "이미지 생성 요청이 접수되었습니다. jobId로 결과를 조회하세요."


# Renders why an ImageJob failed.
class JobErrorSerializer(serializers.Serializer):
    code = serializers.SerializerMethodField()
    detail = serializers.CharField(source="error_detail")

    def get_code(self, job: ImageJob) -> str:
        return job.error_code or "IMAGE_GENERATION_FAILED"


class JobProgressSerializer(serializers.Serializer):
    completed = serializers.IntegerField(source="images_done")
    total = serializers.IntegerField(source="images_total")


STATUS_MESSAGES: dict[str, str] = {
    ImageJob.Status.PENDING: "이미지 생성 대기 중입니다.",
    ImageJob.Status.PROCESSING: "AI가 이벤트에 어울리는 이미지를 생성하고 있어요...",
    ImageJob.Status.COMPLETED: "이미지 생성이 완료되었습니다.",
    ImageJob.Status.FAILED: "이미지 생성에 실패했습니다.",
}


# Renders an ImageJob, with the fields its status shows.
class ImageGenerationStatusResponseSerializer(ConditionalFieldsSerializer):
    jobId = serializers.CharField(source="id")
    status = serializers.ChoiceField(choices=ImageJob.Status.values)
    message = serializers.SerializerMethodField()
    estimatedCompletionTime = serializers.SerializerMethodField(
        method_name="estimate_completion", help_text="PENDING/PROCESSING 상태에서만: 남은 초"
    )
    progress = JobProgressSerializer(source="*", help_text="PENDING/PROCESSING 상태에서만")
    images = serializers.SerializerMethodField(help_text="COMPLETED 상태에서만")
    fromCache = serializers.BooleanField(source="from_cache", help_text="COMPLETED 상태에서만")
    completedAt = IsoZDateTimeField(source="completed_at", help_text="COMPLETED/FAILED 상태에서만")
    error = JobErrorSerializer(source="*", help_text="FAILED 상태에서만")

    conditional_fields = frozenset(
        {"estimatedCompletionTime", "progress", "images", "fromCache", "completedAt", "error"}
    )

    def shown_fields(self, job: ImageJob) -> set[str]:
        shown = {"completedAt"} if job.is_finished else {"estimatedCompletionTime", "progress"}
        if job.status == ImageJob.Status.COMPLETED:
            shown |= {"images", "fromCache"}
        if job.status == ImageJob.Status.FAILED:
            shown.add("error")
        return shown

    def get_message(self, job: ImageJob) -> str:
        if job.status == ImageJob.Status.PROCESSING and not configured_ai_providers():
            return "이벤트 이미지를 만들고 있어요..."
        if job.status == ImageJob.Status.COMPLETED and job.from_cache:
            return "이미지 생성이 완료되었습니다. (캐시)"
        return STATUS_MESSAGES[job.status]

    def estimate_completion(self, job: ImageJob) -> int:
        return remaining_seconds(job)

    @extend_schema_field(ImageDetailSerializer(many=True))
    def get_images(self, job: ImageJob) -> list[dict[str, Any]]:
        return list(ImageDetailSerializer(selectors.job_result_images(job), many=True, context=self.context).data)


class ContentResponseSerializer(serializers.Serializer):
    eventDraftId = serializers.CharField(source="event_draft_id")
    images = ImageDetailSerializer(many=True)
    totalCount = serializers.IntegerField(source="total_count")
    createdAt = IsoZDateTimeField(source="entry.created_at")
    expiresAt = IsoZDateTimeField(source="entry.expires_at")

    @classmethod
    def body(cls, *, event_draft_id: str, entry: CachedEvent, images: Iterable[GeneratedImage]) -> dict[str, Any]:
        listed = list(images)
        return cls(
            {"event_draft_id": event_draft_id, "entry": entry, "images": listed, "total_count": len(listed)}
        ).data


class ImageListSerializer(serializers.Serializer):
    eventDraftId = serializers.CharField(source="event_draft_id")
    totalCount = serializers.IntegerField(source="total_count")
    images = ImageDetailSerializer(many=True)

    @classmethod
    def body(cls, *, event_draft_id: str, images: Iterable[GeneratedImage]) -> dict[str, Any]:
        listed = list(images)
        return cls({"event_draft_id": event_draft_id, "images": listed, "total_count": len(listed)}).data


# Renders the AcceptedJob of a regeneration.
class RegenerationAcceptedSerializer(serializers.Serializer):
    message = serializers.SerializerMethodField()
    jobId = serializers.CharField(source="job.id")
    estimatedTime = serializers.IntegerField(source="estimated_seconds")
    estimatedCompletionTime = serializers.IntegerField(source="estimated_seconds")

    def get_message(self, accepted: Any) -> str:
        return "이미지 재생성 요청이 접수되었습니다"


# Error bodies are rendered by the exception handler (common/errors.py), for every path alike; these document them.
class CircuitBreakerErrorResponseSerializer(ErrorResponseSerializer):
    circuitBreakerState = serializers.ChoiceField(choices=["OPEN", "HALF_OPEN", "CLOSED"])
    fallbackAvailable = serializers.BooleanField()
    fallbackImageUrl = serializers.URLField()
