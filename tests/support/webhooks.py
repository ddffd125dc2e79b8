"""A merchant's webhook receiver on localhost (HTTP/1.1, keep-alive, scripted replies),
and helpers for webhook tests: endpoints, deliveries made due, dispatchers side by side."""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from merchants.models import Merchant
from tests.support.http import LocalServer, QuietHandler
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from webhooks.services import create_endpoint


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    client_port: int = 0


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"ok"
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    # Holds the answer until Receiver.release is set (a receiver that hangs for as long as a test needs).
    hold: bool = False


class Receiver:
    """Records every request; answers with the queued replies in order, then with ``default``.

    Speaks HTTP/1.1 with keep-alive, like real receivers, so connection reuse is visible (``client_port``).
    """

    def __init__(self) -> None:
        self.requests: list[ReceivedRequest] = []
        self.replies: list[Reply] = []
        self.default = Reply()
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.held = 0
        # Requests being answered right now, and the most there ever were at once (counted down before the
        # answer is written, so a sender's next request is never counted beside the one it just finished).
        self.in_flight = 0
        self.peak_in_flight = 0
        receiver = self

        class Handler(QuietHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.requests.append(
                        ReceivedRequest(
                            "POST",
                            self.path,
                            {k.lower(): v for k, v in self.headers.items()},
                            body,
                            self.client_address[1],
                        )
                    )
                    reply = receiver.replies.pop(0) if receiver.replies else receiver.default
                    receiver.held += reply.hold
                    receiver.in_flight += 1
                    receiver.peak_in_flight = max(receiver.peak_in_flight, receiver.in_flight)
                if reply.hold:
                    receiver.release.wait(timeout=120)
                    with receiver.lock:
                        receiver.held -= 1
                if reply.delay:
                    time.sleep(reply.delay)
                with receiver.lock:
                    receiver.in_flight -= 1
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the sender gave up first
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)

            do_GET = do_POST  # noqa: N815

        self.server = LocalServer(Handler)
        self.port = self.server.httpd.server_address[1]

    def close(self) -> None:
        self.release.set()  # held replies answer, so the server's threads can end
        self.server.close()

    def url(self, path: str = "/hook") -> str:
        return f"{self.server.base_url}{path}"

    def count(self, path: str | None = None) -> int:
        with self.lock:
            return sum(1 for request in self.requests if path is None or request.path == path)

    def connections(self) -> int:
        """How many TCP connections the requests came over."""
        with self.lock:
            return len({request.client_port for request in self.requests})


def started_receiver() -> Receiver:
    return Receiver()


def stop_receiver(server: Receiver) -> None:
    server.close()


def time_passes_until_due(*deliveries: WebhookDelivery) -> None:
    """Lets time pass until these deliveries are due: their scheduled time and their endpoint's pause are over
    (and so is the reservation a dispatcher keeps on an endpoint it paused, until the pause ends)."""
    now = timezone.now()
    WebhookDelivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(next_attempt_at=now)
    endpoints = WebhookEndpoint.objects.filter(deliveries__in=[d.pk for d in deliveries])
    endpoints.filter(paused_until__isnull=False).update(paused_until=now)
    endpoints.filter(claimed_until__isnull=False).update(claimed_until=now)


def make_endpoint(merchant: Merchant, url: str, events: list[str] | None = None) -> tuple[WebhookEndpoint, str]:
    """Creates an endpoint through the service (the URL must be allowed by the current SSRF settings)."""
    return create_endpoint(merchant=merchant, url=url, events=events or ["tryon.completed", "tryon.failed"])


def side_by_side(work: Callable[[str], None], names: Iterable[str] = ("a", "b"), *, timeout: float = 120) -> None:
    """Runs ``work(name)`` in a thread per name, all at once (dispatchers racing as worker processes do);
    each thread closes its database connection, and the first error is raised here."""
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            work(name)
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if errors:
        raise errors[0]


def assert_delivered_once(receiver: Receiver, count: int) -> None:
    """``count`` distinct webhook-ids arrived, each once, and as many deliveries were DELIVERED at the first
    attempt."""
    ids = Counter(request.headers["webhook-id"] for request in receiver.requests)
    assert len(ids) == count and set(ids.values()) == {1}
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED, attempt_count=1).count() == count
