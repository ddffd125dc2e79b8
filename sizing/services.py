"""Sizing use cases: recommend a size, record measurements and feedback, import a chart from CSV."""

from __future__ import annotations

import csv
import io
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from common.errors import Forbidden, InvalidInput, NotFound
from merchants.models import Merchant
from sizing.models import (
    DIMENSIONS,
    BodyMeasurement,
    Category,
    DailyRecommendations,
    Product,
    SizeChart,
    SizeChartRow,
    SizeFeedback,
)
from sizing.recommendation import Body, ChartError, ChartRowSpec, ChartSpec, recommend, validate_chart
from sizing.selectors import chart_for_product, product_for_merchant, recent_fit_counts
from widget.analytics import record_widget_event

logger = logging.getLogger(__name__)

SIZE_LABEL = re.compile(r"^[A-Za-z0-9가-힣/+\- ]{1,10}$")


@dataclass(frozen=True)
class SizeRecommendationResult:
    product: Product
    size: str | None
    confidence: int | None
    estimated: tuple[str, ...] = ()
    size_shift: float = 0.0


def chart_spec(chart: SizeChart) -> ChartSpec:
    rows = getattr(chart, "ordered_rows", None) or list(chart.rows.order_by("position", "id"))
    return ChartSpec(
        category=chart.category,
        kind=chart.kind,
        garment_flat=chart.garment_flat,
        rows=[
            ChartRowSpec(
                label=row.label,
                ranges={dim: found for dim in DIMENSIONS if (found := row.published_range(dim)) is not None},
            )
            for row in rows
        ],
    )


def bias_size_shift(*, product: Product) -> float:
    """The shift (in sizes) the product's recent fit feedback calls for; 0 without a consistent bias.

    Rule: over the last ``SIZING_BIAS_WINDOW_DAYS``, with at least ``SIZING_BIAS_MIN_FEEDBACK`` fit votes
    (too small / fits / too large), lean = (too small − too large) / votes. When |lean| ≥
    ``SIZING_BIAS_THRESHOLD`` the body's size position moves by lean × ``SIZING_BIAS_MAX_SHIFT`` sizes
    (positive: the product runs small, so the body is read as bigger).
    """
    counts = recent_fit_counts(product=product)
    if counts.total < settings.SIZING_BIAS_MIN_FEEDBACK:
        return 0.0
    lean = (counts.too_small - counts.too_large) / counts.total
    if abs(lean) < settings.SIZING_BIAS_THRESHOLD:
        return 0.0
    return round(lean * settings.SIZING_BIAS_MAX_SHIFT, 3)


def _count_recommendation(*, merchant: Merchant, sized: bool) -> None:
    today = timezone.localdate()
    DailyRecommendations.objects.get_or_create(merchant=merchant, date=today)
    counts = {"served": F("served") + 1, **({"sized": F("sized") + 1} if sized else {})}
    DailyRecommendations.objects.filter(merchant=merchant, date=today).update(**counts)


def recommend_size(
    *,
    merchant: Merchant,
    product_external_id: str,
    measurement: dict[str, Any],
    visitor_id: uuid.UUID | None = None,
    from_widget: bool = False,
) -> SizeRecommendationResult:
    """The size for the body on the product's chart; stores the body when a visitor is named, and counts the
    answer for the dashboard (and for the widget funnel when the storefront widget asked)."""
    product = product_for_merchant(merchant=merchant, external_id=product_external_id)
    chart = chart_for_product(product=product)
    result = SizeRecommendationResult(product=product, size=None, confidence=None)
    if chart is not None:
        body = Body(
            gender=measurement["gender"],
            height=measurement["height"],
            weight=measurement["weight"],
            chest=measurement.get("chest"),
            waist=measurement.get("waist"),
            hip=measurement.get("hip"),
        )
        shift = bias_size_shift(product=product)
        try:
            found = recommend(body, chart_spec(chart), size_shift=shift)
        except ChartError:
            logger.warning("Unusable size chart %s for product %s", chart.pk, product.pk)
        else:
            result = SizeRecommendationResult(
                product=product,
                size=found.size,
                confidence=found.confidence,
                estimated=found.estimated,
                size_shift=shift,
            )
    _count_recommendation(merchant=merchant, sized=result.size is not None)
    if from_widget and result.size is not None:
        record_widget_event(merchant_id=merchant.pk, event="recommendations")
    if visitor_id is not None:
        BodyMeasurement.objects.create(
            merchant=merchant,
            visitor_id=visitor_id,
            product=product,
            source=BodyMeasurement.Source.RECOMMEND,
            recommended_size=result.size or "",
            confidence=result.confidence,
            **_measurement_fields(measurement),
        )
    return result


