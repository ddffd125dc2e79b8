"""Hostile bodies and tokens get a clear 4xx in the product's own format and change nothing."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
from rest_framework.test import APIClient

from content.models import ImageJob
from sizing.models import BodyMeasurement, SizeFeedback
from tests.support.sizing import make_try_on_job
from tryon.models import TryOnFeedback
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

DEEP_ARRAY = "[" * 50_000 + "]" * 50_000  # ~100 KB
DEEP_OBJECT = '{"a":' * 20_000 + "1" + "}" * 20_000
HUGE = "1" + "0" * 400  # 10^400 as a JSON integer


def post_raw(client: APIClient, path: str, body: str):
    return client.post(path, data=body, content_type="application/json")


def assert_content_error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= {"code", "message", "timestamp"}, body
    return body


def assert_toile_error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["statusCode"] == status and body["error"] and body["message"], body
    return body


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT], ids=["array", "object"])
def test_deeply_nested_json_is_a_400_on_every_kind_of_json_endpoint(jwt_client, api_key_client, body):
    assert "중첩" in assert_content_error(post_raw(jwt_client, "/api/content/images/generate", body), 400)["message"]
    assert "중첩" in assert_content_error(post_raw(APIClient(), "/api/auth/token", body), 400)["message"]
    assert "중첩" in assert_toile_error(post_raw(jwt_client, "/api/webhooks", body), 400)["message"]
    for path in ("/api/size/recommend", "/api/size/feedback", "/api/size/measurements"):
        assert "중첩" in assert_toile_error(post_raw(api_key_client, path, body), 400)["message"]
    job = uuid.uuid4()
    assert_toile_error(post_raw(api_key_client, f"/api/tryon/{job}/feedback", body), 400)
    assert ImageJob.objects.count() == WebhookEndpoint.objects.count() == BodyMeasurement.objects.count() == 0


def test_nesting_a_little_deeper_than_any_schema_needs_is_refused_without_recursion(api_key_client):
    body = {"visitorId": str(uuid.uuid4()), "measurement": {"height": 170, "weight": 60, "gender": "M"}}
    nested: object = body
    for _ in range(40):
        nested = {"wrap": nested}
    response = api_key_client.post("/api/size/measurements", nested, format="json")
    assert "중첩" in assert_toile_error(response, 400)["message"]


def test_huge_numbers_are_a_400_and_store_nothing(api_key_client, merchant):
    visitor = str(uuid.uuid4())
    measurement = f'{{"height": {HUGE}, "weight": 60, "gender": "M"}}'
    responses = [
        post_raw(
            api_key_client, "/api/size/measurements", f'{{"visitorId": "{visitor}", "measurement": {measurement}}}'
        ),
        post_raw(api_key_client, "/api/size/recommend", f'{{"productId": "X", "measurement": {measurement}}}'),
        post_raw(
            api_key_client,
            "/api/size/feedback",
            json.dumps(
                {"tryOnRequestId": str(make_try_on_job(merchant).pk), "recommendedSize": "M", "helpful": True}
            ).replace("}", f', "confidence": {HUGE}}}'),
        ),
        post_raw(api_key_client, "/api/size/measurements", '{"visitorId": "x", "measurement": {"height": 1e400}}'),
        post_raw(api_key_client, "/api/size/measurements", '{"visitorId": "x", "measurement": {"height": NaN}}'),
    ]
    messages = [assert_toile_error(response, 400)["message"] for response in responses]
    assert messages[0].endswith("measurement.height: 숫자가 너무 큽니다 (정수는 ±2^53 이내의 유한한 수여야 합니다).")
    assert "measurement.height: 숫자가" in messages[1] and "confidence: 숫자가" in messages[2]
    assert "measurement.height: 숫자가" in messages[3] and "NaN" in messages[4]
    assert BodyMeasurement.objects.count() == SizeFeedback.objects.count() == 0


def test_a_huge_priority_is_a_400_in_content_format(jwt_client):
    body = f'{{"eventDraftId": "e", "eventInfo": {{"title": "t", "giftName": "g"}}, "priority": {HUGE}}}'
    assert_content_error(post_raw(jwt_client, "/api/content/images/generate", body), 400)
    assert ImageJob.objects.count() == 0


def _cursor(created_at: str) -> str:
    raw = json.dumps({"t": created_at, "i": str(uuid.uuid4())}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2026-01-01T00:00:00"], ids=str
)
def test_a_cursor_at_the_edge_of_the_calendar_is_a_400(jwt_client, merchant, moment):
    endpoint = WebhookEndpoint.objects.create(
        merchant=merchant, url="https://hooks.example.com/", events=["tryon.completed"], encrypted_secret="x"
    )
    response = jwt_client.get(f"/api/webhooks/{endpoint.pk}/deliveries", {"cursor": _cursor(moment)})
    assert "cursor" in assert_toile_error(response, 400)["message"]


def _tokens(user) -> dict:
    response = APIClient().post(
        "/api/auth/token", {"username": user.username, "password": "pass-word-123"}, format="json"
    )
    assert response.status_code == 200
    return response.json()


def test_refresh_token_of_a_deleted_user_is_a_401(merchant_user):
    refresh = _tokens(merchant_user)["refresh"]
    merchant_user.delete()
    response = APIClient().post("/api/auth/token/refresh", {"refresh": refresh}, format="json")
    assert_content_error(response, 401)


def test_a_password_change_revokes_every_earlier_refresh_token(merchant_user):
    refresh = _tokens(merchant_user)["refresh"]
    merchant_user.set_password("a-new-pass-word-456")
    merchant_user.save()
    first = APIClient().post("/api/auth/token/refresh", {"refresh": refresh}, format="json")
    assert "비밀번호" in assert_content_error(first, 401)["message"]
    # Blacklisted now: even a password change back would not bring it back.
    merchant_user.set_password("pass-word-123")
    merchant_user.save()
    again = APIClient().post("/api/auth/token/refresh", {"refresh": refresh}, format="json")
    assert_content_error(again, 401)
    fresh = _tokens(merchant_user)["refresh"]
    assert APIClient().post("/api/auth/token/refresh", {"refresh": fresh}, format="json").status_code == 200


def test_feedback_vote_with_a_deep_reason_changes_nothing(api_key_client, merchant):
    job = make_try_on_job(merchant)
    response = post_raw(
        api_key_client, f"/api/tryon/{job.pk}/feedback", '{"vote": "GOOD", "reason": ' + DEEP_ARRAY + "}"
    )
    assert_toile_error(response, 400)
    assert TryOnFeedback.objects.count() == 0


@pytest.mark.parametrize("body", ["[]", "null", "42", '"text"'])
def test_a_body_that_is_not_an_object_is_the_same_clear_400_on_every_api(jwt_client, api_key_client, merchant, body):
    job = make_try_on_job(merchant)
    toile = [
        post_raw(api_key_client, f"/api/tryon/{job.pk}/feedback", body),
        post_raw(api_key_client, f"/api/tryon/{job.pk}/share", body),
        post_raw(api_key_client, "/api/size/measurements", body),
        post_raw(jwt_client, "/api/webhooks", body),
    ]
    for response in toile:
        assert assert_toile_error(response, 400)["message"] == "요청 본문은 JSON 객체여야 합니다."
    content = post_raw(jwt_client, "/api/content/images/generate", body)
    assert assert_content_error(content, 400)["message"] == "요청 본문은 JSON 객체여야 합니다."
