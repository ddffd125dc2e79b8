"""Each provider's limits (settings) and its pause after a 429 (the cache, so every worker and host sees it)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class ProviderLimits:
    """``in_flight``: calls holding a slot at once, all workers together. ``per_window`` calls may *start*
    within ``window_seconds`` (0: no rate limit), for providers that document a request rate."""

    in_flight: int
    per_window: int = 0
    window_seconds: float = 60.0


def limits_for(provider: str) -> ProviderLimits:
    """The configured limits of ``provider`` (``REMOTE_PROVIDER_LIMITS`` in settings)."""
    configured = settings.REMOTE_PROVIDER_LIMITS.get(provider) or {}
    return ProviderLimits(
        in_flight=max(1, int(configured.get("in_flight", 4))),
        per_window=max(0, int(configured.get("per_window", 0))),
        window_seconds=float(configured.get("window_seconds", 60.0)),
    )


def _pause_key(provider: str) -> str:
    return f"remote:pause:{provider}"


def pause(provider: str, seconds: float) -> None:
    """No call of ``provider`` starts for ``seconds`` (its Retry-After): a later pause never shortens one."""
    until = time.time() + seconds
    key = _pause_key(provider)
    current = cache.get(key)
    if current is None or float(current) < until:
        cache.set(key, until, timeout=math.ceil(seconds) + 1)


def paused_for(provider: str) -> float:
    """Seconds left of ``provider``'s pause (0 when it may start calls)."""
    until = cache.get(_pause_key(provider))
    return max(0.0, float(until) - time.time()) if until is not None else 0.0
