"""Product images, fetched by the workers and cached per merchant and URL (honouring the host's validators).

``POST /api/tryon`` only checks the URL; the job's worker asks :func:`prepared_garment`. A fresh cached copy
is used at once; otherwise the job is parked while a follower (the worker's remote loop) fetches or revalidates
the image — once for every job that needs it meanwhile — and wakes them. The download is I/O in the follower;
decoding and preparing (CPU) happen in the job's worker slot, once per fetched copy.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from common.errors import InvalidInput, UnsafeURL
from common.http import fetch_public_url
from common.remote import calls
from common.remote.handlers import ProviderCalls
from common.remote.wake import park, wake
from common.stored_text import StoredText
from tryon import storage
from tryon.images import prepare_garment_image
from tryon.models import GarmentImage, TryOnJob

logger = logging.getLogger(__name__)

PROVIDER = "product-image"
MAX_PRODUCT_IMAGE_BYTES = 10 * 1024 * 1024
# A fetch that failed answers the jobs that waited for it, and those arriving this soon after; later ones try
# the host again (the merchant may have fixed the image).
FAILURE_REMEMBERED_SECONDS = 30
PRODUCT_IMAGE_UNAVAILABLE = StoredText(gettext_noop("상품 이미지를 가져올 수 없습니다: %(reason)s"))
PRODUCT_IMAGE_UNREADABLE = StoredText(
    gettext_noop("상품 이미지를 읽을 수 없습니다 (JPEG, PNG 또는 WEBP 이미지 URL이어야 합니다): %(reason)s")
)
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*(\d+)", re.IGNORECASE)


class GarmentUnavailable(Exception):
    """The product image could not be fetched or read: the job fails with ``message`` (Korean, for shoppers)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def url_digest(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def entry_for(job: TryOnJob) -> GarmentImage:
    if job.garment_id is not None:
        return GarmentImage.objects.get(pk=job.garment_id)
    digest = url_digest(job.product_image_url)
    entry = GarmentImage.objects.filter(merchant_id=job.merchant_id, url_digest=digest).first()
    if entry is None:
        try:
            with transaction.atomic():
                entry = GarmentImage.objects.create(
                    merchant_id=job.merchant_id, url=job.product_image_url, url_digest=digest, provider=PROVIDER
                )
        except IntegrityError:  # another job of the same product created it first
            entry = GarmentImage.objects.get(merchant_id=job.merchant_id, url_digest=digest)
    TryOnJob.objects.filter(pk=job.pk).update(garment=entry)
    job.garment = entry
    return entry


def prepared_garment(job: TryOnJob) -> bytes | None:
    """The job's product image, prepared for the engines; None when the job is now parked waiting for a fetch.

    Raises :class:`GarmentUnavailable` when the image cannot be had.
    """
    entry = entry_for(job)
    now = timezone.now()
    with transaction.atomic():
        entry = GarmentImage.objects.select_for_update().get(pk=entry.pk)
        usable = False
        if entry.state == GarmentImage.State.DONE:
            if entry.error_message and entry.finished_at and entry.finished_at > now - _remembered():
                raise GarmentUnavailable(entry.error_message, entry.error_code)
            usable = not entry.error_message and bool(entry.fresh_until and entry.fresh_until > now)
        if usable:
            GarmentImage.objects.filter(pk=entry.pk).update(last_used_at=now)
        else:
            if entry.state == GarmentImage.State.DONE:
                # Stale, or failed a while ago: fetch (or revalidate) it again, for this job and those that follow.
                GarmentImage.objects.filter(pk=entry.pk).update(
                    state=GarmentImage.State.WAITING,
                    waiting_since=now,
                    next_check_at=None,
                    attempts=0,
                    error_code="",
                    error_message="",
                )
            park(TryOnJob, job.pk, on="garment")
    return _prepared(entry) if usable else None


def _remembered() -> timedelta:
    return timedelta(seconds=FAILURE_REMEMBERED_SECONDS)


def _prepared(entry: GarmentImage) -> bytes:
    """The prepared PNG, made from the fetched bytes by the first job that needs it (CPU: in a worker slot)."""
    if entry.prepared_file:
        return storage.read_file(entry.prepared_file)
    try:
        prepared = prepare_garment_image(storage.read_file(entry.fetched_file))
    except InvalidInput as exc:
        message = PRODUCT_IMAGE_UNREADABLE(reason=exc.message)
        GarmentImage.objects.filter(pk=entry.pk).update(
            error_code="PRODUCT_IMAGE_UNREADABLE", error_message=message[:500], finished_at=timezone.now()
        )
        raise GarmentUnavailable(message, "PRODUCT_IMAGE_UNREADABLE") from exc
    name = storage.save_file(
        f"garments/{entry.merchant_id}/{entry.url_digest[:32]}-{secrets.token_hex(6)}.png", prepared
    )
    # Conditional: of two jobs preparing the same copy at once, the first one's file is kept.
    kept = GarmentImage.objects.filter(pk=entry.pk, fetched_file=entry.fetched_file, prepared_file="").update(
        prepared_file=name
    )
    if not kept:
        storage.delete_file(name)
    return prepared


def freshness_seconds(headers: Any) -> float:
    """How long a fetched copy is used without asking the host again: its ``max-age`` (``no-cache`` and
    ``no-store``: revalidate every time), else TRYON_GARMENT_CACHE_SECONDS; never past the maximum."""
    cache_control = str(headers.get("Cache-Control", "") or "")
    if re.search(r"no-cache|no-store", cache_control, re.IGNORECASE):
        return 0.0
    match = _MAX_AGE.search(cache_control)
    seconds = float(match.group(1)) if match else float(settings.TRYON_GARMENT_CACHE_SECONDS)
    return min(seconds, float(settings.TRYON_GARMENT_CACHE_MAX_SECONDS))


class GarmentFetchHandler(ProviderCalls):
    """Fetches (or revalidates) a product image in the follower, then wakes the jobs parked on it."""

    name = "tryon.garment"
    model = GarmentImage
    queue = "tryon"
    providers = (PROVIDER,)

    def advance(self, call: GarmentImage) -> None:
        conditional: dict[str, str] = {}
        if call.fetched_file and not call.error_message:
            if call.etag:
                conditional["If-None-Match"] = call.etag
            if call.last_modified:
                conditional["If-Modified-Since"] = call.last_modified
        try:
            fetched = fetch_public_url(
                call.url,
                max_bytes=MAX_PRODUCT_IMAGE_BYTES,
                total_timeout=settings.TRYON_PRODUCT_FETCH_SECONDS,
                headers=conditional,
                per_process_cap=False,
            )
        except UnsafeURL as exc:
            logger.info("product image unavailable", extra={"garment_id": call.pk, "reason": exc.message})
            self.give_up(call, PRODUCT_IMAGE_UNAVAILABLE(reason=exc.message), code="PRODUCT_IMAGE_UNAVAILABLE")
            return
        now = timezone.now()
        fresh_until = now + timedelta(seconds=freshness_seconds(fetched.headers))
        if fetched.status == 304:
            calls.finish(call, fetched_at=now, fresh_until=fresh_until, then=lambda: self._wake(call))
            return
        name = storage.save_file(
            f"garments/{call.merchant_id}/{call.url_digest[:32]}-{secrets.token_hex(6)}.src", fetched.content
        )
        replaced = [call.fetched_file, call.prepared_file]
        try:
            calls.finish(
                call,
                fetched_file=name,
                prepared_file="",
                etag=str(fetched.headers.get("ETag", "") or "")[:200],
                last_modified=str(fetched.headers.get("Last-Modified", "") or "")[:100],
                fetched_at=now,
                fresh_until=fresh_until,
                error_code="",
                error_message="",
                then=lambda: self._wake(call),
            )
        except BaseException:
            storage.delete_file(name)
            raise
        for old in replaced:  # no job reads them any more: a job reads the entry's files inside its own step
            storage.delete_file(old)

    def waited_too_long(self, call: GarmentImage) -> None:
        self.give_up(call, PRODUCT_IMAGE_UNAVAILABLE(reason="timeout"))

    def give_up(self, call: GarmentImage, message: str, code: str = "PRODUCT_IMAGE_UNAVAILABLE") -> None:
        calls.finish(call, error_code=code, error_message=message[:500], then=lambda: self._wake(call))

    def _wake(self, call: GarmentImage) -> None:
        waiting = TryOnJob.objects.filter(garment=call, parked_on="garment", status__in=TryOnJob.ACTIVE)
        wake(TryOnJob, list(waiting.values_list("pk", flat=True)), task_name=TryOnJob.TASK)
