"""Fixtures of the Content Service tests: settings, the fake AI providers (tests/support/stability.py,
tests/support/openai.py) and Azure Blob Storage (tests/support/azurite.py)."""

from __future__ import annotations

import pytest

from tests.support.azurite import AZURITE_CONTAINER, azurite_blob_server
from tests.support.openai import FakeOpenAI
from tests.support.stability import FakeStability


@pytest.fixture(autouse=True)
def _no_ai_keys(settings):
    """Tests start from the embedded configuration: no AI keys, loopback refused, generous rate limit."""
    settings.STABILITY_API_KEY = ""
    settings.OPENAI_API_KEY = ""
    settings.SSRF_ALLOW_LOOPBACK = False
    settings.CONTENT_RATE_LIMIT = 1000
    settings.CONTENT_BREAKER_MIN_CALLS = 3
    settings.CONTENT_BREAKER_OPEN_SECONDS = 300
    settings.CONTENT_PROVIDER_TIMEOUT = 2.0
    settings.HTTP_CONNECT_TIMEOUT = 2.0


@pytest.fixture
def fake_stability(settings):
    server = FakeStability()
    settings.STABILITY_API_KEY = "sk-test-stability"
    settings.STABILITY_API_BASE = server.url
    yield server
    server.stop()


@pytest.fixture
def fake_openai(settings):
    server = FakeOpenAI()
    settings.OPENAI_API_KEY = "sk-test-openai"
    settings.OPENAI_API_BASE = server.url
    yield server
    server.stop()


@pytest.fixture(scope="session")
def azurite(tmp_path_factory):
    with azurite_blob_server(tmp_path_factory.mktemp("azurite")) as connection_string:
        yield connection_string


@pytest.fixture
def azure_content_storage(settings, azurite):
    settings.STORAGES = {
        **settings.STORAGES,
        "content": {
            "BACKEND": "storages.backends.azure_storage.AzureStorage",
            "OPTIONS": {
                "connection_string": azurite,
                "azure_container": AZURITE_CONTAINER,
                "overwrite_files": True,
                "timeout": 20,
            },
        },
    }
    return azurite
