"""The fast path of validation (common/fast_validation.py) answers exactly as the serializer: the same data for a
valid request, the same refusal for any other; and it does take the valid ones itself."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from rest_framework import serializers

from common.fast_validation import FastValidator
from content.kafka.messages import ImageGenerationJobMessageSerializer
from content.serializers import ImageGenerationRequestSerializer

FULL: dict[str, Any] = {
    "jobId": "job-img-1",
    "eventDraftId": "evt-1",
    "eventInfo": {
        "title": "  봄맞이 커피 할인 이벤트 ",
        "giftName": "아메리카노 1+1",
        "brandColor": "#ff5733",
        "secondaryColor": "#00AA00",
        "logoUrl": "https://example.com/logo.png",
        "period": "3월 1일 ~ 3월 31일",
        "callToAction": "지금 참여하기",
        "eventUrl": "http://example.com/e?x=1",
        "storeName": "카페 봄",
        "fontFamily": "NOTO_SERIF_KR",
    },
    "styles": ["SIMPLE", "TRENDY", "SIMPLE"],
    "platforms": ["INSTAGRAM"],
    "priority": 10,
    "requestedAt": "2025-10-22T14:00:00+09:00",
}
MINIMAL: dict[str, Any] = {"jobId": "j", "eventDraftId": "e", "eventInfo": {"title": "t", "giftName": "g"}}

# Values that are refused, coerced or at an edge somewhere: each replaces one field of FULL in turn.
ODD_VALUES: list[Any] = [
    None, "", " ", "\t", 0, 1, 5, 11, -1, 5.0, 5.5, "5", True, False, [], {}, ["SIMPLE"], ["x"], [None], {"a": 1},
    "x" * 31, "x" * 51, "x" * 101, "가" * 30, "a\x00b", "\ud800", "😀", "😀😀 ", "#FFF", "#GGGGGG", "#abcdef",
    "ftp://example.com", "not a url", "https://", "http://a.b/" + "c" * 2100, "job-regen-1", "a/b", "..", "a b",
    "NOTO_SANS_KR", "INSTAGRAM", "SIMPLE", ["SIMPLE", "FANCY", "TRENDY", "SIMPLE", "FANCY", "TRENDY", "SIMPLE"],
    "2025-10-22", "2025-10-22T14:00:00", "2025-13-01T00:00:00Z", "yesterday",
]  # fmt: skip


def _paths(data: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for key, value in data.items():
        paths.append((*prefix, key))
        if isinstance(value, dict):
            paths += _paths(value, (*prefix, key))
    return paths


def _variants() -> list[Any]:
    variants: list[Any] = [FULL, MINIMAL, None, [], "text", {}, {**FULL, "unknown": 1}]
    for base in (FULL, MINIMAL):
        for path in _paths(base):
            removed = copy.deepcopy(base)
            parent = removed
            for key in path[:-1]:
                parent = parent[key]
            del parent[path[-1]]
            variants.append(removed)
            for value in ODD_VALUES:
                changed = copy.deepcopy(base)
                parent = changed
                for key in path[:-1]:
                    parent = parent[key]
                parent[path[-1]] = value
                variants.append(changed)
        for name in ("brandColor", "logoUrl", "fontFamily", "storeName"):
            for value in ODD_VALUES:
                variants.append({**base, "eventInfo": {**base["eventInfo"], name: value}})
    return variants


def _outcome(validate: Any, data: Any) -> tuple[str, Any]:
    try:
        return "valid", validate(copy.deepcopy(data))
    except serializers.ValidationError as exc:
        return "refused", exc.detail


@pytest.mark.parametrize("serializer_class", [ImageGenerationJobMessageSerializer, ImageGenerationRequestSerializer])
def test_the_fast_path_answers_as_the_serializer(serializer_class):
    serializer = serializer_class()
    fast = FastValidator(serializer)
    variants = _variants()
    valid = 0
    for data in variants:
        expected = _outcome(serializer.run_validation, data)
        assert _outcome(fast.run_validation, data) == expected, data
        valid += expected[0] == "valid"
    assert valid > 100, "the variants should include many valid requests"


def test_the_fast_path_takes_valid_requests_itself(monkeypatch):
    serializer = ImageGenerationJobMessageSerializer()
    fast = FastValidator(serializer)

    def not_called(data: Any) -> Any:
        raise AssertionError("the serializer validated a plainly valid request")

    monkeypatch.setattr(serializer, "run_validation", not_called)
    assert fast.run_validation(copy.deepcopy(FULL))["eventInfo"]["brandColor"] == "#FF5733"
    assert fast.run_validation(copy.deepcopy(MINIMAL)) == MINIMAL


def test_a_serializer_with_its_own_validate_goes_to_drf_whole():
    class Checked(serializers.Serializer):
        name = serializers.CharField()

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            raise serializers.ValidationError("never")

    serializer = Checked()
    with pytest.raises(serializers.ValidationError):
        FastValidator(serializer).run_validation({"name": "x"})
