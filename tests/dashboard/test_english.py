"""The English dashboard is complete: no Korean left on any page a merchant opens with English switched on.

A merchant whose every piece of data is ASCII (product names, event titles, key names...) goes through the
dashboard in English: the home, every page the sidebar links to and the pages those link to (lists, add and
change pages, galleries, the webhook delivery page, the widget funnel, CSV imports, live progress blocks),
and the forms' answers (issued keys, refusals, import errors, confirmations). Any Hangul found is a label, a
message or a system text that has no English; the language switch's own "한국어" is the one exception.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import uuid
from collections import deque
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from content.models import ImageJob
from content.tasks import recover_stalled_jobs_task
from merchants.models import ApiKey, Merchant
from merchants.services import issue_api_key, issue_publishable_key
from tests.support.content import run_job
from tests.support.merchants import api_key_client_for, jwt_client_for, make_merchant
from tests.support.shop import person_jpeg
from tests.support.sizing import TOP_BODY_ROWS, make_chart, make_product
from tests.support.tryon import image_server as image_server  # noqa: PLC0414 - the fixture, shared
from tests.support.tryon import private_tryon_media as private_tryon_media  # noqa: PLC0414
from tests.support.visible_text import untranslated
from tests.support.webhooks import Reply, make_endpoint
from tests.support.widget import widget_client
from tryon import storage as tryon_storage
from tryon.models import TryOnJob
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from webhooks.services import emit_event
from webhooks.tasks import deliver_pending

pytestmark = pytest.mark.django_db

SHOP = "https://shop.example.com"
EVENT_INFO = {
    "title": "Spring Coffee Sale",
    "giftName": "Free Americano",
    "brandColor": "#FF5733",
    "secondaryColor": "#FFC107",
    "storeName": "Acme Coffee",
    "period": "3.1 - 3.31",
    "callToAction": "Join now",
    "eventUrl": "https://shop.example.com/events/spring",
}
# Pages never fetched: downloads (no page), the language switch itself.
NOT_PAGES = re.compile(r"/(download|export-csv|archive)(/|$)|/i18n/|/logout/")


def english_client(merchant: Merchant) -> Client:
    client = Client()
    client.force_login(merchant.memberships.get().user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _upload_tryon(client, image_server, **fields):
    data = {
        "userImage": SimpleUploadedFile("me.jpg", person_jpeg(), "image/jpeg"),
        "productImageUrl": image_server.url("/shirt.png"),
        "productTitle": "Blue Linen Shirt",
        "productPageUrl": f"{SHOP}/p/1",
        **fields,
    }
    return client.post("/api/tryon", data, format="multipart")


@pytest.fixture
def ascii_shop(receiver, image_server, settings, django_capture_on_commit_callbacks):
    """A merchant with some of everything, made through the APIs and services as in real use, all data ASCII."""
    settings.SSRF_ALLOW_LOOPBACK = True
    settings.STABILITY_API_KEY = settings.OPENAI_API_KEY = ""
    settings.CONTENT_RATE_LIMIT = 1000
    merchant = make_merchant("Acme Shop")
    capture = django_capture_on_commit_callbacks
    # Content: one event in two platforms with every fact, one failed job.
    run_job(
        jwt_client_for(merchant),
        {"eventDraftId": "spring-sale", "eventInfo": EVENT_INFO, "platforms": ["INSTAGRAM", "KAKAO_LINK"]},
        capture,
    )
    # A job whose worker kept dying: the recovery gives up on it.
    ImageJob.objects.create(
        merchant=merchant,
        event_draft_id="broken-sale",
        payload={"eventDraftId": "broken-sale", "eventInfo": EVENT_INFO},
        status=ImageJob.Status.PROCESSING,
        lease_owner="dead-worker",
        lease_expires_at=timezone.now() - timedelta(minutes=1),
        recovery_count=settings.JOB_MAX_RECOVERIES,
    )
    assert recover_stalled_jobs_task()["failed"] == 1
    # Try-on: one finished through the widget (publishable key), one failed (the product image is gone), one
    # still running; a vote and a share on the finished one.
    widget_key = issue_publishable_key(merchant=merchant, allowed_origins=[SHOP], name="storefront widget")
    widget = widget_client(widget_key.raw_key)
    visitor = str(uuid.uuid4())
    widget.post("/api/widget/events", {"event": "open", "visitorId": visitor}, format="json")
    with capture(execute=True):
        done = _upload_tryon(widget, image_server, visitorId=visitor).json()["data"]["jobId"]
    widget.post(f"/api/tryon/{done}/feedback", {"vote": "GOOD", "visitorId": visitor}, format="json")
    shared = widget.post(f"/api/tryon/{done}/share", {"visitorId": visitor}, format="json").json()["data"]
    Client().get(f"/share/{shared['token']}")
    server = api_key_client_for(merchant)
    with capture(execute=False) as callbacks:
        lost = _upload_tryon(server, image_server, productTitle="Lost Photo Shirt").json()["data"]["jobId"]
    tryon_storage.delete_file(TryOnJob.objects.get(pk=lost).person_image)  # the photo vanished before the run
    for callback in callbacks:
        callback()
    assert TryOnJob.objects.get(pk=lost).status == TryOnJob.Status.FAILED
    TryOnJob.objects.create(
        merchant=merchant,
        status=TryOnJob.Status.PROCESSING,
        product_image_url=f"{SHOP}/img/2.png",
        product_title="Striped Shirt",
        engine="offline",
        progress=40,
        started_at=timezone.now(),
    )
    # Sizing: a chart, a product, recommendations, feedback, a measurement.
    make_chart(merchant, brand="ACME", category="TOP", rows=TOP_BODY_ROWS)
    make_product(merchant, external_id="BLUE-SHIRT-001", brand="ACME", category="TOP", name="Blue Linen Shirt")
    body = {"productId": "BLUE-SHIRT-001", "measurement": {"gender": "M", "height": 172, "weight": 66, "chest": 92}}
    widget.post("/api/size/recommend", {**body, "visitorId": visitor}, format="json")
    server.post("/api/size/recommend", body, format="json")
    feedback = {
        "tryOnRequestId": done,
        "recommendedSize": "M",
        "confidence": 80,
        "helpful": False,
        "comment": "too tight",
        "productId": "BLUE-SHIRT-001",
        "visitorId": visitor,
    }
    assert widget.post("/api/size/feedback", feedback, format="json").status_code == 201
    measurement = {"gender": "F", "height": 163, "weight": 52, "chest": 84, "waist": 66, "hip": 90}
    server.post("/api/size/measurements", {"visitorId": visitor, "measurement": measurement}, format="json")
    # Webhooks: an endpoint with one delivery made, one failing (HTTP 500, to be retried), one refused and
    # given up; a second endpoint switched off by a 410; a third paused by Retry-After.
    endpoint, _ = make_endpoint(merchant, receiver.url("/hook"), ["tryon.completed", "tryon.failed"])
    emit_event(merchant=merchant, event_type="tryon.completed", data={"jobId": done})
    deliver_pending()
    receiver.replies.append(Reply(status=500))
    emit_event(merchant=merchant, event_type="tryon.failed", data={"jobId": "job-1"})
    deliver_pending()
    gone, _ = make_endpoint(merchant, receiver.url("/gone"), ["usage.quota_exceeded"])
    receiver.replies.append(Reply(status=410))
    emit_event(merchant=merchant, event_type="usage.quota_exceeded", data={"month": "2026-11"})
    deliver_pending()
    WebhookDelivery.objects.filter(merchant=merchant, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED
    )
    make_endpoint(merchant, receiver.url("/paused"), ["usage.quota_exceeded"])
    receiver.replies.append(Reply(status=503, headers={"Retry-After": "600"}))
    emit_event(merchant=merchant, event_type="usage.quota_exceeded", data={"month": "2026-12"})
    deliver_pending()
    assert not WebhookEndpoint.objects.get(pk=gone.pk).is_active
    # Keys: a secret key besides the widget's, a revoked one.
    issue_api_key(merchant=merchant, name="order server")
    revoked = issue_api_key(merchant=merchant, name="old server").api_key
    revoked.revoked_at = timezone.now()
    revoked.save(update_fields=["revoked_at"])
    return merchant


def _links(page: str) -> set[str]:
    found = set(re.findall(r'(?:href|hx-get)="(/admin/[^"#]*)"', page))
    return {urlsplit(link.replace("&amp;", "&")).path for link in found if not NOT_PAGES.search(link)}


def _sidebar_links(home: str) -> list[str]:
    sidebar = home.split('id="nav-sidebar-apps"', 1)[1]
    return sorted(_links(sidebar.split("</nav>", 1)[0]))


def _read(
    client: Client, url: str, found: dict[str, list[str]], /, *, method: str = "get", status: int = 200, **data
) -> str:
    response = client.post(url, data, follow=True) if method == "post" else client.get(url, follow=True)
    assert response.status_code == status, (method, url, response.status_code)
    if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
        return ""
    page = response.content.decode()
    assert 'lang="en"' in page or "<html" not in page, url
    if problems := untranslated(page):
        found.setdefault(f"{method.upper()} {url}", []).extend(problems)
    return page


def summary(found: dict[str, list[str]]) -> str:
    """Each untranslated piece once, with the first pages it was found on."""
    pages: dict[str, list[str]] = {}
    for url, pieces in found.items():
        for piece in dict.fromkeys(pieces):
            pages.setdefault(piece, []).append(url)
    return "untranslated:\n" + "\n".join(
        f"  {piece!r} on {', '.join(urls[:2])}{' …' if len(urls) > 2 else ''}" for piece, urls in sorted(pages.items())
    )


def crawl(client: Client, start: list[str], found: dict[str, list[str]], *, limit: int = 400) -> list[str]:
    """Every dashboard page reachable from ``start`` (paths, queries ignored), breadth first."""
    queue, seen = deque(start), set(start)
    while queue and len(seen) < limit:
        url = queue.popleft()
        for link in sorted(_links(_read(client, url, found)) - seen):
            seen.add(link)
            queue.append(link)
    return sorted(seen)


def test_every_dashboard_page_reads_in_english(ascii_shop):
    client = english_client(ascii_shop)
    found: dict[str, list[str]] = {}
    home = _read(client, "/admin/", found)
    sidebar = _sidebar_links(home)
    # The pages the brief names, all reachable from the sidebar.
    for page in (
        "/admin/content/generatedimage/gallery/",
        "/admin/webhooks/webhookdelivery/",
        "/admin/widget/widgetdailystats/",
        "/admin/merchants/apikey/",
        "/admin/tryon/tryonjob/gallery/",
    ):
        assert page in sidebar, page
    visited = crawl(client, ["/admin/", *sidebar], found)
    assert "/admin/merchants/apikey/add/" in visited
    assert any(re.fullmatch(r"/admin/webhooks/webhookdelivery/[^/]+/change/", url) for url in visited)
    assert any(url.endswith("/progress/") for url in visited)
    assert found == {}, summary(found)


def test_dashboard_answers_read_in_english(ascii_shop, receiver):
    """Forms' answers and messages: issued keys, refusals, confirmations, import errors."""
    client = english_client(ascii_shop)
    found: dict[str, list[str]] = {}
    keys = "/admin/merchants/apikey/add/"
    _read(client, keys, found, method="post", name="new server")
    _read(client, keys, found, method="post", name="widget", kind="publishable", origins_text=SHOP)
    _read(client, keys, found, method="post", name="w", kind="publishable", origins_text="")
    _read(client, keys, found, method="post", name="w", kind="publishable", origins_text=f"{SHOP}/product/1")
    _read(client, keys, found, method="post", name="w", kind="publishable", origins_text="*.example.com")
    _read(client, keys, found, method="post", name="s", kind="secret", origins_text=SHOP)
    key = ApiKey.objects.get(merchant=ascii_shop, name="order server")
    _read(client, f"/admin/merchants/apikey/{key.pk}/revoke/", found, method="post")
    other = ApiKey.objects.get(merchant=ascii_shop, name="new server")
    _read(client, "/admin/merchants/apikey/", found, method="post", action="revoke_selected", _selected_action=other.pk)
    # Webhooks: a new endpoint (secret shown once), refused URLs, a test send, replays.
    hooks = "/admin/webhooks/webhookendpoint/add/"
    _read(client, hooks, found, method="post", url=receiver.url("/new"), events=["tryon.completed"])
    _read(client, hooks, found, method="post", url="ftp://shop.example.com/hook", events=["tryon.completed"])
    _read(client, hooks, found, method="post", url="http://10.1.2.3/hook", events=["tryon.completed"])
    _read(client, hooks, found, method="post", url="", events=[])
    endpoint = WebhookEndpoint.objects.get(merchant=ascii_shop, url=receiver.url("/hook"))
    _read(client, f"/admin/webhooks/webhookendpoint/{endpoint.pk}/send-test/", found, method="post")
    receiver.replies.append(Reply(status=500))
    _read(client, f"/admin/webhooks/webhookendpoint/{endpoint.pk}/send-test/", found, method="post")
    failed = WebhookDelivery.objects.filter(merchant=ascii_shop, status=DeliveryStatus.FAILED).first()
    assert failed is not None
    _read(client, f"/admin/webhooks/webhookdelivery/{failed.pk}/replay/", found, method="post")
    deliveries = WebhookDelivery.objects.filter(merchant=ascii_shop).values_list("pk", flat=True)
    _read(
        client,
        "/admin/webhooks/webhookdelivery/",
        found,
        method="post",
        action="replay_selected",
        _selected_action=[str(pk) for pk in deliveries],
    )
    for delivery in WebhookDelivery.objects.filter(merchant=ascii_shop):
        _read(client, f"/admin/webhooks/webhookdelivery/{delivery.pk}/change/", found)
    # Content: the brand kit refused and saved, an image regenerated and removed.
    settings_url = Client.get(client, "/admin/content/contentsettings/")["Location"]
    _read(client, settings_url, found, method="post", brand_color="red", font_family="NOTO_SANS_KR")
    bad_logo = SimpleUploadedFile("logo.png", b"not a picture", "image/png")
    _read(client, settings_url, found, method="post", font_family="NOTO_SANS_KR", logo=bad_logo)
    _read(client, settings_url, found, method="post", brand_color="#112233", font_family="NOTO_SERIF_KR")
    image = ascii_shop.content_images.filter(deleted_at__isnull=True).first()
    base = f"/admin/content/generatedimage/{image.pk}"
    _read(client, f"{base}/regenerate/", found, method="post", style="FANCY")
    _read(client, f"{base}/remove/", found, method="post")
    _read(client, f"{base}/regenerate/", found, method="post")
    # Sizing: CSV imports refused and accepted.
    charts = "/admin/sizing/sizechart/import-csv/"
    products = "/admin/sizing/product/import-csv/"
    for csv_text in ("", "label,chest\nM,abc\n", "size,nothing\nM,1\n", "label,chest_min,chest_max\nM,90,80\n"):
        upload = SimpleUploadedFile("chart.csv", csv_text.encode(), "text/csv")
        _read(client, charts, found, method="post", brand="ACME", category="BOTTOM", kind="BODY", csv_file=upload)
    good = SimpleUploadedFile("chart.csv", b"label,chest_min,chest_max\nM,90,95\nL,95,100\n", "text/csv")
    _read(client, charts, found, method="post", brand="NEW", category="TOP", kind="BODY", csv_file=good)
    for csv_text in ("external_id,name\nA-1,\n", "external_id,name,brand,category\nA-1,Shirt,ACME,HAT\n"):
        upload = SimpleUploadedFile("products.csv", csv_text.encode(), "text/csv")
        _read(client, products, found, method="post", csv_file=upload)
    assert found == {}, summary(found)


