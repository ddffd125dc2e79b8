"""An ASGI application that reads a request in full, then runs Django's WSGI application on a thread pool.

Why not asgiref's ``WsgiToAsgi`` or Django's own ASGI handler: both run every sync view on one thread per
process (``thread_sensitive``), ``WsgiToAsgi`` never calls the response's ``close()`` (so Django's
``request_finished`` never fires and database connections are not returned), and neither has a read deadline.

- The body is read on the event loop into a spooled file (memory, then disk past 1 MiB) under the body
  deadline of :mod:`common.web.limits`; past it the client gets 408 in the product's format and
  ``Connection: close``. A client that hangs up costs nothing more.
- A body larger than its path accepts (:mod:`common.request_limits`, the rule Django's size-limit middleware
  applies too) is refused at once: unread if its ``Content-Length`` says so, cut at the limit if it comes
  chunked. Django then answers the request with the length seen and no body, so its middleware gives the 413
  in the product's format, with the widget's CORS headers where they apply; ``Connection: close`` ends the
  exchange (``common.web.protocol`` drains what the client still sends for a moment, so it reads the 413).
- Only then does a Django thread (``WEB_THREADS`` per process) run the request. The response flows back to the
  loop through a per-response buffer, so a client that reads slowly holds a thread only once that buffer is
  full (a large download), never for an ordinary answer.
"""

from __future__ import annotations

import asyncio
import io
import logging
import sys
import threading
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from tempfile import SpooledTemporaryFile
from typing import IO, Any
from wsgiref.util import FileWrapper

from django.conf import settings
from django.urls import get_resolver

from common.request_limits import body_limit
from common.web.limits import body_deadline, error_json

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

IN_MEMORY_BODY_BYTES = 1024 * 1024
# Bytes of one response that may wait for the client before the Django thread waits too: every JSON answer
# and a typical image fit, so slow readers do not hold threads.
RESPONSE_BUFFER_BYTES = 4 * 1024 * 1024
FILE_BLOCK_BYTES = 256 * 1024  # FileResponse's own 4 KiB blocks would mean a loop wake-up per 4 KiB


class RequestRefused(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


class BodyTooLarge(Exception):
    """The body is larger than its path accepts: at least ``length`` bytes (declared, or received so far)."""

    def __init__(self, length: int) -> None:
        self.length = length


class ReadFirstWsgiFront:
    def __init__(self, wsgi_application: WsgiApp, *, threads: int | None = None) -> None:
        self.wsgi_application = wsgi_application
        self.executor = ThreadPoolExecutor(threads or settings.WEB_THREADS, thread_name_prefix="django")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":  # no websockets here (uvicorn runs with --ws none)
            return
        try:
            request_body = await read_body(scope, receive, max_body_bytes(scope))
        except RequestRefused as refused:
            await send_error(send, scope["path"], refused.status)
            return
        except BodyTooLarge as too_large:
            # Nothing more of the body is read: Django's size-limit middleware refuses this length (the same
            # rule) without reading, and the connection closes after its answer.
            await self._respond(wsgi_environ(scope, io.BytesIO(), too_large.length), send, close_connection=True)
            return
        if request_body is None:  # the client hung up before its request was complete
            return
        body, length = request_body
        with body:
            await self._respond(wsgi_environ(scope, body, length), send)

    async def _respond(self, environ: dict[str, Any], send: Send, *, close_connection: bool = False) -> None:
        loop = asyncio.get_running_loop()
        channel = ResponseChannel(loop, close_connection=close_connection)
        done = loop.run_in_executor(self.executor, self._run_wsgi, environ, channel)
        try:
            await channel.pump(send)
        finally:
            channel.abandon()  # a thread still writing (client gone, task cancelled) must not wait on us
            await done

    def _run_wsgi(self, environ: dict[str, Any], channel: ResponseChannel) -> None:
        try:
            response = self.wsgi_application(environ, channel.start_response)
            try:
                for chunk in response:
                    channel.write(chunk)
            finally:
                close = getattr(response, "close", None)
                if close is not None:
                    close()  # Django's request_finished: database connections go back
        except Exception:
            logger.exception("Unhandled error running %s %s", environ["REQUEST_METHOD"], environ["PATH_INFO"])
            channel.fail(environ["PATH_INFO"])
        else:
            channel.finish()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                # The URLconf is imported now, not by the first request's body limit on the event loop.
                await asyncio.get_running_loop().run_in_executor(self.executor, lambda: get_resolver().url_patterns)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.executor.shutdown(wait=False)
                await send({"type": "lifespan.shutdown.complete"})
                return


def max_body_bytes(scope: Scope) -> int:
    """The most body bytes the request's path accepts (0 for a request that announces no body)."""
    declared = _header(scope, b"content-length")
    if (declared is None or declared == "0") and _header(scope, b"transfer-encoding") is None:
        return 0
    return body_limit(_path_info(scope), _header(scope, b"content-type") or "").max_bytes


async def read_body(scope: Scope, receive: Receive, limit: int) -> tuple[IO[bytes], int] | None:
    """The request body and its length, read under the body deadline; ``None`` if the client disconnected.

    Raises :class:`BodyTooLarge` as soon as the declared length, or the bytes received, pass ``limit``.
    """
    declared = _header(scope, b"content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(int(declared))
    deadline = body_deadline()
    loop = asyncio.get_running_loop()
    started_at = loop.time()
    body = SpooledTemporaryFile(max_size=IN_MEMORY_BODY_BYTES)  # noqa: SIM115  # returned open to the caller
    received = 0
    try:
        async with asyncio.timeout_at(started_at + deadline.initial) as timer:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    body.close()
                    return None
                chunk = message.get("body", b"")
                if chunk:
                    received += len(chunk)
                    if received > limit:
                        raise BodyTooLarge(received)
                    body.write(chunk)
                    timer.reschedule(started_at + deadline.seconds_allowed(received))
                if not message.get("more_body", False):
                    break
    except TimeoutError:
        body.close()
        raise RequestRefused(408) from None
    except BaseException:
        body.close()
        raise
    body.seek(0)
    return body, received


async def send_error(send: Send, path: str, status: int) -> None:
    body = error_json(path, status)
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": [*headers, (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1").strip()
    return None


def _path_info(scope: Scope) -> str:
    script_name = scope.get("root_path", "")
    path: str = scope["path"]
    return path[len(script_name) :] if script_name and path.startswith(script_name) else path


def wsgi_environ(scope: Scope, body: IO[bytes], body_length: int) -> dict[str, Any]:
    script_name = scope.get("root_path", "")
    path = _path_info(scope)
    server = scope.get("server") or ("localhost", 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": script_name.encode("utf-8").decode("latin-1"),
        "PATH_INFO": path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "SERVER_PROTOCOL": f"HTTP/{scope['http_version']}",
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1] or 0),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.file_wrapper": lambda file, block_size=FILE_BLOCK_BYTES: FileWrapper(
            file, max(block_size, FILE_BLOCK_BYTES)
        ),
    }
    if scope.get("client"):
        environ["REMOTE_ADDR"], environ["REMOTE_PORT"] = scope["client"][0], str(scope["client"][1])
    headers: defaultdict[str, list[str]] = defaultdict(list)
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        if name == "CONTENT_LENGTH" or name == "CONTENT_TYPE":
            headers[name].append(raw_value.decode("latin-1"))
        else:
            headers[f"HTTP_{name}"].append(raw_value.decode("latin-1"))
    for name, values in headers.items():
        environ[name] = ("; " if name == "HTTP_COOKIE" else ",").join(values)
    # The body is read: its true length (a chunked upload has no Content-Length header for Django to read).
    # For a body refused unread, the length it has at least, which Django's size-limit middleware refuses.
    if body_length or "CONTENT_LENGTH" in environ:
        environ["CONTENT_LENGTH"] = str(body_length)
    return environ


