"""Toile try-on and share endpoints: parse, call one service or selector, answer ``{"data": ...}``."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.http import HttpResponseRedirect
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from common.errors import PayloadTooLarge
from common.openapi import toile_errors
from common.read_ahead import read_ahead
from common.request_limits import BodyLimit
from common.status_cache import PolledJSONNegotiation, json_bytes_response
from common.validation import validated
from merchants.api import PublicToileView, ToileApiKeyView
from merchants.authentication import api_key_cache_keys, api_key_throttle_counter
from tryon import services
from tryon.ai_notice import CURRENT as CURRENT_AI_NOTICE
from tryon.ai_notice import notice_record
from tryon.job_status import finished_job_bodies, job_status_json
from tryon.serializers import (
    AiNoticeResponse,
    FeedbackSerializer,
    SharedTryOnResponse,
    ShareLinkResponse,
    ShareRequestSerializer,
    TryOnAcceptedResponse,
    TryOnCreateSerializer,
    TryOnFeedbackResponse,
    TryOnJobResponse,
    VisitorQuerySerializer,
)
from tryon.uploads import UPLOAD_TOO_LARGE_MESSAGE, UploadLimitHandler
from widget.analytics import WIDGET_CHANNEL


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    """The error answers an operation can give (the contract's, plus 400/401/403 where NOTES.md adds them)."""
    return toile_errors(
        *codes,
        d403="다른 가맹점·방문자의 피팅 작업, 또는 이 키·Origin으로 허용되지 않는 호출",
        d410="만료된 공유 링크",
        d413="파일 크기 10MB 초과",
        d429="월별 한도, 방문자 일일 한도 또는 요청 한도 초과",
    )


# Room for the other form fields and multipart boundaries on top of the photo itself.
MULTIPART_OVERHEAD = 64 * 1024


VISITOR_QUERY = OpenApiParameter(
    "visitorId",
    OpenApiTypes.UUID,
    OpenApiParameter.QUERY,
    required=False,
    description="공개 키(pk_, 스토어 위젯)로 조회할 때 필수: 작업을 만든 방문자만 조회할 수 있습니다.",
)


class TryOnCreateView(ToileApiKeyView):
    publishable_key_allowed = True

    @classmethod
    def request_body_limit(cls, content_type: str) -> BodyLimit:
        """The photo's limit and room for the form: the web front and the size-limit middleware refuse a body
        declared larger unread (common.request_limits); the upload handler below stops the photo itself."""
        return BodyLimit(settings.TRYON_MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD, UPLOAD_TOO_LARGE_MESSAGE)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        django_request = request._request
        django_request.upload_handlers = [
            UploadLimitHandler(django_request, limit=settings.TRYON_MAX_UPLOAD_BYTES),
            MemoryFileUploadHandler(django_request),
            TemporaryFileUploadHandler(django_request),
        ]
        super().initial(request, *args, **kwargs)

    @extend_schema(
        tags=["Tryon"],
        summary="AI 가상 피팅 요청",
        request={"multipart/form-data": TryOnCreateSerializer},
        responses={
            202: TryOnAcceptedResponse,
            **_errors(400, 401, 403, 413, 429, 500),
        },
    )
    def post(self, request: Request) -> Response:
        values = validated(TryOnCreateSerializer, request.data)
        self.acting_visitor(values["visitorId"])  # the widget's per-visitor limit needs one
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
            visitor_key=services.visitor_key_for(visitor_id=values["visitorId"]),
            channel=WIDGET_CHANNEL if self.from_publishable_key else "",
            language=values["language"],
            notice=notice_record(
                version=values["aiNoticeVersion"],
                consent_version=values["consentVersion"],
                accepted_at=values["noticeAcceptedAt"],
            ),
        )
        return Response(TryOnAcceptedResponse.body(job), status=status.HTTP_202_ACCEPTED)


