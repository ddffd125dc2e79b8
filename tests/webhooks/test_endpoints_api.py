"""The webhook management API: create (secret once), list, update, delete, validation, tenancy, SSRF."""

from __future__ import annotations

import base64
import json

import pytest
from rest_framework.test import APIClient

from tests.support.merchants import jwt_client_for
from tests.support.webhooks import make_endpoint
from webhooks.delivery.signing import decrypt_secret
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.services import emit_event

pytestmark = pytest.mark.django_db

PUBLIC_URL = "https://93.184.216.34/toile"  # a public address literal: valid without DNS, never contacted


def create(client: APIClient, **body):
    return client.post("/api/webhooks", body, format="json")


def assert_toile_error(response, status: int) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["statusCode"] == status
    assert body["error"] and body["message"]


def test_create_returns_the_secret_once_and_stores_it_encrypted(jwt_client, merchant):
    response = create(jwt_client, url=PUBLIC_URL, events=["tryon.completed", "tryon.failed"])

    assert response.status_code == 201
    data = response.json()["data"]
    assert data["url"] == PUBLIC_URL
    assert data["events"] == ["tryon.completed", "tryon.failed"]
    assert data["isActive"] is True
    assert data["createdAt"].endswith("Z") and data["updatedAt"].endswith("Z")
    secret = data["secret"]
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24

    endpoint = WebhookEndpoint.objects.get(pk=data["id"])
    assert endpoint.merchant == merchant
    assert secret not in endpoint.encrypted_secret
    assert secret.removeprefix("whsec_") not in endpoint.encrypted_secret
    assert decrypt_secret(endpoint.encrypted_secret) == secret

    listing = jwt_client.get("/api/webhooks")
    assert listing.status_code == 200
    items = listing.json()["data"]["items"]
    assert [item["id"] for item in items] == [data["id"]]
    assert "secret" not in items[0]
    assert secret not in listing.content.decode()

    patched = jwt_client.patch(f"/api/webhooks/{data['id']}", {"isActive": False}, format="json")
    assert patched.status_code == 200
    assert "secret" not in patched.json()["data"]
    assert secret not in patched.content.decode()
    # PATCH never rotates the secret.
    endpoint.refresh_from_db()
    assert decrypt_secret(endpoint.encrypted_secret) == secret


def test_each_endpoint_gets_its_own_secret(jwt_client):
    first = create(jwt_client, url=PUBLIC_URL, events=["tryon.completed"]).json()["data"]["secret"]
    second = create(jwt_client, url=PUBLIC_URL, events=["tryon.completed"]).json()["data"]["secret"]
    assert first != second


def test_list_shows_only_the_callers_endpoints_newest_first(jwt_client, merchant, other_merchant):
    older = create(jwt_client, url=PUBLIC_URL + "/1", events=["tryon.completed"]).json()["data"]["id"]
    newer = create(jwt_client, url=PUBLIC_URL + "/2", events=["tryon.failed"]).json()["data"]["id"]
    create(jwt_client_for(other_merchant), url=PUBLIC_URL + "/3", events=["tryon.failed"])

    items = jwt_client.get("/api/webhooks").json()["data"]["items"]

    assert [item["id"] for item in items] == [newer, older]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"url": PUBLIC_URL, "events": ["tryon.exploded"]}, "events"),
        ({"url": PUBLIC_URL, "events": ["webhook.test"]}, "events"),
        ({"url": PUBLIC_URL, "events": []}, "events"),
        ({"url": PUBLIC_URL, "events": "tryon.completed"}, "events"),
        ({"url": PUBLIC_URL}, "events"),
        ({"events": ["tryon.completed"]}, "url"),
        ({"url": "ftp://93.184.216.34/x", "events": ["tryon.completed"]}, "http"),
        ({"url": "not a url", "events": ["tryon.completed"]}, ""),
        ({"url": "https://93.184.216.34/" + "a" * 2048, "events": ["tryon.completed"]}, "url"),
        ({"url": "https://user:pw@93.184.216.34/x", "events": ["tryon.completed"]}, ""),
    ],
)
def test_invalid_create_is_refused_and_writes_nothing(jwt_client, body, fragment):
    response = create(jwt_client, **body)

    assert_toile_error(response, 400)
    assert fragment in response.json()["message"]
    assert WebhookEndpoint.objects.count() == 0


