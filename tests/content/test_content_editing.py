"""Cache, event content, filters, image get/delete, regenerate and the rate limit, through HTTP."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from content.models import GeneratedImage, ImageJob
from tests.support.content import EVENT_INFO, decode, generate, run_job
from tests.support.merchants import jwt_client_for

pytestmark = pytest.mark.django_db

NINE = {"eventDraftId": "evt-edit", "eventInfo": EVENT_INFO, "platforms": ["INSTAGRAM", "NAVER_BLOG", "KAKAO_CHANNEL"]}


def test_repeat_request_answers_from_cache_and_renders_nothing(jwt_client, django_capture_on_commit_callbacks):
    first = run_job(jwt_client, {"eventDraftId": "evt-c", "eventInfo": EVENT_INFO}, django_capture_on_commit_callbacks)
    rows, files = GeneratedImage.objects.count(), sorted(GeneratedImage.objects.values_list("file_name", flat=True))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        repeat = generate(jwt_client, {"eventDraftId": "evt-c", "eventInfo": EVENT_INFO})
    assert callbacks == []  # no task was even enqueued
    assert repeat.status_code == 202
    body = repeat.json()
    assert body["status"] == "PENDING" and body["estimatedCompletionTime"] == 0
    assert body["jobId"] != first["jobId"]

    poll = jwt_client.get(f"/api/content/images/jobs/{body['jobId']}").json()
    assert poll["status"] == "COMPLETED" and poll["fromCache"] is True
    assert poll["message"] == "이미지 생성이 완료되었습니다. (캐시)"
    assert [i["url"] for i in poll["images"]] == [i["url"] for i in first["images"]]
    assert GeneratedImage.objects.count() == rows
    assert sorted(GeneratedImage.objects.values_list("file_name", flat=True)) == files


def test_cache_is_per_merchant(jwt_client, other_merchant, django_capture_on_commit_callbacks):
    run_job(jwt_client, {"eventDraftId": "evt-shared", "eventInfo": EVENT_INFO}, django_capture_on_commit_callbacks)
    theirs = run_job(
        jwt_client_for(other_merchant),
        {"eventDraftId": "evt-shared", "eventInfo": EVENT_INFO},
        django_capture_on_commit_callbacks,
    )
    assert theirs["fromCache"] is False
    assert GeneratedImage.objects.filter(merchant=other_merchant).count() == 3


def test_event_content_lists_images_with_expiry(jwt_client, django_capture_on_commit_callbacks):
    job = run_job(jwt_client, {"eventDraftId": "evt-ev", "eventInfo": EVENT_INFO}, django_capture_on_commit_callbacks)
    response = jwt_client.get("/api/content/events/evt-ev")
    assert response.status_code == 200
    body = response.json()
    assert body["eventDraftId"] == "evt-ev" and body["totalCount"] == 3
    assert [i["imageId"] for i in body["images"]] == [i["imageId"] for i in job["images"]]
    for image in body["images"]:
        assert set(image) >= {"imageId", "style", "url", "platform", "size", "createdAt", "fallbackUsed"}
    from datetime import datetime

    created = datetime.fromisoformat(body["createdAt"].replace("Z", "+00:00"))
    expires = datetime.fromisoformat(body["expiresAt"].replace("Z", "+00:00"))
    assert abs((expires - created).total_seconds() - 7 * 24 * 3600) < 5


def test_unknown_event_is_404_content_not_found(jwt_client):
    response = jwt_client.get("/api/content/events/evt-none")
    assert response.status_code == 404
    assert response.json()["code"] == "CONTENT_NOT_FOUND"
    assert jwt_client.get("/api/content/events/evt-none/images").status_code == 404


def test_expired_content_is_404_and_a_new_request_renders_again(
    settings, jwt_client, django_capture_on_commit_callbacks
):
    settings.CONTENT_CACHE_TTL_SECONDS = 1
    run_job(jwt_client, {"eventDraftId": "evt-exp", "eventInfo": EVENT_INFO}, django_capture_on_commit_callbacks)
    assert jwt_client.get("/api/content/events/evt-exp").status_code == 200
    time.sleep(1.2)
    assert jwt_client.get("/api/content/events/evt-exp").status_code == 404
    again = run_job(
        jwt_client, {"eventDraftId": "evt-exp", "eventInfo": EVENT_INFO}, django_capture_on_commit_callbacks
    )
    assert again["fromCache"] is False
    settings.CONTENT_CACHE_TTL_SECONDS = 3600
    listing = jwt_client.get("/api/content/events/evt-exp/images").json()
    # The new generation replaced the expired one in the listing.
    assert [i["imageId"] for i in listing["images"]] == [i["imageId"] for i in again["images"]]


def test_images_filter_by_style_and_platform(jwt_client, django_capture_on_commit_callbacks):
    run_job(jwt_client, NINE, django_capture_on_commit_callbacks)
    everything = jwt_client.get("/api/content/events/evt-edit/images").json()
    assert everything["totalCount"] == 9 and everything["eventDraftId"] == "evt-edit"
    fancy = jwt_client.get("/api/content/events/evt-edit/images?style=FANCY").json()
    assert fancy["totalCount"] == 3 and {i["style"] for i in fancy["images"]} == {"FANCY"}
    naver = jwt_client.get("/api/content/events/evt-edit/images?platform=NAVER_BLOG").json()
    assert naver["totalCount"] == 3 and {i["size"]["height"] for i in naver["images"]} == {600}
    one = jwt_client.get("/api/content/events/evt-edit/images?style=TRENDY&platform=KAKAO_CHANNEL").json()
    assert [(i["style"], i["platform"]) for i in one["images"]] == [("TRENDY", "KAKAO_CHANNEL")]
    bad = jwt_client.get("/api/content/events/evt-edit/images?style=RETRO")
    assert bad.status_code == 400 and "style" in bad.json()["message"]
    assert jwt_client.get("/api/content/events/evt-edit/images?platform=tiktok").status_code == 400


def test_get_and_delete_image(jwt_client, django_capture_on_commit_callbacks):
    job = run_job(jwt_client, {"eventDraftId": "evt-del", "eventInfo": EVENT_INFO}, django_capture_on_commit_callbacks)
    target = job["images"][1]
    detail = jwt_client.get(f"/api/content/images/{target['imageId']}")
    assert detail.status_code == 200 and detail.json()["url"] == target["url"]

    response = jwt_client.delete(f"/api/content/images/{target['imageId']}")
    assert response.status_code == 204 and response.content == b""
    assert jwt_client.get(f"/api/content/images/{target['imageId']}").status_code == 404
    assert jwt_client.delete(f"/api/content/images/{target['imageId']}").status_code == 404
    content = jwt_client.get("/api/content/events/evt-del").json()
    assert content["totalCount"] == 2 and target["imageId"] not in [i["imageId"] for i in content["images"]]
    # The spec keeps the CDN file (cost): the URL still serves the image.
    assert decode(target["url"]).size == (1080, 1080)


def test_other_merchants_images_are_invisible(jwt_client, other_merchant, django_capture_on_commit_callbacks):
    theirs = run_job(
        jwt_client_for(other_merchant),
        {"eventDraftId": "evt-t", "eventInfo": EVENT_INFO},
        django_capture_on_commit_callbacks,
    )
    image_id = theirs["images"][0]["imageId"]
    assert jwt_client.get(f"/api/content/images/{image_id}").status_code == 404
    assert jwt_client.delete(f"/api/content/images/{image_id}").status_code == 404
    assert jwt_client.post(f"/api/content/images/{image_id}/regenerate", {}, format="json").status_code == 404
    assert jwt_client.get("/api/content/events/evt-t").status_code == 404
    assert GeneratedImage.objects.filter(id=image_id, deleted_at__isnull=True).exists()


def test_regenerate_replaces_the_image_in_the_listing(jwt_client, django_capture_on_commit_callbacks):
    job = run_job(jwt_client, NINE, django_capture_on_commit_callbacks)
    source = next(i for i in job["images"] if i["style"] == "SIMPLE" and i["platform"] == "NAVER_BLOG")
    with django_capture_on_commit_callbacks(execute=True):
        response = jwt_client.post(
            f"/api/content/images/{source['imageId']}/regenerate", {"style": "FANCY"}, format="json"
        )
    assert response.status_code == 202
    body = response.json()
    assert body["jobId"].startswith("job-regen-")
    assert body["message"] == "이미지 재생성 요청이 접수되었습니다"
    assert isinstance(body["estimatedTime"], int) and body["estimatedTime"] >= 1

    regen = jwt_client.get(f"/api/content/images/jobs/{body['jobId']}").json()
    assert regen["status"] == "COMPLETED"
    [new] = regen["images"]
    assert (new["style"], new["platform"]) == ("FANCY", "NAVER_BLOG")
    assert decode(new["url"]).size == (800, 600)
    listing = jwt_client.get("/api/content/events/evt-edit/images").json()
    ids = [i["imageId"] for i in listing["images"]]
    assert listing["totalCount"] == 9 and new["imageId"] in ids and source["imageId"] not in ids
    assert jwt_client.get(f"/api/content/images/{source['imageId']}").status_code == 404


def test_regenerate_without_body_keeps_style(jwt_client, django_capture_on_commit_callbacks):
    job = run_job(jwt_client, {"eventDraftId": "evt-r", "eventInfo": EVENT_INFO}, django_capture_on_commit_callbacks)
    source = job["images"][2]
    with django_capture_on_commit_callbacks(execute=True):
        response = jwt_client.post(f"/api/content/images/{source['imageId']}/regenerate")
    assert response.status_code == 202
    regen = jwt_client.get(f"/api/content/images/jobs/{response.json()['jobId']}").json()
    assert regen["images"][0]["style"] == source["style"]


def test_regenerate_validates_its_body(jwt_client, django_capture_on_commit_callbacks):
    job = run_job(jwt_client, {"eventDraftId": "evt-rv", "eventInfo": EVENT_INFO}, django_capture_on_commit_callbacks)
    image_id = job["images"][0]["imageId"]
    before = ImageJob.objects.count()
    for body in ({"style": "RETRO"}, {"content": 5}, {"content": "가" * 501}, [], ["FANCY"]):
        response = jwt_client.post(f"/api/content/images/{image_id}/regenerate", body, format="json")
        assert response.status_code == 400, body
        assert response.json()["code"] == "BAD_REQUEST"
    null_style = jwt_client.post(f"/api/content/images/{image_id}/regenerate", {"style": None}, format="json")
    assert null_style.status_code == 400 and "필수" not in null_style.json()["message"]  # style is optional
    assert jwt_client.post("/api/content/images/img-missing/regenerate", {}, format="json").status_code == 404
    assert ImageJob.objects.count() == before


def test_rate_limit_is_per_merchant_with_retry_after(settings, jwt_client, other_merchant):
    settings.CONTENT_RATE_LIMIT = 2
    for number in range(2):
        assert generate(jwt_client, {"eventDraftId": f"evt-rl{number}", "eventInfo": EVENT_INFO}).status_code == 202
    response = generate(jwt_client, {"eventDraftId": "evt-rl3", "eventInfo": EVENT_INFO})
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "RATE_LIMIT_EXCEEDED"
    assert 1 <= body["retryAfter"] <= 60
    assert response["Retry-After"] == str(body["retryAfter"])
    assert ImageJob.objects.count() == 2
    # Another merchant has its own budget.
    other = generate(jwt_client_for(other_merchant), {"eventDraftId": "evt-rl", "eventInfo": EVENT_INFO})
    assert other.status_code == 202


def test_refused_requests_do_not_use_up_the_rate_limit(
    settings, jwt_client, fake_stability, django_capture_on_commit_callbacks
):
    """Only accepted work counts: 400s, a 404 and a 503 before it leave the merchant's budget untouched."""
    job = run_job(
        jwt_client, {"eventDraftId": "evt-budget", "eventInfo": EVENT_INFO}, django_capture_on_commit_callbacks
    )
    image_id = job["images"][0]["imageId"]
    cache.clear()  # a fresh budget: the job above was one accepted request
    settings.CONTENT_RATE_LIMIT = 2
    for _ in range(3):
        assert generate(jwt_client, {"eventDraftId": "e", "eventInfo": {"title": ""}}).status_code == 400
        bad_style = jwt_client.post(f"/api/content/images/{image_id}/regenerate", {"style": "RETRO"}, format="json")
        assert bad_style.status_code == 400
        assert jwt_client.post("/api/content/images/img-missing/regenerate", {}, format="json").status_code == 404
    from content.resilience import breaker_for

    breaker_for("stability").open()
    for _ in range(3):
        assert jwt_client.post(f"/api/content/images/{image_id}/regenerate", {}, format="json").status_code == 503
    breaker_for("stability").close()

    for number in range(2):
        assert generate(jwt_client, {"eventDraftId": f"evt-ok{number}", "eventInfo": EVENT_INFO}).status_code == 202
    assert generate(jwt_client, {"eventDraftId": "evt-over", "eventInfo": EVENT_INFO}).status_code == 429
    assert jwt_client.post(f"/api/content/images/{image_id}/regenerate", {}, format="json").status_code == 429
