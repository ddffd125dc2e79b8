"""Try-on business logic: accepting jobs (quota, limits, input checks), running them, feedback and sharing."""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from common.errors import Conflict, Gone, InvalidInput, NotFound, TooManyRequests, UnsafeURL
from common.http import fetch_public_url
from merchants.models import Merchant
from tryon import storage
from tryon.images import prepare_garment_image, prepare_person_photo
from tryon.models import (
    SHARE_LINK_DAYS,
    DailyUsage,
    QuotaExceededNotice,
    ShareLink,
    TryOnFeedback,
    TryOnJob,
    TryOnSettings,
)
from tryon.providers import EngineError, EngineResult, configured_engine
from tryon.selectors import (
    job_for_merchant,
    month_start,
    monthly_requests,
    next_month_start,
    settings_for,
    share_link_by_token,
    visitor_requests_today,
)
from webhooks.events import TRYON_COMPLETED, TRYON_FAILED, USAGE_QUOTA_EXCEEDED
from webhooks.services import emit_event

logger = logging.getLogger(__name__)

MAX_PRODUCT_IMAGE_BYTES = 10 * 1024 * 1024
SHARE_TOKEN_BYTES = 24  # 192 bits, URL-safe base64: 32 characters


def visitor_key_for(*, visitor_id: uuid.UUID | None) -> str:
    """Identifies a shopper for the per-visitor daily limit: the widget's visitorId.

    The client address is deliberately not used: storefronts often call from their own server, so every shopper
    would share one address and one limit. Requests without a visitorId are limited by the monthly quota only.
    """
    return f"v:{visitor_id}" if visitor_id is not None else ""


def _seconds_until(moment: datetime) -> int:
    return max(1, int((moment - timezone.now()).total_seconds()))


def _notify_quota_exceeded(*, merchant: Merchant, quota: int, used: int) -> None:
    """Emits ``usage.quota_exceeded`` once per merchant and month."""
    month = month_start(timezone.localdate())
    with transaction.atomic():
        _, created = QuotaExceededNotice.objects.get_or_create(merchant=merchant, month=month)
        if created:
            emit_event(
                merchant=merchant,
                event_type=USAGE_QUOTA_EXCEEDED,
                data={"resource": "tryon", "month": month.strftime("%Y-%m"), "quota": quota, "used": used},
            )


def _refuse_over_quota(*, merchant: Merchant) -> NoReturn:
    """Emits ``usage.quota_exceeded`` (once a month) and answers 429 until the next month (KST)."""
    quota = settings_for(merchant=merchant).monthly_quota
    used = monthly_requests(merchant=merchant)
    _notify_quota_exceeded(merchant=merchant, quota=quota, used=used)
    next_month = timezone.make_aware(datetime.combine(next_month_start(timezone.localdate()), datetime.min.time()))
    raise TooManyRequests(f"월별 사용량 한도를 초과했습니다 ({used}/{quota}).", retry_after=_seconds_until(next_month))


def _enqueue(job: TryOnJob) -> None:
    """Sends the job to the worker; when the broker is unreachable the job fails now instead of hanging."""
    from tryon.tasks import run_tryon_job_task

    try:
        run_tryon_job_task.apply_async(args=[str(job.pk)])
    except Exception:
        logger.exception("could not enqueue try-on job", extra={"job_id": str(job.pk)})
        _finish(job, result=None, error="작업을 시작하지 못했습니다. 잠시 후 다시 시도해 주세요.")


def _record_usage(*, merchant: Merchant, field: str) -> None:
    today = timezone.localdate()
    DailyUsage.objects.get_or_create(merchant=merchant, date=today)
    DailyUsage.objects.filter(merchant=merchant, date=today).update(**{field: F(field) + 1})