def test_the_login_pages_read_in_english(ascii_shop, settings):
    settings.THROTTLE_RATE_LOGIN_PER_IP = "2/min"
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    found: dict[str, list[str]] = {}
    _read(client, "/admin/login/?next=/admin/", found)
    for _ in range(2):
        _read(client, "/admin/login/?next=/admin/", found, method="post", username="nobody", password="wrong-pass")
    refused = _read(
        client, "/admin/login/?next=/admin/", found, method="post", status=429, username="nobody", password="wrong"
    )
    assert "Too many" in refused
    assert found == {}, summary(found)


def test_stored_texts_read_in_english_in_the_dashboard_only(ascii_shop):
    """What the system stored (a delivery's error, why an endpoint was switched off) stays Korean in the
    database and the API; the dashboard shows it in its language."""
    failed = WebhookDelivery.objects.get(merchant=ascii_shop, last_response_status=500)
    gone = WebhookEndpoint.objects.get(merchant=ascii_shop, is_active=False)
    assert failed.last_error == "HTTP 500 응답" and gone.disabled_reason.startswith("수신 서버가 410 Gone")
    english = english_client(ascii_shop)
    page = english.get(f"/admin/webhooks/webhookdelivery/{failed.pk}/change/").content.decode()
    assert "HTTP 500 answer" in page and "HTTP 500 응답" not in page
    endpoints = english.get("/admin/webhooks/webhookendpoint/").content.decode()
    assert "Switched off automatically: the receiving server answered 410 Gone." in endpoints
    korean = Client()
    korean.force_login(ascii_shop.memberships.get().user)
    assert "HTTP 500 응답" in korean.get(f"/admin/webhooks/webhookdelivery/{failed.pk}/change/").content.decode()
    assert "수신 서버가 410 Gone을 응답하여" in korean.get("/admin/webhooks/webhookendpoint/").content.decode()
    # The API answers in Korean whatever the dashboard's language cookie says.
    api = jwt_client_for(ascii_shop)
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    listed = api.get(f"/api/webhooks/{failed.endpoint_id}/deliveries").json()["data"]["items"]
    assert "HTTP 500 응답" in [delivery["lastError"] for delivery in listed]


