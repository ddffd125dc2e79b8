"""What a record on ``image-generation-job`` must be to become a job, and why one is refused.

A record is the contract's ``ImageGenerationJob`` as JSON, validated by the same serializer as a POSTed
``ImageGenerationRequest`` (limits, enums, colours) plus its ``jobId`` and ``requestedAt``; the merchant is named
by a record header (``KAFKA_MERCHANT_HEADER``), or ``KAFKA_DEFAULT_MERCHANT_ID`` when the header is absent. A
record that fails raises :class:`BadRecord`, naming the stage and error its dead letter will carry.
"""

from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass
from typing import Any

from confluent_kafka import Message
from django.conf import settings
from rest_framework import serializers
from rest_framework.exceptions import ParseError

from common.fast_validation import FastValidator
from common.fields import StrictCharField
from common.parsers import StrictJSONParser
from common.validation import first_validation_message
from content.serializers import ImageGenerationRequestSerializer
from merchants.models import Merchant

# Job ids appear in the status URL (/api/content/images/jobs/{jobId}) and fit our 40-character column; the
# "job-regen-" prefix names our own regeneration jobs.
JOB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,39}$")
RESERVED_JOB_ID_PREFIXES = ("job-regen-",)


class Stage:
    """Where a record failed (the dead letter's ``dlt.error.stage``)."""

    DESERIALIZATION = "DESERIALIZATION"
    VALIDATION = "VALIDATION"
    MERCHANT = "MERCHANT"
    ACCEPTANCE = "ACCEPTANCE"
    PROCESSING = "PROCESSING"


class BadRecord(Exception):
    """A record that can never become a job: it goes to the dead-letter topic and its offset moves on."""

    def __init__(self, stage: str, error: str, message: str) -> None:
        super().__init__(message)
        self.stage = stage
        self.error = error
        self.message = message


class ImageGenerationJobMessageSerializer(ImageGenerationRequestSerializer):
    """The contract's ``ImageGenerationJob``: a generation request with the publisher's ``jobId`` and time."""

    jobId = StrictCharField(
        max_length=40,
        error_messages={
            "required": "jobId은(는) 필수 항목입니다.",
            "null": "jobId은(는) 필수 항목입니다.",
            "blank": "jobId은(는) 비어 있을 수 없습니다.",
            "invalid": "jobId은(는) 문자열이어야 합니다.",
            "max_length": "jobId은(는) 최대 40자입니다.",
        },
    )
    requestedAt = serializers.DateTimeField(
        required=False, error_messages={"invalid": "requestedAt은(는) ISO 8601 날짜·시각이어야 합니다."}
    )

    def validate_jobId(self, value: str) -> str:
        if not JOB_ID.match(value):
            raise serializers.ValidationError("jobId에는 영문자, 숫자, '.', '_', ':', '-'만 쓸 수 있습니다.")
        if value.startswith(RESERVED_JOB_ID_PREFIXES):
            raise serializers.ValidationError("jobId가 재생성 작업의 접두사(job-regen-)로 시작합니다.")
        return value


@dataclass(frozen=True)
class JobRecord:
    """A record that passed: the validated job and the id of the merchant it is for."""

    data: dict[str, Any]
    merchant_id: int


Header = tuple[str, str | bytes | None]


def record_headers(record: Message) -> list[Header]:
    headers = record.headers() or []
    return list(headers.items()) if isinstance(headers, dict) else list(headers)


def header_value(record: Message, name: str) -> bytes | None:
    """The last value of header ``name`` (case-insensitive, as HTTP headers), or None."""
    found: bytes | None = None
    for key, value in record_headers(record):
        if key.lower() == name.lower():
            found = value.encode() if isinstance(value, str) else value
    return found


class RecordParser:
    """Parses records with one serializer instance: DRF copies a serializer's fields for every new instance,
    which cost ten times the validation itself (a list serializer reuses its child the same way). A valid record
    is validated by :class:`FastValidator` (the serializer's checks without DRF's calls around them, a third of
    the cost); any other by the serializer itself, for its refusal and message."""

    def __init__(self) -> None:
        self.serializer = ImageGenerationJobMessageSerializer()
        self.validator = FastValidator(self.serializer)

    def parse(self, record: Message) -> JobRecord:
        body = _decoded(record)
        try:
            data = self.validator.run_validation(body)
        except serializers.ValidationError as exc:
            raise BadRecord(Stage.VALIDATION, "ValidationError", first_validation_message(exc.detail)) from exc
        return JobRecord(data=dict(data), merchant_id=_merchant_id(record))


def _decoded(record: Message) -> dict[str, Any]:
    value = record.value()
    if not value:
        raise BadRecord(Stage.DESERIALIZATION, "EmptyValue", "레코드 값이 비어 있습니다.")
    if len(value) > settings.API_MAX_BODY_BYTES:
        raise BadRecord(
            Stage.DESERIALIZATION, "PayloadTooLarge", f"레코드 값이 {settings.API_MAX_BODY_BYTES}바이트를 넘습니다."
        )
    try:
        body = StrictJSONParser().parse(io.BytesIO(value))
    except ParseError as exc:
        raise BadRecord(Stage.DESERIALIZATION, "ParseError", str(exc.detail)) from exc
    except UnicodeDecodeError as exc:
        raise BadRecord(Stage.DESERIALIZATION, "UnicodeDecodeError", "레코드 값이 UTF-8이 아닙니다.") from exc
    if not isinstance(body, dict):
        raise BadRecord(Stage.DESERIALIZATION, "NotAnObject", "레코드 값은 JSON 객체여야 합니다.")
    return body


def _merchant_id(record: Message) -> int:
    raw = header_value(record, settings.KAFKA_MERCHANT_HEADER)
    if raw is None:
        if settings.KAFKA_DEFAULT_MERCHANT_ID:
            return int(settings.KAFKA_DEFAULT_MERCHANT_ID)
        raise BadRecord(
            Stage.MERCHANT,
            "MissingMerchant",
            f"가맹점을 알 수 없습니다: {settings.KAFKA_MERCHANT_HEADER} 헤더가 없습니다.",
        )
    text = raw.decode("utf-8", errors="replace").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise BadRecord(
            Stage.MERCHANT, "InvalidMerchant", f"{settings.KAFKA_MERCHANT_HEADER} 헤더는 가맹점 ID(숫자)여야 합니다."
        )
    return int(text)


class MerchantDirectory:
    """Merchants by id, remembered for ``ttl`` seconds; forgotten when a batch fails (a merchant deleted
    meanwhile makes its insert fail: the retry then finds it gone)."""

    def __init__(self, ttl: float = 60.0) -> None:
        self.ttl = ttl
        self._known: dict[int, tuple[float, Merchant]] = {}

    def forget(self) -> None:
        self._known.clear()

    def get(self, merchant_id: int) -> Merchant:
        now = time.monotonic()
        cached = self._known.get(merchant_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        merchant = Merchant.objects.filter(pk=merchant_id).first()
        if merchant is None:
            raise BadRecord(Stage.MERCHANT, "UnknownMerchant", f"ID가 {merchant_id}인 가맹점이 없습니다.")
        self._known[merchant_id] = (now + self.ttl, merchant)
        return merchant
