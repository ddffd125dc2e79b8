"""Fixtures of the dashboard tests: a desktop browser that records every request it makes, a webhook receiver
and a shop with some of everything (tests/support/dashboard.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browser import chromium_context
from tests.support.dashboard import Browser, Shop, stock_shop
from tests.support.webhooks import Receiver, started_receiver, stop_receiver


@pytest.fixture
def browser(live_server, monkeypatch) -> Iterator[Browser]:
    """A 1440×900 Chromium page; anything not addressed to the live server is aborted and remembered."""
    with chromium_context(monkeypatch, viewport={"width": 1440, "height": 900}, locale="ko-KR") as context:
        page = context.new_page()
        recorder = Browser(context=context, page=page, base_url=live_server.url)
        page.on("request", lambda request: recorder.requests.append(request.url))
        page.on("requestfailed", lambda request: recorder.failures.update({request.url: request.failure}))

        def only_local(route: Any) -> None:
            url = route.request.url
            recorder.sent.append(url)
            if url.startswith((live_server.url, "data:", "blob:")):
                route.continue_()
            else:
                recorder.blocked.append(url)
                route.abort()

        context.route("**/*", only_local)
        page.set_default_timeout(15_000)
        yield recorder


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A merchant's webhook receiver on localhost."""
    server = started_receiver()
    yield server
    stop_receiver(server)


@pytest.fixture
def shop(merchant, other_merchant, receiver, settings, django_capture_on_commit_callbacks) -> Shop:
    settings.SSRF_ALLOW_LOOPBACK = True
    settings.STABILITY_API_KEY = settings.OPENAI_API_KEY = ""
    settings.CONTENT_RATE_LIMIT = 1000
    return stock_shop(merchant, other_merchant, receiver, django_capture_on_commit_callbacks)
