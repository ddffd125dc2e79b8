"""A wall-clock limit on a whole HTTP exchange, enforced by closing its sockets.

Socket timeouts bound each read only, so a peer sending one byte every few seconds could hold a thread for
minutes. One watchdog thread per process expires the deadlines on time; the hardened client (common/http.py)
registers every connection it opens under the active deadline.
"""

from __future__ import annotations

import contextlib
import contextvars
import heapq
import itertools
import os
import socket
import threading
import time


class _Watchdog:
    """One daemon thread per process that expires :class:`Deadline` objects on time (a heap, not a timer each)."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Deadline]] = []
        self._sequence = itertools.count()
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, deadline: Deadline) -> None:
        with self._condition:
            heapq.heappush(self._heap, (deadline.expires_at, next(self._sequence), deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="http-deadline-watchdog", daemon=True)
                self._thread.start()
            if self._heap[0][2] is deadline:
                # Woken only when it must wait less than it does: deadlines of one length come in the order
                # they expire, and waking the thread for each request (webhooks send thousands a second)
                # costs more CPU than the request.
                self._condition.notify()

    def _run(self) -> None:
        while True:
            with self._condition:
                while self._heap and self._heap[0][2].finished:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._condition.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._condition.wait(wait)
                    continue
                _, _, due = heapq.heappop(self._heap)
            due.expire()


_watchdog = _Watchdog()
# A forked child (gunicorn/celery worker) has no watchdog thread and must not share the parent's lock.
os.register_at_fork(after_in_child=lambda: globals().__setitem__("_watchdog", _Watchdog()))
active_deadline: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("http_deadline", default=None)


class Deadline:
    """A wall-clock limit on a whole HTTP exchange (connect, send, every read), enforced by closing sockets.

    Socket timeouts bound each read only, so a peer sending one byte every few seconds could hold a thread for
    minutes. Inside ``with Deadline(seconds):`` every connection the guarded sessions use is registered; when
    the time is up, the watchdog shuts those sockets down and the blocked read fails at once. ``expired`` tells
    the caller afterwards that the failure was the deadline's.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expires_at = time.monotonic() + seconds
        self.expired = False
        self.finished = False
        self._sockets: dict[int, socket.socket] = {}
        self._lock = threading.Lock()
        self._token: contextvars.Token | None = None

    def remaining(self) -> float:
        return max(0.0, self.expires_at - time.monotonic())

    def attach(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            if not self.expired:
                self._sockets[id(sock)] = sock
                return
        _shutdown(sock)

    def expire(self) -> None:
        with self._lock:
            if self.finished or self.expired:
                return
            self.expired = True
            sockets = list(self._sockets.values())
        for sock in sockets:
            _shutdown(sock)

    def disarm(self) -> None:
        """Ends the watch early: call it before a kept-alive connection goes back to its pool, so that the
        watchdog can never cut a connection another request is about to reuse."""
        with self._lock:
            self.finished = True
            self._sockets.clear()

    def __enter__(self) -> Deadline:
        self._token = active_deadline.set(self)
        _watchdog.watch(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.disarm()
        if self._token is not None:
            active_deadline.reset(self._token)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
