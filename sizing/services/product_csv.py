"""The merchant's products as CSV (``external_id,name,brand,category``): imported (added or updated by
``external_id``) and exported in the same format."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from common.errors import InvalidInput
from merchants.models import Merchant
from sizing.models import Category, Product
from sizing.services.csv_files import CsvUpload, csv_bytes

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


def products_csv(products: Iterable[Product]) -> bytes:
    return csv_bytes(
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
    upload = CsvUpload(raw_csv)
    header = [
        _PRODUCT_HEADER_ALIASES.get(name.strip().lower().replace(" ", "_"), name.strip().lower())
        for name in upload.header
    ]
    records = upload.records()
    missing = [column for column in PRODUCT_CSV_COLUMNS if column not in header]
    if missing:
        raise InvalidInput(
            _("CSV 첫 줄에 필요한 열이 없습니다: %(missing)s. 열: %(columns)s")
            % {"missing": ", ".join(missing), "columns": ", ".join(PRODUCT_CSV_COLUMNS)}
        )
    categories = {value: value for value in Category.values} | {str(label): value for value, label in Category.choices}
    limits = {field.name: field.max_length for field in Product._meta.fields if field.name in PRODUCT_CSV_COLUMNS}
    seen: set[str] = set()
    wanted: list[dict[str, str]] = []
    for line, record in records:
        cells = {name: value.strip() for name, value in zip(header, record, strict=False)}
        for column in PRODUCT_CSV_COLUMNS:
            if not cells.get(column):
                raise InvalidInput(_("%(line)s행: %(column)s이(가) 비어 있습니다.") % {"line": line, "column": column})
            limit = limits.get(column)
            if limit is not None and len(cells[column]) > limit:
                raise InvalidInput(
                    _("%(line)s행 %(column)s: 최대 %(count)s자입니다.")
                    % {"line": line, "column": column, "count": limit}
                )
        category = categories.get(cells["category"].upper()) or categories.get(cells["category"])
        if category is None:
            raise InvalidInput(
                _("%(line)s행: 알 수 없는 카테고리입니다 (%(category)s). 사용할 수 있는 값: %(values)s")
                % {"line": line, "category": cells["category"][:20], "values": ", ".join(Category.values)}
            )
        if cells["external_id"] in seen:
            raise InvalidInput(
                _("%(line)s행: 상품 ID %(id)s이(가) 중복되었습니다.") % {"line": line, "id": cells["external_id"]}
            )
        seen.add(cells["external_id"])
        wanted.append({**{column: cells[column] for column in PRODUCT_CSV_COLUMNS}, "category": category})
    if not wanted:
        raise InvalidInput(_("CSV에 상품 행이 없습니다."))
    if len(wanted) > MAX_PRODUCT_ROWS:
        raise InvalidInput(_("상품은 한 번에 최대 %(count)s개까지 가져올 수 있습니다.") % {"count": MAX_PRODUCT_ROWS})
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