def _measurement_fields(measurement: dict[str, Any]) -> dict[str, Any]:
    return {key: measurement.get(key) for key in ("gender", "height", "weight", "chest", "waist", "hip")}


def record_measurement(*, merchant: Merchant, visitor_id: uuid.UUID, measurement: dict[str, Any]) -> BodyMeasurement:
    return BodyMeasurement.objects.create(
        merchant=merchant,
        visitor_id=visitor_id,
        source=BodyMeasurement.Source.WIDGET,
        **_measurement_fields(measurement),
    )


_TOO_SMALL_WORDS = ("작아", "작음", "작다", "작네", "작았", "타이트", "끼어", "끼네", "꽉 ", "꽉끼", "꽉 끼")
_TOO_LARGE_WORDS = ("커요", "크다", "큼", "커서", "컸", "크네", "헐렁", "넉넉", "커 ", "큰 편")


def fit_from_comment(comment: str) -> str:
    """A fit direction read from a Korean comment ("조금 작아요" → TOO_SMALL); "" when unclear or mixed."""
    text = f"{comment} "
    small = any(word in text for word in _TOO_SMALL_WORDS)
    large = any(word in text for word in _TOO_LARGE_WORDS)
    if small == large:
        return ""
    return SizeFeedback.Fit.TOO_SMALL if small else SizeFeedback.Fit.TOO_LARGE


def _check_try_on_job(*, merchant: Merchant, job_id: uuid.UUID, visitor_id: uuid.UUID | None = None) -> None:
    """The id must name one of the caller's try-on jobs (checked once the try-on app provides the model);
    with ``visitor_id`` (the widget), one that this visitor made."""
    try:
        job_model = apps.get_model("tryon", "TryOnJob")
    except LookupError:
        return
    owner = job_model.objects.filter(pk=job_id).values_list("merchant_id", "visitor_key").first()
    if owner is None:
        raise NotFound("피팅 요청을 찾을 수 없습니다.")
    if owner[0] != merchant.pk:
        raise Forbidden("다른 가맹점의 피팅 요청입니다.")
    if visitor_id is not None:
        from tryon.selectors import visitor_key_for

        if owner[1] != visitor_key_for(visitor_id=visitor_id):
            raise Forbidden("다른 방문자의 피팅 요청입니다.")


def submit_size_feedback(
    *,
    merchant: Merchant,
    try_on_request_id: uuid.UUID,
    recommended_size: str,
    confidence: int,
    helpful: bool,
    comment: str = "",
    fit: str = "",
    product_external_id: str | None = None,
    visitor_id: uuid.UUID | None = None,
) -> SizeFeedback:
    _check_try_on_job(merchant=merchant, job_id=try_on_request_id, visitor_id=visitor_id)
    product = product_for_merchant(merchant=merchant, external_id=product_external_id) if product_external_id else None
    if not fit:
        fit = fit_from_comment(comment) or (SizeFeedback.Fit.GOOD if helpful else "")
    values = {
        "product": product,
        "recommended_size": recommended_size,
        "confidence": confidence,
        "helpful": helpful,
        "comment": comment,
        "fit": fit,
    }
    # One opinion per try-on: a resubmission replaces the earlier one, so repeats cannot skew rates or bias.
    for attempt in range(2):
        try:
            with transaction.atomic():
                feedback, _ = SizeFeedback.objects.update_or_create(
                    merchant=merchant, try_on_request_id=try_on_request_id, defaults=values
                )
            return feedback
        except IntegrityError:  # a concurrent first submission won the insert; update it instead
            if attempt:
                raise
    raise AssertionError("unreachable")


