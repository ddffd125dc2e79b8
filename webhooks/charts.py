"""The webhook charts of the dashboard: the daily success rate (the delivery log and the home page) and the
attempts per minute (the delivery log's operator view)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from common.charts import DANGER, SUCCESS, Chart, Series, daily_chart
from webhooks.selectors import DailySuccess, MinuteThroughput


def success_rate_chart(days: list[DailySuccess], title: str | None = None) -> Chart:
    """The daily success rate (0–100 %); a day without attempts has no bar."""
    return daily_chart(
        "webhook-success",
        title or _("일별 웹훅 발송 성공률 (%)"),
        [day.day for day in days],
        [
            Series(_("성공률"), [None if day.rate is None else round(100 * day.rate, 1) for day in days], SUCCESS),
        ],
        y_max=100,
    )


THROUGHPUT_MINUTES = 15


def throughput_chart(minutes: list[MinuteThroughput]) -> Chart:
    """Attempts per minute, the current minute last: delivered and failed stacked."""
    return Chart(
        key="webhook-throughput",
        title=_("분당 발송 시도"),
        labels=[f"{timezone.localtime(minute.minute):%H:%M}" for minute in minutes],
        series=[
            Series(_("성공"), [minute.delivered for minute in minutes], SUCCESS),
            Series(_("실패"), [minute.attempts - minute.delivered for minute in minutes], DANGER),
        ],
        stacked=True,
        size="sm",
    )
