"""Daily usage against the monthly quota, and the merchant's try-on settings (limits, retention, the AI mark)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy
from unfold.decorators import display

from merchants.admin_base import (
    MerchantScopedAdmin,
    ReadOnlyMixin,
    request_merchant_or_none,
)
from tryon.admin.ai import mark_preview_html, notice_texts_html
from tryon.charts import usage_chart
from tryon.models import DailyUsage, TryOnSettings
from tryon.selectors import daily_usage, monthly_requests, settings_for


@admin.register(DailyUsage)
class DailyUsageAdmin(ReadOnlyMixin, MerchantScopedAdmin):
    list_display = ("date", "requested", "completed", "failed")
    list_before_template = "tryon/admin/usage_overview.html"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        merchant = None if request.user.is_superuser else request_merchant_or_none(request)
        series = daily_usage(merchant=merchant, days=30)
        context: dict[str, Any] = {
            "usage_chart": usage_chart(series, size="lg"),
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
    fields = (
        "monthly_quota",
        "result_retention_days",
        "ai_notice",
        "visitor_daily_limit",
        "ai_mark_position",
        "ai_mark_theme",
        "ai_mark_size",
        "ai_mark_preview",
    )
    readonly_fields = ("ai_notice", "ai_mark_preview")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if request.user.is_superuser and obj is None:
            return ("merchant", *self.fields)
        return self.fields

    @display(description=gettext_lazy("생성형 AI 고지 (사진 전송 전)"))
    def ai_notice(self, limits: TryOnSettings) -> str:
        return notice_texts_html()

    @display(description=gettext_lazy("AI 생성 표시 미리보기"))
    def ai_mark_preview(self, limits: TryOnSettings) -> str:
        return mark_preview_html(limits) if limits.pk else "-"

    @display(description=gettext_lazy("이번 달 사용량"))
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
