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
from django.utils import timezone

from common.errors import Forbidden, InvalidInput, NotFound
from merchants.models import Merchant
from sizing.models import DIMENSIONS, BodyMeasurement, Category, Product, SizeChart, SizeChartRow, SizeFeedback
from sizing.recommendation import Body, ChartError, ChartRowSpec, ChartSpec, recommend, validate_chart
from sizing.selectors import chart_for_product, product_for_merchant, recent_fit_counts

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


def recommend_size(
    *, merchant: Merchant, product_external_id: str, measurement: dict[str, Any], visitor_id: uuid.UUID | None = None
) -> SizeRecommendationResult:
    product = product_for_merchant(merchant=merchant, external_id=product_external_id)
    chart = chart_for_product(product=product)
    result = SizeRecommendationResult(product=product, size=None, confidence=None)
    if chart is not None:
        body = Body(**{key: measurement.get(key) for key in ("gender", "height", "weight", "chest", "waist", "hip")})
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


@transaction.atomic
def import_size_chart(
    *, merchant: Merchant, brand: str, category: str, kind: str, garment_flat: bool, raw_csv: bytes, note: str = ""
) -> SizeChart:
    """Creates the brand+category chart or replaces its rows; all or nothing."""
    brand = brand.strip()
    if not brand:
        raise InvalidInput("브랜드를 입력해 주세요.")
    if category not in Category.values:
        raise InvalidInput("알 수 없는 카테고리입니다.")
    if kind not in SizeChart.Kind.values:
        raise InvalidInput("알 수 없는 치수 종류입니다.")
    rows = parse_chart_csv(raw_csv)
    spec = ChartSpec(
        category=category,
        kind=kind,
        garment_flat=garment_flat,
        rows=[
            ChartRowSpec(
                label=row["label"],
                ranges={
                    dim: (row[f"{dim}_min"], row[f"{dim}_max"]) for dim in DIMENSIONS if row[f"{dim}_min"] is not None
                },
            )
            for row in rows
        ],
    )
    try:
        validate_chart(spec)
    except ChartError as exc:
        raise InvalidInput(str(exc)) from exc
    chart = SizeChart.objects.filter(merchant=merchant, brand__iexact=brand, category=category).first()
    if chart is None:
        chart = SizeChart.objects.create(
            merchant=merchant, brand=brand, category=category, kind=kind, garment_flat=garment_flat, note=note
        )
    else:
        chart.kind, chart.garment_flat = kind, garment_flat
        chart.note = note or chart.note
        chart.save(update_fields=["kind", "garment_flat", "note", "updated_at"])
        chart.rows.all().delete()
    SizeChartRow.objects.bulk_create(
        SizeChartRow(chart=chart, position=position, **row) for position, row in enumerate(rows)
    )
    return chart


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
