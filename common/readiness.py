"""What "ready" means for a process behind a load balancer: the stores it needs answer, and the checks apps add.

The database, the cache and the Celery broker are always checked; an app adds its own from its
``AppConfig.ready()`` (the Kafka intake's consumers, say). ``/readyz`` (dashboard/health.py) reports them.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from celery import current_app
from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache() -> None:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return the value just written")
    cache.delete(key)


def _check_broker() -> None:
    with current_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=2)


@dataclass(frozen=True)
class ReadinessCheck:
    check: Callable[[], None]
    # Asked only while this says so (e.g. the feature is configured).
    enabled: Callable[[], bool]
    # Reported under "degraded" without making the process unready: the API still serves without it.
    degrades_only: bool


_registered_checks: dict[str, ReadinessCheck] = {}


def register_readiness_check(
    name: str, check: Callable[[], None], *, enabled: Callable[[], bool] = lambda: True, degrades_only: bool = False
) -> None:
    """Adds a check (it raises when unhealthy) from an app's AppConfig.ready(): common imports no app."""
    _registered_checks[name] = ReadinessCheck(check, enabled, degrades_only)


def readiness() -> tuple[dict[str, Any], bool]:
    """The report ``/readyz`` answers with, and whether the process is ready."""
    checks = {
        "database": ReadinessCheck(_check_database, lambda: True, False),
        "cache": ReadinessCheck(_check_cache, lambda: True, False),
        "broker": ReadinessCheck(_check_broker, lambda: True, False),
        **_registered_checks,
    }
    results: dict[str, str] = {}
    failed: list[str] = []
    degraded: list[str] = []
    for name, entry in checks.items():
        if not entry.enabled():
            continue
        try:
            entry.check()
            results[name] = "ok"
        except Exception as exc:  # any failure means not ready; the reason goes to the log, not the client
            logger.warning("readiness check %s failed: %s", name, type(exc).__name__)
            results[name] = "unavailable"
            (degraded if entry.degrades_only else failed).append(name)
    body = {"status": "ok" if not failed else "unavailable", "checks": results, "failed": failed, "degraded": degraded}
    return body, not failed
