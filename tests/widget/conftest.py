"""Widget test fixtures: the try-on app's (photos, product-image server, fake FASHN), reused as they are."""

from __future__ import annotations

# tests/tryon/test_status_polling.py and tests/test_auth_without_queries.py still read these from here; new
# code imports them from tests.support.widget.
from tests.support.widget import SHOP, publishable_key_for, widget_client  # noqa: F401

# The try-on app's fixtures, reused as they are (private media per test, local image server, fake FASHN).
from tests.tryon.conftest import (  # noqa: F401
    fake_fashn,
    image_server,
    loopback_allowed,
    private_tryon_media,
)
