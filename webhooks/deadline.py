"""A wall-clock deadline for one HTTP exchange: at the deadline the connection's socket is shut down.

Socket timeouts bound each read, not the exchange: a receiver that trickles its answer a byte at a time
would hold a sending thread (and its claim) for as long as it likes. A :class:`Deadline` is armed around
a request; the pool hands it every connection the request checks out (see ``webhooks.sender``), and one
watchdog thread per process shuts those sockets down when the deadline passes. The blocked read then fails
at once and the sender reports a timeout; the thread is free again, nothing is abandoned.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

# A connection still being set up has no socket yet; the watchdog looks again this often until it does
# (connecting is bounded by the connect timeout, which never exceeds the request's timeout).
RECHECK_SECONDS = 0.05

_current = threading.local()


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._connections: list[Any] = []
        self._done = False
        self.expired = False

    def watch(self, connection: Any) -> None:
        """Called by the pool for each connection the request uses."""
        with self._lock:
            if self._done:
                return
            self._connections.append(connection)
            if self.expired:
                _cut(connection)

    def fire(self) -> bool:
        """The watchdog's call at the deadline; True while a connection still has no socket to cut."""
        with self._lock:
            if self._done:
                return False
            self.expired = True
            return not all([_cut(connection) for connection in self._connections])

    def disarm(self) -> bool:
        """Ends the watch; True if the deadline had already fired."""
        with self._lock:
            self._done = True
            self._connections.clear()
            return self.expired


def current() -> Deadline | None:
    """The deadline armed in this thread, if any."""
    return getattr(_current, "deadline", None)


@contextlib.contextmanager
def armed(seconds: float) -> Iterator[Deadline]:
    """Arms a deadline for the requests this thread makes inside the block."""
    deadline = Deadline(seconds)
    _watchdog().add(deadline)
    previous, _current.deadline = current(), deadline
    try:
        yield deadline
    finally:
        _current.deadline = previous
        deadline.disarm()


def _cut(connection: Any) -> bool:
    sock = getattr(connection, "sock", None)
    if sock is None:
        return False
    # socket.socket's own shutdown, also for an SSLSocket: no TLS close_notify exchange, just the fd, which
    # wakes the thread blocked reading it.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    return True


class _Watchdog:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Deadline]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        threading.Thread(target=self._run, name="webhook-deadlines", daemon=True).start()

    def add(self, deadline: Deadline, at: float | None = None) -> None:
        with self._wake:
            heapq.heappush(self._heap, (deadline.at if at is None else at, next(self._order), deadline))
            self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    self._wake.wait(self._heap[0][0] - time.monotonic() if self._heap else None)
                _, _, deadline = heapq.heappop(self._heap)
            if deadline.fire():
                self.add(deadline, time.monotonic() + RECHECK_SECONDS)


_watchdog_lock = threading.Lock()
_watchdog_instance: _Watchdog | None = None


def _watchdog() -> _Watchdog:
    global _watchdog_instance
    with _watchdog_lock:
        if _watchdog_instance is None:
            _watchdog_instance = _Watchdog()
        return _watchdog_instance


def _forget_after_fork() -> None:
    """A forked worker child starts its own watchdog: threads (and a lock held by one) do not survive a fork."""
    global _watchdog_instance, _watchdog_lock
    _watchdog_instance, _watchdog_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)
