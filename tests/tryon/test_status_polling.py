"""GET /api/tryon/{jobId} of a finished job: from the cache, with every check of the database path kept, and a
result URL that is signed again before it nears expiry and never handed out expired."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from common.timestamps import iso_z
from merchants.services import issue_api_key
from tests.support.merchants import api_key_client_for, make_merchant
from tests.support.tryon import make_completed_job
from tests.support.widget import SHOP, publishable_key_for, widget_client
from tryon.models import TryOnJob
from tryon.selectors import visitor_key_for
from tryon.serializers import TryOnJobDataSerializer
from tryon.services import purge_expired, share_job

pytestmark = pytest.mark.django_db

URL_SECONDS = 600


class Clock:
    """``time.time`` moved by hand: Django's URL signer and the status cache read it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = time.time()
        monkeypatch.setattr(time, "time", lambda: self.now)

    def advance(self, seconds: float) -> None:
        self.now += seconds


def job_queries(queries: CaptureQueriesContext) -> list[str]:
    """The queries that read try-on jobs (moving the clock may expire the API key's 5-second entry)."""
    return [query["sql"] for query in queries if "tryon_tryonjob" in query["sql"]]


def fetch_status(client: APIClient, url: str) -> int:
    return client.get(urlsplit(url).path).status_code


def test_a_warm_poll_of_a_completed_job_runs_no_query(merchant, api_key_client):
    job = make_completed_job(merchant)
    first = api_key_client.get(f"/api/tryon/{job.id}")
    assert first.status_code == 200 and first.json()["data"]["resultImageUrl"]
    with CaptureQueriesContext(connection) as queries:
        again = api_key_client.get(f"/api/tryon/{job.id}")
    assert len(queries) == 0, [query["sql"] for query in queries]
    assert again.content == first.content
    assert again["Content-Type"] == "application/json"


def test_a_warm_poll_renders_nothing(merchant, api_key_client, monkeypatch):
    """The body is rendered once, when it is built; a hit answers with the stored bytes (a tripwire, no fake)."""
    job = make_completed_job(merchant)
    first = api_key_client.get(f"/api/tryon/{job.id}")

    def render(self: TryOnJobDataSerializer, instance: object) -> None:
        raise AssertionError("a cache hit rendered the body again")

    monkeypatch.setattr(TryOnJobDataSerializer, "to_representation", render)
    again = api_key_client.get(f"/api/tryon/{job.id}")
    assert again.status_code == 200 and again.content == first.content


def test_the_result_url_is_signed_again_before_it_nears_expiry(merchant, api_key_client, settings, monkeypatch):
    settings.TRYON_RESULT_URL_SECONDS = URL_SECONDS
    clock = Clock(monkeypatch)
    job = make_completed_job(merchant)
    first = api_key_client.get(f"/api/tryon/{job.id}").json()["data"]["resultImageUrl"]

    clock.advance(URL_SECONDS / 2)  # half its lifetime left: the cached URL is handed out as it is
    with CaptureQueriesContext(connection) as queries:
        same = api_key_client.get(f"/api/tryon/{job.id}").json()["data"]["resultImageUrl"]
    assert same == first and job_queries(queries) == []

    clock.advance(URL_SECONDS * 0.2)  # less than a third left: signed again, still without reading the job
    with CaptureQueriesContext(connection) as queries:
        fresh = api_key_client.get(f"/api/tryon/{job.id}").json()["data"]["resultImageUrl"]
    assert fresh != first and job_queries(queries) == []
    assert fetch_status(api_key_client, fresh) == 200

    clock.advance(URL_SECONDS * 0.31)  # past the first URL's lifetime
    assert fetch_status(api_key_client, first) == 410
    assert fetch_status(api_key_client, fresh) == 200


def test_the_url_handed_out_is_never_expired(merchant, api_key_client, settings, monkeypatch):
    settings.TRYON_RESULT_URL_SECONDS = URL_SECONDS
    clock = Clock(monkeypatch)
    job = make_completed_job(merchant)
    for _ in range(30):  # polls every 70 s, out of step with the URL's lifetime, for 35 minutes
        url = api_key_client.get(f"/api/tryon/{job.id}").json()["data"]["resultImageUrl"]
        assert fetch_status(api_key_client, url) == 200
        clock.advance(URL_SECONDS / 3 - 1)  # the longest a URL handed out may still be used ...
        assert fetch_status(api_key_client, url) == 200  # ... is at least a third of its lifetime
        clock.advance(71 - (URL_SECONDS / 3 - 1))