def test_stored_texts_are_read_back_through_their_templates() -> None:
    from django.utils import translation

    from common.stored_text import StoredText, translate_stored
    from webhooks.delivery.health import DISABLED_AFTER_FAILING
    from webhooks.delivery.sender import CONNECTION_FAILED, REASON_REFUSED

    stored = DISABLED_AFTER_FAILING(since="2026-12-01 10:00 KST", error=CONNECTION_FAILED(reason=REASON_REFUSED()))
    assert stored == (
        "2026-12-01 10:00 KST부터 5일 동안 발송이 계속 실패하여 자동으로 비활성화되었습니다. "
        "마지막 오류: 연결 실패: 연결이 거부되었습니다"
    )
    with translation.override("en"):
        assert DISABLED_AFTER_FAILING(since="x", error="y").startswith("x부터")  # filled in, never translated
        assert translate_stored(stored) == (
            "Switched off automatically: deliveries kept failing for 5 days since 2026-12-01 10:00 KST. "
            "Last error: Connection failed: connection refused"
        )
        assert translate_stored("Receiver said: 잘못된 요청") == "Receiver said: 잘못된 요청"  # not ours: as it is
        assert translate_stored(None) == ""
    with translation.override("ko"):
        assert translate_stored(stored) == stored
    with pytest.raises(ValueError):
        StoredText("%(only)s")  # nothing to recognise it by
    with pytest.raises(ValueError):
        CONNECTION_FAILED(cause="x")


