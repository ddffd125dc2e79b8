"""How our PostgreSQL connections write Python lists: the elements of an array literal escaped without ``re.sub``.

Django 5.2 inserts a ``bulk_create``'s rows as one array per column (``INSERT … SELECT * FROM UNNEST(…)``), which
psycopg writes as a text array literal, escaping every ``"`` and ``\\`` of every element with ``re.sub`` and a
``\\1`` template: a Python call per match. A job's JSON payload holds about 40 quotes, so escaping cost 40% of
inserting a Kafka batch of 500 jobs; ``bytes.replace`` does the same in a hundredth of the time.
"""

from __future__ import annotations

import re
from typing import Any

from psycopg.types.array import ListDumper

_PSYCOPG_ESCAPE = re.compile(rb'(["\\])')
_PSYCOPG_TEMPLATE = rb"\\\1"


class _ArrayElementEscape:
    """Stands in for ``ListDumper._re_esc`` (its only use: ``_re_esc.sub(rb"\\\\\\1", element)``). Should psycopg
    call it otherwise, it is answered as psycopg's own pattern would; should psycopg stop using it, psycopg's own
    code runs: a change upstream can slow the inserts down again, never write different data."""

    pattern = _PSYCOPG_ESCAPE.pattern

    def sub(self, template: Any, element: Any, count: int = 0) -> Any:
        if template != _PSYCOPG_TEMPLATE or count:
            return _PSYCOPG_ESCAPE.sub(template, element, count)
        data = element if isinstance(element, (bytes, bytearray)) else bytes(element)
        return data.replace(b"\\", b"\\\\").replace(b'"', b'\\"')


class ListDumperEscapingFast(ListDumper):
    """psycopg's text dumper of lists, with :class:`_ArrayElementEscape`."""

    _re_esc = _ArrayElementEscape()  # type: ignore[assignment]


def use_fast_array_escape(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: this PostgreSQL connection writes lists with :class:`ListDumperEscapingFast`."""
    if connection.vendor == "postgresql":
        connection.connection.adapters.register_dumper(list, ListDumperEscapingFast)
