"""Every Content operation answers 401, 403 and framework errors in ``{code, message, timestamp}`` (NOTES.md)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from content.models import ImageJob

pytestmark = pytest.mark.django_db

OPERATIONS = [
    ("post", "/api/content/images/generate"),
    ("get", "/api/content/images/jobs/job-img-abc123"),
    ("get", "/api/content/events/evt-draft-12345"),
    ("get", "/api/content/events/evt-draft-12345/images"),
    ("get", "/api/content/images/img-12345-simple"),
    ("delete", "/api/content/images/img-12345-simple"),
    ("post", "/api/content/images/img-12345-simple/regenerate"),
]


def assert_content_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["message"]
    assert body["timestamp"].endswith("Z")


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_missing_or_invalid_token_is_401(method, path):
    assert_content_error(getattr(APIClient(), method)(path, {}, format="json"), 401, "UNAUTHORIZED")
    forged = APIClient()
    forged.credentials(HTTP_AUTHORIZATION="Bearer eyJhbGciOiJIUzI1NiJ9.e30.forged")
    assert_content_error(getattr(forged, method)(path, {}, format="json"), 401, "UNAUTHORIZED")


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_user_of_no_merchant_is_403(method, path):
    user = get_user_model().objects.create_user("no-shop", password="unused-pass-123")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    assert_content_error(getattr(client, method)(path, {}, format="json"), 403, "FORBIDDEN")
    # Authorisation comes before validation: invalid input does not turn the 403 into a 400.
    invalid = {"style": "RETRO", "platform": "TIKTOK"} if method == "get" else {"style": "RETRO", "eventInfo": 1}
    assert_content_error(getattr(client, method)(path, invalid, format="json"), 403, "FORBIDDEN")
    assert ImageJob.objects.count() == 0


def test_wrong_method_and_unknown_route_keep_the_content_format(jwt_client):
    assert_content_error(jwt_client.get("/api/content/images/generate"), 405, "METHOD_NOT_ALLOWED")
    assert_content_error(jwt_client.patch("/api/content/images/img-1", {}, format="json"), 405, "METHOD_NOT_ALLOWED")
    assert_content_error(jwt_client.get("/api/content/no-such-thing"), 404, "NOT_FOUND")
    unsupported = jwt_client.post("/api/content/images/generate", "x", content_type="text/plain")
    assert_content_error(unsupported, 415, "UNSUPPORTED_MEDIA_TYPE")
