"""Storefront widget analytics: one row of counters per merchant and day (KST), no personal data."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from merchants.models import Merchant


class WidgetDailyStats(models.Model):
    """The widget funnel of a day, counted as it happens (publishable-key traffic and the jobs it made).

    Counters only: no visitor ids, addresses, photos or measurements end up here.
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="widget_stats")
    date = models.DateField(_("날짜"))
    opens = models.PositiveIntegerField(_("위젯 열림"), default=0)
    recommendations = models.PositiveIntegerField(_("사이즈 추천"), default=0)
    uploads = models.PositiveIntegerField(_("사진 업로드"), default=0)
    completed = models.PositiveIntegerField(_("피팅 완료"), default=0)
    shares = models.PositiveIntegerField(_("공유"), default=0)
    share_views = models.PositiveIntegerField(_("공유 조회"), default=0)

    class Meta:
        verbose_name = _("위젯 분석")
        verbose_name_plural = _("위젯 분석")
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["merchant", "date"], name="widget_stats_one_row_per_day")]

    def __str__(self) -> str:
        return f"{self.merchant} {self.date}"
