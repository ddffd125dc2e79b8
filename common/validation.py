"""The one way request bodies are validated: a serializer, and its first error as one readable sentence
(common/validation_messages.py, the same the exception handler renders DRF's own ValidationError with).

Every API (content, try-on, sizing, webhooks) validates through :func:`validated`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from common.errors import InvalidInput
from common.validation_messages import first_validation_message


def validated(serializer_class: type[serializers.Serializer], data: Any, **kwargs: Any) -> dict[str, Any]:
    """``serializer_class(data=data)``'s validated data, or :class:`InvalidInput` (400 in the product's format).

    A body that is not a JSON object (``null``, a list, a number) is refused before any field is looked at.
    """
    if not isinstance(data, Mapping):
        raise InvalidInput("요청 본문은 JSON 객체여야 합니다.")
    serializer = serializer_class(data=data, **kwargs)
    if not serializer.is_valid():
        raise InvalidInput(first_validation_message(serializer.errors))
    return serializer.validated_data
