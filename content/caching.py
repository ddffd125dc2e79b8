"""The result cache per merchant + eventDraftId (Django cache: Redis in production), TTL from settings.

The database keeps every image; the cache entry is what makes an event's content "live": while it exists a
repeat generate answers from it, and ``GET /api/content/events/{id}`` finds it. When it expires, both behave
as if the event had never been rendered.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils.dateparse import parse_datetime

from merchants.models import Merchant


@dataclass(frozen=True)
class CachedEvent:
    job_id: str
    created_at: datetime
    expires_at: datetime


def _key(merchant_id: int, event_draft_id: str) -> str:
    digest = hashlib.sha256(event_draft_id.encode()).hexdigest()[:40]
    return f"content:event:v1:{merchant_id}:{digest}"


def cached_event(*, merchant: Merchant, event_draft_id: str) -> CachedEvent | None:
    entry = cache.get(_key(merchant.pk, event_draft_id))
    if not entry:
        return None
    expires_at = parse_datetime(entry["expiresAt"])
    created_at = parse_datetime(entry["createdAt"])
    if expires_at is None or created_at is None or expires_at <= datetime.now(UTC):
        return None
    return CachedEvent(job_id=entry["jobId"], created_at=created_at, expires_at=expires_at)


def remember_event(*, merchant_id: int, event_draft_id: str, job_id: str) -> CachedEvent:
    """Caches the event's content for the TTL; keeps the first creation time while the entry lives."""
    now = datetime.now(UTC)
    ttl = settings.CONTENT_CACHE_TTL_SECONDS
    key = _key(merchant_id, event_draft_id)
    previous = cache.get(key) or {}
    created_at = parse_datetime(previous["createdAt"]) if previous.get("createdAt") else now
    entry = CachedEvent(job_id=job_id, created_at=created_at or now, expires_at=now + timedelta(seconds=ttl))
    cache.set(
        key,
        {"jobId": job_id, "createdAt": entry.created_at.isoformat(), "expiresAt": entry.expires_at.isoformat()},
        timeout=ttl,
    )
    return entry


def forget_event(*, merchant_id: int, event_draft_id: str) -> None:
    cache.delete(_key(merchant_id, event_draft_id))
