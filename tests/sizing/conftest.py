"""Sizing fixtures: the demo shirt on its brand chart, and a try-on job to give feedback on."""

from __future__ import annotations

import pytest

from tests.support.sizing import TOP_BODY_ROWS, make_chart, make_product, make_try_on_job


@pytest.fixture
def shirt(merchant):
    make_chart(merchant, brand="BRAND_A", category="TOP", rows=TOP_BODY_ROWS)
    return make_product(merchant, external_id="BLUE-SHIRT-001", brand="BRAND_A", category="TOP", name="블루 린넨 셔츠")


@pytest.fixture
def try_on_job(merchant):
    return make_try_on_job(merchant)
