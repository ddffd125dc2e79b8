"""The registry of the event types Toile sends to merchants' webhook endpoints, and the body every one shares.

The webhook engine knows no product: each app that emits events declares them beside its own code (the try-on
events in ``tryon/events.py``) and registers them from its ``AppConfig.ready()`` with :func:`register_event`.
An event type is its name, its label in the dashboard, the serializer of its ``data`` (the emitter renders its
data with it, ``.of(...)``, and the OpenAPI document lists it as that webhook's payload: webhooks/openapi.py),
and whether endpoints may subscribe to it. Emitters call :func:`webhooks.services.emit_event` with its name.

Everything that lists event types (the endpoints' subscriptions, the delivery log's choices and filters, the
API's serializers, the OpenAPI document) reads the registry when it is used, never at import: the dashboard's
modules are imported by the admin's autodiscovery, before the products' ``ready()`` ran.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, cast

from django.apps import apps
from django.core.exceptions import AppRegistryNotReady, ImproperlyConfigured
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.timestamps import IsoZDateTimeField

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Sent only by "test send" (POST /api/webhooks/{id}/test); endpoints cannot subscribe to it.
WEBHOOK_TEST = "webhook.test"


# --- The request body of every webhook (Standard Webhooks) ------------------------------------------------------
# (Comments, not docstrings, on these serializers: a docstring would be the schema's description in the public
# document; webhooks/openapi.py gives each webhook its own. No read-only fields either, such as method fields:
# these schemas are request bodies, where tools leave read-only properties out.)


class WebhookPayloadHead(serializers.Serializer):
    type = serializers.CharField(help_text="이벤트 종류")
    timestamp = IsoZDateTimeField(read_only=False, help_text="이벤트가 일어난 시각 (재시도·재발송에도 같음)")


# Renders ``{type, timestamp, data}`` (webhooks.services.build_payload); each webhook's schema is this with
# ``type`` fixed and ``data`` the event's serializer. Built with type(), as common.openapi.envelope is: a
# ``data`` field in a class body would shadow the serializer's own ``.data`` for the type checker.
WebhookPayloadSerializer = cast(
    type[WebhookPayloadHead],
    type("WebhookPayload", (WebhookPayloadHead,), {"data": serializers.DictField(), "__module__": __name__}),
)


# The ``data`` of an event type: a subclass names its type and renders its data with a classmethod ``of(...)``.
class EventDataSerializer(serializers.Serializer):
    event_type: ClassVar[str]


# --- The registry -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventType:
    name: str
    label: StrOrPromise
    data: type[EventDataSerializer]
    # False: only the dashboard sends it (the test event); endpoints cannot subscribe to it.
    subscribable: bool = True


_registered: dict[str, EventType] = {}


def register_event(data: type[EventDataSerializer], *, label: StrOrPromise, subscribable: bool = True) -> None:
    """Registers the event type ``data.event_type``, whose ``data`` ``data`` renders (from an ``AppConfig.ready()``).

    Registering the same type again is a no-op (``ready()`` may run more than once); another type under a name
    already taken is a configuration error.
    """
    event = EventType(name=data.event_type, label=label, data=data, subscribable=subscribable)
    registered = _registered.setdefault(event.name, event)
    if registered != event:
        raise ImproperlyConfigured(f"webhook event type {event.name!r} is registered twice, differently")


def event_types() -> list[EventType]:
    """Every registered event type: the subscribable ones in the order they were registered, then the others."""
    if not apps.ready:
        # Read at import, the list would miss the types of the apps whose ready() has not run yet.
        raise AppRegistryNotReady("webhook event types are registered by the apps' ready(): read them after")
    return sorted(_registered.values(), key=lambda event: not event.subscribable)


def all_events() -> tuple[str, ...]:
    return tuple(event.name for event in event_types())


def subscribable_events() -> tuple[str, ...]:
    return tuple(event.name for event in event_types() if event.subscribable)


class EventNames(Sequence[str]):
    """The names of the registered event types (the subscribable ones only, if asked), read at each use: DRF's
    choice fields take them where they are built (per serializer instance)."""

    def __init__(self, *, subscribable_only: bool) -> None:
        self.subscribable_only = subscribable_only

    def _names(self) -> tuple[str, ...]:
        return subscribable_events() if self.subscribable_only else all_events()

    def __getitem__(self, index: Any) -> Any:
        return self._names()[index]

    def __len__(self) -> int:
        return len(self._names())

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())


class EventChoices(BaseChoiceIterator):
    """``(name, label)`` of every registered event type, read at each iteration: a model field's ``choices``.

    Not a callable: a field deconstructs those into a reference to the function, which would differ from the
    list in its migration; this iterator compares equal to that list while the registered types are the same.
    """

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter([(event.name, event.label) for event in event_types()])


# --- The test event: webhooks' own ----------------------------------------------------------------------------

WEBHOOK_TEST_MESSAGE = "Toile 웹훅 테스트 이벤트입니다."


# Renders the test event of a WebhookEndpoint (``of(endpoint.pk)``).
class WebhookTestDataSerializer(EventDataSerializer):
    event_type = WEBHOOK_TEST

    endpointId = serializers.UUIDField(source="endpoint_id", help_text="테스트를 받는 엔드포인트")  # noqa: N815
    message = serializers.CharField()

    @classmethod
    def of(cls, endpoint_id: uuid.UUID) -> dict[str, Any]:
        return dict(cls({"endpoint_id": endpoint_id, "message": WEBHOOK_TEST_MESSAGE}).data)


def register_test_event() -> None:
    register_event(WebhookTestDataSerializer, label=_("테스트 발송"), subscribable=False)