class TryOnDetailView(ToileApiKeyView):
    content_negotiation_class = PolledJSONNegotiation
    publishable_key_allowed = True

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Storefronts poll this every few seconds: the key's cache entry and the job's cached body are read in
        # one round trip, before authentication asks for the first.
        read_ahead(
            request,
            [*api_key_cache_keys(request), *finished_job_bodies.keys(kwargs["jobId"])],
            counter=api_key_throttle_counter(request),
        )
        super().initial(request, *args, **kwargs)

    @extend_schema(
        tags=["Tryon"],
        summary="피팅 작업 상태 조회",
        parameters=[VISITOR_QUERY],
        responses={200: TryOnJobResponse, **_errors(400, 401, 403, 404, 500)},
    )
    def get(self, request: Request, jobId: uuid.UUID) -> HttpResponseBase:  # noqa: N803 (the contract's path parameter)
        visitor_id = None
        # The only parameter: a poll without a query string skips parsing one.
        if request.META.get("QUERY_STRING") and "visitorId" in request.query_params:
            visitor_id = validated(VisitorQuerySerializer, request.query_params).get("visitorId")
        visitor = self.acting_visitor(visitor_id)
        visitor_key = services.visitor_key_for(visitor_id=visitor) if visitor else None
        body = job_status_json(merchant=self.merchant, job_id=jobId, visitor_key=visitor_key, request=request)
        return json_bytes_response(request, body)


class TryOnFeedbackView(ToileApiKeyView):
    publishable_key_allowed = True

    @extend_schema(
        tags=["Tryon"],
        summary="피팅 품질 피드백 제출",
        request=FeedbackSerializer,
        responses={
            201: TryOnFeedbackResponse,
            **_errors(400, 401, 403, 404, 409, 500),
        },
    )
    def post(self, request: Request, jobId: uuid.UUID) -> Response:  # noqa: N803 (the contract's path parameter)
        values = validated(FeedbackSerializer, request.data)
        feedback = services.submit_feedback(
            merchant=self.merchant,
            job_id=jobId,
            vote=values["vote"],
            visitor_id=values["visitorId"],
            reason=values["reason"],
            own_jobs_only=self.from_publishable_key,
        )
        return Response(TryOnFeedbackResponse.body(feedback), status=status.HTTP_201_CREATED)


class TryOnShareView(ToileApiKeyView):
    publishable_key_allowed = True

    @extend_schema(
        tags=["Tryon"],
        summary="공유 링크 발급",
        request=ShareRequestSerializer,
        responses={200: ShareLinkResponse, 201: ShareLinkResponse, **_errors(400, 401, 403, 404, 409, 500)},
    )
    def post(self, request: Request, jobId: uuid.UUID) -> Response:  # noqa: N803 (the contract's path parameter)
        values = validated(ShareRequestSerializer, request.data)
        shared = services.share_job(
            merchant=self.merchant,
            job_id=jobId,
            visitor_id=values["visitorId"],
            own_jobs_only=self.from_publishable_key,
        )
        return Response(
            ShareLinkResponse.body(shared.link),
            status=status.HTTP_201_CREATED if shared.created else status.HTTP_200_OK,
        )


class ShareDetailView(PublicToileView):
    @extend_schema(
        tags=["Share"],
        summary="공유 링크 공개 조회",
        responses={200: SharedTryOnResponse, **_errors(404, 410, 500)},
    )
    def get(self, request: Request, token: str) -> Response:
        return Response(SharedTryOnResponse.body(services.view_share_link(token=token)))


class ShareOgImageView(PublicToileView):
    @extend_schema(
        tags=["Share"],
        summary="OG 이미지 302 redirect",
        responses={
            302: OpenApiResponse(
                description="presigned URL로 redirect (Location, Cache-Control: public, max-age=3600)"
            ),
            **_errors(404, 410, 500),
        },
    )
    def get(self, request: Request, token: str) -> HttpResponseRedirect:
        response = HttpResponseRedirect(services.share_image_url(token=token))
        response["Cache-Control"] = "public, max-age=3600"
        return response


class AiNoticeView(PublicToileView):
    @extend_schema(
        tags=["Tryon"],
        summary="생성형 AI 고지문과 사진 동의문 (현재 버전)",
        description=(
            "가상 피팅 전에 사용자에게 보여 줄 생성형 AI 사용 고지문과 사진 이용 동의문입니다 (인공지능 기본법 "
            "제31조). 자체 화면으로 피팅을 요청하는 가맹점은 이 문구(또는 자체 문구)를 사진 전송 전에 보여 주고, "
            "POST /api/tryon에 aiNoticeVersion, consentVersion, noticeAcceptedAt을 함께 보내면 작업에 기록됩니다. "
            "인증이 필요 없습니다."
        ),
        responses={200: AiNoticeResponse, **_errors(500)},
    )
    def get(self, request: Request) -> Response:
        return Response(AiNoticeResponse.body(CURRENT_AI_NOTICE))
