"""The hardened outbound client: IPv6 forms of private addresses, the wall-clock deadline, the fetch cap."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import requests
from rest_framework_simplejwt.tokens import RefreshToken

from common.deadline import Deadline
from common.http import public_session
from content.models import ImageJob
from tests.support.content import EVENT_INFO, generate
from tests.support.http import QuietHandler, http_server
from webhooks.models import WebhookEndpoint

# Each hides a private, loopback or metadata IPv4 address inside an IPv6 one.
EMBEDDED_PRIVATE_URLS = [
    "http://[2002:a9fe:a9fe::]/",  # 6to4 of 169.254.169.254 (cloud metadata)
    "http://[2002:c0a8:101::1]/",  # 6to4 of 192.168.1.1
    "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
    "http://[64:ff9b::a00:5]/",  # NAT64 of 10.0.0.5
    "http://[64:ff9b:1::a00:1]/",  # local-use NAT64 prefix
    "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",  # Teredo
    "http://[::a9fe:a9fe]/",  # IPv4-compatible 169.254.169.254
    "http://[::ffff:a9fe:a9fe]/",  # IPv4-mapped 169.254.169.254
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", EMBEDDED_PRIVATE_URLS)
def test_webhook_url_embedding_a_private_ipv4_is_refused(jwt_client, settings, url):
    settings.SSRF_ALLOW_LOOPBACK = True  # not even the loopback allowance lets a tunnelled address through
    response = jwt_client.post("/api/webhooks", {"url": url, "events": ["tryon.completed"]}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["statusCode"] == 400 and "주소" in response.json()["message"]
    assert WebhookEndpoint.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("url", EMBEDDED_PRIVATE_URLS)
def test_logo_url_embedding_a_private_ipv4_is_refused(jwt_client, url):
    body = {"eventDraftId": "evt-v6", "eventInfo": {**EVENT_INFO, "logoUrl": url + "logo.png"}, "styles": ["SIMPLE"]}
    response = generate(jwt_client, body)
    assert response.status_code == 400, response.content
    assert response.json()["message"].startswith("logoUrl: ") and "주소" in response.json()["message"]
    assert ImageJob.objects.count() == 0


@pytest.mark.django_db
def test_a_public_address_behind_nat64_or_6to4_is_not_refused():
    from common.addresses import refusal_reason

    assert refusal_reason("64:ff9b::808:808") is None  # NAT64 of 8.8.8.8
    assert refusal_reason("2002:808:808::1") is None  # 6to4 of 8.8.8.8


class TrickleHandler(QuietHandler):
    """Answers 200 and then sends its body one byte every 0.2 s (60 s in all), noting how the sending ended."""

    outcomes: list[str]

    def _trickle(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", "300")
        self.end_headers()
        try:
            for _ in range(300):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            self.outcomes.append("cut")
            return
        self.outcomes.append("finished")

    def do_GET(self) -> None:
        self._trickle()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._trickle()


class Trickle:
    """A trickling server's handler class with the outcomes its requests record."""

    def __init__(self) -> None:
        self.outcomes: list[str] = []
        self.handler: type[TrickleHandler] = type("Handler", (TrickleHandler,), {"outcomes": self.outcomes})

    def wait_for_outcome(self, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while not self.outcomes and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.outcomes[0] if self.outcomes else "still sending"


@pytest.mark.django_db
def test_a_trickling_logo_server_is_cut_at_the_deadline(jwt_client, settings):
    settings.SSRF_ALLOW_LOOPBACK = True
    settings.CONTENT_LOGO_TIMEOUT = 1.0
    trickle = Trickle()
    with http_server(trickle.handler) as base:
        body = {"eventDraftId": "evt-slow", "eventInfo": {**EVENT_INFO, "logoUrl": f"{base}/logo.png"}}
        response = generate(jwt_client, body)
        # Our side closed the socket: the server's next write fails long before its 60 s body is out.
        assert trickle.wait_for_outcome() == "cut"
    assert response.status_code == 400
    assert response.json()["message"] == "logoUrl: URL을 가져오는 시간이 초과되었습니다."
    assert ImageJob.objects.count() == 0


def test_a_deadline_closes_a_kept_alive_connection_reused_by_a_later_request(settings):
    """The webhook sender reuses connections: a deadline must also cover a socket it did not open itself."""
    settings.SSRF_ALLOW_LOOPBACK = True
    trickle = Trickle()

    class FastThenTrickle(TrickleHandler):
        outcomes = trickle.outcomes
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

    with http_server(FastThenTrickle) as base, public_session() as session:
        assert session.get(f"{base}/warm-up", timeout=5).status_code == 204
        with Deadline(1.0) as deadline, pytest.raises(requests.RequestException):
            response = session.post(f"{base}/hook", data=b"{}", timeout=(5, 5), stream=True)
            response.content  # noqa: B018 - reads the trickled body until the deadline cuts it
        assert deadline.expired
        assert trickle.wait_for_outcome() == "cut"


@pytest.mark.django_db(transaction=True)
def test_customer_fetches_beyond_the_per_process_cap_get_503(live_server, settings):
    from tests.support.merchants import make_merchant, owner_of

    settings.SSRF_ALLOW_LOOPBACK = True
    settings.CONTENT_LOGO_TIMEOUT = 3.0
    settings.CUSTOMER_FETCH_CONCURRENCY = 1
    settings.CUSTOMER_FETCH_WAIT_SECONDS = 0.2
    token = f"Bearer {RefreshToken.for_user(owner_of(make_merchant())).access_token}"
    trickle = Trickle()
    with http_server(trickle.handler) as base:
        body: dict[str, Any] = {"eventDraftId": "evt-busy", "eventInfo": {**EVENT_INFO, "logoUrl": f"{base}/logo.png"}}
        url = f"{live_server.url}/api/content/images/generate"
        first: list[requests.Response] = []
        holder = threading.Thread(
            target=lambda: first.append(requests.post(url, json=body, headers={"Authorization": token}, timeout=30))
        )
        holder.start()
        time.sleep(0.5)  # the first request now holds the only fetch slot
        second = requests.post(url, json=body, headers={"Authorization": token}, timeout=30)
        holder.join()
    assert second.status_code == 503, second.text
    assert second.json()["code"] == "SERVICE_UNAVAILABLE" and int(second.headers["Retry-After"]) >= 1
    assert first[0].status_code == 400 and "시간이 초과" in first[0].json()["message"]


def test_a_deadline_shorter_than_those_already_watched_expires_on_time():
    """The watchdog is woken only for a deadline that expires before the one it waits for: a short one that
    comes after longer ones must be among those."""
    with Deadline(30.0) as long, Deadline(0.3) as short:
        started = time.monotonic()
        while not short.expired and time.monotonic() - started < 5:
            time.sleep(0.01)
        assert short.expired and time.monotonic() - started < 2
        assert not long.expired
    # Later, longer ones do not wake it: it still expires the next one on time.
    with Deadline(0.2) as next_one, Deadline(60.0):
        time.sleep(0.6)
        assert next_one.expired