def create_tryon_job(
    *,
    merchant: Merchant,
    user_image: bytes,
    product_image_url: str,
    category: str = TryOnJob.Category.UPPER_BODY,
    product_title: str = "",
    product_page_url: str = "",
    visitor_key: str = "",
) -> TryOnJob:
    """Checks the inputs, the merchant's quota and the visitor's daily limit, stores the photos and enqueues
    the job. Nothing is stored and nothing counted when any check fails."""
    person = prepare_person_photo(user_image)
    limits = settings_for(merchant=merchant)
    if monthly_requests(merchant=merchant) >= limits.monthly_quota:
        _refuse_over_quota(merchant=merchant)  # before fetching anything; checked again under the lock below
    try:
        fetched = fetch_public_url(product_image_url, max_bytes=MAX_PRODUCT_IMAGE_BYTES, total_timeout=15.0)
    except UnsafeURL as exc:
        raise UnsafeURL(f"productImageUrl: {exc.message}") from exc
    try:
        garment = prepare_garment_image(fetched.content)
    except InvalidInput as exc:
        raise InvalidInput(f"productImageUrl: {exc.message}") from exc

    job_id = uuid.uuid4()
    saved: list[str] = []
    over_quota = False
    try:
        with transaction.atomic():
            # The settings row is the merchant's lock: concurrent requests cannot both take the last slot.
            limits = TryOnSettings.objects.select_for_update().get(merchant=merchant)
            if monthly_requests(merchant=merchant) >= limits.monthly_quota:
                over_quota = True
            else:
                if limits.visitor_daily_limit is not None and visitor_key:
                    if visitor_requests_today(merchant=merchant, visitor_key=visitor_key) >= limits.visitor_daily_limit:
                        tomorrow = timezone.make_aware(
                            datetime.combine(timezone.localdate() + timedelta(days=1), datetime.min.time())
                        )
                        raise TooManyRequests(
                            f"오늘 피팅 요청 한도({limits.visitor_daily_limit}회)를 모두 사용했습니다. 내일 다시 시도해 주세요.",
                            retry_after=_seconds_until(tomorrow),
                        )
                folder = f"jobs/{merchant.pk}/{job_id}"
                saved.append(storage.save_file(f"{folder}/person.jpg", person))
                saved.append(storage.save_file(f"{folder}/garment.png", garment))
                job = TryOnJob.objects.create(
                    id=job_id,
                    merchant=merchant,
                    category=category,
                    product_image_url=product_image_url,
                    product_title=product_title,
                    product_page_url=product_page_url,
                    visitor_key=visitor_key,
                    person_image=saved[0],
                    garment_image=saved[1],
                )
                _record_usage(merchant=merchant, field="requested")
                transaction.on_commit(lambda: _enqueue(job))
    except BaseException:
        for name in saved:
            storage.delete_file(name)
        raise
    if over_quota:
        _refuse_over_quota(merchant=merchant)
    logger.info("try-on job accepted", extra={"job_id": str(job_id), "merchant_id": merchant.pk})
    return job


def result_url(job: TryOnJob) -> str | None:
    """A fresh URL of the result, valid one hour; None unless the job completed and its result is kept."""
    if job.status != TryOnJob.Status.COMPLETED or not job.result_image or job.result_deleted_at:
        return None
    return storage.signed_file_url(job.result_image)


def _event_data(job: TryOnJob) -> dict[str, Any]:
    data: dict[str, Any] = {
        "jobId": str(job.id),
        "status": job.status,
        "category": job.category,
        "productTitle": job.product_title or None,
        "engine": job.engine,
        "preview": bool(job.metadata.get("preview")),
    }
    if job.status == TryOnJob.Status.COMPLETED:
        data["resultImageUrl"] = result_url(job)
    else:
        data["errorMessage"] = job.error_message
    return data


def _start(job_id: str, engine_name: str) -> TryOnJob | None:
    with transaction.atomic():
        job = TryOnJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return None  # deleted, or already done by an earlier delivery of this task
        job.status = TryOnJob.Status.PROCESSING
        job.engine = engine_name
        job.started_at = job.started_at or timezone.now()
        job.progress = max(job.progress, 5)
        job.save(update_fields=["status", "engine", "started_at", "progress"])
        return job


