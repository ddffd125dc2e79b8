"""The dashboard side of the widget: issuing publishable keys on the API keys page, and the funnel per day."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from merchants.models import ApiKey
from merchants.services import hash_api_key, issue_api_key
from tests.support.charts import charts_in
from tests.support.merchants import admin_client_for
from tests.support.text import must_search
from tests.support.tryon import upload
from tests.support.widget import SHOP, publishable_key_for, seed_catalogue, widget_client
from widget.models import WidgetDailyStats

pytestmark = pytest.mark.django_db


def test_merchant_issues_a_publishable_key_with_origins_in_the_dashboard(merchant):
    client = admin_client_for(merchant)
    form = client.get("/admin/merchants/apikey/add/").content.decode()
    assert "공개 키 (위젯용)" in form and 'name="origins_text"' in form
    response = client.post(
        "/admin/merchants/apikey/add/",
        {
            "name": "자사몰 위젯",
            "kind": "publishable",
            "origins_text": "https://Shop.Example.com/\nhttps://m.shop.example.com",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    raw_key = must_search(r'id="raw-api-key"[^>]*>(pk_[^<]+)<', page).group(1)
    key = ApiKey.objects.get(hashed_key=hash_api_key(raw_key))
    assert key.merchant == merchant and key.is_publishable
    assert key.allowed_origins == ["https://shop.example.com", "https://m.shop.example.com"]
    assert f'data-toile-key="{raw_key}"' in page.replace("&quot;", '"')
    assert "/widget/v1/toile.js" in page
    # Public by design: the key page shows the snippet again; the list shows kind and origins.
    change = client.get(f"/admin/merchants/apikey/{key.pk}/change/").content.decode()
    assert raw_key in change and 'id="widget-snippet"' in change
    listing = client.get("/admin/merchants/apikey/").content.decode()
    assert "https://shop.example.com" in listing and "공개 키 (위젯용)" in listing


def test_dashboard_refuses_bad_origins_and_secret_keys_with_origins(merchant):
    client = admin_client_for(merchant)
    bad = client.post(
        "/admin/merchants/apikey/add/",
        {"name": "w", "kind": "publishable", "origins_text": "https://shop.example.com/product/1"},
    )
    assert bad.status_code == 200 and "경로" in bad.content.decode()
    empty = client.post("/admin/merchants/apikey/add/", {"name": "w", "kind": "publishable", "origins_text": ""})
    assert "하나 이상" in empty.content.decode()
    secret = client.post("/admin/merchants/apikey/add/", {"name": "s", "kind": "secret", "origins_text": SHOP})
    assert "비밀 키에는 Origin" in secret.content.decode()
    assert not ApiKey.objects.exists()


def test_origins_edited_in_the_dashboard_apply_to_the_next_request(merchant):
    issued = publishable_key_for(merchant, "https://old-shop.kr")
    client = admin_client_for(merchant)
    response = client.post(
        f"/admin/merchants/apikey/{issued.api_key.pk}/change/",
        {"name": "widget", "origins_text": "https://new-shop.kr"},
    )
    assert response.status_code == 302
    issued.api_key.refresh_from_db()
    assert issued.api_key.allowed_origins == ["https://new-shop.kr"]
    event = {"event": "open", "visitorId": str(uuid.uuid4())}
    new = widget_client(issued.raw_key, "https://new-shop.kr").post("/api/widget/events", event, format="json")
    old = widget_client(issued.raw_key, "https://old-shop.kr").post("/api/widget/events", event, format="json")
    assert new.status_code == 202 and old.status_code == 403


def test_secret_key_issuing_in_the_dashboard_is_unchanged(merchant):
    response = admin_client_for(merchant).post("/admin/merchants/apikey/add/", {"name": "server"})
    raw_key = must_search(r'id="raw-api-key"[^>]*>(tk_[^<]+)<', response.content.decode()).group(1)
    key = ApiKey.objects.get(hashed_key=hash_api_key(raw_key))
    assert key.kind == ApiKey.Kind.SECRET and key.publishable_key == "" and key.allowed_origins == []


def test_the_funnel_is_counted_per_day_from_widget_traffic(
    merchant, image_server, loopback_allowed, django_capture_on_commit_callbacks
):
    seed_catalogue(merchant)
    client = widget_client(publishable_key_for(merchant).raw_key)
    visitor = str(uuid.uuid4())
    for _ in range(3):
        assert (
            client.post("/api/widget/events", {"event": "open", "visitorId": visitor}, format="json").status_code == 202
        )
    body = {"productId": "BLUE-SHIRT-001", "measurement": {"height": 170, "weight": 65, "gender": "M"}}
    for _ in range(2):
        assert client.post("/api/size/recommend", {**body, "visitorId": visitor}, format="json").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        job_id = upload(client, image_server, visitorId=visitor).json()["data"]["jobId"]
    shared = client.post(f"/api/tryon/{job_id}/share", {"visitorId": visitor}, format="json").json()["data"]
    client.post(f"/api/tryon/{job_id}/share", {"visitorId": visitor}, format="json")  # the same link again
    Client().get(f"/share/{shared['token']}")
    Client().get(f"/api/share/{shared['token']}")
    # The merchant's own server traffic (secret key) is not widget traffic.
    server = widget_client(issue_api_key(merchant=merchant).raw_key, origin=None)
    server.post("/api/size/recommend", body, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        server_job = upload(server, image_server).json()["data"]["jobId"]
    server.post(f"/api/tryon/{server_job}/share", {"visitorId": visitor}, format="json")

    row = WidgetDailyStats.objects.get(merchant=merchant, date=timezone.localdate())
    counts = {f: getattr(row, f) for f in ("opens", "recommendations", "uploads", "completed", "shares", "share_views")}
    assert counts == {"opens": 3, "recommendations": 2, "uploads": 1, "completed": 1, "shares": 1, "share_views": 2}
    # Counters only: nothing about the visitor, their body or their photo is stored with the funnel.
    stored = {field.name for field in WidgetDailyStats._meta.get_fields()}
    assert stored == {"id", "merchant", "date", *counts}


def test_unknown_events_are_refused_and_change_nothing(merchant):
    client = widget_client(publishable_key_for(merchant).raw_key)
    response = client.post("/api/widget/events", {"event": "purchase", "visitorId": str(uuid.uuid4())}, format="json")
    assert response.status_code == 400 and response.json()["error"] == "BadRequest"
    assert client.post("/api/widget/events", ["open"], format="json").status_code == 400
    assert not WidgetDailyStats.objects.exists()


def test_dashboard_shows_the_merchants_funnel_only(merchant, other_merchant):
    today = timezone.localdate()
    WidgetDailyStats.objects.create(
        merchant=merchant, date=today, opens=40, recommendations=20, uploads=10, completed=8
    )
    WidgetDailyStats.objects.create(merchant=other_merchant, date=today, opens=7777)
    page = admin_client_for(merchant).get("/admin/widget/widgetdailystats/")
    assert page.status_code == 200
    html = page.content.decode()
    totals = dict(re.findall(r'<tr id="funnel-(\w+)"><td>[^<]+</td><td class="total">(\d+)</td>', html))
    assert totals == {"opens": "40", "recommendations": "20", "uploads": "10", "completed": "8", "shares": "0",
                      "share_views": "0"}  # fmt: skip
    assert "50.0%" in html and "80.0%" in html  # recommendations/opens, completed/uploads
    funnel = charts_in(html)["widget-funnel"]
    assert funnel["type"] == "line" and funnel["series"]["위젯 열림"][-1] == 40
    assert "7777" not in html
    # Read-only: the numbers are the system's.
    assert admin_client_for(merchant).get("/admin/widget/widgetdailystats/add/").status_code == 403