def test_malformed_json_is_a_toile_400(jwt_client):
    response = jwt_client.post("/api/webhooks", data="{not json", content_type="application/json")
    assert_toile_error(response, 400)
    assert WebhookEndpoint.objects.count() == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://10.0.0.5/hook",
        "http://192.168.1.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0/hook",
    ],
)
def test_private_and_loopback_urls_are_refused_by_default(jwt_client, url):
    response = create(jwt_client, url=url, events=["tryon.completed"])

    assert_toile_error(response, 400)
    assert WebhookEndpoint.objects.count() == 0


def test_loopback_is_allowed_only_by_the_setting(jwt_client, settings):
    settings.SSRF_ALLOW_LOOPBACK = True
    assert create(jwt_client, url="http://127.0.0.1:8080/hook", events=["tryon.completed"]).status_code == 201
    # The setting opens loopback only, never the private network or cloud metadata.
    assert_toile_error(create(jwt_client, url="http://10.0.0.5/hook", events=["tryon.completed"]), 400)
    assert_toile_error(create(jwt_client, url="http://169.254.169.254/", events=["tryon.completed"]), 400)
    assert WebhookEndpoint.objects.count() == 1


def test_patch_changes_url_events_and_active_flag(jwt_client):
    endpoint_id = create(jwt_client, url=PUBLIC_URL, events=["tryon.completed"]).json()["data"]["id"]

    response = jwt_client.patch(
        f"/api/webhooks/{endpoint_id}",
        {"url": PUBLIC_URL + "/v2", "events": ["usage.quota_exceeded"], "isActive": False},
        format="json",
    )

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["url"] == PUBLIC_URL + "/v2"
    assert data["events"] == ["usage.quota_exceeded"]
    assert data["isActive"] is False
    endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
    assert (endpoint.url, endpoint.events, endpoint.is_active) == (PUBLIC_URL + "/v2", ["usage.quota_exceeded"], False)

    reactivated = jwt_client.patch(f"/api/webhooks/{endpoint_id}", {"isActive": True}, format="json").json()["data"]
    assert reactivated["isActive"] is True
    assert reactivated["disabledReason"] is None
    assert reactivated["url"] == PUBLIC_URL + "/v2"


@pytest.mark.parametrize(
    "body",
    [
        {"events": ["nope"]},
        {"events": []},
        {"url": "http://127.0.0.1/hook"},
        {"url": "gopher://93.184.216.34/"},
        {"isActive": "maybe"},
    ],
)
def test_invalid_patch_changes_nothing(jwt_client, body):
    endpoint_id = create(jwt_client, url=PUBLIC_URL, events=["tryon.completed"]).json()["data"]["id"]

    assert_toile_error(jwt_client.patch(f"/api/webhooks/{endpoint_id}", body, format="json"), 400)

    endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
    assert (endpoint.url, endpoint.events, endpoint.is_active) == (PUBLIC_URL, ["tryon.completed"], True)


