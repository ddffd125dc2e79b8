"""uvicorn's httptools protocol with a deadline on a request's head, errors in the product's format, and a
lingering close.

Run with ``uvicorn --http common.web.protocol:DeadlineHttpToolsProtocol``. uvicorn itself waits for a head
forever; here a connection that has not sent its request line and headers in time gets 408 (or is closed
silently if it sent nothing at all: a browser's speculative pre-connection is not an error).

Lingering close (as nginx's ``lingering_close``): when a connection is closed after an answer given before
the request's body was all received (a 413 for a body too large, a 408), the server first sends its FIN and
reads and discards what the client still sends, for up to ``LINGER_SECONDS``. Closed at once with unread
bytes, the kernel would reset the connection, and a client still sending its body would see the reset
instead of the answer.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from common.web.limits import ReadDeadline, error_json, header_deadline, path_of_target

LINGER_SECONDS = 5.0


class DeadlineHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_deadline: ReadDeadline = header_deadline()
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_started_at = 0.0
        self._head_bytes = 0
        self._head_begun = False  # a byte of the request arrived (not only an open socket)
        self._socket_transport: asyncio.Transport | None = None
        self._linger_timer: asyncio.TimerHandle | None = None
        self._lingering = False
        self._shutting_down = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._socket_transport = transport
        super().connection_made(cast(asyncio.Transport, _LingeringTransport(transport, self)))
        self._start_head_clock()

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            return  # the rest of a body the answer did not wait for: discarded
        if self._head_timer is not None:
            self._head_bytes += len(data)
        super().data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_clock()
        if self._linger_timer is not None:
            self._linger_timer.cancel()
        super().connection_lost(exc)

    def shutdown(self) -> None:
        self._shutting_down = True  # the server stops: no lingering
        if self._lingering and self._socket_transport is not None:
            self._socket_transport.close()
            return
        super().shutdown()

    def close_or_linger(self) -> None:
        """Closes the connection; first lingers if the request's body is still arriving (see above)."""
        transport = self._socket_transport
        assert transport is not None
        body_arriving = self.cycle is not None and self.cycle.more_body
        if self._lingering or self._shutting_down or not body_arriving or transport.is_closing():
            transport.close()
            return
        self._lingering = True
        self._stop_head_clock()
        self.flow.resume_reading()
        transport.write_eof()  # after the answer still buffered: the client reads it, then the end
        self._linger_timer = self.loop.call_later(LINGER_SECONDS, transport.close)

    def is_lingering(self) -> bool:
        return self._lingering

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


class _LingeringTransport:
    """The socket's transport as uvicorn sees it, whose ``close()`` may linger first (see the module's doc)."""

    def __init__(self, transport: asyncio.Transport, protocol: DeadlineHttpToolsProtocol) -> None:
        self._transport = transport
        self._protocol = protocol

    def close(self) -> None:
        self._protocol.close_or_linger()

    def is_closing(self) -> bool:
        return self._protocol.is_lingering() or self._transport.is_closing()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)
