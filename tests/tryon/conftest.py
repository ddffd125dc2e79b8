"""Fixtures of the try-on tests: a private try-on folder, a shop's image host and the fake FASHN (shared with
other areas, from tests/support/tryon.py), FASHN's settings, and S3 (tests/support/s3.py)."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest

from tests.support.fashn import FakeFashn
from tests.support.s3 import S3_BUCKET, S3_KEY, S3_REGION, S3_SECRET, S3Emulator, s3_emulator_server
from tests.support.tryon import fake_fashn, image_server, loopback_allowed, private_tryon_media  # noqa: F401


@pytest.fixture
def concurrent_database() -> None:
    """Concurrency tests need a server database; SQLite (embedded development mode) serialises writers."""
    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("SQLite answers concurrent writers with 'database is locked'; run against PostgreSQL")


@pytest.fixture
def fashn_settings(settings, fake_fashn: FakeFashn):  # noqa: F811 - the fixture imported above
    settings.FASHN_API_KEY = fake_fashn.api_key
    settings.FASHN_API_BASE = fake_fashn.base_url
    settings.FASHN_POLL_INTERVAL = 0.05
    settings.FASHN_TIMEOUT = 5.0
    settings.TRYON_ENGINE = "fashn"
    return settings


@pytest.fixture
def s3_emulator(settings) -> Iterator[S3Emulator]:
    with s3_emulator_server() as state:
        storages_setting = copy.deepcopy(settings.STORAGES)
        storages_setting["tryon"] = {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": S3_BUCKET,
                "endpoint_url": state.gateway_url,
                "access_key": S3_KEY,
                "secret_key": S3_SECRET,
                "region_name": S3_REGION,
                "querystring_expire": 3600,
                "file_overwrite": True,
            },
        }
        settings.STORAGES = storages_setting
        yield state
