"""Fixtures of the Kafka intake's tests: one Tansu broker for the session, fresh topics and group per test (the
Procfile's ``kafka`` process and what the tests read from it: tests/support/kafka_intake.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.kafka import TansuBroker, Topics, tansu_broker


@pytest.fixture(scope="session")
def tansu() -> Iterator[TansuBroker]:
    with tansu_broker() as broker:
        yield broker


@pytest.fixture
def topics(tansu: TansuBroker, settings: Any) -> Topics:
    """This test's own topics and group; this process's settings name them too (status events, /readyz)."""
    topics = Topics.fresh(tansu)
    for name, value in topics.settings().items():
        setattr(settings, name, value)
    settings.METRICS_TOKEN = "test-metrics-token"
    return topics