def _finish(job: TryOnJob, *, result: EngineResult | None, error: str = "", metadata: dict | None = None) -> None:
    """Marks the job finished, counts it and emits its event in one transaction; then drops the inputs."""
    result_name = ""
    if result is not None:
        result_name = storage.save_file(
            f"results/{job.merchant_id}/{job.id}-{secrets.token_hex(8)}.{result.extension}", result.image
        )
    try:
        with transaction.atomic():
            locked = TryOnJob.objects.select_for_update().get(pk=job.pk)
            if locked.is_finished:
                storage.delete_file(result_name)
                return
            now = timezone.now()
            locked.finished_at = now
            locked.progress = 100
            locked.metadata = {**locked.metadata, **(metadata or {})}
            if result is not None:
                retention = settings_for(merchant=locked.merchant).result_retention_days
                locked.status = TryOnJob.Status.COMPLETED
                locked.result_image = result_name
                locked.result_expires_at = now + timedelta(days=retention)
            else:
                locked.status = TryOnJob.Status.FAILED
                locked.error_message = (error or "피팅 생성에 실패했습니다.")[:500]
            locked.save()
            _record_usage(merchant=locked.merchant, field="completed" if result is not None else "failed")
            emit_event(
                merchant=locked.merchant,
                event_type=TRYON_COMPLETED if result is not None else TRYON_FAILED,
                data=_event_data(locked),
            )
    except BaseException:
        storage.delete_file(result_name)
        raise
    delete_inputs(locked)
    logger.info("try-on job finished", extra={"job_id": str(job.pk), "status": locked.status, "engine": job.engine})


def delete_inputs(job: TryOnJob) -> None:
    """Deletes the shopper's photo (and the garment copy) of a finished job: privacy first."""
    if not (job.person_image or job.garment_image):
        return
    storage.delete_file(job.person_image)
    storage.delete_file(job.garment_image)
    TryOnJob.objects.filter(pk=job.pk).update(person_image="", garment_image="")


def delete_tryon_job(*, job: TryOnJob) -> None:
    """Deletes a job with its feedback and share links, and every file it still has (photo, garment, result)."""
    names = (job.person_image, job.garment_image, job.result_image)
    job.delete()
    for name in names:
        storage.delete_file(name)


class RetryLater(Exception):
    """The engine hit a provider limit that passes: the task should run again after ``countdown`` seconds."""

    def __init__(self, countdown: float) -> None:
        super().__init__(countdown)
        self.countdown = countdown


def run_tryon_job(*, job_id: str, may_retry: bool = False) -> None:
    """Runs the configured engine on a job. Idempotent: a finished job is left as it is.

    With ``may_retry``, a passing provider limit (rate or concurrency) raises :class:`RetryLater` and leaves
    the job PROCESSING; otherwise it fails the job.
    """
    try:
        engine = configured_engine()
    except EngineError as exc:
        job = TryOnJob.objects.filter(pk=job_id).first()
        if job is not None and not job.is_finished:
            _finish(job, result=None, error=exc.message)
        return
    job = _start(job_id, engine.name)
    if job is None:
        return
    last_reported = [job.progress]

    def report_progress(percent: int) -> None:
        percent = max(0, min(99, int(percent)))
        if percent > last_reported[0]:
            last_reported[0] = percent
            TryOnJob.objects.filter(pk=job.pk, status=TryOnJob.Status.PROCESSING).update(progress=percent)

    try:
        person = storage.read_file(job.person_image)
        garment = storage.read_file(job.garment_image)
    except (OSError, ValueError):
        _finish(job, result=None, error="입력 이미지가 더 이상 존재하지 않습니다.")
        return
    try:
        result = engine.run(person=person, garment=garment, category=job.category, report_progress=report_progress)
    except EngineError as exc:
        if exc.retry_after is not None and may_retry:
            logger.info("try-on engine limited, retrying", extra={"job_id": str(job.pk), "code": exc.code})
            retries = int(job.metadata.get("providerRetries", 0)) + 1
            TryOnJob.objects.filter(pk=job.pk).update(metadata={**job.metadata, "providerRetries": retries})
            raise RetryLater(exc.retry_after) from exc
        logger.warning("try-on engine failed", extra={"job_id": str(job.pk), "code": exc.code})
        _finish(job, result=None, error=exc.message, metadata={"engine": engine.name, "errorCode": exc.code})
        return
    _finish(job, result=result, metadata=result.metadata)


