"""Feedback with its GOOD rate, and share links."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.decorators import display

from merchants.admin_base import (
    MerchantScopedAdmin,
    ReadOnlyMixin,
    request_merchant_or_none,
)
from tryon.models import ShareLink, TryOnFeedback, TryOnJob
from tryon.selectors import feedback_summary


def good_rate_text(summary: dict[str, Any]) -> str:
    if summary["rate"] is None:
        return "-"
    return f"{summary['rate']}% ({summary['good']}/{summary['good'] + summary['bad']})"


@admin.register(TryOnFeedback)
class TryOnFeedbackAdmin(ReadOnlyMixin, MerchantScopedAdmin):
    merchant_path = "job__merchant"
    list_display = ("vote", "reason", "job_link", "created_at")
    list_filter = ("vote",)
    search_fields = ("reason",)

    @display(description=gettext_lazy("피팅 작업"))
    def job_link(self, feedback: TryOnFeedback) -> str:
        return feedback.job.product_title or str(feedback.job_id)[:8]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        jobs = TryOnJob.objects.all()
        merchant = request_merchant_or_none(request)
        if not request.user.is_superuser:
            jobs = jobs.filter(merchant=merchant)
        summary = feedback_summary(jobs)
        extra_context = {**(extra_context or {}), "subtitle": _("GOOD 비율: %s") % good_rate_text(summary)}
        return super().changelist_view(request, extra_context)


@admin.register(ShareLink)
class ShareLinkAdmin(ReadOnlyMixin, MerchantScopedAdmin):
    merchant_path = "job__merchant"
    list_display = ("token_prefix", "product", "view_count", "created_at", "expires_at", "is_live")
    ordering = ("-created_at",)

    @display(description=gettext_lazy("토큰"))
    def token_prefix(self, link: ShareLink) -> str:
        return f"{link.token[:8]}…"

    @display(description=gettext_lazy("상품"))
    def product(self, link: ShareLink) -> str:
        return link.job.product_title or str(link.job_id)[:8]

    @display(description=gettext_lazy("유효"), boolean=True)
    def is_live(self, link: ShareLink) -> bool:
        return link.expires_at > timezone.now()