# --- CSV import -------------------------------------------------------------------------------------------
CSV_COLUMNS = ("label", *[f"{dim}_{end}" for dim in DIMENSIONS for end in ("min", "max")])
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


def _decode_csv(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp949"):  # Korean Excel saves CSV as CP949
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput("CSV 파일을 읽을 수 없습니다. UTF-8 또는 CP949로 저장해 주세요.")


def _parse_number(text: str, *, line: int, column: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError as exc:
        raise InvalidInput(f"{line}행 {column}: 숫자가 아닙니다 ({text[:20]}).") from exc
    if not (0 < value < 1000):
        raise InvalidInput(f"{line}행 {column}: 0보다 크고 1000보다 작은 값이어야 합니다.")
    return value


def parse_chart_csv(raw: bytes) -> list[dict[str, Any]]:
    """Rows (label + ranges) from a CSV: ``label,chest_min,chest_max,…`` or a single ``chest`` column per value."""
    if len(raw) > settings.SIZING_CSV_MAX_BYTES:
        raise InvalidInput(f"CSV 파일이 너무 큽니다 (최대 {settings.SIZING_CSV_MAX_BYTES // 1024}KB).")
    reader = csv.reader(io.StringIO(_decode_csv(raw)))
    try:
        header = [_normalise_header(name) for name in next(reader)]
    except StopIteration as exc:
        raise InvalidInput("CSV 파일이 비어 있습니다.") from exc
    except csv.Error as exc:
        raise InvalidInput(f"CSV 형식 오류: {exc}") from exc
    known = set(CSV_COLUMNS) | set(DIMENSIONS)
    unknown = [name for name in header if name and name not in known]
    if "label" not in header:
        raise InvalidInput("CSV 첫 줄에 label(사이즈) 열이 필요합니다.")
    if unknown:
        raise InvalidInput(f"알 수 없는 열: {', '.join(unknown[:5])}. 사용할 수 있는 열: {', '.join(CSV_COLUMNS)}")
    rows: list[dict[str, Any]] = []
    labels: set[str] = set()
    try:
        records = list(reader)
    except csv.Error as exc:
        raise InvalidInput(f"CSV 형식 오류: {exc}") from exc
    for line, record in enumerate(records, start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(header):
            raise InvalidInput(f"{line}행: 열이 첫 줄보다 많습니다.")
        cells = dict(zip(header, record, strict=False))
        label = cells.get("label", "").strip()
        if not SIZE_LABEL.fullmatch(label):
            raise InvalidInput(f"{line}행: 사이즈 라벨은 1~10자의 한글·영문·숫자·/+- 여야 합니다.")
        if label in labels:
            raise InvalidInput(f"{line}행: 사이즈 {label}이(가) 중복되었습니다.")
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
                raise InvalidInput(f"{line}행 {dim}: 최소값이 최대값보다 큽니다.")
            row[f"{dim}_min"], row[f"{dim}_max"] = low, high
        rows.append(row)
    if not rows:
        raise InvalidInput("CSV에 사이즈 행이 없습니다.")
    if len(rows) > MAX_CSV_ROWS:
        raise InvalidInput(f"사이즈는 최대 {MAX_CSV_ROWS}개까지 가져올 수 있습니다.")
    return rows


def _chart_spec(*, category: str, kind: str, garment_flat: bool, rows: list[dict[str, Any]]) -> ChartSpec:
    return ChartSpec(
        category=category,
        kind=kind,
        garment_flat=garment_flat,
        rows=[
            ChartRowSpec(
                label=row["label"],
                ranges={
                    dim: (
                        row[f"{dim}_min"] if row.get(f"{dim}_min") is not None else row[f"{dim}_max"],
                        row[f"{dim}_max"] if row.get(f"{dim}_max") is not None else row[f"{dim}_min"],
                    )
                    for dim in DIMENSIONS
                    if row.get(f"{dim}_min") is not None or row.get(f"{dim}_max") is not None
                },
            )
            for row in rows
        ],
    )


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
        raise InvalidInput("브랜드를 입력해 주세요.")
    if category not in Category.values:
        raise InvalidInput("알 수 없는 카테고리입니다.")
    if kind not in SizeChart.Kind.values:
        raise InvalidInput("알 수 없는 치수 종류입니다.")
    labels = [row["label"] for row in rows]
    if len(set(labels)) != len(labels):
        raise InvalidInput("사이즈 라벨이 중복되었습니다.")
    if rows:
        try:
            validate_chart(_chart_spec(category=category, kind=kind, garment_flat=garment_flat, rows=rows))
        except ChartError as exc:
            raise InvalidInput(str(exc)) from exc
    same_brand = SizeChart.objects.filter(merchant=merchant, brand__iexact=brand, category=category)
    if chart is not None:
        same_brand = same_brand.exclude(pk=chart.pk)
    if same_brand.exists():
        raise InvalidInput("같은 브랜드·카테고리의 사이즈 차트가 이미 있습니다.")
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
    fields = [f"{dim}_{end}" for dim in DIMENSIONS for end in ("min", "max")]
    SizeChartRow.objects.bulk_create(
        SizeChartRow(chart=chart, position=position, label=row["label"], **{name: row.get(name) for name in fields})
        for position, row in enumerate(rows)
    )
    return chart


@transaction.atomic
def import_size_chart(
    *, merchant: Merchant, brand: str, category: str, kind: str, garment_flat: bool, raw_csv: bytes, note: str = ""
) -> SizeChart:
    """Creates the brand+category chart or replaces its rows; all or nothing."""
    rows = parse_chart_csv(raw_csv)
    chart = SizeChart.objects.filter(merchant=merchant, brand__iexact=brand.strip(), category=category).first()
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


def _csv_bytes(header: list[str], records: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(records)
    # UTF-8 with a BOM: Korean Excel opens it correctly, and the importers read it back.
    return buffer.getvalue().encode("utf-8-sig")


def _number_text(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def size_chart_csv(chart: SizeChart) -> bytes:
    """The chart's rows in the CSV import format (``label,chest_min,chest_max,…``): export, edit, import."""
    rows = chart.rows.order_by("position", "id")
    used = [column for column in CSV_COLUMNS[1:] if any(getattr(row, column) is not None for row in rows)]
    return _csv_bytes(["label", *used], [[row.label, *[_number_text(getattr(row, c)) for c in used]] for row in rows])


# --- products CSV -----------------------------------------------------------------------------------------
PRODUCT_CSV_COLUMNS = ("external_id", "name", "brand", "category")
_PRODUCT_HEADER_ALIASES = {
    "externalid": "external_id",
    "product_id": "external_id",
    "상품_id": "external_id",
    "상품id": "external_id",
    "상품명": "name",
    "브랜드": "brand",
    "카테고리": "category",
}
MAX_PRODUCT_ROWS = 5000


def products_csv(products: Any) -> bytes:
    return _csv_bytes(
        list(PRODUCT_CSV_COLUMNS),
        [[product.external_id, product.name, product.brand, product.category] for product in products],
    )


@dataclass(frozen=True)
class ProductImport:
    created: int
    updated: int


@transaction.atomic
def import_products(*, merchant: Merchant, raw_csv: bytes) -> ProductImport:
    """Adds or updates (by ``external_id``) the merchant's products from a CSV; all or nothing.

    ``category`` takes the code (TOP, BOTTOM, OUTER, DRESS) or its Korean name (상의, 하의, 아우터, 원피스).
    """
    if len(raw_csv) > settings.SIZING_CSV_MAX_BYTES:
        raise InvalidInput(f"CSV 파일이 너무 큽니다 (최대 {settings.SIZING_CSV_MAX_BYTES // 1024}KB).")
    reader = csv.reader(io.StringIO(_decode_csv(raw_csv)))
    try:
        header = [
            _PRODUCT_HEADER_ALIASES.get(name.strip().lower().replace(" ", "_"), name.strip().lower())
            for name in next(reader)
        ]
        records = list(reader)
    except StopIteration as exc:
        raise InvalidInput("CSV 파일이 비어 있습니다.") from exc
    except csv.Error as exc:
        raise InvalidInput(f"CSV 형식 오류: {exc}") from exc
    missing = [column for column in PRODUCT_CSV_COLUMNS if column not in header]
    if missing:
        raise InvalidInput(
            f"CSV 첫 줄에 필요한 열이 없습니다: {', '.join(missing)}. 열: {', '.join(PRODUCT_CSV_COLUMNS)}"
        )
    categories = {value: value for value in Category.values} | {str(label): value for value, label in Category.choices}
    limits = {field.name: field.max_length for field in Product._meta.fields if field.name in PRODUCT_CSV_COLUMNS}
    seen: set[str] = set()
    wanted: list[dict[str, str]] = []
    for line, record in enumerate(records, start=2):
        if not any(cell.strip() for cell in record):
            continue
        cells = {name: value.strip() for name, value in zip(header, record, strict=False)}
        for column in PRODUCT_CSV_COLUMNS:
            if not cells.get(column):
                raise InvalidInput(f"{line}행: {column}이(가) 비어 있습니다.")
            limit = limits.get(column)
            if limit is not None and len(cells[column]) > limit:
                raise InvalidInput(f"{line}행 {column}: 최대 {limit}자입니다.")
        category = categories.get(cells["category"].upper()) or categories.get(cells["category"])
        if category is None:
            raise InvalidInput(
                f"{line}행: 알 수 없는 카테고리입니다 ({cells['category'][:20]}). 사용할 수 있는 값: {', '.join(Category.values)}"
            )
        if cells["external_id"] in seen:
            raise InvalidInput(f"{line}행: 상품 ID {cells['external_id']}이(가) 중복되었습니다.")
        seen.add(cells["external_id"])
        wanted.append({**{column: cells[column] for column in PRODUCT_CSV_COLUMNS}, "category": category})
    if not wanted:
        raise InvalidInput("CSV에 상품 행이 없습니다.")
    if len(wanted) > MAX_PRODUCT_ROWS:
        raise InvalidInput(f"상품은 한 번에 최대 {MAX_PRODUCT_ROWS}개까지 가져올 수 있습니다.")
    existing = {
        product.external_id: product for product in Product.objects.filter(merchant=merchant, external_id__in=seen)
    }
    created = updated = 0
    for row in wanted:
        product = existing.get(row["external_id"])
        if product is None:
            Product.objects.create(merchant=merchant, **row)
            created += 1
        elif (product.name, product.brand, product.category) != (row["name"], row["brand"], row["category"]):
            product.name, product.brand, product.category = row["name"], row["brand"], row["category"]
            product.save(update_fields=["name", "brand", "category"])
            updated += 1
    return ProductImport(created=created, updated=updated)


def purge_personal_data(*, now: datetime | None = None) -> dict[str, int]:
    """Retention: body measurements older than ``SIZING_MEASUREMENT_RETENTION_DAYS`` are deleted; feedback
    comments older than ``FEEDBACK_TEXT_RETENTION_DAYS`` are cleared (the vote and fit stay for the rates)."""
    now = now or timezone.now()
    measurements, _ = BodyMeasurement.objects.filter(
        created_at__lt=now - timedelta(days=settings.SIZING_MEASUREMENT_RETENTION_DAYS)
    ).delete()
    comments = (
        SizeFeedback.objects.filter(created_at__lt=now - timedelta(days=settings.FEEDBACK_TEXT_RETENTION_DAYS))
        .exclude(comment="")
        .update(comment="")
    )
    if measurements or comments:
        logger.info("sizing retention", extra={"measurements_deleted": measurements, "comments_cleared": comments})
    return {"measurementsDeleted": measurements, "commentsCleared": comments}
