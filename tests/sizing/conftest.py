"""Sizing fixtures: the demo shirt on its brand chart, and a try-on job to give feedback on."""

from __future__ import annotations

import pytest

# make_chart, make_product and TOP_BODY_ROWS are also read from here by tests/dashboard/conftest.py,
# tests/dashboard/test_english.py, tests/test_hostile_input.py and tests/test_retention_policy.py
# (make_try_on_job); new code imports them from tests.support.sizing.
from tests.support.sizing import TOP_BODY_ROWS, make_chart, make_product, make_try_on_job


@pytest.fixture
def shirt(merchant):
    make_chart(merchant, brand="BRAND_A", category="TOP", rows=TOP_BODY_ROWS)
    return make_product(merchant, external_id="BLUE-SHIRT-001", brand="BRAND_A", category="TOP", name="블루 린넨 셔츠")


@pytest.fixture
def try_on_job(merchant):
    return make_try_on_job(merchant)
