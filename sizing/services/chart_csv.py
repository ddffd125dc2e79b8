"""A size chart as CSV: ``label,chest_min,chest_max,…`` (or one column per value, Korean headers too), imported
into a brand's chart and exported in the same format."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from common.errors import InvalidInput
from merchants.models import Merchant
from sizing.dimensions import DIMENSIONS, RANGE_FIELDS, SIZE_LABEL
from sizing.models import SizeChart
from sizing.selectors import brand_charts
from sizing.services.charts import save_size_chart
from sizing.services.csv_files import CsvUpload, csv_bytes

CSV_COLUMNS = ("label", *RANGE_FIELDS)
_HEADER_ALIASES = {
    "size": "label",
    "사이즈": "label",
    "가슴": "chest",
    "허리": "waist",
    "엉덩이": "hip",
    "키": "height",
    "몸무게": "weight",
    "최소": "min",
    "최대": "max",
}
MAX_CSV_ROWS = 50


def _normalise_header(name: str) -> str:
    text = name.strip().lower().replace(" ", "_").replace("-", "_")
    for alias, canonical in _HEADER_ALIASES.items():
        text = text.replace(alias, canonical)
    return text


def _parse_number(text: str, *, line: int, column: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError as exc:
        raise InvalidInput(
            _("%(line)s행 %(column)s: 숫자가 아닙니다 (%(text)s).")
            % {"line": line, "column": column, "text": text[:20]}
        ) from exc
    if not (0 < value < 1000):
        raise InvalidInput(
            _("%(line)s행 %(column)s: 0보다 크고 1000보다 작은 값이어야 합니다.") % {"line": line, "column": column}
        )
    return value


def parse_chart_csv(raw: bytes) -> list[dict[str, Any]]:
    """Rows (label + ranges) from a CSV: ``label,chest_min,chest_max,…`` or a single ``chest`` column per value."""
    upload = CsvUpload(raw)
    header = [_normalise_header(name) for name in upload.header]
    known = set(CSV_COLUMNS) | set(DIMENSIONS)
    unknown = [name for name in header if name and name not in known]
    if "label" not in header:
        raise InvalidInput(_("CSV 첫 줄에 label(사이즈) 열이 필요합니다."))
    if unknown:
        raise InvalidInput(
            _("알 수 없는 열: %(unknown)s. 사용할 수 있는 열: %(columns)s")
            % {"unknown": ", ".join(unknown[:5]), "columns": ", ".join(CSV_COLUMNS)}
        )
    rows: list[dict[str, Any]] = []
    labels: set[str] = set()
    for line, record in upload.records():
        if len(record) > len(header):
            raise InvalidInput(_("%(line)s행: 열이 첫 줄보다 많습니다.") % {"line": line})
        cells = dict(zip(header, record, strict=False))
        label = cells.get("label", "").strip()
        if not SIZE_LABEL.fullmatch(label):
            raise InvalidInput(_("%(line)s행: 사이즈 라벨은 1~10자의 한글·영문·숫자·/+- 여야 합니다.") % {"line": line})
        if label in labels:
            raise InvalidInput(_("%(line)s행: 사이즈 %(label)s이(가) 중복되었습니다.") % {"line": line, "label": label})
        labels.add(label)
        row: dict[str, Any] = {"label": label}
        for dim in DIMENSIONS:
            single = _parse_number(cells.get(dim, ""), line=line, column=dim)
            low = _parse_number(cells.get(f"{dim}_min", ""), line=line, column=f"{dim}_min")
            high = _parse_number(cells.get(f"{dim}_max", ""), line=line, column=f"{dim}_max")
            if single is not None:
                low = low if low is not None else single
                high = high if high is not None else single
            if low is not None and high is not None and low > high:
                raise InvalidInput(
                    _("%(line)s행 %(column)s: 최소값이 최대값보다 큽니다.") % {"line": line, "column": dim}
                )
            row[f"{dim}_min"], row[f"{dim}_max"] = low, high
        rows.append(row)
    if not rows:
        raise InvalidInput(_("CSV에 사이즈 행이 없습니다."))
    if len(rows) > MAX_CSV_ROWS:
        raise InvalidInput(_("사이즈는 최대 %(count)s개까지 가져올 수 있습니다.") % {"count": MAX_CSV_ROWS})
    return rows


@transaction.atomic
def import_size_chart(
    *, merchant: Merchant, brand: str, category: str, kind: str, garment_flat: bool, raw_csv: bytes, note: str = ""
) -> SizeChart:
    """Creates the brand+category chart or replaces its rows; all or nothing."""
    rows = parse_chart_csv(raw_csv)
    chart = brand_charts(merchant=merchant, brand=brand, category=category).first()
    return save_size_chart(
        merchant=merchant,
        brand=chart.brand if chart is not None else brand,
        category=category,
        kind=kind,
        garment_flat=garment_flat,
        rows=rows,
        note=note or (chart.note if chart is not None else ""),
        chart=chart,
    )


def _number_text(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def size_chart_csv(chart: SizeChart) -> bytes:
    """The chart's rows in the CSV import format (``label,chest_min,chest_max,…``): export, edit, import."""
    rows = chart.rows.order_by("position", "id")
    used = [column for column in RANGE_FIELDS if any(getattr(row, column) is not None for row in rows)]
    return csv_bytes(["label", *used], [[row.label, *[_number_text(getattr(row, c)) for c in used]] for row in rows])
