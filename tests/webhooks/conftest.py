"""Fixtures of the webhook tests: a real HTTP receiver on localhost (tests/support/webhooks.py), SSRF and kick
settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.webhooks import Receiver, started_receiver, stop_receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = started_receiver()
    yield server
    stop_receiver(server)


@pytest.fixture
def other_receiver() -> Iterator[Receiver]:
    server = started_receiver()
    yield server
    stop_receiver(server)


@pytest.fixture
def allow_loopback(settings):
    settings.SSRF_ALLOW_LOOPBACK = True
    return settings


@pytest.fixture
def no_kick(settings):
    """Commits do not start a dispatcher: for tests that drive dispatchers themselves (or beat's poller)."""
    settings.WEBHOOKS_DISPATCH_ON_COMMIT = False
    return settings
