"""Content Service REST API (``/api/content/``): Bearer JWT, errors as ``{code, message, timestamp}``."""

from __future__ import annotations

from django.http import HttpResponse
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from common.openapi import ErrorResponseSerializer
from common.status_cache import PolledJSONNegotiation, json_bytes_response
from common.validation import validated
from content import archive, generation, selectors, services
from content.job_status import job_status_json
from content.responses import (
    CircuitBreakerErrorResponseSerializer,
    ContentResponseSerializer,
    ImageDetailSerializer,
    ImageGenerationAcceptedResponseSerializer,
    ImageGenerationStatusResponseSerializer,
    ImageListSerializer,
    RegenerationAcceptedSerializer,
)
from content.serializers import (
    ImageFilterSerializer,
    ImageGenerationRequestSerializer,
    ImageRegenerationRequestSerializer,
)
from merchants.api import ContentView
from merchants.authentication import request_merchant


class MerchantContentView(ContentView):
    def initial(self, request: Request, *args: object, **kwargs: object) -> None:
        super().initial(request, *args, **kwargs)
        # A user of no merchant is refused (403) before any input is looked at, as authentication is (401).
        request_merchant(request)


TAGS = ["Content Service"]
ERRORS = {
    400: ErrorResponseSerializer,
    401: ErrorResponseSerializer,
    403: ErrorResponseSerializer,
    404: ErrorResponseSerializer,
    500: ErrorResponseSerializer,
}


class GenerateImagesView(MerchantContentView):
    @extend_schema(
        tags=TAGS,
        operation_id="generateImages",
        request=ImageGenerationRequestSerializer,
        responses={202: ImageGenerationAcceptedResponseSerializer, 429: ErrorResponseSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = validated(ImageGenerationRequestSerializer, request.data)
        accepted = generation.request_generation(merchant=self.merchant, data=data)
        return Response(ImageGenerationAcceptedResponseSerializer(accepted).data, status=status.HTTP_202_ACCEPTED)


class JobStatusView(MerchantContentView):
    content_negotiation_class = PolledJSONNegotiation

    @extend_schema(
        tags=TAGS,
        operation_id="getImageGenerationStatus",
        responses={200: ImageGenerationStatusResponseSerializer, **ERRORS},
    )
    def get(self, request: Request, jobId: str) -> HttpResponseBase:
        return json_bytes_response(request, job_status_json(merchant=self.merchant, job_id=jobId))


class EventContentView(MerchantContentView):
    @extend_schema(tags=TAGS, operation_id="getContentByEventId", responses={200: ContentResponseSerializer, **ERRORS})
    def get(self, request: Request, eventDraftId: str) -> Response:
        entry = selectors.event_content(merchant=self.merchant, event_draft_id=eventDraftId)
        images = selectors.listed_event_images(merchant=self.merchant, event_draft_id=eventDraftId)
        return Response(ContentResponseSerializer.body(event_draft_id=eventDraftId, entry=entry, images=images))


class EventImagesView(MerchantContentView):
    @extend_schema(
        tags=TAGS,
        operation_id="getImages",
        parameters=[ImageFilterSerializer],
        responses={200: ImageListSerializer, **ERRORS},
    )
    def get(self, request: Request, eventDraftId: str) -> Response:
        filters = validated(ImageFilterSerializer, request.query_params)
        selectors.event_content(merchant=self.merchant, event_draft_id=eventDraftId)
        images = selectors.listed_event_images(
            merchant=self.merchant,
            event_draft_id=eventDraftId,
            style=filters.get("style"),
            platform=filters.get("platform"),
        )
        return Response(ImageListSerializer.body(event_draft_id=eventDraftId, images=images))


class ImageView(MerchantContentView):
    @extend_schema(tags=TAGS, operation_id="getImageById", responses={200: ImageDetailSerializer, **ERRORS})
    def get(self, request: Request, imageId: str) -> Response:
        image = selectors.listed_image_for_merchant(merchant=self.merchant, image_id=imageId)
        return Response(ImageDetailSerializer(image).data)

    @extend_schema(
        tags=TAGS, operation_id="deleteImage", responses={204: OpenApiResponse(description="삭제됨"), **ERRORS}
    )
    def delete(self, request: Request, imageId: str) -> Response:
        services.delete_image(merchant=self.merchant, image_id=imageId)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RegenerateImageView(MerchantContentView):
    @extend_schema(
        tags=TAGS,
        operation_id="regenerateImage",
        request=ImageRegenerationRequestSerializer,
        responses={
            202: RegenerationAcceptedSerializer,
            429: ErrorResponseSerializer,
            503: CircuitBreakerErrorResponseSerializer,
            **ERRORS,
        },
    )
    def post(self, request: Request, imageId: str) -> Response:
        # No body (or JSON null) means no options; any other non-object body is a 400.
        data = validated(ImageRegenerationRequestSerializer, {} if request.data is None else request.data)
        accepted = services.request_regeneration(merchant=self.merchant, image_id=imageId, data=data)
        return Response(RegenerationAcceptedSerializer(accepted).data, status=status.HTTP_202_ACCEPTED)


class EventArchiveView(MerchantContentView):
    @extend_schema(
        tags=TAGS,
        operation_id="getEventArchive",
        summary="이벤트의 모든 이미지를 ZIP 하나로",
        description="목록에 있는 이미지 전부 (파일 이름: `{platform}-{style}.png`, 소문자). 콘텐츠가 만료되면 404.",
        responses={
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="ZIP 파일"),
            **ERRORS,
        },
    )
    def get(self, request: Request, eventDraftId: str) -> HttpResponse:
        built = archive.event_archive(merchant=self.merchant, event_draft_id=eventDraftId)
        response = HttpResponse(built.data, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{built.file_name}"'
        return response
