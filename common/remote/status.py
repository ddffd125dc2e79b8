"""What the remote calls look like right now, per provider: for ``/metrics`` and the dashboard."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Min, Q
from django.utils import timezone

from common.remote.handlers import registered
from common.remote.limits import limits_for, paused_for


@dataclass(frozen=True)
class ProviderStatus:
    provider: str
    waiting: int
    in_flight: int
    limit: int
    paused_seconds: float
    oldest_wait_seconds: float
    # The same two counts for one merchant, when asked for (the dashboard shows a merchant their share).
    merchant_waiting: int = 0
    merchant_in_flight: int = 0


def provider_statuses(*, merchant_id: int | None = None) -> list[ProviderStatus]:
    now = timezone.now()
    statuses: list[ProviderStatus] = []
    for handler in registered():
        for provider in handler.limits():
            rows = handler.model._default_manager.filter(provider=provider, state__in=("WAITING", "ACTIVE"))
            counts = rows.aggregate(
                waiting=Count("pk", filter=Q(state="WAITING")),
                in_flight=Count("pk", filter=Q(state="ACTIVE")),
                oldest=Min("waiting_since", filter=Q(state="WAITING")),
                merchant_waiting=Count("pk", filter=Q(state="WAITING", merchant_id=merchant_id)),
                merchant_in_flight=Count("pk", filter=Q(state="ACTIVE", merchant_id=merchant_id)),
            )
            oldest = counts["oldest"]
            statuses.append(
                ProviderStatus(
                    provider=provider,
                    waiting=counts["waiting"],
                    in_flight=counts["in_flight"],
                    limit=limits_for(provider).in_flight,
                    paused_seconds=paused_for(provider),
                    oldest_wait_seconds=(now - oldest).total_seconds() if oldest else 0.0,
                    merchant_waiting=counts["merchant_waiting"] if merchant_id is not None else 0,
                    merchant_in_flight=counts["merchant_in_flight"] if merchant_id is not None else 0,
                )
            )
    return statuses
