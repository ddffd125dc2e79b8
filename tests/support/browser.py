"""Headless Chromium (Debian's package) driven by Playwright, for the browser tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@contextmanager
def chromium_context(monkeypatch: pytest.MonkeyPatch, **context_options: Any) -> Iterator[Any]:
    """A fresh browser context; Playwright's own browser download cannot work here, so Debian's is used."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context(**context_options)
        try:
            yield context
        finally:
            # ORM calls made while Playwright runs get their own connection (another context): close it too,
            # or the test database cannot be dropped at the end of the session.
            connections.close_all()
            context.close()
            browser.close()
