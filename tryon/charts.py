"""The try-on charts the dashboard draws (its usage page and the home)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from common import charts


def usage_chart(series: list[dict[str, Any]], **options: Any) -> charts.Chart:
    """Stacked daily bars: completed, failed, not finished yet (``options`` go to the chart, e.g. its size)."""
    return charts.daily_chart(
        "tryon-usage",
        _("최근 30일 일별 피팅 요청"),
        [row["date"] for row in series],
        [
            charts.Series(_("완료"), [row["completed"] for row in series], charts.SUCCESS),
            charts.Series(_("실패"), [row["failed"] for row in series], charts.DANGER),
            charts.Series(
                _("처리 중"),
                [max(0, row["requested"] - row["completed"] - row["failed"]) for row in series],
                charts.MUTED,
            ),
        ],
        stacked=True,
        **options,
    )
