"""GET /api/content/images/jobs/{jobId} of a finished job: served from the cache, refreshed when it changes.

Tokens here come from the token endpoint (they carry the merchant claim), as a storefront's do.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from common.status_cache import FinishedJobCache
from content.caching import forget_event
from content.models import ImageJob
from content.responses import ImageGenerationStatusResponseSerializer
from merchants.models import Merchant
from tests.support.content import EVENT_INFO, generate
from tests.support.merchants import make_merchant

pytestmark = pytest.mark.django_db

ONE_IMAGE = {"styles": ["SIMPLE"], "platforms": ["INSTAGRAM"]}
TWO_IMAGES: dict[str, Any] = {"styles": ["SIMPLE", "TRENDY"], "platforms": ["INSTAGRAM"]}


def logged_in_client(merchant: Merchant) -> APIClient:
    user = merchant.memberships.get().user
    tokens = (
        APIClient()
        .post("/api/auth/token", {"username": user.username, "password": "pass-word-123"}, format="json")
        .json()
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    return client


def completed_job(client: APIClient, capture, event: str = "evt-poll-1", **choices: Any) -> str:
    response = generate(
        client, {"eventDraftId": event, "eventInfo": EVENT_INFO, **(choices or ONE_IMAGE)}, capture=capture
    )
    assert response.status_code == 202, response.json()
    return response.json()["jobId"]


def poll(client: APIClient, job_id: str):
    return client.get(f"/api/content/images/jobs/{job_id}")


def test_a_warm_poll_of_a_completed_job_runs_no_query(merchant, django_capture_on_commit_callbacks):
    client = logged_in_client(merchant)
    job_id = completed_job(client, django_capture_on_commit_callbacks)
    first = poll(client, job_id)
    assert first.status_code == 200 and first.json()["status"] == "COMPLETED"
    with CaptureQueriesContext(connection) as queries:
        again = poll(client, job_id)
    assert len(queries) == 0, [query["sql"] for query in queries]
    assert again.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == "application/json"
    body = again.json()
    assert body["jobId"] == job_id and len(body["images"]) == 1 and body["images"][0]["url"]


def test_a_warm_poll_renders_nothing(merchant, django_capture_on_commit_callbacks, monkeypatch):
    """The body is rendered once, when it is built; a hit answers with the stored bytes (a tripwire, no fake)."""
    client = logged_in_client(merchant)
    job_id = completed_job(client, django_capture_on_commit_callbacks)
    first = poll(client, job_id)

    def render(self: ImageGenerationStatusResponseSerializer, instance: object) -> None:
        raise AssertionError("a cache hit rendered the body again")

    monkeypatch.setattr(ImageGenerationStatusResponseSerializer, "to_representation", render)
    again = poll(client, job_id)
    assert again.status_code == 200 and again.content == first.content


def test_a_failed_job_is_cached_and_an_unfinished_one_is_not(merchant):
    client = logged_in_client(merchant)
    failed = ImageJob.objects.create(
        merchant=merchant, event_draft_id="evt-f", status=ImageJob.Status.FAILED, error_code="X", error_detail="boom"
    )
    pending = ImageJob.objects.create(merchant=merchant, event_draft_id="evt-p", payload={"styles": ["SIMPLE"]})
    assert poll(client, failed.id).json()["error"] == {"code": "X", "detail": "boom"}
    poll(client, pending.id)
    with CaptureQueriesContext(connection) as failed_queries:
        assert poll(client, failed.id).json()["status"] == "FAILED"
    with CaptureQueriesContext(connection) as pending_queries:
        assert poll(client, pending.id).json()["status"] == "PENDING"
    assert len(failed_queries) == 0
    assert len(pending_queries) > 0  # read from the database each time: it is still changing


def test_another_merchants_job_is_still_404_once_cached(merchant, django_capture_on_commit_callbacks):
    owner = logged_in_client(merchant)
    job_id = completed_job(owner, django_capture_on_commit_callbacks)
    assert poll(owner, job_id).status_code == 200  # cached now
    stranger = logged_in_client(make_merchant("Stranger Shop"))
    response = poll(stranger, job_id)
    assert response.status_code == 404
    assert set(response.json()) >= {"code", "message", "timestamp"}
    assert poll(owner, job_id).status_code == 200


def test_deleting_an_image_changes_the_cached_job(merchant, django_capture_on_commit_callbacks):
    client = logged_in_client(merchant)
    job_id = completed_job(client, django_capture_on_commit_callbacks, **TWO_IMAGES)
    images = poll(client, job_id).json()["images"]
    assert len(images) == 2
    assert client.delete(f"/api/content/images/{images[0]['imageId']}").status_code == 204
    after = poll(client, job_id).json()["images"]
    assert [image["imageId"] for image in after] == [images[1]["imageId"]]


def test_regenerating_an_image_changes_the_cached_job(merchant, django_capture_on_commit_callbacks):
    client = logged_in_client(merchant)
    job_id = completed_job(client, django_capture_on_commit_callbacks, **TWO_IMAGES)
    images = poll(client, job_id).json()["images"]
    with django_capture_on_commit_callbacks(execute=True):
        accepted = client.post(f"/api/content/images/{images[0]['imageId']}/regenerate", {}, format="json")
    assert accepted.status_code == 202
    assert poll(client, accepted.json()["jobId"]).json()["status"] == "COMPLETED"
    # The source job no longer lists the replaced image (it lives on in the regeneration job).
    assert [image["imageId"] for image in poll(client, job_id).json()["images"]] == [images[1]["imageId"]]


def test_a_fresh_generation_of_the_event_changes_the_earlier_job(merchant, django_capture_on_commit_callbacks):
    client = logged_in_client(merchant)
    first = completed_job(client, django_capture_on_commit_callbacks, event="evt-again")
    assert len(poll(client, first).json()["images"]) == 1
    forget_event(merchant_id=merchant.pk, event_draft_id="evt-again")  # the 7-day entry expired
    second = completed_job(client, django_capture_on_commit_callbacks, event="evt-again")
    assert second != first
    assert poll(client, first).json()["images"] == []  # superseded by the new generation
    assert len(poll(client, second).json()["images"]) == 1


def test_a_deleted_job_is_404_at_once(merchant, django_capture_on_commit_callbacks):
    client = logged_in_client(merchant)
    job_id = completed_job(client, django_capture_on_commit_callbacks)
    assert poll(client, job_id).status_code == 200
    ImageJob.objects.filter(pk=job_id).get().delete()  # what the superuser's dashboard delete does
    assert poll(client, job_id).status_code == 404


def test_pretty_printing_still_works_on_a_cached_body(merchant, django_capture_on_commit_callbacks):
    client = logged_in_client(merchant)
    job_id = completed_job(client, django_capture_on_commit_callbacks)
    compact = poll(client, job_id)
    pretty = client.get(f"/api/content/images/jobs/{job_id}", HTTP_ACCEPT="application/json; indent=2")
    assert pretty.status_code == 200 and b"\n  " in pretty.content
    assert json.loads(pretty.content) == compact.json()


def test_an_entry_built_from_rows_read_before_a_change_is_never_served(merchant):
    """The race the versions exist for: a poll read the job, a delete committed, then the poll stored."""
    bodies = FinishedJobCache("race-test")
    before = bodies.lookup(merchant_id=merchant.pk, job_id="job-x")  # the poll takes the version, reads rows
    bodies.retire(["job-x"])  # a writer changes what the job shows
    bodies.store(merchant_id=merchant.pk, job_id="job-x", version=before.version, entry=b"old")
    assert bodies.lookup(merchant_id=merchant.pk, job_id="job-x").entry is None
    current = bodies.lookup(merchant_id=merchant.pk, job_id="job-x")
    bodies.store(merchant_id=merchant.pk, job_id="job-x", version=current.version, entry=b"new")
    assert bodies.lookup(merchant_id=merchant.pk, job_id="job-x").entry == b"new"
    assert bodies.lookup(merchant_id=merchant.pk + 1, job_id="job-x").entry is None
