"""A serializer's validation of plain, valid input, without DRF's per-call machinery; DRF itself for anything else.

DRF validates a field through half a dozen calls (get_value, validate_empty_values, run_validation,
to_internal_value, run_validators, the serializer's ``validate_<field>``) and a nested serializer through as many
again: for the Kafka intake's records that machinery cost more CPU than the checks it runs. :class:`FastValidator`
walks a serializer's fields once and keeps, for each, the checks themselves: the field's own validators (lengths,
null characters), its choices, its limits, and the serializer's own ``validate_<field>`` methods; nothing of the
rules is written again here. It only ever *accepts*: a value it does not recognise as plainly valid (a wrong type,
null, blank, a field type it does not know, any check that fails) sends the whole input to the serializer's
``run_validation``, so that every refusal, and its message, is DRF's. tests/test_fast_validation.py compares the
two on valid and broken requests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework import fields, serializers
from rest_framework.fields import empty

from common.fields import StrictCharField


class _NotPlain(Exception):
    """The input is not plainly valid for the fast path: DRF decides."""


Check = Callable[[Any], Any]


class FastValidator:
    """``run_validation`` of ``serializer`` (an instance, kept for the fallback): the same validated data."""

    def __init__(self, serializer: serializers.Serializer) -> None:
        self.serializer = serializer
        self._validate = _serializer_check(serializer)

    def run_validation(self, data: Any) -> Any:
        try:
            return self._validate(data)
        except Exception:  # _NotPlain, or a check refused the value: DRF decides, and words the refusal
            return self.serializer.run_validation(data)


def _serializer_check(serializer: serializers.Serializer) -> Check:
    """What ``serializer.run_validation`` does with a plain dict (or :class:`_NotPlain` where it would differ)."""
    cls = type(serializer)
    base = serializers.Serializer
    if (
        cls.run_validation is not base.run_validation
        or cls.to_internal_value is not base.to_internal_value
        or cls.validate is not base.validate
        or cls.run_validators is not base.run_validators
        or serializer.validators
    ):
        return _generic(serializer)
    steps: list[tuple[str, bool, Check, Check | None]] = []
    for field in serializer.fields.values():
        if field.read_only:
            continue  # not validated; a read-only field with a default would be added by run_validators
        name = field.field_name
        if name is None or field.source_attrs != [name] or field.default is not empty:
            return _generic(serializer)
        method = getattr(serializer, "validate_" + name, None)
        steps.append((name, bool(field.required), _field_check(field), method))
    if any(field.read_only and field.default is not empty for field in serializer.fields.values()):
        return _generic(serializer)

    def check(data: Any) -> dict[str, Any]:
        if type(data) is not dict:
            raise _NotPlain
        validated: dict[str, Any] = {}
        for name, required, field_check, method in steps:
            value = data.get(name, empty)
            if value is empty:
                if required:
                    raise _NotPlain
                continue  # DRF skips an absent optional field without a default
            value = field_check(value)
            if method is not None:
                value = method(value)
            validated[name] = value
        return validated

    return check


def _field_check(field: fields.Field) -> Check:
    if isinstance(field, serializers.Serializer):
        return _serializer_check(field)
    kind = type(field)
    validators = _validators(field)
    if kind in (StrictCharField, fields.CharField):
        assert isinstance(field, fields.CharField)
        trim = field.trim_whitespace

        def char(value: Any) -> str:
            if type(value) is not str:
                raise _NotPlain
            text = value.strip() if trim else value
            if not text:
                raise _NotPlain  # blank: DRF's allow_blank decides
            validators(text)
            return text

        return char
    if kind is fields.ChoiceField:
        assert isinstance(field, fields.ChoiceField)
        choices = field.choice_strings_to_values

        def choice(value: Any) -> Any:
            if type(value) is not str or value not in choices:
                raise _NotPlain
            result = choices[value]
            validators(result)
            return result

        return choice
    if kind is fields.ListField:
        assert isinstance(field, fields.ListField)
        child = _field_check(field.child)

        def listed(value: Any) -> list[Any]:
            if type(value) is not list or not value:
                raise _NotPlain
            result = [child(item) for item in value]
            validators(result)
            return result

        return listed
    if kind is fields.IntegerField:

        def integer(value: Any) -> int:
            if type(value) is not int:
                raise _NotPlain
            validators(value)
            return value

        return integer
    return _generic(field)


def _validators(field: fields.Field) -> Callable[[Any], None]:
    """The field's validators, called as ``Field.run_validators`` calls them (any refusal: DRF decides)."""
    calls: list[Callable[[Any], Any]] = [
        (lambda value, validator=validator: validator(value, field))  # type: ignore[misc]
        if getattr(validator, "requires_context", False)
        else validator
        for validator in field.validators
    ]

    def run(value: Any) -> None:
        for call in calls:
            call(value)

    return run


def _generic(field: fields.Field) -> Check:
    """DRF's own ``run_validation`` (an absent or null value never reaches it: those go to DRF whole)."""

    def run(value: Any) -> Any:
        if value is None:
            raise _NotPlain
        try:
            return field.run_validation(value)
        except fields.SkipField:
            raise _NotPlain from None

    return run