class ResponseChannel:
    """A WSGI response handed from a Django thread to the event loop, in order, within a byte budget."""

    def __init__(self, loop: asyncio.AbstractEventLoop, *, close_connection: bool = False) -> None:
        self._loop = loop
        # The request's body was left unread: the connection cannot carry another request.
        self._close_connection = close_connection
        self._queue: asyncio.Queue[tuple[Message | None, int]] = asyncio.Queue()
        self._pending_bytes = 0
        self._room = threading.Condition()
        self._abandoned = False
        self._start: Message | None = None
        self._started = False

    # --- in the Django thread ---
    def start_response(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
        if exc_info is not None and self._started:
            raise exc_info[1].with_traceback(exc_info[2])
        self._start = {
            "type": "http.response.start",
            "status": int(status.split(" ", 1)[0]),
            "headers": [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers],
        }
        return self.write

    def write(self, chunk: bytes) -> None:
        self._send_start()
        if chunk:
            self._put({"type": "http.response.body", "body": chunk, "more_body": True}, len(chunk))

    def finish(self) -> None:
        self._send_start()
        self._put({"type": "http.response.body", "body": b""}, 0)

    def fail(self, path: str) -> None:
        if self._started:
            self._put(None, 0)  # the loop stops; uvicorn closes the half-sent response's connection
            return
        body = error_json(path, 500)
        self._start = {
            "type": "http.response.start",
            "status": 500,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))],
        }
        self._send_start()
        self._put({"type": "http.response.body", "body": body}, len(body))

    def _send_start(self) -> None:
        if not self._started:
            if self._start is None:
                raise RuntimeError("the WSGI application wrote before start_response")
            self._started = True
            if self._close_connection:
                self._start["headers"].append((b"connection", b"close"))
            self._put(self._start, 0)

    def _put(self, message: Message | None, size: int) -> None:
        with self._room:
            while self._pending_bytes > RESPONSE_BUFFER_BYTES and not self._abandoned:
                self._room.wait()
            if self._abandoned:
                return
            self._pending_bytes += size
        self._loop.call_soon_threadsafe(self._queue.put_nowait, (message, size))

    # --- on the event loop ---
    async def pump(self, send: Send) -> None:
        while True:
            message, size = await self._queue.get()
            if message is None:
                return
            await send(message)
            if size:
                with self._room:
                    self._pending_bytes -= size
                    self._room.notify()
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                return

    def abandon(self) -> None:
        with self._room:
            self._abandoned = True
            self._room.notify_all()
