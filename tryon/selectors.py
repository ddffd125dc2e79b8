"""Reads of try-on data, scoped to the calling merchant here and nowhere else."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone

from common.errors import Forbidden, NotFound
from merchants.models import Merchant
from tryon import storage
from tryon.models import DEFAULT_MONTHLY_QUOTA, DailyUsage, ShareLink, TryOnJob, TryOnSettings


def visitor_key_for(*, visitor_id: uuid.UUID | None) -> str:
    """Identifies a shopper for the per-visitor daily limit: the widget's visitorId.

    The client address is deliberately not used: storefronts often call from their own server, so every shopper
    would share one address and one limit. Requests without a visitorId are limited by the monthly quota only.
    """
    return f"v:{visitor_id}" if visitor_id is not None else ""


def job_for_merchant(*, merchant: Merchant, job_id: uuid.UUID | str, visitor_key: str | None = None) -> TryOnJob:
    """The job, or 404 when it does not exist and 403 when it belongs to another merchant.

    With ``visitor_key`` (requests of the storefront widget) the job must also be that visitor's own: 403
    for anybody else's.
    """
    job = TryOnJob.objects.filter(pk=job_id).first()
    if job is None:
        raise NotFound("피팅 작업을 찾을 수 없습니다.")
    check_job_access(
        job_merchant_id=job.merchant_id, job_visitor_key=job.visitor_key, merchant=merchant, visitor_key=visitor_key
    )
    return job


def check_job_access(
    *, job_merchant_id: int, job_visitor_key: str, merchant: Merchant, visitor_key: str | None
) -> None:
    """403 unless the job is the merchant's and, for a visitor's request (``visitor_key``), that visitor's."""
    if job_merchant_id != merchant.pk:
        raise Forbidden("다른 가맹점의 피팅 작업에는 접근할 수 없습니다.")
    if visitor_key is not None and job_visitor_key != visitor_key:
        raise Forbidden("다른 방문자의 피팅 작업에는 접근할 수 없습니다.")


def result_is_kept(job: TryOnJob) -> bool:
    """The job completed and its result is still stored (not yet deleted by retention)."""
    return job.status == TryOnJob.Status.COMPLETED and bool(job.result_image) and not job.result_deleted_at


def result_url(job: TryOnJob) -> str | None:
    """A fresh URL of the result, valid one hour; None unless the job completed and its result is kept."""
    if not result_is_kept(job):
        return None
    return storage.signed_file_url(job.result_image)


def share_url_for(link: ShareLink) -> str:
    """The public share page's address."""
    return settings.PUBLIC_BASE_URL + reverse("tryon-share-page", kwargs={"token": link.token})


def share_link_by_token(*, token: str) -> ShareLink:
    link = ShareLink.objects.select_related("job").filter(token=token).first()
    if link is None:
        raise NotFound("공유 링크를 찾을 수 없습니다.")
    return link


def settings_for(*, merchant: Merchant) -> TryOnSettings:
    return TryOnSettings.objects.get_or_create(merchant=merchant)[0]


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month_start(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def monthly_requests(*, merchant: Merchant | None, day: date | None = None) -> int:
    """Try-on requests accepted in the calendar month of ``day`` (today); every merchant's if None."""
    day = day or timezone.localdate()
    rows = DailyUsage.objects.filter(date__gte=month_start(day), date__lt=next_month_start(day))
    if merchant is not None:
        rows = rows.filter(merchant=merchant)
    return int(rows.aggregate(total=Sum("requested"))["total"] or 0)


def visitor_requests_today(*, merchant: Merchant, visitor_key: str) -> int:
    today = timezone.localdate()
    start = timezone.make_aware(datetime.combine(today, time.min))
    return TryOnJob.objects.filter(merchant=merchant, visitor_key=visitor_key, created_at__gte=start).count()


def daily_usage(*, merchant: Merchant | None, days: int = 30) -> list[dict]:
    """One entry per day of the last ``days`` days (oldest first), zeros included; all merchants if None."""
    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    rows = DailyUsage.objects.filter(date__gte=first)
    if merchant is not None:
        rows = rows.filter(merchant=merchant)
    totals = {
        row["date"]: row
        for row in rows.values("date").annotate(
            requested=Sum("requested"), completed=Sum("completed"), failed=Sum("failed")
        )
    }
    series = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        row: dict[str, Any] = dict(totals.get(day, {}))
        series.append(
            {
                "date": day,
                "requested": int(row.get("requested") or 0),
                "completed": int(row.get("completed") or 0),
                "failed": int(row.get("failed") or 0),
            }
        )
    return series


def feedback_summary(jobs) -> dict[str, int | float | None]:
    """GOOD/BAD counts and the GOOD rate (0-100, None without votes) over the feedback of ``jobs``."""
    counts = jobs.aggregate(
        good=Count("feedback", filter=Q(feedback__vote="GOOD")), bad=Count("feedback", filter=Q(feedback__vote="BAD"))
    )
    good, bad = int(counts["good"] or 0), int(counts["bad"] or 0)
    return {"good": good, "bad": bad, "rate": round(100 * good / (good + bad), 1) if good + bad else None}


def recently_finished_jobs(*, merchant: Merchant | None, limit: int) -> list[TryOnJob]:
    """The latest completed or failed jobs (the dashboard's activity feed); all merchants if None."""
    jobs = TryOnJob.objects.filter(finished_at__isnull=False)
    if merchant is not None:
        jobs = jobs.filter(merchant=merchant)
    return list(jobs.select_related("merchant").order_by("-finished_at")[:limit])


@dataclass(frozen=True)
class QuotaUse:
    merchant_id: int
    merchant_name: str
    used: int
    quota: int


def monthly_usage_by_merchant(day: date | None = None) -> list[QuotaUse]:
    """Every merchant's try-ons accepted this month beside its quota (the default for merchants without settings)."""
    day = day or timezone.localdate()
    used = dict(
        DailyUsage.objects.filter(date__gte=month_start(day), date__lt=next_month_start(day))
        .values_list("merchant_id")
        .annotate(total=Sum("requested"))
        .values_list("merchant_id", "total")
    )
    quotas = dict(TryOnSettings.objects.values_list("merchant_id", "monthly_quota"))
    return [
        QuotaUse(merchant_id, name, int(used.get(merchant_id) or 0), quotas.get(merchant_id, DEFAULT_MONTHLY_QUOTA))
        for merchant_id, name in Merchant.objects.order_by("pk").values_list("pk", "name")
    ]
