"""Size charts: the recommendation's view of a chart, and saving a chart with its rows (dashboard and CSV)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from common.errors import InvalidInput
from common.stored_text import translate_stored
from merchants.models import Merchant
from sizing.dimensions import RANGE_FIELDS, row_ranges
from sizing.models import Category, SizeChart, SizeChartRow
from sizing.recommendation import ChartError, ChartRowSpec, ChartSpec, validate_chart
from sizing.selectors import brand_charts


def rows_spec(*, category: str, kind: str, garment_flat: bool, rows: Sequence[Mapping[str, Any]]) -> ChartSpec:
    """Rows as ``{"label", "<dim>_min", "<dim>_max", ...}`` in size order, as the recommendation reads them."""
    return ChartSpec(
        category=category,
        kind=kind,
        garment_flat=garment_flat,
        rows=[ChartRowSpec(label=row["label"], ranges=row_ranges(row)) for row in rows],
    )


def chart_spec(chart: SizeChart) -> ChartSpec:
    rows = getattr(chart, "ordered_rows", None) or list(chart.rows.order_by("position", "id"))
    return rows_spec(
        category=chart.category,
        kind=chart.kind,
        garment_flat=chart.garment_flat,
        rows=[{"label": row.label, **{name: getattr(row, name) for name in RANGE_FIELDS}} for row in rows],
    )


def check_chart_rows(*, category: str, kind: str, garment_flat: bool, rows: Sequence[Mapping[str, Any]]) -> None:
    """InvalidInput unless the recommendation can use the rows: sizes grow, a dimension is shared by all."""
    try:
        validate_chart(rows_spec(category=category, kind=kind, garment_flat=garment_flat, rows=rows))
    except ChartError as exc:
        raise InvalidInput(translate_stored(str(exc))) from exc


@transaction.atomic
def save_size_chart(
    *,
    merchant: Merchant,
    brand: str,
    category: str,
    kind: str,
    garment_flat: bool,
    rows: list[dict[str, Any]],
    note: str = "",
    chart: SizeChart | None = None,
) -> SizeChart:
    """Creates a chart (or updates ``chart``) and replaces its rows, smallest size first; all or nothing.

    ``rows`` are ``{"label", "<dim>_min", "<dim>_max", ...}`` in size order. The recommendation's own checks
    (sizes grow, a dimension shared by all rows) run before anything is written.
    """
    brand = brand.strip()
    if not brand:
        raise InvalidInput(_("브랜드를 입력해 주세요."))
    if category not in Category.values:
        raise InvalidInput(_("알 수 없는 카테고리입니다."))
    if kind not in SizeChart.Kind.values:
        raise InvalidInput(_("알 수 없는 치수 종류입니다."))
    labels = [row["label"] for row in rows]
    if len(set(labels)) != len(labels):
        raise InvalidInput(_("사이즈 라벨이 중복되었습니다."))
    if rows:
        check_chart_rows(category=category, kind=kind, garment_flat=garment_flat, rows=rows)
    same_brand = brand_charts(merchant=merchant, brand=brand, category=category)
    if chart is not None:
        same_brand = same_brand.exclude(pk=chart.pk)
    if same_brand.exists():
        raise InvalidInput(_("같은 브랜드·카테고리의 사이즈 차트가 이미 있습니다."))
    if chart is None:
        chart = SizeChart.objects.create(
            merchant=merchant, brand=brand, category=category, kind=kind, garment_flat=garment_flat, note=note
        )
    else:
        chart.brand, chart.category, chart.kind, chart.garment_flat, chart.note = (
            brand,
            category,
            kind,
            garment_flat,
            note,
        )
        chart.save()
        chart.rows.all().delete()
    SizeChartRow.objects.bulk_create(
        SizeChartRow(
            chart=chart, position=position, label=row["label"], **{name: row.get(name) for name in RANGE_FIELDS}
        )
        for position, row in enumerate(rows)
    )
    return chart
