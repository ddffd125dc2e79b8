"""Authentication on the polled paths without database round trips, and what still takes effect at once.

API keys are trusted from a short cache entry (API_KEY_CACHE_SECONDS); access tokens name their merchant.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from merchants.models import ApiKey, Membership
from merchants.services import forget_api_key, issue_api_key, revoke_api_key, set_allowed_origins
from merchants.tokens import MERCHANT_CLAIM, PASSWORD_CLAIM
from tests.support.merchants import make_merchant
from tests.support.widget import publishable_key_for, widget_client

pytestmark = pytest.mark.django_db


def key_client(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw_key)
    return client


def login(merchant) -> dict[str, str]:
    user = merchant.memberships.get().user
    response = APIClient().post(
        "/api/auth/token", {"username": user.username, "password": "pass-word-123"}, format="json"
    )
    assert response.status_code == 200
    return response.json()


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


# --- API keys ---------------------------------------------------------------------------------------------


def test_a_known_api_key_is_verified_without_a_query(merchant):
    client = key_client(issue_api_key(merchant=merchant).raw_key)
    assert client.get("/api/me").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/me")
    assert len(queries) == 0, [query["sql"] for query in queries]
    assert response.json()["data"]["merchantName"] == "Merchant A"


def test_a_revoked_key_is_refused_at_once(merchant):
    issued = issue_api_key(merchant=merchant)
    client = key_client(issued.raw_key)
    assert client.get("/api/me").status_code == 200  # cached now
    revoke_api_key(api_key=issued.api_key)
    assert client.get("/api/me").status_code == 401


def test_a_key_revoked_behind_the_services_back_is_refused_when_its_entry_expires(merchant, settings):
    settings.API_KEY_CACHE_SECONDS = 1
    issued = issue_api_key(merchant=merchant)
    client = key_client(issued.raw_key)
    assert client.get("/api/me").status_code == 200
    ApiKey.objects.filter(pk=issued.api_key.pk).update(revoked_at=timezone.now())  # a script, raw SQL
    assert client.get("/api/me").status_code == 200  # trusted from the cache for the entry's lifetime ...
    deadline = time.monotonic() + 10
    while client.get("/api/me").status_code != 401:  # ... and refused once it has expired
        assert time.monotonic() < deadline, "the revoked key was still accepted 10 s later"
        time.sleep(0.2)


def test_a_deleted_key_is_refused_at_once(merchant):
    issued = issue_api_key(merchant=merchant)
    client = key_client(issued.raw_key)
    assert client.get("/api/me").status_code == 200
    ApiKey.objects.get(pk=issued.api_key.pk).delete()  # the superuser's dashboard delete
    assert client.get("/api/me").status_code == 401


def test_origin_changes_take_effect_at_once(merchant):
    issued = publishable_key_for(merchant, "https://old-shop.kr")
    visitor = {"visitorId": "3f2b3c4d-1234-4abc-8def-1234567890ab"}
    old_page = widget_client(issued.raw_key, origin="https://old-shop.kr")
    new_page = widget_client(issued.raw_key, origin="https://new-shop.kr")
    # A shopper-facing operation a publishable key may call: 403 is the Origin policy, 404 got past it.
    assert old_page.get("/api/tryon/00000000-0000-4000-8000-000000000000", visitor).status_code == 404
    assert new_page.get("/api/tryon/00000000-0000-4000-8000-000000000000", visitor).status_code == 403
    set_allowed_origins(api_key=issued.api_key, allowed_origins=["https://new-shop.kr"])
    assert old_page.get("/api/tryon/00000000-0000-4000-8000-000000000000", visitor).status_code == 403
    assert new_page.get("/api/tryon/00000000-0000-4000-8000-000000000000", visitor).status_code == 404


def test_last_used_is_written_at_most_once_a_minute(merchant):
    issued = issue_api_key(merchant=merchant)
    client = key_client(issued.raw_key)
    client.get("/api/me")
    first_use = ApiKey.objects.get(pk=issued.api_key.pk).last_used_at
    assert first_use is not None
    with CaptureQueriesContext(connection) as queries:
        for _ in range(20):
            client.get("/api/me")
    assert len(queries) == 0
    # A minute later (its entry reloaded from the database), the next use is recorded once.
    long_ago = timezone.now() - timedelta(minutes=2)
    ApiKey.objects.filter(pk=issued.api_key.pk).update(last_used_at=long_ago)
    forget_api_key(issued.api_key)
    from django.core.cache import cache

    cache.delete(f"merchants:api-key-used:v1:{issued.api_key.pk}")  # the claim of the minute before expired
    with CaptureQueriesContext(connection) as queries:
        for _ in range(20):
            client.get("/api/me")
    updates = [query["sql"] for query in queries if query["sql"].startswith("UPDATE")]
    assert len(updates) == 1, updates
    last_used_at = ApiKey.objects.get(pk=issued.api_key.pk).last_used_at
    assert last_used_at is not None and last_used_at > long_ago


# --- JWTs -------------------------------------------------------------------------------------------------


def test_tokens_name_the_merchant_and_refresh_tokens_keep_the_password_claim(merchant):
    tokens = login(merchant)
    # simplejwt annotates the encoded token its classes take as a Token
    access, refresh = AccessToken(tokens["access"]), RefreshToken(tokens["refresh"])  # type: ignore[arg-type]
    assert access[MERCHANT_CLAIM] == merchant.pk
    assert PASSWORD_CLAIM in refresh.payload and MERCHANT_CLAIM not in refresh.payload
    refreshed = APIClient().post("/api/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json").json()
    assert AccessToken(refreshed["access"])[MERCHANT_CLAIM] == merchant.pk


def test_a_token_naming_its_merchant_needs_no_query(merchant):
    client = bearer(login(merchant)["access"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/content/images/jobs/job-img-unknown")
    assert response.status_code == 404
    assert [query["sql"] for query in queries if "auth_user" in query["sql"] or "membership" in query["sql"]] == []
    me = client.get("/api/auth/me").json()
    assert me["merchantId"] == merchant.pk and me["merchantName"] == "Merchant A" and me["username"]


def test_a_token_without_the_claim_still_works_from_the_database(merchant, merchant_user):
    client = bearer(str(RefreshToken.for_user(merchant_user).access_token))
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/auth/me")
    assert response.status_code == 200 and response.json()["merchantId"] == merchant.pk
    assert any("auth_user" in query["sql"] for query in queries)


def test_a_user_removed_from_their_merchant_loses_access_at_once(merchant, merchant_user):
    client = bearer(login(merchant)["access"])
    assert client.get("/api/auth/me").status_code == 200
    Membership.objects.filter(user=merchant_user).get().delete()
    response = client.get("/api/auth/me")
    assert response.status_code == 403 and "가맹점에 소속된" in response.json()["message"]


def test_a_deactivated_user_loses_access_at_once(merchant, merchant_user):
    client = bearer(login(merchant)["access"])
    assert client.get("/api/auth/me").status_code == 200
    merchant_user.is_active = False
    merchant_user.save()
    assert client.get("/api/auth/me").status_code == 401


def test_a_user_moved_to_another_merchant_no_longer_sees_the_first(merchant, merchant_user):
    client = bearer(login(merchant)["access"])
    assert client.get("/api/auth/me").json()["merchantId"] == merchant.pk
    other = make_merchant("Other Shop")
    membership = Membership.objects.get(user=merchant_user)
    membership.merchant = other
    membership.save()
    assert client.get("/api/auth/me").json()["merchantId"] == other.pk
