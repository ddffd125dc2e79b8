"""Feedback (once per visitor) and share links (idempotent, 7 days, public views, og-image redirect)."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.utils import timezone

from tests.support.merchants import api_key_client_for
from tests.support.tryon import decode, fetch_result, make_completed_job
from tryon.models import ShareLink, TryOnFeedback, TryOnJob

VISITOR = "550e8400-e29b-41d4-a716-446655440001"


@pytest.mark.django_db
class TestFeedback:
    def test_vote_once_per_visitor(self, api_key_client, merchant):
        job = make_completed_job(merchant)
        url = f"/api/tryon/{job.id}/feedback"
        first = api_key_client.post(url, {"vote": "GOOD", "visitorId": VISITOR}, format="json")
        assert first.status_code == 201
        assert first.json()["data"]["vote"] == "GOOD"
        again = api_key_client.post(
            url, {"vote": "BAD", "visitorId": VISITOR, "reason": "핏이 어색해요"}, format="json"
        )
        assert again.status_code == 409
        assert again.json() == {"error": "Conflict", "message": "이미 피드백을 제출했습니다.", "statusCode": 409}
        other = api_key_client.post(
            url, {"vote": "BAD", "visitorId": str(uuid.uuid4()), "reason": "색이 달라요"}, format="json"
        )
        assert other.status_code == 201
        assert TryOnFeedback.objects.filter(job=job).count() == 2

    @pytest.mark.parametrize(
        "body",
        [
            {"vote": "MEH", "visitorId": VISITOR},
            {"vote": "GOOD", "visitorId": "not-a-uuid"},
            {"vote": "GOOD"},
            {"vote": "BAD", "visitorId": VISITOR, "reason": "x" * 501},
        ],
    )
    def test_invalid_feedback_is_400(self, api_key_client, merchant, body):
        job = make_completed_job(merchant)
        response = api_key_client.post(f"/api/tryon/{job.id}/feedback", body, format="json")
        assert response.status_code == 400
        assert response.json()["error"] == "BadRequest"
        assert TryOnFeedback.objects.count() == 0

    def test_malformed_json_is_400(self, api_key_client, merchant):
        job = make_completed_job(merchant)
        response = api_key_client.post(
            f"/api/tryon/{job.id}/feedback", data="{not json", content_type="application/json"
        )
        assert response.status_code == 400 and response.json()["statusCode"] == 400

    def test_other_merchants_job_is_403(self, api_key_client, other_merchant):
        job = make_completed_job(other_merchant)
        response = api_key_client.post(
            f"/api/tryon/{job.id}/feedback", {"vote": "GOOD", "visitorId": VISITOR}, format="json"
        )
        assert response.status_code == 403
        assert TryOnFeedback.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_feedback_from_one_visitor_is_counted_once(merchant, concurrent_database):
    job = make_completed_job(merchant)
    clients = [api_key_client_for(merchant) for _ in range(8)]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def vote(client) -> None:
        try:
            barrier.wait()
            response = client.post(
                f"/api/tryon/{job.id}/feedback", {"vote": "GOOD", "visitorId": VISITOR}, format="json"
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=vote, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [409] * 7
    assert TryOnFeedback.objects.filter(job=job).count() == 1


@pytest.mark.django_db
class TestShare:
    def test_share_is_created_then_reused(self, api_key_client, merchant, settings):
        settings.PUBLIC_BASE_URL = "https://toile.example.com"
        job = make_completed_job(merchant)
        first = api_key_client.post(f"/api/tryon/{job.id}/share", {"visitorId": VISITOR}, format="json")
        assert first.status_code == 201
        data = first.json()["data"]
        assert data["shareUrl"].startswith("https://toile.example.com/share/")
        token = data["shareUrl"].rsplit("/", 1)[1]
        assert len(token) >= 22 and all(c.isalnum() or c in "-_" for c in token)  # ≥128 bits, URL-safe
        expires = datetime.fromisoformat(data["expiresAt"].replace("Z", "+00:00"))
        assert timedelta(days=6, hours=23) < expires - timezone.now() <= timedelta(days=7)
        second = api_key_client.post(f"/api/tryon/{job.id}/share", {"visitorId": str(uuid.uuid4())}, format="json")
        assert second.status_code == 200
        assert second.json()["data"]["shareUrl"] == data["shareUrl"]
        assert ShareLink.objects.count() == 1

    def test_expired_link_is_replaced_by_a_new_one(self, api_key_client, merchant):
        job = make_completed_job(merchant)
        first = api_key_client.post(f"/api/tryon/{job.id}/share", {"visitorId": VISITOR}, format="json").json()["data"]
        ShareLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        fresh = api_key_client.post(f"/api/tryon/{job.id}/share", {"visitorId": VISITOR}, format="json")
        assert fresh.status_code == 201
        assert fresh.json()["data"]["shareUrl"] != first["shareUrl"]

    def test_share_needs_a_completed_job(self, api_key_client, merchant):
        job = make_completed_job(merchant)
        TryOnJob.objects.filter(pk=job.pk).update(status=TryOnJob.Status.PROCESSING)
        response = api_key_client.post(f"/api/tryon/{job.id}/share", {"visitorId": VISITOR}, format="json")
        assert response.status_code == 409
        assert response.json()["message"] == "피팅 완료 후에만 공유 링크를 발급할 수 있습니다."
        assert ShareLink.objects.count() == 0

    def test_share_validation_and_scoping(self, api_key_client, merchant, other_merchant):
        job = make_completed_job(merchant)
        assert api_key_client.post(f"/api/tryon/{job.id}/share", {}, format="json").status_code == 400
        assert (
            api_key_client.post(f"/api/tryon/{uuid.uuid4()}/share", {"visitorId": VISITOR}, format="json").status_code
            == 404
        )
        foreign = make_completed_job(other_merchant)
        assert (
            api_key_client.post(f"/api/tryon/{foreign.id}/share", {"visitorId": VISITOR}, format="json").status_code
            == 403
        )
        assert ShareLink.objects.count() == 0

    def test_share_keeps_the_result_at_least_as_long_as_the_link(self, api_key_client, merchant):
        job = make_completed_job(merchant)
        TryOnJob.objects.filter(pk=job.pk).update(result_expires_at=timezone.now() + timedelta(days=1))
        api_key_client.post(f"/api/tryon/{job.id}/share", {"visitorId": VISITOR}, format="json")
        job.refresh_from_db()
        assert job.result_expires_at >= ShareLink.objects.get().expires_at

    def test_public_view_counts_each_call(self, api_key_client, merchant, client):
        job = make_completed_job(merchant)
        share_url = api_key_client.post(f"/api/tryon/{job.id}/share", {"visitorId": VISITOR}, format="json").json()[
            "data"
        ]["shareUrl"]
        token = share_url.rsplit("/", 1)[1]
        for expected in (1, 2, 3):
            response = client.get(f"/api/share/{token}")
            assert response.status_code == 200
            data = response.json()["data"]
            assert data["viewCount"] == expected
        assert data["productTitle"] == "블루 린넨 셔츠"
        assert data["productPageUrl"] == "https://shop.example.com/p/123"
        assert data["sharedAt"] and data["expiresAt"]
        assert decode(fetch_result(client, data["resultImageUrl"])).size == (432, 648)

    def test_unknown_token_is_404_and_expired_is_410(self, api_key_client, merchant, client):
        assert client.get("/api/share/doesnotexist").status_code == 404
        assert client.get("/api/share/doesnotexist").json()["error"] == "NotFound"
        job = make_completed_job(merchant)
        token = (
            api_key_client.post(f"/api/tryon/{job.id}/share", {"visitorId": VISITOR}, format="json")
            .json()["data"]["shareUrl"]
            .rsplit("/", 1)[1]
        )
        ShareLink.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
        response = client.get(f"/api/share/{token}")
        assert response.status_code == 410
        assert response.json() == {"error": "Gone", "message": "만료된 공유 링크입니다.", "statusCode": 410}
        assert client.get(f"/api/share/{token}/og-image").status_code == 410
        assert ShareLink.objects.get().view_count == 0

    def test_og_image_redirects_to_a_fresh_signed_url(self, api_key_client, merchant, client):
        job = make_completed_job(merchant)
        token = (
            api_key_client.post(f"/api/tryon/{job.id}/share", {"visitorId": VISITOR}, format="json")
            .json()["data"]["shareUrl"]
            .rsplit("/", 1)[1]
        )
        response = client.get(f"/api/share/{token}/og-image")
        assert response.status_code == 302
        assert response["Cache-Control"] == "public, max-age=3600"
        assert decode(fetch_result(client, response["Location"])).size == (432, 648)
        assert client.get("/api/share/nope/og-image").status_code == 404
        assert ShareLink.objects.get().view_count == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_share_requests_get_one_link(merchant, concurrent_database):
    job = make_completed_job(merchant)
    clients = [api_key_client_for(merchant) for _ in range(8)]
    barrier = threading.Barrier(len(clients))
    results: list[tuple[int, str]] = []

    def share(client) -> None:
        try:
            barrier.wait()
            response = client.post(f"/api/tryon/{job.id}/share", {"visitorId": str(uuid.uuid4())}, format="json")
            results.append((response.status_code, response.json()["data"]["shareUrl"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=share, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _ in results) == [200] * 7 + [201]
    assert len({url for _, url in results}) == 1
    assert ShareLink.objects.filter(job=job).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_views_are_all_counted(merchant, concurrent_database):
    job = make_completed_job(merchant)
    link = ShareLink.objects.create(job=job, token="t" * 32, expires_at=timezone.now() + timedelta(days=7))
    from rest_framework.test import APIClient

    barrier = threading.Barrier(10)

    def view() -> None:
        try:
            barrier.wait()
            assert APIClient().get(f"/api/share/{link.token}").status_code == 200
        finally:
            connection.close()

    threads = [threading.Thread(target=view) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    link.refresh_from_db()
    assert link.view_count == 10


@pytest.mark.django_db
def test_local_signed_urls_expire_and_refuse_tampering(merchant, client, settings):
    from tryon.selectors import result_url

    job = make_completed_job(merchant)
    url = result_url(job)
    assert url is not None
    path = urlsplit(url).path
    assert client.get(path).status_code == 200
    tampered = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    assert client.get(tampered).status_code == 403
    settings.TRYON_RESULT_URL_SECONDS = -1  # every signature is now older than allowed
    assert client.get(path).status_code == 410
