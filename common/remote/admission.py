"""Admitting waiting calls to a provider's slots: its limits held across every worker and host, fair shares.

The limits live in the database, so any number of worker processes on any number of hosts keep them together:
each admission counts the ACTIVE calls (and the ones started within the rate window) inside a transaction that
holds the provider's lock (a PostgreSQL advisory lock; SQLite's IMMEDIATE transactions serialise writers
anyway). A free slot goes to the merchant with the fewest calls in flight (among equals, the one served least
recently), so one merchant's burst of a hundred shoppers delays another merchant's single call by at most one
slot's turn; within a merchant the highest priority, then the longest wait, goes first. Priorities never
outrank another merchant's fair share.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from common.remote.limits import ProviderLimits, paused_for

RemoteCallModel = type[Any]  # a concrete common.models.RemoteCall


def provider_lock(name: str) -> None:
    """Holds ``name``'s lock until the surrounding transaction ends."""
    if connection.vendor == "postgresql":
        key = zlib.crc32(name.encode()) - 2**31  # a stable signed 32-bit key for this name
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# How far back "served least recently" looks (an index range on started_at, not a merchant's whole history).
RECENTLY = timedelta(hours=1)


def _due(now: datetime) -> Q:
    return Q(next_check_at__isnull=True) | Q(next_check_at__lte=now)


def has_waiting(model: RemoteCallModel, provider: str, now: datetime) -> bool:
    return bool(model._default_manager.filter(_due(now), provider=provider, state="WAITING").exists())


def admit(
    model: RemoteCallModel,
    provider: str,
    limits: ProviderLimits,
    *,
    owner: str,
    claim_seconds: float,
    max_grants: int,
    now: datetime,
) -> list[Any]:
    """Moves up to ``max_grants`` due WAITING calls of ``provider`` to ACTIVE, claimed by ``owner``."""
    if max_grants <= 0 or paused_for(provider) > 0 or not has_waiting(model, provider, now):
        return []
    manager = model._default_manager
    granted: list[Any] = []
    with transaction.atomic():
        provider_lock(f"remote:{provider}")
        active = dict(
            manager.filter(provider=provider, state="ACTIVE")
            .values_list("merchant_id")
            .annotate(count=Count("pk"))
            .order_by()
        )
        free = limits.in_flight - sum(active.values())
        if limits.per_window:
            started = manager.filter(
                provider=provider, started_at__gte=now - timedelta(seconds=limits.window_seconds)
            ).count()
            free = min(free, limits.per_window - started)
        free = min(free, max_grants)
        if free <= 0:
            return []
        waiting = manager.filter(_due(now), provider=provider, state="WAITING")
        heads = {
            row["merchant_id"]: row["since"]
            for row in waiting.values("merchant_id").annotate(since=Min("waiting_since")).order_by()
        }
        # Among merchants with as many calls in flight, the one served least recently goes first (round robin).
        last_served = dict(
            manager.filter(provider=provider, merchant_id__in=list(heads), started_at__gte=now - RECENTLY)
            .values_list("merchant_id")
            .annotate(last=Max("started_at"))
            .order_by()
        )
        while free > 0 and heads:
            merchant_id = min(heads, key=lambda m: (active.get(m, 0), last_served.get(m) or EPOCH, heads[m]))
            call = waiting.filter(merchant_id=merchant_id).order_by("-priority", "waiting_since", "pk").first()
            if call is None:
                del heads[merchant_id]
                continue
            # Read under the lock, so the grants' order is their started_at order, across threads and hosts too.
            started_at = timezone.now()
            manager.filter(pk=call.pk).update(
                state="ACTIVE",
                started_at=started_at,
                claimed_by=owner,
                claimed_until=started_at + timedelta(seconds=claim_seconds),
                next_check_at=started_at,
            )
            call.state, call.started_at, call.claimed_by = "ACTIVE", started_at, owner
            granted.append(call)
            active[merchant_id] = active.get(merchant_id, 0) + 1
            last_served[merchant_id] = started_at
            free -= 1
            following = waiting.filter(merchant_id=merchant_id).order_by("waiting_since").first()
            if following is None:
                del heads[merchant_id]
            else:
                heads[merchant_id] = following.waiting_since
    return granted
