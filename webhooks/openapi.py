"""The webhooks in the OpenAPI document: one per registered event type, its request body that event's payload.

``SPECTACULAR_SETTINGS["WEBHOOKS"]`` names :data:`EVENT_WEBHOOKS`; ``common.openapi.webhooks_for_openapi_3_0``
puts them where an OpenAPI 3.0 document can hold them (``x-webhooks``).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import cast

from django.utils.text import format_lazy
from drf_spectacular.utils import OpenApiResponse, OpenApiWebhook, extend_schema
from rest_framework import serializers

from common.serializers import ConstantField
from webhooks.events import EventDataSerializer, EventType, WebhookPayloadHead, event_types

DELIVERY = """Standard Webhooks 형식의 POST (`content-type: application/json`).

- `webhook-id`: 이벤트 ID (`msg_…`). 재시도·재발송에도 같으므로 중복 처리를 막는 데 쓰세요.
- `webhook-timestamp`: 이 시도의 Unix 시각 (초)
- `webhook-signature`: `v1,<base64 HMAC-SHA256("{webhook-id}.{webhook-timestamp}.{body}")>` (키: secret의 `whsec_` 뒤 base64)

2xx로 10초 안에 답하세요 (3xx는 실패로 봅니다). 실패하면 약 27시간 동안 8번까지 다시 보냅니다."""


@cache  # one class per event type: the schema's components are named after it
def payload_serializer(event_type: str, data: type[EventDataSerializer]) -> type[WebhookPayloadHead]:
    """The request body of ``event_type``'s webhook: ``type`` fixed to it, ``data`` its declared shape."""
    name = data.__name__.removesuffix("DataSerializer") + "Event"  # TryOnCompletedEvent …
    fields: dict[str, serializers.Field] = {"type": ConstantField(event_type, help_text="이벤트 종류"), "data": data()}
    return cast(type[WebhookPayloadHead], type(name, (WebhookPayloadHead,), {**fields, "__module__": __name__}))


def event_webhook(event: EventType) -> OpenApiWebhook:
    return OpenApiWebhook(
        name=event.name,
        decorator=extend_schema(
            summary=format_lazy("{}: {}", event.name, event.label),
            description=DELIVERY
            if event.subscribable
            else f"{DELIVERY}\n\n테스트 발송에서만 보냅니다 (구독할 수 없음).",
            tags=["Webhook events"],
            request=payload_serializer(event.name, event.data),
            responses={
                200: OpenApiResponse(description="받음 (2xx 아무것이나; 본문은 보지 않습니다)"),
                410: OpenApiResponse(description="엔드포인트를 곧바로 비활성화합니다"),
            },
        ),
    )


class EventWebhooks:
    """The webhooks of the registered event types, read each time the document is built (the products register
    their event types in their ``ready()``, after settings named this)."""

    def __iter__(self) -> Iterator[OpenApiWebhook]:
        return iter([event_webhook(event) for event in event_types()])


EVENT_WEBHOOKS = EventWebhooks()
