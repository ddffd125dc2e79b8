from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from common.errors import Conflict
from merchants.models import ApiKey, Membership, Merchant

API_KEY_PREFIX = "tk_"
# last_used_at is refreshed at most this often, so that every request does not write to the database.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedApiKey:
    api_key: ApiKey
    raw_key: str


def hash_api_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transaction.atomic
def create_merchant(*, name: str, username: str, password: str, email: str = "") -> Merchant:
    """Creates a merchant and a staff user who can log into the dashboard (admin) and obtain JWTs."""
    User = get_user_model()
    if Merchant.objects.filter(name=name).exists():
        raise Conflict(f"이미 존재하는 가맹점입니다: {name}")
    if User.objects.filter(username=username).exists():
        raise Conflict(f"이미 존재하는 사용자입니다: {username}")
    merchant = Merchant.objects.create(name=name)
    user = User.objects.create_user(username=username, password=password, email=email, is_staff=True)
    Membership.objects.create(user=user, merchant=merchant)
    return merchant


def add_merchant_user(*, merchant: Merchant, username: str, password: str) -> None:
    User = get_user_model()
    user = User.objects.create_user(username=username, password=password, is_staff=True)
    Membership.objects.create(user=user, merchant=merchant)


def issue_api_key(*, merchant: Merchant, name: str = "default") -> IssuedApiKey:
    """Issues a key; the raw key exists only in the return value and is never stored."""
    while True:
        raw_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
        prefix = raw_key[:11]
        if not ApiKey.objects.filter(prefix=prefix).exists():
            break
    api_key = ApiKey.objects.create(merchant=merchant, name=name, prefix=prefix, hashed_key=hash_api_key(raw_key))
    return IssuedApiKey(api_key=api_key, raw_key=raw_key)


def revoke_api_key(*, api_key: ApiKey) -> None:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])


def authenticate_api_key(*, raw_key: str) -> ApiKey | None:
    """The active key matching ``raw_key`` (its ``last_used_at`` refreshed), or None."""
    if not raw_key.startswith(API_KEY_PREFIX):
        return None
    api_key = (
        ApiKey.objects.select_related("merchant")
        .filter(hashed_key=hash_api_key(raw_key), revoked_at__isnull=True)
        .first()
    )
    if api_key is None:
        return None
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key
