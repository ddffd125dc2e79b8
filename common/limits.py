"""Per-process caps on concurrent work that a client's input can make slow or heavy."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from django.conf import settings

from common.errors import ServiceUnavailable


class ProcessSlots:
    """A per-process cap on concurrent work of one kind (customer-URL fetches, image decodes).

    A web process has a handful of threads; without a cap, a few slow or huge customer inputs occupy all of
    them and the API stops answering. Past the cap a request waits ``wait_seconds`` for a slot, then gets 503.
    """

    def __init__(self, setting: str, wait_setting: str) -> None:
        self._setting = setting
        self._wait_setting = wait_setting
        self._semaphore: threading.BoundedSemaphore | None = None
        self._size = 0
        self._lock = threading.Lock()

    def _current(self) -> threading.BoundedSemaphore:
        size = int(getattr(settings, self._setting))
        with self._lock:
            if self._semaphore is None or size != self._size:
                self._semaphore, self._size = threading.BoundedSemaphore(size), size
            return self._semaphore

    @contextlib.contextmanager
    def acquire(self) -> Iterator[None]:
        semaphore = self._current()
        wait = float(getattr(settings, self._wait_setting))
        if not semaphore.acquire(timeout=wait):
            raise ServiceUnavailable(
                "요청이 많아 지금은 처리할 수 없습니다. 잠시 후 다시 시도해 주세요.", retry_after=max(1, round(wait))
            )
        try:
            yield
        finally:
            semaphore.release()
