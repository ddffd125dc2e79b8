"""What each running intake consumer reports (its partitions, their lag, whether it is retrying), kept in the
cache for ``/readyz`` and ``/metrics`` of any web process."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings

from common.cache import counting_cache

REPORTS_KEY = "content:kafka:consumers:v1"


def _fresh(reports: dict[str, dict[str, Any]] | None, now: float) -> dict[str, dict[str, Any]]:
    stale = settings.KAFKA_CONSUMER_STALE_SECONDS
    return {member: report for member, report in (reports or {}).items() if now - report["reportedAt"] <= stale}


def report_consumer(report: dict[str, Any]) -> None:
    """Stores one consumer's report (``member``, ``partitions`` …), stamped now; drops reports gone stale."""
    now = time.time()
    stamped = {**report, "reportedAt": now}
    counting_cache().update(
        REPORTS_KEY,
        lambda reports: {**_fresh(reports, now), report["member"]: stamped},
        timeout=int(settings.KAFKA_CONSUMER_STALE_SECONDS * 4),
    )


def forget_consumer(member: str) -> None:
    """A consumer leaving the group says so at once (its partitions are someone else's now)."""
    now = time.time()
    counting_cache().update(
        REPORTS_KEY,
        lambda reports: {name: report for name, report in _fresh(reports, now).items() if name != member},
        timeout=int(settings.KAFKA_CONSUMER_STALE_SECONDS * 4),
    )


def live_consumers() -> list[dict[str, Any]]:
    from django.core.cache import cache

    return sorted(_fresh(cache.get(REPORTS_KEY), time.time()).values(), key=lambda report: report["member"])


class ConsumerUnavailable(Exception):
    pass


def check_consumers() -> None:
    """The readiness check: at least one consumer reported lately, and not every one is stuck retrying."""
    consumers = live_consumers()
    if not consumers:
        raise ConsumerUnavailable("no intake consumer reported within KAFKA_CONSUMER_STALE_SECONDS")
    if all(report.get("retrying") for report in consumers):
        raise ConsumerUnavailable("every intake consumer is retrying a store that is down")
