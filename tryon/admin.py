"""Dashboard pages of the try-on app: jobs with before/after thumbnails, feedback with the GOOD rate, share
links with their views, daily usage with a chart, and the merchant's try-on settings (quota, retention)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html

from merchants.admin_base import MerchantScopedAdmin, ReadOnlyMixin, request_merchant_or_none
from tryon import storage
from tryon.charts import usage_chart_svg
from tryon.models import DailyUsage, ShareLink, TryOnFeedback, TryOnJob, TryOnSettings
from tryon.selectors import daily_usage, feedback_summary, monthly_requests, settings_for


def _thumbnail(name: str, alt: str, size: int = 72) -> str:
    return format_html(
        '<img src="{}" alt="{}" style="width:{}px;height:{}px;object-fit:cover;border-radius:6px" loading="lazy">',
        storage.signed_file_url(name, absolute=False),
        alt,
        size,
        size,
    )


def _rate_text(summary: dict[str, Any]) -> str:
    if summary["rate"] is None:
        return "-"
    return f"{summary['rate']}% ({summary['good']}/{summary['good'] + summary['bad']})"


@admin.register(TryOnJob)
class TryOnJobAdmin(ReadOnlyMixin, MerchantScopedAdmin):
    list_display = ("before", "after", "product", "status", "engine_label", "progress_label", "good_rate", "created_at")
    list_filter = ("status", "category", "engine")
    search_fields = ("product_title", "id")
    date_hierarchy = "created_at"
    readonly_fields = (
        "id",
        "status",
        "progress",
        "category",
        "product_title",
        "product_image_url",
        "product_page_url",
        "engine",
        "error_message",
        "created_at",
        "finished_at",
        "result_expires_at",
        "result_deleted_at",
        "result_preview",
        "metadata_pretty",
    )
    exclude = ("person_image", "garment_image", "result_image", "visitor_key", "provider_job_id", "metadata")

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("feedback")

    @admin.display(description="사용자 사진")
    def before(self, job: TryOnJob) -> str:
        # Privacy: the shopper's photo exists only while the job runs and is deleted the moment it ends.
        if job.person_image and not job.is_finished:
            return _thumbnail(job.person_image, "사용자 사진 (처리 중)")
        return format_html('<span style="color:#888;font-size:11px">{}</span>', "삭제됨\n(개인정보 보호)")

    @admin.display(description="결과")
    def after(self, job: TryOnJob) -> str:
        if job.status == TryOnJob.Status.COMPLETED and job.result_image and not job.result_deleted_at:
            return _thumbnail(job.result_image, "피팅 결과")
        if job.result_deleted_at:
            return "보관 기간 만료"
        return "-"

    @admin.display(description="상품", ordering="product_title")
    def product(self, job: TryOnJob) -> str:
        return job.product_title or str(job.id)[:8]

    @admin.display(description="엔진", ordering="engine")
    def engine_label(self, job: TryOnJob) -> str:
        if not job.engine:
            return "-"
        return f"{job.engine} (미리보기)" if job.metadata.get("preview") else job.engine

    @admin.display(description="진행률", ordering="progress")
    def progress_label(self, job: TryOnJob) -> str:
        return format_html(
            '<progress value="{}" max="100" style="width:70px"></progress> {}%', job.progress, job.progress
        )

    @admin.display(description="GOOD 비율")
    def good_rate(self, job: TryOnJob) -> str:
        votes = list(job.feedback.all())
        if not votes:
            return "-"
        good = sum(1 for vote in votes if vote.vote == TryOnFeedback.Vote.GOOD)
        return f"{round(100 * good / len(votes))}% ({good}/{len(votes)})"

    @admin.display(description="결과 이미지")
    def result_preview(self, job: TryOnJob) -> str:
        if job.status == TryOnJob.Status.COMPLETED and job.result_image and not job.result_deleted_at:
            return format_html(
                '<img src="{}" alt="피팅 결과" style="max-width:360px;border-radius:8px">',
                storage.signed_file_url(job.result_image, absolute=False),
            )
        return "-"

    @admin.display(description="메타데이터")
    def metadata_pretty(self, job: TryOnJob) -> str:
        return format_html("<pre>{}</pre>", json.dumps(job.metadata, ensure_ascii=False, indent=2))

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        summary = feedback_summary(self.get_queryset(request))
        extra_context = {**(extra_context or {}), "subtitle": f"피드백 GOOD 비율: {_rate_text(summary)}"}
        return super().changelist_view(request, extra_context)

    def delete_model(self, request: HttpRequest, obj: TryOnJob) -> None:
        for name in (obj.person_image, obj.garment_image, obj.result_image):
            storage.delete_file(name)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for job in queryset:
            for name in (job.person_image, job.garment_image, job.result_image):
                storage.delete_file(name)
        super().delete_queryset(request, queryset)


@admin.register(TryOnFeedback)
class TryOnFeedbackAdmin(ReadOnlyMixin, MerchantScopedAdmin):
    merchant_path = "job__merchant"
    list_display = ("vote", "reason", "job_link", "created_at")
    list_filter = ("vote",)
    search_fields = ("reason",)

    @admin.display(description="피팅 작업")
    def job_link(self, feedback: TryOnFeedback) -> str:
        return feedback.job.product_title or str(feedback.job_id)[:8]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        jobs = TryOnJob.objects.all()
        merchant = request_merchant_or_none(request)
        if not request.user.is_superuser:
            jobs = jobs.filter(merchant=merchant)
        summary = feedback_summary(jobs)
        extra_context = {**(extra_context or {}), "subtitle": f"GOOD 비율: {_rate_text(summary)}"}
        return super().changelist_view(request, extra_context)


@admin.register(ShareLink)
class ShareLinkAdmin(ReadOnlyMixin, MerchantScopedAdmin):
    merchant_path = "job__merchant"
    list_display = ("token_prefix", "product", "view_count", "created_at", "expires_at", "is_live")
    ordering = ("-created_at",)

    @admin.display(description="토큰")
    def token_prefix(self, link: ShareLink) -> str:
        return f"{link.token[:8]}…"

    @admin.display(description="상품")
    def product(self, link: ShareLink) -> str:
        return link.job.product_title or str(link.job_id)[:8]

    @admin.display(description="유효", boolean=True)
    def is_live(self, link: ShareLink) -> bool:
        return link.expires_at > timezone.now()


@admin.register(DailyUsage)
class DailyUsageAdmin(ReadOnlyMixin, MerchantScopedAdmin):
    list_display = ("date", "requested", "completed", "failed")
    change_list_template = "tryon/admin/usage_change_list.html"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        merchant = None if request.user.is_superuser else request_merchant_or_none(request)
        series = daily_usage(merchant=merchant, days=30)
        context: dict[str, Any] = {
            "usage_chart": usage_chart_svg(series),
            "usage_total": sum(r["requested"] for r in series),
        }
        if merchant is not None:
            limits = settings_for(merchant=merchant)
            used = monthly_requests(merchant=merchant)
            context.update(
                {
                    "month_used": used,
                    "month_quota": limits.monthly_quota,
                    "month_percent": min(100, round(100 * used / limits.monthly_quota))
                    if limits.monthly_quota
                    else 100,
                }
            )
        return super().changelist_view(request, {**(extra_context or {}), **context})


@admin.register(TryOnSettings)
class TryOnSettingsAdmin(MerchantScopedAdmin):
    list_display = ("merchant", "monthly_quota", "month_usage", "result_retention_days", "visitor_daily_limit")
    fields = ("monthly_quota", "result_retention_days", "visitor_daily_limit")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if request.user.is_superuser and obj is None:
            return ("merchant", *self.fields)
        return self.fields

    @admin.display(description="이번 달 사용량")
    def month_usage(self, limits: TryOnSettings) -> int:
        return monthly_requests(merchant=limits.merchant)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        merchant = request_merchant_or_none(request)
        if merchant is not None:
            settings_for(merchant=merchant)  # every merchant has a settings row to edit
        return super().changelist_view(request, extra_context)
