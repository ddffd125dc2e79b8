"""Request validation for the Content API and the job payload (the spec's constraints, with Korean messages).
The responses' serializers are in content/responses.py."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from rest_framework import serializers

from common.fields import StrictCharField
from content.constants import ALL_PLATFORMS, ALL_STYLES, FontFamily
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
