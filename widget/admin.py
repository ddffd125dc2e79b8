"""Dashboard page of the widget: the funnel per day (a chart, the totals with step rates, the daily rows)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from merchants.admin_base import MerchantScopedAdmin, ReadOnlyMixin, request_merchant_or_none
from widget.analytics import daily_widget_stats, funnel_totals
from widget.charts import funnel_chart_svg
from widget.models import WidgetDailyStats


@admin.register(WidgetDailyStats)
class WidgetDailyStatsAdmin(ReadOnlyMixin, MerchantScopedAdmin):
    list_display = ("date", "opens", "recommendations", "uploads", "completed", "shares", "share_views")
    change_list_template = "widget/admin/stats_change_list.html"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        merchant = None if request.user.is_superuser else request_merchant_or_none(request)
        series = daily_widget_stats(merchant_id=getattr(merchant, "pk", None), days=30)
        context = {"funnel_chart": funnel_chart_svg(series), "funnel": funnel_totals(series)}
        return super().changelist_view(request, {**(extra_context or {}), **context})
