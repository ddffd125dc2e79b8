"""Toile try-on and share endpoints: parse, call one service or selector, answer ``{"data": ...}``."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.http import HttpResponseRedirect
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from common.errors import PayloadTooLarge
from merchants.api import PublicToileView, ToileApiKeyView
from tryon import services
from tryon.selectors import job_for_merchant
from tryon.serializers import (
    FeedbackSerializer,
    ShareRequestSerializer,
    TryOnCreateSerializer,
    job_data,
    public_share_data,
    share_link_data,
)
from tryon.uploads import UPLOAD_TOO_LARGE_MESSAGE, UploadLimitHandler

# Room for the other form fields and multipart boundaries on top of the photo itself.
MULTIPART_OVERHEAD = 64 * 1024


class TryOnCreateView(ToileApiKeyView):
    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Before authentication and before anything reads the body: a declared oversize body is refused unread.
        limit = settings.TRYON_MAX_UPLOAD_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit + MULTIPART_OVERHEAD:
            raise PayloadTooLarge(UPLOAD_TOO_LARGE_MESSAGE)
        django_request = request._request
        django_request.upload_handlers = [
            UploadLimitHandler(django_request, limit=limit),
            MemoryFileUploadHandler(django_request),
            TemporaryFileUploadHandler(django_request),
        ]
        super().initial(request, *args, **kwargs)

    def post(self, request: Request) -> Response:
        serializer = TryOnCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        upload = values["userImage"]
        if upload.size > settings.TRYON_MAX_UPLOAD_BYTES:
            raise PayloadTooLarge(UPLOAD_TOO_LARGE_MESSAGE)
        job = services.create_tryon_job(
            merchant=self.merchant,
            user_image=upload.read(),
            product_image_url=values["productImageUrl"],
            category=values["category"],
            product_title=values["productTitle"],
            product_page_url=values["productPageUrl"],
            visitor_key=services.visitor_key_for(
                visitor_id=values["visitorId"], client_address=request.META.get("REMOTE_ADDR", "")
            ),
        )
        return Response({"data": {"jobId": str(job.id), "status": job.status}}, status=status.HTTP_202_ACCEPTED)


class TryOnDetailView(ToileApiKeyView):
    def get(self, request: Request, job_id: uuid.UUID) -> Response:
        return Response({"data": job_data(job_for_merchant(merchant=self.merchant, job_id=job_id))})


class TryOnFeedbackView(ToileApiKeyView):
    def post(self, request: Request, job_id: uuid.UUID) -> Response:
        serializer = FeedbackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        feedback = services.submit_feedback(
            merchant=self.merchant,
            job_id=job_id,
            vote=values["vote"],
            visitor_id=values["visitorId"],
            reason=values["reason"],
        )
        body = {"jobId": str(job_id), "vote": feedback.vote, "visitorId": str(feedback.visitor_id)}
        return Response({"data": body}, status=status.HTTP_201_CREATED)


class TryOnShareView(ToileApiKeyView):
    def post(self, request: Request, job_id: uuid.UUID) -> Response:
        serializer = ShareRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        shared = services.share_job(
            merchant=self.merchant, job_id=job_id, visitor_id=serializer.validated_data["visitorId"]
        )
        return Response(
            {"data": share_link_data(shared.link)},
            status=status.HTTP_201_CREATED if shared.created else status.HTTP_200_OK,
        )


class ShareDetailView(PublicToileView):
    def get(self, request: Request, token: str) -> Response:
        return Response({"data": public_share_data(services.view_share_link(token=token))})


class ShareOgImageView(PublicToileView):
    def get(self, request: Request, token: str) -> HttpResponseRedirect:
        response = HttpResponseRedirect(services.share_image_url(token=token))
        response["Cache-Control"] = "public, max-age=3600"
        return response
