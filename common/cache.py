"""The embedded default's cache: Django's file-based cache with atomic ``add`` and ``incr``.

Web threads, worker and beat processes share it; counters built on it (rate limits, throttles, breaker
windows) must count every request. Django's FileBasedCache implements ``add`` as has_key + set and ``incr``
as get + set, so concurrent callers lose updates (36 concurrent requests against a limit of 30 were all let
through). Here both run under one exclusive file lock, and ``incr`` keeps the entry's expiry as Redis' INCR
does. Redis (production) needs none of this.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
import time
import zlib
from collections.abc import Iterator
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.files import locks
from django.core.files.move import file_move_safe


class AtomicFileBasedCache(FileBasedCache):
    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        self._createdir()
        with open(os.path.join(self._dir, ".counter-lock"), "a+b") as handle:
            locks.lock(handle, locks.LOCK_EX)
            try:
                yield
            finally:
                locks.unlock(handle)

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        with self._exclusive():
            return super().add(key, value, timeout, version)

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        with self._exclusive():
            fname = self._key_to_file(key, version)
            try:
                with open(fname, "rb") as handle:
                    expiry = pickle.load(handle)
                    value = pickle.loads(zlib.decompress(handle.read()))
            except FileNotFoundError:
                value, expiry = None, 0
            if value is None or (expiry is not None and expiry < time.time()):
                raise ValueError(f"Key '{key}' not found")
            new_value = value + delta
            fd, tmp_path = tempfile.mkstemp(dir=self._dir)
            with open(fd, "wb") as handle:
                handle.write(pickle.dumps(expiry, self.pickle_protocol))
                handle.write(zlib.compress(pickle.dumps(new_value, self.pickle_protocol)))
            file_move_safe(tmp_path, fname, allow_overwrite=True)
            return new_value
