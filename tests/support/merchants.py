"""Merchants for tests: a merchant with its first dashboard user, and clients calling as that merchant (JWT for
the Content API and the webhook management API, ``x-api-key`` for the Toile public API, a signed-in session for
the dashboard)."""

from __future__ import annotations

from typing import Any

from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from merchants.models import Merchant
from merchants.services import create_merchant, issue_api_key

PASSWORD = "pass-word-123"  # every merchant user make_merchant creates has it

_counter = iter(range(1, 10**9))


def make_merchant(name: str | None = None) -> Merchant:
    number = next(_counter)
    name = name or f"Shop {number}"
    return create_merchant(name=name, username=f"user{number}-{name.replace(' ', '').lower()}", password=PASSWORD)


def owner_of(merchant: Merchant) -> Any:
    """The merchant's first dashboard user, the one the merchant fixtures create."""
    membership = merchant.memberships.order_by("pk").first()
    assert membership is not None, merchant
    return membership.user


def jwt_client_for(merchant: Merchant) -> APIClient:
    client = APIClient()
    user = owner_of(merchant)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def api_key_client_for(merchant: Merchant) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=issue_api_key(merchant=merchant, name="test").raw_key)
    return client


def admin_client_for(merchant: Merchant) -> Client:
    """The dashboard (Django admin) signed in as the merchant's only user."""
    client = Client()
    client.force_login(merchant.memberships.get().user)
    return client
