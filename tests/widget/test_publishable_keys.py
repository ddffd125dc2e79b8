"""Publishable keys through HTTP: which operations, from which origins, for which visitor; secret keys beside them."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from common.errors import InvalidInput
from merchants.models import ApiKey
from merchants.origins import normalize_origin
from merchants.services import hash_api_key, issue_api_key, revoke_api_key, set_allowed_origins
from tests.support.errors import assert_content_error, assert_toile_error
from tests.support.merchants import make_merchant
from tests.support.tryon import make_completed_job, stored_files, upload
from tests.support.widget import SHOP, publishable_key_for, seed_catalogue, widget_client
from tryon.models import ShareLink, TryOnFeedback, TryOnJob, TryOnSettings

pytestmark = pytest.mark.django_db

BODY = {"height": 170, "weight": 65, "gender": "M"}


def recommend(client: APIClient, headers: dict | None = None, **fields):
    body = {"productId": "BLUE-SHIRT-001", "measurement": BODY, "visitorId": str(uuid.uuid4()), **fields}
    body = {k: v for k, v in body.items() if v is not None}
    return client.post("/api/size/recommend", body, format="json", **(headers or {}))


@pytest.fixture
def catalogue(merchant):
    seed_catalogue(merchant)
    return merchant


# --- issuing -------------------------------------------------------------------------------------------------


def test_command_prints_only_a_publishable_key_for_the_given_origins(merchant, capsys):
    call_command(
        "issue_publishable_key",
        merchant.name,
        "--origin",
        "https://Shop.Example.com:443/",
        "--origin",
        "http://m.shop.kr",
    )
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("pk_") and "\n" not in printed
    key = ApiKey.objects.get(hashed_key=hash_api_key(printed))
    assert key.merchant == merchant and key.kind == ApiKey.Kind.PUBLISHABLE
    assert key.allowed_origins == ["https://shop.example.com", "http://m.shop.kr"]
    response = recommend(widget_client(printed, "https://shop.example.com"))
    assert response.status_code == 404  # authenticated and allowed: the demo product is simply not seeded here


def test_command_refuses_bad_origins_and_unknown_merchants(merchant):
    with pytest.raises(CommandError, match="경로"):
        call_command("issue_publishable_key", merchant.name, "--origin", "https://shop.example.com/products/1")
    with pytest.raises(CommandError, match="와일드카드"):
        call_command("issue_publishable_key", merchant.name, "--origin", "https://*.example.com")
    with pytest.raises(CommandError, match="No merchant"):
        call_command("issue_publishable_key", "Nobody", "--origin", SHOP)
    with pytest.raises(CommandError):  # --origin is required
        call_command("issue_publishable_key", merchant.name)
    assert not ApiKey.objects.filter(kind=ApiKey.Kind.PUBLISHABLE).exists()


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("HTTPS://Shop.Example.COM", "https://shop.example.com"),
        ("https://shop.example.com:443/", "https://shop.example.com"),
        ("http://localhost:8000", "http://localhost:8000"),
        ("https://쇼핑.한국", "https://xn--hp4bo76a.xn--3e0b707e"),
        ("http://[::1]:3000", "http://[::1]:3000"),
    ],
)
def test_origins_are_compared_in_the_form_browsers_send(given, canonical):
    assert normalize_origin(given) == canonical


@pytest.mark.parametrize(
    "bad",
    ["", "shop.example.com", "ftp://shop.example.com", "https://shop.example.com/a", "https://u:p@shop.kr", "null"],
)
def test_malformed_origins_are_refused(bad):
    with pytest.raises(InvalidInput):
        normalize_origin(bad)


def test_a_publishable_key_needs_origins_and_a_secret_key_takes_none(merchant):
    with pytest.raises(InvalidInput):
        issue_api_key(merchant=merchant, kind=ApiKey.Kind.PUBLISHABLE, allowed_origins=[])
    with pytest.raises(InvalidInput):
        issue_api_key(merchant=merchant, allowed_origins=[SHOP])


# --- where a publishable key works ---------------------------------------------------------------------------


def test_publishable_key_recommends_from_its_origin(catalogue):
    raw = publishable_key_for(catalogue).raw_key
    response = recommend(widget_client(raw))
    assert response.status_code == 200, response.content
    assert response.json()["data"]["recommendation"]["size"] == "M"
    assert response["Access-Control-Allow-Origin"] == SHOP


@pytest.mark.parametrize("origin", ["https://evil.example.com", "http://shop.example.com", "null", None])
def test_publishable_key_is_refused_from_other_origins(catalogue, origin):
    raw = publishable_key_for(catalogue).raw_key
    response = recommend(widget_client(raw, origin))
    assert_toile_error(response, 403)
    assert "Access-Control-Allow-Origin" not in response


def test_an_origin_allowed_for_another_merchants_key_does_not_open_this_one(catalogue, other_merchant):
    publishable_key_for(other_merchant, "https://other-shop.kr")
    raw = publishable_key_for(catalogue).raw_key
    response = recommend(widget_client(raw, "https://other-shop.kr"))
    assert_toile_error(response, 403)
    assert "https://other-shop.kr" in response.json()["message"]


def test_publishable_key_cannot_manage_webhooks_keys_or_content(merchant):
    raw = publishable_key_for(merchant).raw_key
    client = widget_client(raw)
    assert_toile_error(client.get("/api/webhooks"), 403)
    assert_toile_error(
        client.post("/api/webhooks", {"url": "https://x.example.com/h", "events": []}, format="json"), 403
    )
    assert_toile_error(client.get("/api/me"), 403)
    assert_content_error(client.get("/api/content/images/jobs/job-img-1"), 403)
    assert_content_error(client.get("/api/auth/me"), 403)
    # A secret key stays a plain "no credential of this API" there, as before.
    secret = issue_api_key(merchant=merchant).raw_key
    assert_toile_error(APIClient().get("/api/webhooks", HTTP_X_API_KEY=secret), 401)
    # A made-up pk_ is just an invalid credential.
    assert_toile_error(APIClient().get("/api/webhooks", HTTP_X_API_KEY="pk_" + "x" * 43), 401)


def test_revoked_publishable_key_is_401_and_its_origin_no_longer_preflights(catalogue):
    issued = publishable_key_for(catalogue)
    preflight = APIClient().options("/api/size/recommend", HTTP_ORIGIN=SHOP, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert preflight.status_code == 204
    revoke_api_key(api_key=issued.api_key)
    assert_toile_error(recommend(widget_client(issued.raw_key)), 401)
    again = APIClient().options("/api/size/recommend", HTTP_ORIGIN=SHOP, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert again.status_code == 403 and "Access-Control-Allow-Origin" not in again


# --- secret keys --------------------------------------------------------------------------------------------


def test_secret_key_is_refused_from_a_shop_page_but_works_server_to_server(catalogue):
    secret = issue_api_key(merchant=catalogue).raw_key
    server = APIClient()
    server.credentials(HTTP_X_API_KEY=secret)
    assert recommend(server, visitorId=None).status_code == 200
    # Same-origin pages of this host (e.g. the API docs) may still use it.
    assert recommend(server, headers={"HTTP_ORIGIN": "http://testserver"}).status_code == 200
    browser = widget_client(secret, SHOP)
    publishable_key_for(catalogue)  # the shop origin is a widget origin, so the browser would even send it
    response = recommend(browser)
    assert_toile_error(response, 403)
    assert "공개 키" in response.json()["message"]


# --- CORS ---------------------------------------------------------------------------------------------------


def test_preflight_is_answered_for_widget_origins_on_shopper_paths_only(merchant):
    publishable_key_for(merchant, "https://shop.example.com")
    job_path = f"/api/tryon/{uuid.uuid4()}"

    def preflight(path: str, origin: str):
        return APIClient().options(
            path,
            HTTP_ORIGIN=origin,
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
            HTTP_ACCESS_CONTROL_REQUEST_HEADERS="x-api-key,content-type",
        )

    for path in ("/api/size/recommend", "/api/size/feedback", "/api/size/measurements", "/api/tryon", job_path,
                 f"{job_path}/feedback", f"{job_path}/share", "/api/widget/events"):  # fmt: skip
        answer = preflight(path, SHOP)
        assert answer.status_code == 204, path
        assert answer["Access-Control-Allow-Origin"] == SHOP
        assert {"x-api-key", "content-type"} <= {h.strip() for h in answer["Access-Control-Allow-Headers"].split(",")}
        assert "POST" in answer["Access-Control-Allow-Methods"]
        assert "Access-Control-Allow-Credentials" not in answer
        assert "Origin" in answer["Vary"]
    refused = preflight("/api/size/recommend", "https://evil.example.com")
    assert_toile_error(refused, 403)
    assert "Access-Control-Allow-Origin" not in refused
    for path in ("/api/webhooks", "/api/me", "/api/content/images/generate", "/api/auth/token"):
        assert "Access-Control-Allow-Origin" not in preflight(path, SHOP), path


def test_changed_origins_take_effect_for_preflights_at_once(merchant):
    issued = publishable_key_for(merchant, "https://old-shop.kr")
    opts: dict[str, Any] = {"HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST"}
    assert APIClient().options("/api/tryon", HTTP_ORIGIN="https://old-shop.kr", **opts).status_code == 204
    set_allowed_origins(api_key=issued.api_key, allowed_origins=["https://new-shop.kr"])
    assert APIClient().options("/api/tryon", HTTP_ORIGIN="https://old-shop.kr", **opts).status_code == 403
    assert APIClient().options("/api/tryon", HTTP_ORIGIN="https://new-shop.kr", **opts).status_code == 204


# --- visitors -----------------------------------------------------------------------------------------------


def test_publishable_key_requests_must_name_their_visitor(catalogue, image_server, loopback_allowed):
    client = widget_client(publishable_key_for(catalogue).raw_key)
    response = recommend(client, visitorId=None)
    assert_toile_error(response, 400)
    assert "visitorId" in response.json()["message"]
    assert_toile_error(upload(client, image_server), 400)
    assert not TryOnJob.objects.exists() and stored_files() == []
    assert_toile_error(client.post("/api/widget/events", {"event": "open"}, format="json"), 400)
    job = make_completed_job(catalogue)
    assert_toile_error(client.get(f"/api/tryon/{job.pk}"), 400)
    assert_toile_error(client.get(f"/api/tryon/{job.pk}?visitorId=not-a-uuid"), 400)


def test_a_visitor_reads_rates_and_shares_only_their_own_jobs(
    merchant, image_server, loopback_allowed, django_capture_on_commit_callbacks
):
    client = widget_client(publishable_key_for(merchant).raw_key)
    me, someone = str(uuid.uuid4()), str(uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True):
        created = upload(client, image_server, visitorId=me)
    assert created.status_code == 202, created.content
    job_id = created.json()["data"]["jobId"]

    mine = client.get(f"/api/tryon/{job_id}?visitorId={me}")
    assert mine.status_code == 200 and mine.json()["data"]["status"] == "COMPLETED"
    assert_toile_error(client.get(f"/api/tryon/{job_id}?visitorId={someone}"), 403)
    assert_toile_error(
        client.post(f"/api/tryon/{job_id}/feedback", {"vote": "BAD", "visitorId": someone}, format="json"), 403
    )
    assert_toile_error(client.post(f"/api/tryon/{job_id}/share", {"visitorId": someone}, format="json"), 403)
    size_feedback = {"tryOnRequestId": job_id, "recommendedSize": "M", "confidence": 80, "helpful": False}
    assert_toile_error(client.post("/api/size/feedback", {**size_feedback, "visitorId": someone}, format="json"), 403)
    assert_toile_error(client.post("/api/size/feedback", size_feedback, format="json"), 400)
    assert not TryOnFeedback.objects.exists() and not ShareLink.objects.exists()

    assert (
        client.post(f"/api/tryon/{job_id}/feedback", {"vote": "GOOD", "visitorId": me}, format="json").status_code
        == 201
    )
    assert client.post(f"/api/tryon/{job_id}/share", {"visitorId": me}, format="json").status_code == 201
    assert client.post("/api/size/feedback", {**size_feedback, "visitorId": me}, format="json").status_code == 201
    # The merchant's own server (secret key) still sees every job of the merchant.
    secret = APIClient()
    secret.credentials(HTTP_X_API_KEY=issue_api_key(merchant=merchant).raw_key)
    assert secret.get(f"/api/tryon/{job_id}").status_code == 200


def test_jobs_made_by_the_merchants_server_are_not_readable_with_the_widget_key(merchant):
    job = make_completed_job(merchant)  # no visitor: made server-to-server
    client = widget_client(publishable_key_for(merchant).raw_key)
    assert_toile_error(client.get(f"/api/tryon/{job.pk}?visitorId={uuid.uuid4()}"), 403)


def test_the_per_visitor_daily_limit_applies_to_widget_try_ons(
    merchant, image_server, loopback_allowed, django_capture_on_commit_callbacks
):
    TryOnSettings.objects.update_or_create(merchant=merchant, defaults={"visitor_daily_limit": 1})
    client = widget_client(publishable_key_for(merchant).raw_key)
    visitor = str(uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True):
        assert upload(client, image_server, visitorId=visitor).status_code == 202
        second = upload(client, image_server, visitorId=visitor)
        other = upload(client, image_server, visitorId=str(uuid.uuid4()))
    assert_toile_error(second, 429)
    assert int(second["Retry-After"]) > 0
    assert second["Access-Control-Allow-Origin"] == SHOP  # the widget can read why
    assert other.status_code == 202
    assert TryOnJob.objects.count() == 2


def test_widget_jobs_are_marked_for_the_funnel_and_keep_the_visitor(
    merchant, image_server, loopback_allowed, django_capture_on_commit_callbacks
):
    client = widget_client(publishable_key_for(merchant).raw_key)
    visitor = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True):
        job_id = upload(client, image_server, visitorId=str(visitor)).json()["data"]["jobId"]
    job = TryOnJob.objects.get(pk=job_id)
    assert job.metadata["channel"] == "widget" and job.visitor_key == f"v:{visitor}"
    assert job.status == TryOnJob.Status.COMPLETED and job.person_image == ""


def test_publishable_key_of_another_merchant_cannot_read_this_merchants_jobs(merchant):
    job = make_completed_job(merchant)
    other = make_merchant()
    client = widget_client(publishable_key_for(other).raw_key)
    assert_toile_error(client.get(f"/api/tryon/{job.pk}?visitorId={uuid.uuid4()}"), 403)
