"""Widget test fixtures: the try-on app's (private try-on folder, a shop's image host, fake FASHN, loopback
allowed), from tests/support/tryon.py."""

from __future__ import annotations

from tests.support.tryon import fake_fashn, image_server, loopback_allowed, private_tryon_media  # noqa: F401
