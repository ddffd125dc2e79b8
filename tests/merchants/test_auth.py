from datetime import timedelta

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from merchants.models import ApiKey
from merchants.services import hash_api_key, issue_api_key, revoke_api_key
from tests.support.errors import assert_content_error, assert_toile_error
from tests.support.text import must_search

pytestmark = pytest.mark.django_db


def test_api_key_identifies_its_merchant(merchant):
    issued = issue_api_key(merchant=merchant, name="storefront")
    response = APIClient().get("/api/me", HTTP_X_API_KEY=issued.raw_key)
    assert response.status_code == 200
    assert response.json()["data"]["merchantName"] == "Merchant A"
    issued.api_key.refresh_from_db()
    assert issued.api_key.last_used_at is not None


def test_api_key_is_stored_hashed_only(merchant):
    issued = issue_api_key(merchant=merchant)
    stored = ApiKey.objects.get(pk=issued.api_key.pk)
    assert stored.hashed_key == hash_api_key(issued.raw_key)
    assert issued.raw_key not in {stored.hashed_key, stored.prefix, stored.name}
    assert issued.raw_key.startswith(stored.prefix)


def test_missing_api_key_is_401_in_toile_format(db):
    response = APIClient().get("/api/me")
    assert_toile_error(response, 401)
    assert response.json()["error"] == "Unauthorized"


def test_wrong_api_key_is_401_in_toile_format(merchant):
    issued = issue_api_key(merchant=merchant)
    response = APIClient().get("/api/me", HTTP_X_API_KEY=issued.raw_key[:-2] + "xx")
    assert_toile_error(response, 401)


def test_revoked_api_key_is_401(merchant):
    issued = issue_api_key(merchant=merchant)
    revoke_api_key(api_key=issued.api_key)
    assert_toile_error(APIClient().get("/api/me", HTTP_X_API_KEY=issued.raw_key), 401)


def test_jwt_from_token_endpoint_and_refresh(merchant):
    client = APIClient()
    user = merchant.memberships.get().user
    response = client.post("/api/auth/token", {"username": user.username, "password": "pass-word-123"}, format="json")
    assert response.status_code == 200
    tokens = response.json()
    assert {"access", "refresh"} <= set(tokens)
    me = client.get("/api/auth/me", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert me.status_code == 200 and me.json()["merchantName"] == "Merchant A"
    refreshed = client.post("/api/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json")
    assert refreshed.status_code == 200 and refreshed.json()["access"]


def test_wrong_password_is_401_in_content_format(merchant):
    user = merchant.memberships.get().user
    response = APIClient().post("/api/auth/token", {"username": user.username, "password": "nope"}, format="json")
    assert_content_error(response, 401)


def test_missing_jwt_is_401_in_content_format(db):
    response = APIClient().get("/api/auth/me")
    assert_content_error(response, 401)
    assert response.json()["code"] == "UNAUTHORIZED"


def test_expired_jwt_is_401_in_content_format(merchant):
    token = AccessToken.for_user(merchant.memberships.get().user)
    token.set_exp(lifetime=-timedelta(minutes=1))
    response = APIClient().get("/api/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert_content_error(response, 401)


def test_api_key_is_not_a_jwt_and_jwt_is_not_an_api_key(merchant):
    issued = issue_api_key(merchant=merchant)
    assert_content_error(APIClient().get("/api/auth/me", HTTP_X_API_KEY=issued.raw_key), 401)
    token = AccessToken.for_user(merchant.memberships.get().user)
    assert_toile_error(APIClient().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}"), 401)


def test_create_merchant_and_issue_api_key_commands(db, capsys):
    call_command("create_merchant", "Cli Shop", username="cli", password="cli-password-1")
    capsys.readouterr()
    call_command("issue_api_key", "Cli Shop")
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("tk_") and "\n" not in printed
    response = APIClient().get("/api/me", HTTP_X_API_KEY=printed)
    assert response.json()["data"]["merchantName"] == "Cli Shop"
    token = APIClient().post("/api/auth/token", {"username": "cli", "password": "cli-password-1"}, format="json")
    assert token.status_code == 200


def test_bootstrap_demo_prints_a_working_key_and_password_and_replaces_the_previous_ones(db, capsys):
    call_command("bootstrap_demo")
    out = capsys.readouterr().out
    first, first_password = must_search(r"(tk_\S+)", out).group(1), must_search(r"login demo / (\S+)", out).group(1)
    call_command("bootstrap_demo")
    out = capsys.readouterr().out
    second, password = must_search(r"(tk_\S+)", out).group(1), must_search(r"login demo / (\S+)", out).group(1)
    assert first != second and first_password != password and len(password) >= 16
    assert APIClient().get("/api/me", HTTP_X_API_KEY=first).status_code == 401
    assert APIClient().get("/api/me", HTTP_X_API_KEY=second).json()["data"]["merchantName"] == "Demo Shop"
    stale = APIClient().post("/api/auth/token", {"username": "demo", "password": first_password}, format="json")
    assert stale.status_code == 401
    token = APIClient().post("/api/auth/token", {"username": "demo", "password": password}, format="json")
    assert token.status_code == 200
    recommend = APIClient().post(
        "/api/size/recommend",
        {"productId": "BLUE-SHIRT-001", "measurement": {"height": 175, "weight": 70, "gender": "M"}},
        format="json",
        HTTP_X_API_KEY=second,
    )
    assert recommend.status_code == 200 and recommend.json()["data"]["recommendation"]["size"]