def fail_stale_jobs(*, older_than: timedelta) -> int:
    """Fails jobs stuck in PENDING/PROCESSING (lost messages, dead workers) and deletes their photos."""
    cutoff = timezone.now() - older_than
    count = 0
    for job in TryOnJob.objects.filter(
        status__in=[TryOnJob.Status.PENDING, TryOnJob.Status.PROCESSING], created_at__lt=cutoff
    ):
        _finish(job, result=None, error="처리 시간이 초과되어 작업이 취소되었습니다.")
        count += 1
    return count


def purge_expired(*, now: datetime | None = None) -> dict[str, int]:
    """Retention: deletes results past their merchant's retention period (never while a share link lives),
    leftover input photos of finished jobs, and fails stale jobs."""
    now = now or timezone.now()
    stale = fail_stale_jobs(older_than=timedelta(minutes=settings.TRYON_STALE_JOB_MINUTES))
    leftovers = 0
    for job in TryOnJob.objects.filter(status__in=TryOnJob.FINISHED).exclude(person_image="", garment_image=""):
        delete_inputs(job)
        leftovers += 1
    purged = 0
    expired = TryOnJob.objects.filter(result_expires_at__lte=now, result_deleted_at__isnull=True).exclude(
        result_image=""
    )
    for job in expired:
        live_until = (
            job.share_links.filter(expires_at__gt=now)
            .order_by("-expires_at")
            .values_list("expires_at", flat=True)
            .first()
        )
        if live_until is not None:
            TryOnJob.objects.filter(pk=job.pk).update(result_expires_at=live_until)
            continue
        storage.delete_file(job.result_image)
        TryOnJob.objects.filter(pk=job.pk).update(result_image="", result_deleted_at=now)
        purged += 1
    if stale or leftovers or purged:
        logger.info(
            "try-on retention", extra={"stale_failed": stale, "inputs_deleted": leftovers, "results_deleted": purged}
        )
    return {"staleFailed": stale, "inputsDeleted": leftovers, "resultsDeleted": purged}


def submit_feedback(
    *, merchant: Merchant, job_id: uuid.UUID, vote: str, visitor_id: uuid.UUID, reason: str = ""
) -> TryOnFeedback:
    """One vote per visitor and job: the database constraint decides between concurrent requests."""
    job = job_for_merchant(merchant=merchant, job_id=job_id)
    if job.status != TryOnJob.Status.COMPLETED:
        raise Conflict("완료된 피팅에만 피드백을 남길 수 있습니다.")
    try:
        with transaction.atomic():
            return TryOnFeedback.objects.create(job=job, visitor_id=visitor_id, vote=vote, reason=reason)
    except IntegrityError as exc:
        raise Conflict("이미 피드백을 제출했습니다.") from exc


@dataclass(frozen=True)
class ShareResult:
    link: ShareLink
    created: bool


def share_url_for(link: ShareLink) -> str:
    from django.urls import reverse

    return settings.PUBLIC_BASE_URL + reverse("tryon-share-page", kwargs={"token": link.token})


def share_job(*, merchant: Merchant, job_id: uuid.UUID, visitor_id: uuid.UUID) -> ShareResult:
    """A 7-day share link of a completed job; the existing valid link when there is one (idempotent)."""
    job_for_merchant(merchant=merchant, job_id=job_id)
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
        return ShareResult(link, created=True)


def _live_link(token: str) -> ShareLink:
    link = share_link_by_token(token=token)
    if link.expires_at <= timezone.now():
        raise Gone("만료된 공유 링크입니다.")
    if not link.job.result_image or link.job.result_deleted_at:
        raise Gone("공유된 피팅 결과가 더 이상 존재하지 않습니다.")
    return link


def view_share_link(*, token: str) -> ShareLink:
    """The link of a public view, its ``view_count`` incremented atomically (404 unknown, 410 expired)."""
    link = _live_link(token)
    ShareLink.objects.filter(pk=link.pk).update(view_count=F("view_count") + 1)
    link.refresh_from_db(fields=["view_count"])
    return link


def share_image_url(*, token: str) -> str:
    link = _live_link(token)
    url = result_url(link.job)
    if url is None:
        raise NotFound("공유된 피팅 결과가 없습니다.")
    return url
