"""The result cache per merchant + eventDraftId (Django cache: Redis in production), TTL from settings.

The database keeps every image; the cache entry is what makes an event's content "live": while it exists a
repeat generate answers from it, and ``GET /api/content/events/{id}`` finds it. When it expires, both behave
as if the event had never been rendered.

The event's facts (period, callToAction, eventUrl, storeName) are part of what a cached answer must match: the
entry keeps their digest, and a repeat generate whose facts differ renders anew (its images then replace the
event's listing, as after an expiry) instead of answering with images that show other facts.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils.dateparse import parse_datetime

from merchants.models import Merchant

FACT_FIELDS = ("period", "callToAction", "eventUrl", "storeName")


def facts_digest(event_info: dict) -> str:
    """The digest of an event's facts; events without any (all of the contract's) share the empty digest."""
    facts = {name: event_info[name] for name in FACT_FIELDS if event_info.get(name)}
    if not facts:
        return ""
    return hashlib.sha256(json.dumps(facts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class CachedEvent:
    job_id: str
    created_at: datetime
    expires_at: datetime
    facts: str = ""


def _key(merchant_id: int, event_draft_id: str) -> str:
    digest = hashlib.sha256(event_draft_id.encode()).hexdigest()[:40]
    return f"content:event:v1:{merchant_id}:{digest}"


def cached_event(*, merchant: Merchant, event_draft_id: str) -> CachedEvent | None:
    return _live(cache.get(_key(merchant.pk, event_draft_id)))


def cached_events(*, events: list[tuple[int, str]]) -> dict[tuple[int, str], CachedEvent]:
    """:func:`cached_event` of many (merchant id, eventDraftId) pairs in one cache read; the live ones."""
    keys = {_key(merchant_id, event_draft_id): (merchant_id, event_draft_id) for merchant_id, event_draft_id in events}
    found = {keys[key]: _live(entry) for key, entry in cache.get_many(list(keys)).items()}
    return {event: entry for event, entry in found.items() if entry is not None}


def _live(entry: dict | None) -> CachedEvent | None:
    if not entry:
        return None
    expires_at = parse_datetime(entry["expiresAt"])
    created_at = parse_datetime(entry["createdAt"])
    if expires_at is None or created_at is None or expires_at <= datetime.now(UTC):
        return None
    return CachedEvent(
        job_id=entry["jobId"], created_at=created_at, expires_at=expires_at, facts=entry.get("facts", "")
    )


def remember_event(*, merchant_id: int, event_draft_id: str, job_id: str, facts: str = "") -> CachedEvent:
    """Caches the event's content for the TTL; keeps the first creation time while the entry lives (and shows
    the same facts)."""
    now = datetime.now(UTC)
    ttl = settings.CONTENT_CACHE_TTL_SECONDS
    key = _key(merchant_id, event_draft_id)
    previous = cache.get(key) or {}
    kept = previous.get("createdAt") and previous.get("facts", "") == facts
    created_at = parse_datetime(previous["createdAt"]) if kept else now
    entry = CachedEvent(
        job_id=job_id, created_at=created_at or now, expires_at=now + timedelta(seconds=ttl), facts=facts
    )
    cache.set(
        key,
        {
            "jobId": job_id,
            "createdAt": entry.created_at.isoformat(),
            "expiresAt": entry.expires_at.isoformat(),
            "facts": facts,
        },
        timeout=ttl,
    )
    return entry


def forget_event(*, merchant_id: int, event_draft_id: str) -> None:
    cache.delete(_key(merchant_id, event_draft_id))
