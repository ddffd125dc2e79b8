"""A remote call's moves between states, each conditional on the follower's claim.

A follower works on a call only while it holds the call's claim; every write below is conditional on it, so a
follower that was presumed dead (its claim ran out, another follower took the call over) cannot overwrite what
the new owner did: it gets :class:`ClaimLost` and drops its step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from common.remote.admission import RemoteCallModel


class ClaimLost(Exception):
    """Another follower owns the call now: this step's result is dropped."""


def _mine(call: Any) -> Any:
    return type(call)._default_manager.filter(pk=call.pk, state="ACTIVE", claimed_by=call.claimed_by)


def _update_mine(call: Any, **fields: Any) -> None:
    if not _mine(call).update(**fields):
        raise ClaimLost(f"{type(call).__name__} {call.pk}")
    for name, value in fields.items():
        if not hasattr(value, "resolve_expression"):
            setattr(call, name, value)


def claim_due(
    model: RemoteCallModel,
    *,
    providers: Iterable[str],
    owner: str,
    claim_seconds: float,
    limit: int,
    now: datetime,
) -> list[Any]:
    """ACTIVE calls due for a step and claimed by nobody alive, now claimed by ``owner`` (at most ``limit``)."""
    if limit <= 0:
        return []
    candidates = list(
        model._default_manager.filter(state="ACTIVE", provider__in=list(providers))
        .filter(Q(next_check_at__isnull=True) | Q(next_check_at__lte=now))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_check_at")[: limit * 2]
    )
    claimed: list[Any] = []
    for call in candidates:
        if len(claimed) >= limit:
            break
        # Conditional on the claim as read: of two followers seeing the same call, one wins.
        taken = model._default_manager.filter(pk=call.pk, state="ACTIVE", claimed_until=call.claimed_until).update(
            claimed_by=owner, claimed_until=now + timedelta(seconds=claim_seconds)
        )
        if taken:
            call.claimed_by = owner
            claimed.append(call)
    return claimed


def claim_waiting_since(
    model: RemoteCallModel,
    *,
    providers: Iterable[str],
    before: datetime,
    owner: str,
    claim_seconds: float,
    limit: int,
) -> list[Any]:
    """WAITING calls queued since before ``before``, claimed by ``owner`` to be ended (not to be run)."""
    candidates = list(
        model._default_manager.filter(state="WAITING", provider__in=list(providers), waiting_since__lt=before).order_by(
            "waiting_since"
        )[:limit]
    )
    claimed = []
    for call in candidates:
        taken = model._default_manager.filter(pk=call.pk, state="WAITING", waiting_since=call.waiting_since).update(
            state="ACTIVE", claimed_by=owner, claimed_until=timezone.now() + timedelta(seconds=claim_seconds)
        )
        if taken:
            call.state, call.claimed_by = "ACTIVE", owner
            claimed.append(call)
    return claimed


def save(call: Any, **fields: Any) -> None:
    """Stores what a step learnt (a prediction id, a file name) while the follower keeps working on the call."""
    _update_mine(call, **fields)


def check_again(call: Any, *, after: float, **fields: Any) -> None:
    """The call stays in flight; a follower (any) takes its next step ``after`` seconds from now."""
    _update_mine(
        call,
        next_check_at=timezone.now() + timedelta(seconds=max(0.0, after)),
        claimed_by="",
        claimed_until=None,
        **fields,
    )


def requeue(call: Any, *, after: float, **fields: Any) -> None:
    """Back to the provider's queue, keeping its place (``waiting_since``), not admitted before ``after`` s."""
    _update_mine(
        call,
        state="WAITING",
        started_at=None,
        next_check_at=timezone.now() + timedelta(seconds=max(0.0, after)),
        claimed_by="",
        claimed_until=None,
        attempts=F("attempts") + 1,
        **fields,
    )


def finish(call: Any, *, then: Callable[[], None] | None = None, **fields: Any) -> None:
    """Frees the call's slot for good (DONE); ``then`` runs in the same transaction (e.g. wakes its job)."""
    with transaction.atomic():
        _update_mine(call, state="DONE", finished_at=timezone.now(), claimed_by="", claimed_until=None, **fields)
        if then is not None:
            then()


def renew_claims(model: RemoteCallModel, *, owner: str, pks: Iterable[Any], claim_seconds: float) -> None:
    model._default_manager.filter(pk__in=list(pks), state="ACTIVE", claimed_by=owner).update(
        claimed_until=timezone.now() + timedelta(seconds=claim_seconds)
    )


def release_claims(model: RemoteCallModel, *, owner: str, pks: Iterable[Any]) -> None:
    """Lets any follower take these calls at once (a follower stopping with steps unfinished)."""
    model._default_manager.filter(pk__in=list(pks), state="ACTIVE", claimed_by=owner).update(
        claimed_by="", claimed_until=None
    )
