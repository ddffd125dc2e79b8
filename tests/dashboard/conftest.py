"""Fixtures of the dashboard tests: a desktop browser that records every request it makes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import chromium_context

ARTIFACT_DIR = Path(os.environ.get("DASHBOARD_ARTIFACT_DIR", "var/test-artifacts/dashboard"))


@dataclass
class Browser:
    context: Any
    page: Any
    base_url: str
    # Every request the page attempted, those that reached the network layer, and why others failed.
    requests: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    blocked: list[str] = field(default_factory=list)

    def assert_nothing_left_the_machine(self) -> None:
        """Only the live server was contacted; an attempt elsewhere is one the browser itself refused (its failure "csp": blocked by the Content-Security-Policy)."""
        local = (self.base_url, "data:", "blob:", "about:")
        assert self.blocked == []
        assert [url for url in self.sent if not url.startswith(local)] == []
        elsewhere = {url: self.failures.get(url) for url in self.requests if not url.startswith(local)}
        assert all(reason == "csp" for reason in elsewhere.values()), elsewhere

    def screenshot(self, name: str, *, full_page: bool = True) -> Path:
        ARTIFACT_DIR.mkdir(parents=True, exist_ok=True)
        path = ARTIFACT_DIR / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture
def browser(live_server, monkeypatch) -> Iterator[Browser]:  # type: ignore[no-untyped-def]
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
