"""DRF's nested validation errors as one readable sentence naming its field.

Used by the request validation (common/validation.py) and by the exception handler (common/errors.py) that
renders DRF's own ValidationError, so a client sees the same kind of message everywhere:
``"measurement.height: 300 이하여야 합니다."``. A message that already names its field
("eventInfo.title은(는) 최대 50자입니다.") is not prefixed again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

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
