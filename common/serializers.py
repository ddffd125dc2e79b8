"""Pieces of the output serializers: each response body is rendered and documented by one serializer.

A view hands the object it read (a job, an endpoint) to the response's serializer; the same serializer is the
response in ``@extend_schema``, so the OpenAPI document shows exactly the fields the body has.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, ClassVar

from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers
from rest_framework.fields import SkipField


# A body some of whose fields only some objects have (a FAILED job has no images): they are left out of the
# body, not rendered as null. ``conditional_fields`` names them; ``shown_fields`` picks those an object shows.
# The OpenAPI document lists them as optional (not ``required``), every other field as required as usual.
# (Comments, not docstrings, on these base classes: drf-spectacular shows a serializer's nearest docstring,
# inherited ones too, as its description in the public document.)
class ConditionalFieldsSerializer(serializers.Serializer):
    conditional_fields: ClassVar[frozenset[str]] = frozenset()

    def shown_fields(self, instance: Any) -> Collection[str]:
        """The conditional fields ``instance`` shows."""
        raise NotImplementedError

    def to_representation(self, instance: Any) -> dict[str, Any]:
        shown = self.shown_fields(instance)
        body: dict[str, Any] = {}
        # DRF's own loop, over the fields this instance shows (a field left out is never read: no query, no
        # URL signed for it).
        for name, field in self.fields.items():
            if field.write_only or (name in self.conditional_fields and name not in shown):
                continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            body[name] = None if attribute is None else field.to_representation(attribute)
        return body


class ConditionalFieldsSchema(OpenApiSerializerExtension):
    """Documents a :class:`ConditionalFieldsSerializer`: its conditional fields are not ``required``."""

    target_class = ConditionalFieldsSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        conditional = self.target.conditional_fields  # the class or an instance of it
        required = [name for name in schema.get("required", []) if name not in conditional]
        if required:
            schema["required"] = required
        else:
            schema.pop("required", None)
        return schema


class ConstantField(serializers.ChoiceField):
    """Always renders ``value`` (documented as an enum of that one value): ``status`` of an accepted job."""

    def __init__(self, value: str, **kwargs: Any) -> None:
        self.value = value
        super().__init__(choices=[value], source="*", **kwargs)

    def to_representation(self, value: Any) -> str:
        return self.value


class BlankAsNullCharField(serializers.CharField):
    """Renders an empty string as null (optional text the model keeps as "")."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_null=True, **kwargs)

    def get_attribute(self, instance: Any) -> Any:
        return super().get_attribute(instance) or None  # a None attribute is rendered as null


class BlankAsNullURLField(serializers.URLField):
    """Renders an empty string as null (an optional URL the model keeps as "")."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_null=True, **kwargs)

    def get_attribute(self, instance: Any) -> Any:
        return super().get_attribute(instance) or None  # a None attribute is rendered as null
