"""One cache round trip for the keys a request is known to read, for the endpoints clients poll.

A polled view names, before authentication runs, the cache keys its request will read (the API key's entry,
the job's cached body and version) and fetches them with one ``get_many``; the readers then take them from
the request instead of asking the cache again. A reader asking for a key that was not read ahead goes to the
cache as usual, so a view that reads nothing ahead behaves exactly as before. The request's throttle counter
(``common.throttling``) may ride along: counted in the same round trip, then read by the throttle.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.cache import cache

from common.cache import counting_cache

_ATTRIBUTE = "_cache_read_ahead"
_COUNTED = "_cache_counted_ahead"


def _holder(request: Any) -> Any:
    # The Django request under a DRF Request, so that both see the same values.
    return getattr(request, "_request", request)


def read_ahead(request: Any, keys: Iterable[str], *, counter: tuple[str, int] | None = None) -> None:
    """Reads ``keys`` for the request; with ``counter`` (cache key, lifetime) also counts it, same round trip."""
    keys = list(keys)
    counted: dict[str, int] = {}
    if counter is not None:
        values, counted[counter[0]] = counting_cache().read_and_count(keys, counter[0], counter[1])
    else:
        values = cache.get_many(keys)
    setattr(_holder(request), _ATTRIBUTE, (frozenset(keys), values))
    setattr(_holder(request), _COUNTED, counted)


def take_count(request: Any | None, key: str) -> int | None:
    """The count of ``key`` made by :func:`read_ahead` for this request (once), or None."""
    counted = getattr(_holder(request), _COUNTED, None) if request is not None else None
    return counted.pop(key, None) if counted else None


def get_many(request: Any | None, keys: list[str]) -> dict[str, Any]:
    """``cache.get_many(keys)``, answered from what ``request`` read ahead when it read all of them."""
    ahead = getattr(_holder(request), _ATTRIBUTE, None) if request is not None else None
    if ahead is not None and ahead[0].issuperset(keys):
        return {key: ahead[1][key] for key in keys if key in ahead[1]}
    return cache.get_many(keys)
