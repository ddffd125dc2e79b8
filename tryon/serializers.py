"""Request parsing and response shapes of the try-on API (field names as in the Toile spec)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.fields import StrictUUIDField
from common.timestamps import iso_z
from tryon.models import ShareLink, TryOnFeedback, TryOnJob
from tryon.selectors import result_url
from tryon.services import share_url_for


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


class FeedbackSerializer(serializers.Serializer):
    vote = serializers.ChoiceField(choices=TryOnFeedback.Vote.values)
    visitorId = StrictUUIDField()
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ShareRequestSerializer(serializers.Serializer):
    visitorId = StrictUUIDField()


class VisitorQuerySerializer(serializers.Serializer):
    # Not in the spec: the widget names its visitor on GET /api/tryon/{jobId} (a query string is text).
    visitorId = serializers.UUIDField(required=False)


def job_data(job: TryOnJob) -> dict[str, Any]:
    data: dict[str, Any] = {
        "jobId": str(job.id),
        "status": job.status,
        "progress": job.progress,
        "category": job.category,
        "productTitle": job.product_title or None,
        "productPageUrl": job.product_page_url or None,
        "createdAt": iso_z(job.created_at),
        "completedAt": iso_z(job.finished_at),
    }
    if job.engine:
        data["engine"] = job.engine
        data["preview"] = bool(job.metadata.get("preview"))
    if job.status == TryOnJob.Status.COMPLETED:
        url = result_url(job)
        if url:
            data["resultImageUrl"] = url
            data["resultExpiresAt"] = iso_z(job.result_expires_at)
        else:
            data["resultDeleted"] = True
    if job.status == TryOnJob.Status.FAILED:
        data["errorMessage"] = job.error_message or "피팅 생성에 실패했습니다."
    return data


def share_link_data(link: ShareLink) -> dict[str, Any]:
    return {"shareUrl": share_url_for(link), "expiresAt": iso_z(link.expires_at), "token": link.token}


def public_share_data(link: ShareLink) -> dict[str, Any]:
    job = link.job
    return {
        "resultImageUrl": result_url(job),
        "productTitle": job.product_title or None,
        "productPageUrl": job.product_page_url or None,
        "sharedAt": iso_z(link.created_at),
        "expiresAt": iso_z(link.expires_at),
        "viewCount": link.view_count,
    }
