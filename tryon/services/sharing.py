"""Share links of completed try-ons: issuing them (idempotent), the public view and its OG image."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from common.errors import Conflict, Gone, NotFound
from merchants.models import Merchant
from tryon.job_status import finished_job_bodies
from tryon.models import SHARE_LINK_DAYS, ShareLink, TryOnJob
from tryon.selectors import job_for_merchant, result_url, share_link_by_token, visitor_key_for
from widget.analytics import record_widget_event, tryon_job_from_widget

SHARE_TOKEN_BYTES = 24  # 192 bits, URL-safe base64: 32 characters


@dataclass(frozen=True)
class ShareResult:
    link: ShareLink
    created: bool


def share_job(
    *, merchant: Merchant, job_id: uuid.UUID, visitor_id: uuid.UUID, own_jobs_only: bool = False
) -> ShareResult:
    """A 7-day share link of a completed job; the existing valid link when there is one (idempotent).

    ``own_jobs_only`` (the widget): the visitor may share only a job they made."""
    job_for_merchant(
        merchant=merchant, job_id=job_id, visitor_key=visitor_key_for(visitor_id=visitor_id) if own_jobs_only else None
    )
    with transaction.atomic():
        # Locking the job serialises concurrent share requests: the second one finds the first one's link.
        job = TryOnJob.objects.select_for_update().get(pk=job_id)
        if job.status != TryOnJob.Status.COMPLETED or not job.result_image:
            raise Conflict("피팅 완료 후에만 공유 링크를 발급할 수 있습니다.")
        now = timezone.now()
        existing = job.share_links.filter(expires_at__gt=now).order_by("-expires_at").first()
        if existing is not None:
            return ShareResult(existing, created=False)
        link = ShareLink.objects.create(
            job=job,
            token=secrets.token_urlsafe(SHARE_TOKEN_BYTES),
            visitor_id=visitor_id,
            expires_at=now + timedelta(days=SHARE_LINK_DAYS),
        )
        # A result is never deleted while a link to it is alive.
        if job.result_expires_at is None or job.result_expires_at < link.expires_at:
            TryOnJob.objects.filter(pk=job.pk).update(result_expires_at=link.expires_at)
            finished_job_bodies.retire([job.pk])
        if tryon_job_from_widget(job):
            record_widget_event(merchant_id=job.merchant_id, event="shares")
        return ShareResult(link, created=True)


def live_share_link(token: str) -> ShareLink:
    """The link, if it may still be opened (404 unknown, 410 expired or its result deleted); not counted."""
    link = share_link_by_token(token=token)
    if link.expires_at <= timezone.now():
        raise Gone("만료된 공유 링크입니다.")
    if not link.job.result_image or link.job.result_deleted_at:
        raise Gone("공유된 피팅 결과가 더 이상 존재하지 않습니다.")
    return link


def view_share_link(*, token: str) -> ShareLink:
    """The link of a public view, its ``view_count`` incremented atomically (404 unknown, 410 expired)."""
    link = live_share_link(token)
    with transaction.atomic():
        ShareLink.objects.filter(pk=link.pk).update(view_count=F("view_count") + 1)
        if tryon_job_from_widget(link.job):
            record_widget_event(merchant_id=link.job.merchant_id, event="share_views")
    link.refresh_from_db(fields=["view_count"])
    return link


def share_image_url(*, token: str) -> str:
    link = live_share_link(token)
    url = result_url(link.job)
    if url is None:
        raise NotFound("공유된 피팅 결과가 없습니다.")
    return url