def test_the_dashboard_process_knows_every_stored_text() -> None:
    """The web process (which never loads the try-on engines or the Celery tasks) can translate every stored
    text the code defines: each is defined in a module the dashboard imports."""
    defined = set()
    for path in Path(settings.BASE_DIR).glob("*/**/*.py"):
        if path.parts[len(Path(settings.BASE_DIR).parts)] in (".venv", ".tools", "tests", "var"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "StoredText" and node.args:
                marked = node.args[0]
                assert isinstance(marked, ast.Call) and getattr(marked.func, "id", "") == "gettext_noop", path
                template = marked.args[0]
                assert isinstance(template, ast.Constant), path
                defined.add(template.value)
    script = (
        "import django, json; django.setup(); from django.urls import get_resolver; get_resolver().url_patterns; "
        "from common.stored_text import _KNOWN; print(json.dumps([known.template for known in _KNOWN]))"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    known = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
        env=environment,
    ).stdout
    assert len(defined) > 40
    assert defined - set(json.loads(known)) == set()


def test_every_english_entry_is_translated() -> None:
    """Every msgid of locale/en has a non-empty msgstr, none is fuzzy, and the .mo is what the .po compiles to."""
    po = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
    checked = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    statistics = checked.stderr.strip()
    assert "fuzzy" not in statistics and "untranslated" not in statistics, statistics
    entries = _po_entries(po.read_text())
    assert entries and [msgid for msgid, msgstr, _ in entries if not msgstr] == []
    assert [msgid for msgid, _, flags in entries if "fuzzy" in flags] == []
    compiled = subprocess.run(["msgfmt", "-o", "-", str(po)], capture_output=True, check=True).stdout
    assert po.with_suffix(".mo").read_bytes() == compiled, "locale/en: run compilemessages and commit the .mo"


def _po_entries(text: str) -> list[tuple[str, str, str]]:
    """(msgid, msgstr of the singular or every plural form joined, flags) of each entry but the header."""
    entries = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        flags = " ".join(line for line in lines if line.startswith("#,"))
        msgid, msgstrs, current = "", [], None
        for line in lines:
            if line.startswith("msgid "):
                current, msgid = "msgid", _unquote(line[6:])
            elif line.startswith("msgid_plural "):
                current = "plural"
            elif line.startswith("msgstr"):
                current = "msgstr"
                msgstrs.append(_unquote(line.split(" ", 1)[1]))
            elif line.startswith('"') and current == "msgid":
                msgid += _unquote(line)
            elif line.startswith('"') and current == "msgstr":
                msgstrs[-1] += _unquote(line)
        if msgid:
            entries.append((msgid, "" if any(not text for text in msgstrs) else "|".join(msgstrs), flags))
    return entries


def _unquote(quoted: str) -> str:
    return quoted.strip()[1:-1]
