from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from merchants.models import ApiKey, Merchant


def merchant_for_user(user: AbstractBaseUser | AnonymousUser | None) -> Merchant | None:
    """The merchant a user works for, or None (anonymous users, superusers without a membership)."""
    if user is None or not user.is_authenticated:
        return None
    membership = getattr(user, "membership", None)
    return membership.merchant if membership is not None else None


def recent_api_keys(*, merchant: Merchant | None, limit: int) -> list[ApiKey]:
    """Keys issued or revoked lately (the dashboard's activity feed), newest first; all merchants if None."""
    keys = ApiKey.objects.all() if merchant is None else ApiKey.objects.filter(merchant=merchant)
    return list(keys.order_by("-created_at")[:limit])
