"""The one way request bodies are validated: a serializer, and its first error as one readable sentence.

Every API (content, try-on, sizing, webhooks) validates through :func:`validated`, and the exception handler
renders DRF's own ValidationError with the same :func:`first_validation_message`, so a client sees the same
kind of message everywhere: ``"measurement.height: 300 이하여야 합니다."``. A message that already names its
field ("eventInfo.title은(는) 최대 50자입니다.") is not prefixed again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from common.errors import InvalidInput

_INDEX = re.compile(r"\[\d+\]")


def _child_path(path: str, key: Any) -> str:
    if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def first_validation_message(detail: Any, path: str = "") -> str:
    """Flattens DRF's nested errors (dicts by field, lists per item) into the first error, naming its field."""
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            return first_validation_message(value, path if key == "non_field_errors" else _child_path(path, key))
    if isinstance(detail, list):
        for index, item in enumerate(detail):
            if isinstance(item, Mapping | list):
                if item:
                    return first_validation_message(item, f"{path}[{index}]")
            elif item:
                return first_validation_message(item, path)
    text = str(detail)
    field = _INDEX.sub("", path).rsplit(".", 1)[-1]
    return text if not path or field in text else f"{path}: {text}"


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
