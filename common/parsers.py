"""The JSON parser of every API endpoint: malformed, deeply nested or numerically absurd bodies are a 400.

Python's decoder recurses once per nesting level, so ~100 KB of ``[[[[…`` ends in a RecursionError; and an
integer of hundreds of digits parses fine but overflows the first ``float()`` a serializer applies to it. Both
are refused here, before any serializer sees the body, in the product's error format (a ParseError). Numbers
are held to what I-JSON (RFC 7493) allows for interoperability: integers within ±2^53, finite floats.
"""

from __future__ import annotations

import codecs
import json
import math
from collections.abc import Mapping
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32
MAX_SAFE_INTEGER = 2**53
# Longer digit strings cannot be within MAX_SAFE_INTEGER; refusing them unparsed avoids quadratic int().
_MAX_INTEGER_DIGITS = len(str(MAX_SAFE_INTEGER))


class _OutOfRange:
    """Stands in for a number outside I-JSON's range until :func:`check_structure` reports where it was."""

    def __init__(self, text: str) -> None:
        self.text = text


def _parse_int(text: str) -> int | _OutOfRange:
    if len(text.lstrip("-")) > _MAX_INTEGER_DIGITS or abs(value := int(text)) > MAX_SAFE_INTEGER:
        return _OutOfRange(text)
    return value


def _parse_float(text: str) -> float | _OutOfRange:
    value = float(text)
    return value if math.isfinite(value) else _OutOfRange(text)


def _refuse_constant(name: str) -> None:
    raise ParseError(f"JSON에 {name} 값은 쓸 수 없습니다.")


def _child_path(path: str, key: object) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def check_structure(data: Any, *, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Raises ParseError for nesting deeper than ``max_depth`` and for out-of-range numbers, naming the field.

    Iterative, so that no depth of input can exhaust the stack. A body with neither is recognised without
    building the paths that only a refusal needs (they cost most of the check: the Kafka intake checks every
    record).
    """
    if not _has_structure_error(data, max_depth):
        return
    stack: list[tuple[Any, int, str]] = [(data, 1, "")]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, _OutOfRange):
            prefix = f"{path}: " if path else ""
            raise ParseError(f"{prefix}숫자가 너무 큽니다 (정수는 ±2^53 이내의 유한한 수여야 합니다).")
        if isinstance(value, dict):
            children = [(_child_path(path, key), child) for key, child in value.items()]
        elif isinstance(value, list):
            children = [(_child_path(path, index), child) for index, child in enumerate(value)]
        else:
            continue
        if depth > max_depth:
            raise ParseError(f"JSON이 너무 깊게 중첩되어 있습니다 (최대 {max_depth}단계).")
        stack.extend((child, depth + 1, child_path) for child_path, child in reversed(children))


def _has_structure_error(data: Any, max_depth: int) -> bool:
    """Whether :func:`check_structure` would refuse ``data`` (the same conditions, no paths)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            if isinstance(value, _OutOfRange):
                return True
            continue
        if depth > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class StrictJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        try:
            data = json.load(
                codecs.getreader(encoding)(stream),
                parse_int=_parse_int,
                parse_float=_parse_float,
                parse_constant=_refuse_constant,
            )
        except RecursionError:
            raise ParseError(f"JSON이 너무 깊게 중첩되어 있습니다 (최대 {MAX_JSON_DEPTH}단계).") from None
        except ValueError as exc:
            raise ParseError(f"JSON 형식 오류 - {exc}") from exc
        check_structure(data)
        return data
