"""Cached response bodies of finished jobs, for the status endpoints storefronts poll every few seconds.

A finished job's body changes only when something changes what it shows (an image of a content job deleted
or replaced, a try-on result's retention moved or the result deleted). Every entry is tagged with the job's
*version*: a random token kept in the cache beside it. A writer that changes what a job shows gives the job
a new token (before its transaction commits and once more after), which retires every entry tagged earlier.

Readers take the token *before* they read the database and tag what they store with it. An entry built
from rows read before a writer committed therefore carries a token the writer's post-commit retirement has
already replaced: a race costs a rebuild, never a stale answer. A token that is missing (never made,
evicted, expired) is replaced by a new one, which retires everything tagged before, so eviction errs the
same way. An entry belongs to one merchant: another merchant's request never gets it and takes the database
path, which refuses it as it always did.

Bodies are kept rendered (the JSON bytes DRF's renderer made of them once): a hit is answered with those
bytes, as :func:`json_bytes_response` does.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from common import read_ahead


@dataclass(frozen=True)
class Lookup:
    entry: Any | None
    # Tag the entry built after a miss with this (it was read before the database was).
    version: str


def render_json(data: Any) -> bytes:
    """The bytes DRF's JSONRenderer answers for ``data`` (the one renderer of this API)."""
    return JSONRenderer().render(data)


def json_bytes_response(request: Request, body: bytes) -> HttpResponseBase:
    """The response to answer with a body rendered by :func:`render_json`.

    DRF has already negotiated JSON; a client asking for ``application/json; indent=…`` gets it re-rendered.
    """
    if request.accepted_media_type != JSONRenderer.media_type:
        return Response(json.loads(body))
    return HttpResponse(body, content_type=JSONRenderer.media_type)


def _digest(job_id: object) -> str:
    # Job ids come from the URL: hashed, so no client input ever becomes part of a cache key.
    return hashlib.sha256(str(job_id).encode()).hexdigest()[:32]


class FinishedJobCache:
    def __init__(self, namespace: str) -> None:
        self.namespace = namespace

    def _entry_key(self, job_id: object) -> str:
        return f"{self.namespace}:status:v1:{_digest(job_id)}"

    def _version_key(self, job_id: object) -> str:
        return f"{self.namespace}:status-version:v1:{_digest(job_id)}"

    def keys(self, job_id: object) -> list[str]:
        """What :meth:`lookup` reads, for :func:`common.read_ahead.read_ahead`."""
        return [self._entry_key(job_id), self._version_key(job_id)]

    @staticmethod
    def _timeout() -> int:
        return settings.JOB_STATUS_CACHE_SECONDS

    def lookup(self, *, merchant_id: int, job_id: object, request: Any | None = None) -> Lookup:
        """The job's cached entry if it is current and the merchant's, else None; one round trip when warm
        (none when ``request`` read :meth:`keys` ahead)."""
        entry_key, version_key = self.keys(job_id)
        found = read_ahead.get_many(request, [entry_key, version_key])
        version = found.get(version_key)
        if version is None:
            # Longer-lived than the entries: a version expiring first only retires entries early.
            cache.add(version_key, secrets.token_hex(8), timeout=2 * self._timeout())
            return Lookup(None, cache.get(version_key) or "")
        stored = found.get(entry_key)
        if isinstance(stored, dict) and stored.get("version") == version and stored.get("merchant") == merchant_id:
            return Lookup(stored["entry"], version)
        return Lookup(None, version)

    def store(self, *, merchant_id: int, job_id: object, version: str, entry: Any) -> None:
        if not version:
            return  # the cache lost the token just made: nothing could tell this entry current
        cache.set(
            self._entry_key(job_id),
            {"version": version, "merchant": merchant_id, "entry": entry},
            timeout=self._timeout(),
        )

    def retire(self, job_ids: Iterable[object]) -> None:
        """Makes every cached entry of these jobs stale: now, and again once the surrounding transaction commits."""
        keys = [self._version_key(job_id) for job_id in dict.fromkeys(job_ids)]
        if not keys:
            return

        def renew() -> None:
            cache.set_many({key: secrets.token_hex(8) for key in keys}, timeout=2 * self._timeout())

        renew()
        transaction.on_commit(renew)


class PolledJSONNegotiation(DefaultContentNegotiation):
    """DRF's content negotiation, answered at once for what pollers send (no ``Accept``, ``*/*`` or
    ``application/json``, no query string) when JSON is the view's only renderer: the answer DRF would give."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> Any:
        accept = request.META.get("HTTP_ACCEPT")
        if (
            format_suffix is None
            and isinstance(renderers, Sequence)
            and len(renderers) == 1
            and isinstance(renderers[0], JSONRenderer)
            and accept in (None, "*/*", JSONRenderer.media_type)
            and not request.META.get("QUERY_STRING")
        ):
            return renderers[0], JSONRenderer.media_type
        return super().select_renderer(request, renderers, format_suffix)
