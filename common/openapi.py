"""OpenAPI pieces the APIs share: the two products' error bodies, Toile's error responses per status and its
``{data: …}`` envelope; the webhooks' place in the document."""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

# Toile's error body; named apart from the Content Service's ``ErrorResponse`` ({code, message, timestamp}).
TOILE_ERROR_BODY = inline_serializer(
    "ToileErrorResponse",
    {"error": serializers.CharField(), "message": serializers.CharField(), "statusCode": serializers.IntegerField()},
)
TOILE_ERROR_DESCRIPTIONS = {
    400: "요청 형식 오류",
    401: "API 키 인증 실패",
    403: "접근 권한 없음 (다른 가맹점·방문자의 리소스, 또는 이 키·Origin으로 허용되지 않는 호출)",
    404: "리소스 없음",
    409: "중복 또는 상태 충돌",
    410: "만료된 리소스",
    413: "요청 크기 초과",
    429: "요청 한도 초과 (Retry-After)",
    500: "서버 내부 오류",
    503: "일시적으로 처리할 수 없음 (Retry-After)",
}


# The Content Service's error body ``{code, message, timestamp}`` (its component is ``ErrorResponse``).
class ErrorResponseSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    timestamp = serializers.DateTimeField()
    retryAfter = serializers.IntegerField(required=False)


def toile_errors(*codes: int, **descriptions: str) -> dict[int, OpenApiResponse]:
    """The error answers an operation can give, in Toile's body; ``descriptions`` override per code
    (``toile_errors(400, 429, d429="월별 한도 초과")``)."""
    return {
        code: OpenApiResponse(
            TOILE_ERROR_BODY, description=descriptions.get(f"d{code}", TOILE_ERROR_DESCRIPTIONS[code])
        )
        for code in codes
    }


# Toile's success body ``{"data": …}``; :func:`envelope` makes one per response. (A comment: a docstring here
# would be every envelope's description in the OpenAPI document.)
class DataEnvelope(serializers.Serializer):
    @classmethod
    def body(cls, data: Any, **context: Any) -> dict[str, Any]:
        """The body with ``data`` rendered by the envelope's data serializer (``context`` goes to it too)."""
        return cls({"data": data}, context=context).data


def envelope(name: str, data: type[serializers.Field], **options: Any) -> type[DataEnvelope]:
    """A serializer class rendering (``Envelope.body(obj)``) and documenting ``{"data": <data>}``, named ``name``
    in the schema; ``options`` go to the data field (``many=True``, ``help_text``).

    Built with ``type()``: a class body cannot declare a field called ``data`` without shadowing, for the type
    checker, the serializer's own ``.data`` (DRF's metaclass moves fields out of the class at run time).
    """
    return cast(
        type[DataEnvelope], type(name, (DataEnvelope,), {"data": data(**options), "__module__": data.__module__})
    )


def webhooks_for_openapi_3_0(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook (first in ``POSTPROCESSING_HOOKS``) for ``SPECTACULAR_SETTINGS["WEBHOOKS"]``.

    drf-spectacular builds ``components`` before it maps the webhooks, so the schemas only webhooks use would be
    missing: they are built again, now with them. And ``webhooks`` is OpenAPI 3.1; in our 3.0 document they go
    under ``x-webhooks``, the extension ReDoc reads (3.0 allows only ``x-`` keys beyond its own).
    """
    webhooks = result.pop("webhooks", None)
    if webhooks:
        result["components"] = generator.registry.build(spectacular_settings.APPEND_COMPONENTS)
        result["webhooks" if spectacular_settings.OAS_VERSION.startswith("3.1") else "x-webhooks"] = webhooks
    return result
