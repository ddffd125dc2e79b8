"""uvicorn's httptools protocol with a deadline on a request's head and errors in the product's format.

Run with ``uvicorn --http common.web.protocol:DeadlineHttpToolsProtocol``. uvicorn itself waits for a head
forever; here a connection that has not sent its request line and headers in time gets 408 (or is closed
silently if it sent nothing at all: a browser's speculative pre-connection is not an error).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from common.web.limits import ReadDeadline, error_json, header_deadline, path_of_target


class DeadlineHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_deadline: ReadDeadline = header_deadline()
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_started_at = 0.0
        self._head_bytes = 0
        self._head_begun = False  # a byte of the request arrived (not only an open socket)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head_clock()

    def data_received(self, data: bytes) -> None:
        if self._head_timer is not None:
            self._head_bytes += len(data)
        super().data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_clock()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._head_timer is None:  # the next request on a kept-alive connection
            self._start_head_clock()
        self._head_begun = True

    def on_headers_complete(self) -> None:
        self._stop_head_clock()
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        self._stop_head_clock()
        self._answer_and_close(400)

    def _start_head_clock(self) -> None:
        self._head_started_at = self.loop.time()
        self._head_bytes = 0
        self._head_begun = False
        self._head_timer = self.loop.call_at(
            self._head_started_at + self._head_deadline.initial, self._check_head_deadline
        )

    def _stop_head_clock(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _check_head_deadline(self) -> None:
        deadline = self._head_started_at + self._head_deadline.seconds_allowed(self._head_bytes)
        if self.loop.time() < deadline:  # bytes arrived since the timer was set: the deadline moved on
            self._head_timer = self.loop.call_at(deadline, self._check_head_deadline)
            return
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self._head_begun:
            self._answer_and_close(408)
        else:
            self.transport.close()

    def _answer_and_close(self, status: int) -> None:
        if self.transport.is_closing():
            return
        body = error_json(path_of_target(getattr(self, "url", b"") or b""), status)
        head = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head += [
            b"content-type: application/json\r\n",
            b"content-length: %d\r\n" % len(body),
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        self.transport.close()
