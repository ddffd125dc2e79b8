"""The cache backends: Redis in production (one client reused per pool), and the embedded default's file
cache with atomic ``add`` and ``incr``.

Redis: Django's backend builds a ``redis.Redis`` for every operation, and redis-py 8's constructor copies its
table of some 200 response callbacks each time: about 0.2 ms, as much as a whole request to the bare
``/healthz`` view. A cache hit on a polled status endpoint paid it two or three times. Here each backend
instance (Django keeps one per thread) builds one client per connection pool and reuses it.

Both offer ``update``, an atomic read-modify-write of one entry (state several processes change together,
such as the webhook dispatchers' per-endpoint concurrency windows).

Embedded: web threads, worker and beat processes share it; counters built on it (rate limits, throttles,
breaker windows) must count every request. Django's FileBasedCache implements ``add`` as has_key + set and
``incr`` as get + set, so concurrent callers lose updates (36 concurrent requests against a limit of 30 were
all let through). Here both run under one exclusive file lock, and ``incr`` keeps the entry's expiry as
Redis' INCR does. Redis needs none of this.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol, cast

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.core.files import locks
from django.core.files.move import file_move_safe
from redis.exceptions import NoScriptError, WatchError


class _ReusingRedisCacheClient(RedisCacheClient):
    # RedisCacheClient's private helpers, which django-stubs leave out.
    _client: Callable[..., Any]
    _get_connection_pool: Callable[[bool], Any]
    _get_connection_pool_index: Callable[[bool], int]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


# The values of KEYS[1..n-1], then INCR of KEYS[n] (its lifetime set on the first count): one command, atomic
# (Redis runs a script alone), one reply: the values followed by the count.
_READ_AND_COUNT_SCRIPT = """
local last = #KEYS
local answer = {}
if last > 1 then answer = redis.call('MGET', unpack(KEYS, 1, last - 1)) end
local count = redis.call('INCR', KEYS[last])
if count == 1 then redis.call('EXPIRE', KEYS[last], ARGV[1]) end
answer[last] = count
return answer
"""


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusingRedisCacheClient
        self._scripts: dict[int, str] = {}

    def _script_sha(self, client: Any, *, reload: bool = False) -> str:
        sha = self._scripts.get(id(client))
        if sha is None or reload:
            sha = self._scripts[id(client)] = client.script_load(_READ_AND_COUNT_SCRIPT)
        return sha

    def count(self, key: str, timeout: int) -> int:
        """Adds one to a counter that lives ``timeout`` seconds from its first count: one command (a Lua
        script, atomic on the server), where Django's ``add`` + ``incr`` take three round trips."""
        return self.read_and_count([], key, timeout)[1]

    def read_and_count(self, keys: list[str], counter: str, timeout: int) -> tuple[dict[str, Any], int]:
        """``get_many(keys)`` and ``count(counter, timeout)`` in one command (the script is loaded once per
        client, and again if the server lost it)."""
        made = {self.make_and_validate_key(key): key for key in keys}
        counter_key = self.make_and_validate_key(counter)
        client = self._cache.get_client(counter_key, write=True)
        names = [*made, counter_key]
        try:
            answer = client.evalsha(self._script_sha(client), len(names), *names, timeout)
        except NoScriptError:  # the server restarted or flushed its scripts
            answer = client.evalsha(self._script_sha(client, reload=True), len(names), *names, timeout)
        loads = self._cache._serializer.loads  # type: ignore[attr-defined]  # Django's private API, absent from its stubs
        found = {made[key]: loads(value) for key, value in zip(made, answer, strict=False) if value is not None}
        return found, int(answer[-1])

    def update(self, key: str, change: Callable[[Any], Any], timeout: int) -> Any:
        """Stores and returns ``change(current value or None)``, atomically (WATCH/MULTI: tried again when
        another client changed the entry in between); the entry then lives ``timeout`` seconds."""
        made = self.make_and_validate_key(key)
        serializer = self._cache._serializer  # type: ignore[attr-defined]  # Django's private API, absent from its stubs
        with self._cache.get_client(made, write=True).pipeline() as pipe:
            while True:
                try:
                    pipe.watch(made)
                    raw = pipe.get(made)
                    value = change(None if raw is None else serializer.loads(raw))
                    pipe.multi()
                    pipe.set(made, serializer.dumps(value), ex=timeout)
                    pipe.execute()
                    return value
                except WatchError:
                    continue


class AtomicFileBasedCache(FileBasedCache):
    # FileBasedCache's private state and helpers, which django-stubs leave out.
    _dir: str
    _createdir: Callable[[], None]
    _key_to_file: Callable[[str, int | None], str]

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        self._createdir()
        with Path(self._dir, ".counter-lock").open("a+b") as handle:
            locks.lock(handle, locks.LOCK_EX)
            try:
                yield
            finally:
                locks.unlock(handle)

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        with self._exclusive():
            return super().add(key, value, timeout, version)

    def count(self, key: str, timeout: int) -> int:
        """Adds one to a counter that lives ``timeout`` seconds from its first count (as :class:`RedisCache`)."""
        with self._exclusive():
            if FileBasedCache.add(self, key, 1, timeout):
                return 1
            return self._incr_locked(key, 1, None)

    def read_and_count(self, keys: list[str], counter: str, timeout: int) -> tuple[dict[str, Any], int]:
        return self.get_many(keys), self.count(counter, timeout)

    def update(self, key: str, change: Callable[[Any], Any], timeout: int) -> Any:
        """Stores and returns ``change(current value or None)``, atomically (as :class:`RedisCache`)."""
        with self._exclusive():
            value = change(self.get(key))
            self.set(key, value, timeout)
            return value

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        with self._exclusive():
            return self._incr_locked(key, delta, version)

    def _incr_locked(self, key: str, delta: int, version: int | None) -> int:
        fname = self._key_to_file(key, version)
        try:
            with Path(fname).open("rb") as handle:
                expiry = pickle.load(handle)  # noqa: S301 - our own files, as FileBasedCache
                value = pickle.loads(zlib.decompress(handle.read()))  # noqa: S301 - our own cache files
        except FileNotFoundError:
            value, expiry = None, 0
        if value is None or (expiry is not None and expiry < time.time()):
            raise ValueError(f"Key '{key}' not found")
        new_value = value + delta
        fd, tmp_path = tempfile.mkstemp(dir=self._dir)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pickle.dumps(expiry, self.pickle_protocol))
            handle.write(zlib.compress(pickle.dumps(new_value, self.pickle_protocol)))
        file_move_safe(tmp_path, fname, allow_overwrite=True)
        return new_value


class CountingCache(Protocol):
    """What :class:`RedisCache` and :class:`AtomicFileBasedCache` add to Django's cache API."""

    def count(self, key: str, timeout: int) -> int: ...

    def read_and_count(self, keys: list[str], counter: str, timeout: int) -> tuple[dict[str, Any], int]: ...

    def update(self, key: str, change: Callable[[Any], Any], timeout: int) -> Any: ...

    def get_many(self, keys: list[str]) -> dict[str, Any]: ...


def counting_cache() -> CountingCache:
    """The default cache, which ``settings.CACHES`` always sets to one of this module's backends."""
    return cast(CountingCache, caches["default"])
