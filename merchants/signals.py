"""Keeps what the request path trusts from the cache (API keys, merchant claims of JWTs) true to the models.

Receivers, not service calls: these rows are also written by Django's own admin pages (users, memberships)
and by cascades (a merchant or user deleted), which call no service of ours.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save

from merchants.authentication import recheck_user_tokens
from merchants.models import ApiKey, Membership
from merchants.services import forget_api_key


def _membership_saved(sender: type, instance: Membership, created: bool, **kwargs: Any) -> None:
    # Moved to another merchant: the claim of their tokens is stale. A new membership has none to correct
    # (tokens minted without a membership carry no merchant claim).
    if not created:
        recheck_user_tokens(instance.user_id)


def _membership_deleted(sender: type, instance: Membership, **kwargs: Any) -> None:
    recheck_user_tokens(instance.user_id)


def _user_saved(sender: type, instance: Any, **kwargs: Any) -> None:
    if not instance.is_active:
        recheck_user_tokens(instance.pk)


def _user_deleted(sender: type, instance: Any, **kwargs: Any) -> None:
    recheck_user_tokens(instance.pk)


def _api_key_deleted(sender: type, instance: ApiKey, **kwargs: Any) -> None:
    forget_api_key(instance)


def connect() -> None:
    user_model = get_user_model()
    post_save.connect(_membership_saved, sender=Membership, dispatch_uid="merchants-membership-saved")
    post_delete.connect(_membership_deleted, sender=Membership, dispatch_uid="merchants-membership-deleted")
    post_save.connect(_user_saved, sender=user_model, dispatch_uid="merchants-user-saved")
    post_delete.connect(_user_deleted, sender=user_model, dispatch_uid="merchants-user-deleted")
    post_delete.connect(_api_key_deleted, sender=ApiKey, dispatch_uid="merchants-api-key-deleted")