def test_delete_removes_the_endpoint_and_all_its_deliveries(jwt_client, merchant, settings):
    settings.SSRF_ALLOW_LOOPBACK = True
    endpoint_id = create(jwt_client, url="http://127.0.0.1:9/hook", events=["tryon.completed"]).json()["data"]["id"]
    kept, _ = make_endpoint(merchant, "http://127.0.0.1:9/kept", ["tryon.completed"])
    emit_event(merchant=merchant, event_type="tryon.completed", data={"n": 1})
    emit_event(merchant=merchant, event_type="tryon.completed", data={"n": 2})
    assert WebhookDelivery.objects.filter(endpoint_id=endpoint_id).count() == 2

    response = jwt_client.delete(f"/api/webhooks/{endpoint_id}")

    assert response.status_code == 200
    assert response.json() == {"data": {}}
    assert not WebhookEndpoint.objects.filter(pk=endpoint_id).exists()
    assert WebhookDelivery.objects.filter(endpoint_id=endpoint_id).count() == 0
    assert WebhookDelivery.objects.filter(endpoint=kept).count() == 2
    assert jwt_client.delete(f"/api/webhooks/{endpoint_id}").status_code == 404


def test_another_merchants_endpoint_is_not_found(jwt_client, other_merchant, settings):
    settings.SSRF_ALLOW_LOOPBACK = True
    theirs, _ = make_endpoint(other_merchant, "http://127.0.0.1:9/theirs", ["tryon.completed"])
    emit_event(merchant=other_merchant, event_type="tryon.completed", data={})
    their_delivery = WebhookDelivery.objects.get(endpoint=theirs)

    for response in (
        jwt_client.patch(f"/api/webhooks/{theirs.pk}", {"isActive": False}, format="json"),
        jwt_client.delete(f"/api/webhooks/{theirs.pk}"),
        jwt_client.post(f"/api/webhooks/{theirs.pk}/test"),
        jwt_client.get(f"/api/webhooks/{theirs.pk}/deliveries"),
        jwt_client.post(f"/api/webhooks/deliveries/{their_delivery.pk}/replay"),
    ):
        assert_toile_error(response, 404)

    theirs.refresh_from_db()
    assert theirs.is_active is True
    assert WebhookDelivery.objects.filter(endpoint=theirs).count() == 1
    assert WebhookAttempt.objects.count() == 0
    assert jwt_client.get("/api/webhooks").json()["data"]["items"] == []


def test_unknown_ids_are_toile_404s(jwt_client):
    assert_toile_error(jwt_client.patch("/api/webhooks/00000000-0000-0000-0000-000000000000", {}, format="json"), 404)
    assert_toile_error(jwt_client.get("/api/webhooks/not-a-uuid/deliveries"), 404)


def test_management_api_needs_a_bearer_token(merchant, api_key_client):
    anonymous = APIClient()
    assert_toile_error(anonymous.get("/api/webhooks"), 401)
    assert_toile_error(create(anonymous, url=PUBLIC_URL, events=["tryon.completed"]), 401)
    # The storefront's x-api-key is not a dashboard credential.
    assert_toile_error(api_key_client.get("/api/webhooks"), 401)
    assert WebhookEndpoint.objects.count() == 0


def test_wrong_method_is_a_toile_405(jwt_client):
    response = jwt_client.put("/api/webhooks", {}, format="json")
    assert_toile_error(response, 405)


def test_secret_is_not_logged(jwt_client, caplog):
    caplog.set_level("DEBUG")
    secret = create(jwt_client, url=PUBLIC_URL, events=["tryon.completed"]).json()["data"]["secret"]
    assert caplog.records  # creation is logged, with context
    assert secret not in caplog.text
    assert secret.removeprefix("whsec_") not in caplog.text
    assert all(secret not in json.dumps(record.__dict__, default=str) for record in caplog.records)


def test_patch_ignores_an_attempt_to_set_the_secret_and_dedupes_events(jwt_client):
    created = create(jwt_client, url=PUBLIC_URL, events=["tryon.completed"]).json()["data"]

    response = jwt_client.patch(
        f"/api/webhooks/{created['id']}",
        {"secret": "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "events": ["tryon.failed", "tryon.failed"]},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["data"]["events"] == ["tryon.failed"]
    endpoint = WebhookEndpoint.objects.get(pk=created["id"])
    assert decrypt_secret(endpoint.encrypted_secret) == created["secret"]