def test_another_merchants_job_is_still_403_once_cached(merchant, api_key_client):
    job = make_completed_job(merchant)
    assert api_key_client.get(f"/api/tryon/{job.id}").status_code == 200
    stranger = api_key_client_for(make_merchant("Stranger Shop"))
    response = stranger.get(f"/api/tryon/{job.id}")
    assert response.status_code == 403
    assert response.json()["statusCode"] == 403 and "다른 가맹점" in response.json()["message"]


def test_a_visitor_sees_only_their_own_job_from_the_cache(merchant):
    job = make_completed_job(merchant)
    owner = uuid.uuid4()
    TryOnJob.objects.filter(pk=job.pk).update(visitor_key=visitor_key_for(visitor_id=owner))
    widget = widget_client(publishable_key_for(merchant).raw_key)
    assert widget.get(f"/api/tryon/{job.id}", {"visitorId": str(owner)}).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert widget.get(f"/api/tryon/{job.id}", {"visitorId": str(owner)}).status_code == 200
    assert len(queries) == 0
    other = widget.get(f"/api/tryon/{job.id}", {"visitorId": str(uuid.uuid4())})
    assert other.status_code == 403 and "다른 방문자" in other.json()["message"]
    assert widget.get(f"/api/tryon/{job.id}").status_code == 400  # a publishable key must name its visitor


def test_the_origin_policy_holds_on_the_cached_path(merchant):
    job = make_completed_job(merchant)
    issued = publishable_key_for(merchant)
    visitor = {"visitorId": str(uuid.uuid4())}
    TryOnJob.objects.filter(pk=job.pk).update(visitor_key=visitor_key_for(visitor_id=uuid.UUID(visitor["visitorId"])))
    assert widget_client(issued.raw_key).get(f"/api/tryon/{job.id}", visitor).status_code == 200
    assert (
        widget_client(issued.raw_key, origin="https://evil.example").get(f"/api/tryon/{job.id}", visitor).status_code
        == 403
    )
    assert widget_client(issued.raw_key, origin=None).get(f"/api/tryon/{job.id}", visitor).status_code == 403
    secret = issue_api_key(merchant=merchant).raw_key
    assert widget_client(secret, origin=SHOP).get(f"/api/tryon/{job.id}").status_code == 403  # secret key in a page


def test_the_retention_purge_changes_the_cached_job(merchant, api_key_client):
    job = make_completed_job(merchant)
    assert "resultImageUrl" in api_key_client.get(f"/api/tryon/{job.id}").json()["data"]
    TryOnJob.objects.filter(pk=job.pk).update(result_expires_at=timezone.now() - timedelta(minutes=1))
    assert purge_expired()["resultsDeleted"] == 1
    data = api_key_client.get(f"/api/tryon/{job.id}").json()["data"]
    assert data["resultDeleted"] is True and "resultImageUrl" not in data


def test_a_share_link_that_extends_retention_changes_the_cached_job(merchant, api_key_client):
    job = make_completed_job(merchant)
    TryOnJob.objects.filter(pk=job.pk).update(result_expires_at=timezone.now() + timedelta(days=1))
    before = api_key_client.get(f"/api/tryon/{job.id}").json()["data"]["resultExpiresAt"]
    link = share_job(merchant=merchant, job_id=job.id, visitor_id=uuid.uuid4()).link
    after = api_key_client.get(f"/api/tryon/{job.id}").json()["data"]["resultExpiresAt"]
    assert after != before and after == iso_z(link.expires_at)


def test_a_deleted_job_is_404_at_once(merchant, api_key_client):
    job = make_completed_job(merchant)
    assert api_key_client.get(f"/api/tryon/{job.id}").status_code == 200
    TryOnJob.objects.get(pk=job.pk).delete()  # what the dashboard's delete does
    assert api_key_client.get(f"/api/tryon/{job.id}").status_code == 404
