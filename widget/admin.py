"""Dashboard page of the widget: the funnel per day (a chart, the totals with step rates, the daily rows)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from common import charts
from merchants.admin_base import MerchantScopedAdmin, ReadOnlyMixin, request_merchant_or_none
from widget.analytics import FUNNEL, daily_widget_stats, funnel_totals
from widget.models import WidgetDailyStats

STEP_COLOURS = {
    "opens": charts.MUTED,
    "recommendations": charts.PRIMARY,
    "uploads": charts.WARNING,
    "completed": charts.SUCCESS,
    "shares": "#8e44ad",
    "share_views": charts.DANGER,
}


def funnel_chart(series: list[dict[str, Any]]) -> charts.Chart:
    """One line per funnel step over the days."""
    return charts.daily_chart(
        "widget-funnel",
        _("일별 위젯 퍼널"),
        [row["date"] for row in series],
        [charts.Series(str(label), [row[field] for row in series], STEP_COLOURS[field]) for field, label in FUNNEL],
        kind="line",
        size="lg",
    )


@admin.register(WidgetDailyStats)
class WidgetDailyStatsAdmin(ReadOnlyMixin, MerchantScopedAdmin):
    list_display = ("date", "opens", "recommendations", "uploads", "completed", "shares", "share_views")
    list_before_template = "widget/admin/funnel_overview.html"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        merchant = None if request.user.is_superuser else request_merchant_or_none(request)
        series = daily_widget_stats(merchant_id=getattr(merchant, "pk", None), days=30)
        context = {"funnel_chart": funnel_chart(series), "funnel": funnel_totals(series)}
        return super().changelist_view(request, {**(extra_context or {}), **context})
