"""Reading and writing the dashboard's CSV files: Korean Excel's encodings, the size limit, blank lines
skipped, errors as the dashboard shows them, and UTF-8 with a BOM on the way out."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from common.errors import InvalidInput


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp949"):  # Korean Excel saves CSV as CP949
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(_("CSV 파일을 읽을 수 없습니다. UTF-8 또는 CP949로 저장해 주세요."))


def _format_error(exc: csv.Error) -> InvalidInput:
    return InvalidInput(_("CSV 형식 오류: %(error)s") % {"error": exc})


class CsvUpload:
    """An uploaded CSV file: its first line (``header``), then its records on demand (``records``)."""

    def __init__(self, raw: bytes) -> None:
        if len(raw) > settings.SIZING_CSV_MAX_BYTES:
            raise InvalidInput(
                _("CSV 파일이 너무 큽니다 (최대 %(kb)sKB).") % {"kb": settings.SIZING_CSV_MAX_BYTES // 1024}
            )
        self._reader = csv.reader(io.StringIO(_decode(raw)))
        try:
            self.header: list[str] = next(self._reader)
        except StopIteration as exc:
            raise InvalidInput(_("CSV 파일이 비어 있습니다.")) from exc
        except csv.Error as exc:
            raise _format_error(exc) from exc

    def records(self) -> list[tuple[int, list[str]]]:
        """The records after the header with their line numbers (the header is line 1), blank ones left out."""
        try:
            records = list(self._reader)
        except csv.Error as exc:
            raise _format_error(exc) from exc
        return [(line, record) for line, record in enumerate(records, start=2) if any(cell.strip() for cell in record)]


def csv_bytes(header: list[str], records: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(records)
    # UTF-8 with a BOM: Korean Excel opens it correctly, and the importers read it back.
    return buffer.getvalue().encode("utf-8-sig")
