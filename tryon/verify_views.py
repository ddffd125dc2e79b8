"""The public Content Credentials check: the page ``/verify`` and its JSON twin ``POST /api/verify``
(tryon/verification.py does the work; docs/ai-labels.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from common.errors import InvalidInput, ServiceError
from common.openapi import envelope, toile_errors
from common.provenance.reading import CredentialState
from common.throttling import client_ip
from common.validation import validated
from merchants.api import PublicToileView
from tryon.serializers import UploadField
from tryon.uploads import UploadLimitHandler
from tryon.verification import (
    Verification,
    check_rate,
    size_text,
    upload_too_large_message,
    verify_share_link,
    verify_upload,
)


def _limit_uploads(request: HttpRequest) -> None:
    # Set before anything reads the body: an oversize upload is refused while it streams in, never stored.
    request.upload_handlers = [
        UploadLimitHandler(request, limit=settings.VERIFY_MAX_UPLOAD_BYTES, message=upload_too_large_message()),
        MemoryFileUploadHandler(request),
        TemporaryFileUploadHandler(request),
    ]


def run_check(*, upload: Any, share: str) -> Verification:
    if upload is not None and share:
        raise InvalidInput("이미지 파일과 공유 링크 중 하나만 보내 주세요.")
    if upload is not None:
        return verify_upload(upload.read())
    if share:
        return verify_share_link(share)
    raise InvalidInput("확인할 이미지 파일이나 공유 링크를 보내 주세요.")


class VerifyRequestSerializer(serializers.Serializer):
    image = UploadField(required=False, allow_empty_file=True, help_text="확인할 이미지 (JPEG, PNG, WEBP)")
    shareUrl = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class VerificationDetailSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="무엇에 대한 답인지 (예: 만든 도구)")
    value = serializers.CharField()


class GeneratorSerializer(serializers.Serializer):
    provider = serializers.CharField()
    model = serializers.CharField()
    version = serializers.CharField()


class ShopSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()


# Renders verification_data(); what each state means is in docs/ai-labels.md.
class VerificationDataSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=[state.value for state in CredentialState])
    unaltered = serializers.BooleanField(help_text="서명 이후 파일이 바뀌지 않았으면 true")
    signedByThisService = serializers.BooleanField()
    aiGenerated = serializers.BooleanField(
        allow_null=True, help_text="이 서비스가 서명한 파일만 true/false, 그 밖에는 null"
    )
    digitalSourceType = serializers.CharField(allow_null=True)
    xmpDigitalSourceType = serializers.CharField(allow_null=True)
    kind = serializers.CharField(allow_null=True)
    generator = GeneratorSerializer(allow_null=True)
    shop = ShopSerializer(allow_null=True)
    createdAt = serializers.CharField(allow_null=True)
    visibleMark = serializers.CharField(allow_null=True)
    signer = serializers.CharField(allow_null=True)
    validationFailures = serializers.ListField(child=serializers.CharField())
    summary = serializers.CharField(help_text="한 문장 요약")
    details = VerificationDetailSerializer(many=True, help_text="항목별 설명 (쉬운 한국어)")


VerificationResponse = envelope("Verification", VerificationDataSerializer)


def verification_data(verification: Verification) -> dict[str, Any]:
    report = verification.report
    generation = report.generation
    return {
        "state": report.state.value,
        "unaltered": report.unaltered,
        "signedByThisService": report.state is CredentialState.VERIFIED,
        "aiGenerated": verification.ai_generated,
        "digitalSourceType": report.source_type,
        "xmpDigitalSourceType": report.xmp_source_type,
        "kind": generation.get("kind"),
        "generator": generation.get("generator") if isinstance(generation.get("generator"), dict) else None,
        "shop": generation.get("shop") if isinstance(generation.get("shop"), dict) else None,
        "createdAt": report.created_at or None,
        "visibleMark": generation.get("visibleMark"),
        "signer": report.signer or None,
        "validationFailures": list(report.failures),
        "summary": verification.headline,
        "details": [{"name": name, "value": value} for name, value in verification.details],
    }


class VerifyApiView(PublicToileView):
    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        _limit_uploads(request._request)
        super().initial(request, *args, **kwargs)

    @extend_schema(
        tags=["Verify"],
        summary="이미지의 콘텐츠 자격 증명 확인",
        description=(
            "이미지 파일(multipart `image`)이나 공유 링크(`shareUrl`)를 받아, 무엇이 언제 어느 쇼핑몰을 위해 "
            "만들었는지와 서명 이후 파일이 바뀌지 않았는지를 C2PA로 확인합니다. 인증이 필요 없고, 접속 주소별로 "
            "요청 수가 제한됩니다."
        ),
        request={"multipart/form-data": VerifyRequestSerializer, "application/json": VerifyRequestSerializer},
        responses={
            200: VerificationResponse,
            **toile_errors(400, 404, 410, 413, 429, 500, d413="파일 크기 초과", d429="확인 요청 한도 초과"),
        },
    )
    def post(self, request: Request) -> Response:
        check_rate(client_ip(request))
        values = validated(VerifyRequestSerializer, request.data)
        verification = run_check(upload=values.get("image"), share=values["shareUrl"])
        return Response(VerificationResponse.body(verification_data(verification)))


# A public form with no side effect but a rate count: no session, so no CSRF token (and the upload handlers
# must be set before CSRF's check would read the body).
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    share = request.GET.get("share", "").strip()
    context: dict[str, Any] = {"share": share, "max_size": size_text(settings.VERIFY_MAX_UPLOAD_BYTES)}
    status = 200
    if request.method == "POST" or share:
        try:
            if request.method == "POST":
                _limit_uploads(request)
                share = request.POST.get("share", "").strip()
                context["share"] = share
                upload = request.FILES.get("image")
            else:
                upload = None
            check_rate(client_ip(request))
            context["verification"] = run_check(upload=upload, share=share)
        except ServiceError as exc:
            context["error"] = exc.message
            status = exc.status_code
    response = render(request, "tryon/verify.html", context, status=status)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
