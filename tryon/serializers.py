"""Request parsing and responses of the try-on API (field names as in the Toile spec), each response rendered
and documented by one serializer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.fields import StrictUUIDField
from common.openapi import envelope
from common.serializers import BlankAsNullCharField, BlankAsNullURLField, ConditionalFieldsSerializer
from common.timestamps import IsoZDateTimeField
from tryon.ai_notice import LANGUAGES, MARK_TEXT, NOTICE_VERSION_PATTERN, NoticeTexts, notice_time_is_plausible
from tryon.models import ShareLink, TryOnFeedback, TryOnJob
from tryon.selectors import result_is_kept, result_url, share_url_for


@extend_schema_field(OpenApiTypes.BINARY)
class UploadField(serializers.FileField):
    """A multipart file, documented as the contract's ``format: binary`` (drf-spectacular would say ``uri``)."""


class TryOnCreateSerializer(serializers.Serializer):
    userImage = UploadField(allow_empty_file=False)
    productImageUrl = serializers.URLField(max_length=2000)
    category = serializers.ChoiceField(choices=TryOnJob.Category.values, default=TryOnJob.Category.UPPER_BODY)
    productTitle = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    productPageUrl = serializers.URLField(max_length=2000, required=False, allow_blank=True, default="")
    # Not in the spec: lets the storefront widget identify the shopper for the per-visitor daily limit.
    visitorId = serializers.UUIDField(required=False, allow_null=True, default=None)
    # Not in the spec either (a superset, docs/ai-labels.md): the shopper's language for the result's AI mark
    # and the share page, and the record of the AI notice the shopper accepted before the photo was sent.
    language = serializers.ChoiceField(
        choices=["ko", "en"], required=False, default="ko", help_text="결과 이미지의 'AI 생성' 표시와 공유 페이지 언어"
    )
    aiNoticeVersion = serializers.RegexField(
        NOTICE_VERSION_PATTERN,
        required=False,
        allow_blank=True,
        default="",
        help_text="사용자에게 보여 준 생성형 AI 고지문의 버전 (GET /api/ai-notice의 noticeVersion 또는 자체 버전)",
    )
    consentVersion = serializers.RegexField(
        NOTICE_VERSION_PATTERN,
        required=False,
        allow_blank=True,
        default="",
        help_text="사용자가 동의한 사진 이용 동의문의 버전",
    )
    noticeAcceptedAt = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="사용자가 고지를 보고 동의한 시각 (없으면 요청을 받은 시각). 24시간 이전이나 미래는 거부됩니다.",
    )

    def validate_noticeAcceptedAt(self, value: datetime | None) -> datetime | None:  # noqa: N802 (the field's name)
        if value is not None and not notice_time_is_plausible(value):
            raise serializers.ValidationError("최근 24시간 안의 시각이어야 합니다.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (attrs.get("consentVersion") or attrs.get("noticeAcceptedAt")) and not attrs.get("aiNoticeVersion"):
            raise serializers.ValidationError(
                {"aiNoticeVersion": "consentVersion, noticeAcceptedAt과 함께 보내야 합니다."}
            )
        return attrs


class AiNoticeLanguageSerializer(serializers.Serializer):
    notice = serializers.CharField(help_text="생성형 AI 사용 고지문")
    consent = serializers.CharField(help_text="사진 이용 동의문")
    mark = serializers.CharField(help_text="결과 이미지에 들어가는 표시")


# Renders tryon.ai_notice.CURRENT.
class AiNoticeDataSerializer(serializers.Serializer):
    noticeVersion = serializers.CharField(source="version")
    consentVersion = serializers.CharField(source="consent_version")
    texts = serializers.SerializerMethodField(help_text="언어(ko, en)별 문구")

    @extend_schema_field(serializers.DictField(child=AiNoticeLanguageSerializer()))
    def get_texts(self, notice: NoticeTexts) -> dict[str, dict[str, str]]:
        return {
            language: {
                "notice": notice.notice[language],
                "consent": notice.consent[language],
                "mark": MARK_TEXT[language],
            }
            for language in LANGUAGES
        }


AiNoticeResponse = envelope("AiNotice", AiNoticeDataSerializer)


class FeedbackSerializer(serializers.Serializer):
    vote = serializers.ChoiceField(choices=TryOnFeedback.Vote.values)
    visitorId = StrictUUIDField()
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ShareRequestSerializer(serializers.Serializer):
    visitorId = StrictUUIDField()


class VisitorQuerySerializer(serializers.Serializer):
    # Not in the spec: the widget names its visitor on GET /api/tryon/{jobId} (a query string is text).
    visitorId = serializers.UUIDField(required=False)


# --- Responses: each serializer renders ``data`` and documents it; envelope() adds the envelope ---------------
# (A class docstring would become the schema's description in the public document: notes for us are comments.)


# Renders a just created TryOnJob.
class TryOnAcceptedDataSerializer(serializers.Serializer):
    jobId = serializers.UUIDField(source="id")
    status = serializers.ChoiceField(choices=TryOnJob.Status.values, help_text="항상 PENDING")


# Renders a TryOnJob, with the fields its status shows.
class TryOnJobDataSerializer(ConditionalFieldsSerializer):
    jobId = serializers.UUIDField(source="id")
    status = serializers.ChoiceField(choices=TryOnJob.Status.values)
    progress = serializers.IntegerField(min_value=0, max_value=100)
    category = serializers.ChoiceField(choices=TryOnJob.Category.values)
    productTitle = BlankAsNullCharField(source="product_title")
    productPageUrl = BlankAsNullURLField(source="product_page_url")
    createdAt = IsoZDateTimeField(source="created_at")
    completedAt = IsoZDateTimeField(source="finished_at", allow_null=True, help_text="끝나지 않은 작업은 null")
    engine = serializers.CharField(help_text="엔진이 정해진 뒤에만 (fashn, offline …)")
    preview = serializers.SerializerMethodField(
        method_name="is_preview", help_text="엔진이 정해진 뒤에만: 오프라인 미리보기 엔진의 결과이면 true"
    )
    resultImageUrl = serializers.SerializerMethodField(
        method_name="result_image_url", help_text="COMPLETED이고 결과가 보관되는 동안만 (presigned URL, 1시간 유효)"
    )
    resultExpiresAt = IsoZDateTimeField(source="result_expires_at", help_text="결과가 보관되는 동안만: 삭제 예정 시각")
    resultDeleted = serializers.SerializerMethodField(
        method_name="result_deleted", help_text="COMPLETED이지만 보관 기간이 지나 결과가 삭제되었을 때만: 항상 true"
    )
    errorMessage = serializers.SerializerMethodField(method_name="error_message", help_text="FAILED 상태일 때만")

    conditional_fields = frozenset(
        {"engine", "preview", "resultImageUrl", "resultExpiresAt", "resultDeleted", "errorMessage"}
    )

    def shown_fields(self, job: TryOnJob) -> set[str]:
        shown = {"engine", "preview"} if job.engine else set()
        if job.status == TryOnJob.Status.COMPLETED:
            shown |= {"resultImageUrl", "resultExpiresAt"} if result_is_kept(job) else {"resultDeleted"}
        if job.status == TryOnJob.Status.FAILED:
            shown.add("errorMessage")
        return shown

    def is_preview(self, job: TryOnJob) -> bool:
        return bool(job.metadata.get("preview"))

    @extend_schema_field(OpenApiTypes.URI)
    def result_image_url(self, job: TryOnJob) -> str | None:
        return result_url(job)

    def result_deleted(self, job: TryOnJob) -> bool:
        return True

    def error_message(self, job: TryOnJob) -> str:
        return job.error_message or "피팅 생성에 실패했습니다."


# Renders a TryOnFeedback.
class TryOnFeedbackDataSerializer(serializers.Serializer):
    jobId = serializers.UUIDField(source="job_id")
    vote = serializers.ChoiceField(choices=TryOnFeedback.Vote.values)
    visitorId = serializers.UUIDField(source="visitor_id")


# Renders a ShareLink for the merchant who made it.
class ShareLinkDataSerializer(serializers.Serializer):
    shareUrl = serializers.SerializerMethodField(method_name="share_url")
    expiresAt = IsoZDateTimeField(source="expires_at")
    token = serializers.CharField()

    @extend_schema_field(OpenApiTypes.URI)
    def share_url(self, link: ShareLink) -> str:
        return share_url_for(link)


# Renders a ShareLink for whoever opens it (the public API and the share page).
class SharedTryOnDataSerializer(serializers.Serializer):
    resultImageUrl = serializers.SerializerMethodField(method_name="result_image_url")
    productTitle = BlankAsNullCharField(source="job.product_title")
    productPageUrl = BlankAsNullURLField(source="job.product_page_url")
    sharedAt = IsoZDateTimeField(source="created_at")
    expiresAt = IsoZDateTimeField(source="expires_at")
    viewCount = serializers.IntegerField(source="view_count")

    @extend_schema_field(serializers.URLField(allow_null=True, help_text="presigned URL, 1시간 유효"))
    def result_image_url(self, link: ShareLink) -> str | None:
        return result_url(link.job)


TryOnAcceptedResponse = envelope("TryOnAccepted", TryOnAcceptedDataSerializer)
TryOnJobResponse = envelope("TryOnJob", TryOnJobDataSerializer)
TryOnFeedbackResponse = envelope("TryOnFeedback", TryOnFeedbackDataSerializer)
ShareLinkResponse = envelope("ShareLink", ShareLinkDataSerializer)
SharedTryOnResponse = envelope("SharedTryOn", SharedTryOnDataSerializer)
