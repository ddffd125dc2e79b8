"""Lists written to PostgreSQL with the faster array escape (common/postgres.py) arrive as psycopg's would."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from psycopg.adapt import PyFormat
from psycopg.types.array import ListDumper

from common.postgres import ListDumperEscapingFast
from content.models import ImageJob
from tests.support.merchants import make_merchant

HARD_TEXTS = [
    'a "quoted" \\ back\\\\slash',
    "{braces}, commas, NULL",
    "NULL",
    "",
    "  spaces\tand\nnewlines  ",
    "봄맞이 커피 할인 이벤트 \u3000 ☕",
    '\\"',
    '"',
    "\\",
]


@pytest.mark.django_db
def test_the_connection_writes_lists_with_the_fast_escape():
    connection.ensure_connection()
    assert connection.vendor == "postgresql", "the suite runs against PostgreSQL"
    assert type(connection.connection.adapters.get_dumper(list, PyFormat.TEXT)(list)) is ListDumperEscapingFast


@pytest.mark.django_db
def test_array_literals_are_psycopg_s_own():
    connection.ensure_connection()
    adapters = connection.connection.adapters
    cases: list[list[Any]] = [HARD_TEXTS, [text.encode() for text in HARD_TEXTS], [[text, None] for text in HARD_TEXTS]]
    for values in cases:
        ours = ListDumperEscapingFast(list, adapters).upgrade(values, PyFormat.TEXT).dump(values)
        theirs = ListDumper(list, adapters).upgrade(values, PyFormat.TEXT).dump(values)
        assert ours is not None and theirs is not None and bytes(ours) == bytes(theirs)


@pytest.mark.django_db
def test_bulk_created_jobs_read_back_as_written():
    merchant = make_merchant()
    jobs = [
        ImageJob(
            id=f"job-array-{number}", merchant=merchant, event_draft_id=text or "-", payload={"t": text, text: [text]}
        )
        for number, text in enumerate(HARD_TEXTS)
    ]
    ImageJob.objects.bulk_create(jobs)  # several rows: Django's UNNEST of one array per column
    stored = {job.id: (job.event_draft_id, job.payload) for job in ImageJob.objects.filter(merchant=merchant)}
    assert stored == {job.id: (job.event_draft_id, job.payload) for job in jobs}
