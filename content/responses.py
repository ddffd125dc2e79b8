"""One serializer per Content API response: it renders the answer and documents it in the OpenAPI document."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.openapi import ErrorResponseSerializer
from common.serializers import ConditionalFieldsSerializer, ConstantField
from common.timestamps import IsoZDateTimeField
from content import selectors
from content.caching import CachedEvent
from content.constants import ALL_PLATFORMS, ALL_STYLES, PLATFORM_SIZES
from content.estimates import remaining_seconds
from content.models import GeneratedImage, ImageJob
from content.providers.registry import configured_ai_providers

if TYPE_CHECKING:
    pass


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
