"""The body of ``GET /api/tryon/{jobId}``; a finished job's is served from the cache.

What a finished job shows changes only when a share link moves its retention (``resultExpiresAt``) or the
retention purge deletes its result; those services retire the cached body (:data:`finished_job_bodies`).
The result URL in a cached body is signed for ``TRYON_RESULT_URL_SECONDS``: it is signed again once less
than :data:`RESIGN_BELOW` of that lifetime remains, so a URL handed out always has at least that share of
its lifetime left, and a poll that finds it fresh enough signs nothing.

Every check of the database path holds on a hit: the entry is the merchant's own (another merchant's request
takes the database path and its 403), and a visitor's request (publishable key) sees only that visitor's job.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from django.conf import settings

from common.status_cache import FinishedJobCache, render_json
from merchants.models import Merchant
from tryon import storage
from tryon.selectors import check_job_access, job_for_merchant

finished_job_bodies = FinishedJobCache("tryon")

RESIGN_BELOW = 1 / 3


def job_status_json(
    *, merchant: Merchant, job_id: uuid.UUID, visitor_key: str | None, request: Any | None = None
) -> bytes:
    """The rendered ``{"data": ...}`` of the job: 404 when it does not exist, 403 for another merchant's or
    another visitor's.

    ``request``: the request that read the job's cache keys ahead (:func:`common.read_ahead.read_ahead`).
    """
    # Imported here: the serializers import the services, and the services retire entries of this cache.
    from tryon.serializers import TryOnJobResponse

    cached = finished_job_bodies.lookup(merchant_id=merchant.pk, job_id=job_id, request=request)
    if cached.entry is not None:
        entry = cached.entry
        check_job_access(
            job_merchant_id=entry["merchantId"],
            job_visitor_key=entry["visitorKey"],
            merchant=merchant,
            visitor_key=visitor_key,
        )
        if entry["resultImage"] and entry["urlExpiresAt"] - time.time() < RESIGN_BELOW * entry["urlLifetime"]:
            entry = _with_fresh_url(entry)
            finished_job_bodies.store(merchant_id=merchant.pk, job_id=job_id, version=cached.version, entry=entry)
        return entry["rendered"]

    job = job_for_merchant(merchant=merchant, job_id=job_id, visitor_key=visitor_key)
    # Taken before signing: the URL lives at least until then plus its lifetime.
    signed_at = time.time()
    # Rendered here, on a miss only: a hit answers with the bytes stored below.
    body = TryOnJobResponse.body(job)
    rendered = render_json(body)
    if job.is_finished:
        entry = {
            "rendered": rendered,
            "merchantId": job.merchant_id,
            "visitorKey": job.visitor_key,
            "resultImage": job.result_image if "resultImageUrl" in body["data"] else "",
            "urlLifetime": settings.TRYON_RESULT_URL_SECONDS,
            "urlExpiresAt": signed_at + settings.TRYON_RESULT_URL_SECONDS,
        }
        finished_job_bodies.store(merchant_id=merchant.pk, job_id=job_id, version=cached.version, entry=entry)
    return rendered


def _with_fresh_url(entry: dict[str, Any]) -> dict[str, Any]:
    signed_at = time.time()
    data = json.loads(entry["rendered"])["data"]
    data["resultImageUrl"] = storage.signed_file_url(entry["resultImage"])
    return {
        **entry,
        "rendered": render_json({"data": data}),
        "urlLifetime": settings.TRYON_RESULT_URL_SECONDS,
        "urlExpiresAt": signed_at + settings.TRYON_RESULT_URL_SECONDS,
    }


def retire_deleted_job(sender: type, instance: Any, **kwargs: Any) -> None:
    """post_delete of a job (the dashboard's delete, a merchant's cascade): its poll must answer 404 again."""
    finished_job_bodies.retire([instance.pk])
