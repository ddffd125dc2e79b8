"""Gives each pytest-xdist worker its own Redis database and its own files, before Django reads its settings.

The suite runs in several processes (``make test`` passes ``-n``). pytest-django already gives each of them its
own test database (``test_<name>_gw0`` …); Redis and the folders it would share: a worker-process test on one
xdist worker must not take the other's Celery tasks from a shared broker, and ``cache.clear()`` before every test
must not empty the other's cache. Loaded with ``-p tests.support.parallel`` (pyproject's addopts), so the hook
below wraps pytest-django's, which imports the settings.

It also puts the tests that start processes or a browser first, the ``long`` ones (a whole stack) before the
rest: they spend most of their time waiting, so they overlap best with the CPU-bound rest, and the run does not
end on one of them alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

REDIS_DATABASES = 16  # Redis's default `databases`


def _redis_url_for_worker(url: str, worker_number: int) -> str:
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    database = (base + 1 + worker_number) % REDIS_DATABASES
    return urlunsplit(parts._replace(path=f"/{database}"))


def isolate_worker(environ: dict[str, str] | os._Environ[str], worker: str) -> None:
    """Rewrites ``environ`` for xdist worker ``worker`` (``gw0``, ``gw1`` …)."""
    number = int(worker.removeprefix("gw"))
    if environ.get("REDIS_URL"):
        environ["REDIS_URL"] = _redis_url_for_worker(environ["REDIS_URL"], number)
    # The settings export PROMETHEUS_MULTIPROC_DIR, so the workers inherit the controller's: one per worker too.
    for name in ("VAR_DIR", "MEDIA_ROOT", "PROMETHEUS_MULTIPROC_DIR"):
        if environ.get(name):
            folder = Path(environ[name]) / worker
            folder.mkdir(parents=True, exist_ok=True)
            environ[name] = str(folder)


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> Iterator[None]:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        isolate_worker(os.environ, worker)
    return (yield)


SLOW_MARKERS = ("worker", "browser")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def waits_on_processes(item: pytest.Item) -> bool:
        return any(item.get_closest_marker(marker) for marker in SLOW_MARKERS)

    # Stable sort: the file order stays within each group. `make test` (--dist worksteal) gives the first worker
    # the front of this list: it starts on the whole-stack tests at once and waits on processes while the others
    # run the CPU-bound rest, and idle workers steal from its queue.
    items.sort(key=lambda item: (item.get_closest_marker("long") is None, not waits_on_processes(item)))
