"""POST /api/content/images/generate and GET /api/content/images/jobs/{jobId} through HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from content.models import ContentSettings, GeneratedImage, ImageJob
from tests.support.content import EVENT_INFO, decode, generate, run_job
from tests.support.contract import load_content_contract, response_fields_missing
from tests.support.merchants import jwt_client_for

pytestmark = pytest.mark.django_db

SIZES = {"INSTAGRAM": (1080, 1080), "NAVER_BLOG": (800, 600), "KAKAO_CHANNEL": (800, 800)}


def test_accepts_at_once_with_a_job_id_and_estimate(jwt_client):
    response = generate(jwt_client, {"eventDraftId": "evt-draft-12345", "eventInfo": EVENT_INFO})
    assert response.status_code == 202
    body = response.json()
    assert body["jobId"].startswith("job-img-")
    assert body["eventDraftId"] == "evt-draft-12345"
    assert body["status"] == "PENDING"
    assert isinstance(body["estimatedCompletionTime"], int) and body["estimatedCompletionTime"] >= 1
    assert body["message"] == "이미지 생성 요청이 접수되었습니다. jobId로 결과를 조회하세요."
    # Not captured: the transaction never committed in this test, so nothing ran yet.
    poll = jwt_client.get(f"/api/content/images/jobs/{body['jobId']}").json()
    assert poll["status"] == "PENDING" and poll["message"] == "이미지 생성 대기 중입니다."
    assert poll["estimatedCompletionTime"] >= 1 and "images" not in poll


def test_default_is_three_styles_for_instagram(jwt_client, django_capture_on_commit_callbacks):
    job = run_job(jwt_client, {"eventDraftId": "evt-3", "eventInfo": EVENT_INFO}, django_capture_on_commit_callbacks)
    assert job["status"] == "COMPLETED" and job["fromCache"] is False
    assert job["message"] == "이미지 생성이 완료되었습니다."
    assert job["completedAt"].endswith("Z")
    assert [(i["style"], i["platform"]) for i in job["images"]] == [
        ("SIMPLE", "INSTAGRAM"),
        ("FANCY", "INSTAGRAM"),
        ("TRENDY", "INSTAGRAM"),
    ]
    for image in job["images"]:
        assert image["url"].startswith("http://localhost:8000/media/content/")
        assert image["size"] == {"width": 1080, "height": 1080}
        assert image["imageId"].startswith("img-") and image["createdAt"]
        assert decode(image["url"]).size == (1080, 1080)
    assert GeneratedImage.objects.count() == 3


def test_merchant_setting_makes_nine_the_default(jwt_client, merchant, django_capture_on_commit_callbacks):
    ContentSettings.objects.create(merchant=merchant, render_all_platforms_by_default=True)
    job = run_job(jwt_client, {"eventDraftId": "evt-9", "eventInfo": EVENT_INFO}, django_capture_on_commit_callbacks)
    assert len(job["images"]) == 9
    assert {(i["style"], i["platform"]) for i in job["images"]} == {
        (s, p) for s in ("SIMPLE", "FANCY", "TRENDY") for p in SIZES
    }
    for image in job["images"]:
        assert decode(image["url"]).size == SIZES[image["platform"]]
        assert (image["size"]["width"], image["size"]["height"]) == SIZES[image["platform"]]


def test_styles_and_platforms_select_what_is_rendered(jwt_client, django_capture_on_commit_callbacks):
    body = {
        "eventDraftId": "evt-sel",
        "eventInfo": {
            "title": "신메뉴 출시 기념 경품 추첨",
            "giftName": "스타벅스 기프티콘 5000원권",
            "brandColor": "#00704A",
        },
        "styles": ["TRENDY", "TRENDY"],
        "platforms": ["NAVER_BLOG"],
        "priority": 9,
    }
    job = run_job(jwt_client, body, django_capture_on_commit_callbacks)
    assert [(i["style"], i["platform"]) for i in job["images"]] == [("TRENDY", "NAVER_BLOG")]
    assert decode(job["images"][0]["url"]).size == (800, 600)


def test_job_payload_is_the_spec_job_schema(jwt_client):
    response = generate(
        jwt_client, {"eventDraftId": "evt-p", "eventInfo": EVENT_INFO, "priority": 8, "platforms": ["KAKAO_CHANNEL"]}
    )
    job = ImageJob.objects.get(id=response.json()["jobId"])
    assert job.payload["jobId"] == job.id
    assert job.payload["eventDraftId"] == "evt-p"
    assert job.payload["eventInfo"]["title"] == EVENT_INFO["title"]
    assert job.payload["styles"] == ["SIMPLE", "FANCY", "TRENDY"]
    assert job.payload["platforms"] == ["KAKAO_CHANNEL"]
    assert job.payload["priority"] == 8
    assert job.payload["requestedAt"].endswith("Z")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"eventInfo": EVENT_INFO}, "eventDraftId"),
        ({"eventDraftId": "", "eventInfo": EVENT_INFO}, "eventDraftId"),
        ({"eventDraftId": 12345, "eventInfo": EVENT_INFO}, "eventDraftId"),
        ({"eventDraftId": "a/b", "eventInfo": EVENT_INFO}, "eventDraftId"),
        ({"eventDraftId": "..", "eventInfo": EVENT_INFO}, "eventDraftId"),
        ({"eventDraftId": "x" * 101, "eventInfo": EVENT_INFO}, "eventDraftId"),
        ({"eventDraftId": "e"}, "eventInfo"),
        ({"eventDraftId": "e", "eventInfo": "text"}, "eventInfo"),
        ({"eventDraftId": "e", "eventInfo": {"giftName": "선물"}}, "eventInfo.title"),
        ({"eventDraftId": "e", "eventInfo": {"title": "", "giftName": "선물"}}, "eventInfo.title"),
        ({"eventDraftId": "e", "eventInfo": {"title": "가" * 51, "giftName": "선물"}}, "eventInfo.title"),
        ({"eventDraftId": "e", "eventInfo": {"title": 7, "giftName": "선물"}}, "eventInfo.title"),
        ({"eventDraftId": "e", "eventInfo": {"title": "🎉🎉", "giftName": "선물"}}, "eventInfo.title"),
        ({"eventDraftId": "e", "eventInfo": {"title": "제목", "giftName": "☕"}}, "eventInfo.giftName"),
        ({"eventDraftId": "e", "eventInfo": {"title": "제목"}}, "eventInfo.giftName"),
        ({"eventDraftId": "e", "eventInfo": {"title": "제목", "giftName": ""}}, "eventInfo.giftName"),
        ({"eventDraftId": "e", "eventInfo": {"title": "제목", "giftName": "나" * 31}}, "eventInfo.giftName"),
        ({"eventDraftId": "e", "eventInfo": {"title": "제목", "giftName": "선물", "brandColor": "red"}}, "HEX"),
        ({"eventDraftId": "e", "eventInfo": {"title": "제목", "giftName": "선물", "brandColor": "#FF573"}}, "HEX"),
        ({"eventDraftId": "e", "eventInfo": {"title": "제목", "giftName": "선물", "brandColor": "#GG5733"}}, "HEX"),
        ({"eventDraftId": "e", "eventInfo": {"title": "제목", "giftName": "선물", "logoUrl": "not a url"}}, "logoUrl"),
        (
            {"eventDraftId": "e", "eventInfo": {"title": "제목", "giftName": "선물", "logoUrl": "ftp://x.com/a.png"}},
            "logoUrl",
        ),
        ({"eventDraftId": "e", "eventInfo": EVENT_INFO, "styles": ["RETRO"]}, "styles"),
        ({"eventDraftId": "e", "eventInfo": EVENT_INFO, "styles": []}, "styles"),
        ({"eventDraftId": "e", "eventInfo": EVENT_INFO, "styles": "SIMPLE"}, "styles"),
        ({"eventDraftId": "e", "eventInfo": EVENT_INFO, "platforms": ["TIKTOK"]}, "platforms"),
        ({"eventDraftId": "e", "eventInfo": EVENT_INFO, "priority": 0}, "priority"),
        ({"eventDraftId": "e", "eventInfo": EVENT_INFO, "priority": 11}, "priority"),
        ({"eventDraftId": "e", "eventInfo": EVENT_INFO, "priority": "high"}, "priority"),
    ],
)
def test_every_constraint_is_a_400_that_changes_nothing(jwt_client, body, fragment):
    response = generate(jwt_client, body)
    assert response.status_code == 400, response.json()
    error = response.json()
    assert error["code"] == "BAD_REQUEST"
    assert fragment in error["message"]
    assert error["timestamp"].endswith("Z")
    assert ImageJob.objects.count() == 0


def test_title_limit_counts_characters_not_bytes(jwt_client):
    response = generate(jwt_client, {"eventDraftId": "e", "eventInfo": {"title": "가" * 50, "giftName": "나" * 30}})
    assert response.status_code == 202


def test_malformed_json_is_a_content_format_400(jwt_client):
    response = jwt_client.post("/api/content/images/generate", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) >= {"code", "message", "timestamp"}
    assert ImageJob.objects.count() == 0


def test_missing_or_bad_token_is_401_in_content_format():
    for client in (APIClient(), _bad_token_client()):
        response = generate(client, {"eventDraftId": "e", "eventInfo": EVENT_INFO})
        assert response.status_code == 401
        assert response.json()["code"] == "UNAUTHORIZED"
    assert ImageJob.objects.count() == 0


def _bad_token_client() -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")
    return client


def test_unknown_or_foreign_job_is_404(jwt_client, other_merchant, django_capture_on_commit_callbacks):
    assert jwt_client.get("/api/content/images/jobs/job-img-nope").status_code == 404
    theirs = run_job(
        jwt_client_for(other_merchant),
        {"eventDraftId": "evt-x", "eventInfo": EVENT_INFO},
        django_capture_on_commit_callbacks,
    )
    response = jwt_client.get(f"/api/content/images/jobs/{theirs['jobId']}")
    assert response.status_code == 404
    assert response.json()["message"] == "Job ID를 찾을 수 없습니다."


@pytest.mark.django_db(transaction=True)
def test_priority_becomes_redis_priority_on_the_job_queue(merchant):
    """1–10 (10 most urgent) lands on kombu's Redis priority lists, where 0 is served first."""
    import redis
    from django.conf import settings

    from config.celery import app as celery_app

    celery_app.conf.task_always_eager = False
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queues = {0: "image-generation-job", 5: "image-generation-job:5", 9: "image-generation-job:9"}
    broker.delete(*queues.values())
    client = jwt_client_for(merchant)
    for event, priority in (("e1", 10), ("e2", 1), ("e3", None)):
        body: dict[str, Any] = {"eventDraftId": event, "eventInfo": EVENT_INFO}
        if priority is not None:
            body["priority"] = priority
        assert generate(client, body).status_code == 202
    try:
        assert {redis_priority: broker.llen(name) for redis_priority, name in queues.items()} == {0: 1, 5: 1, 9: 1}
    finally:
        broker.delete(*queues.values())


def test_estimate_comes_from_measured_jobs(jwt_client, merchant):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    for _ in range(3):
        job = ImageJob.objects.create(
            merchant=merchant, event_draft_id="old", status=ImageJob.Status.COMPLETED, images_total=3, images_done=3
        )
        ImageJob.objects.filter(pk=job.pk).update(
            created_at=now - timedelta(seconds=32), started_at=now - timedelta(seconds=30), completed_at=now
        )
    # 2 s queue wait + 10 s per image, measured: a 9-image job is estimated at 92 s.
    body = generate(
        jwt_client,
        {"eventDraftId": "evt-est", "eventInfo": EVENT_INFO, "platforms": ["INSTAGRAM", "NAVER_BLOG", "KAKAO_CHANNEL"]},
    ).json()
    assert body["estimatedCompletionTime"] == 92


def test_job_fails_with_error_only_when_not_even_the_template_can_be_stored(
    settings, tmp_path, jwt_client, django_capture_on_commit_callbacks
):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    settings.STORAGES = {
        **settings.STORAGES,
        "content": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(blocker)}},
    }
    job = run_job(jwt_client, {"eventDraftId": "evt-fail", "eventInfo": EVENT_INFO}, django_capture_on_commit_callbacks)
    assert job["status"] == "FAILED"
    assert job["message"] == "이미지 생성에 실패했습니다."
    assert job["error"]["code"] == "IMAGE_GENERATION_FAILED" and job["error"]["detail"]
    assert job["completedAt"].endswith("Z") and "images" not in job
    assert jwt_client.get("/api/content/events/evt-fail").status_code == 404


def test_openapi_document_lists_every_content_operation(jwt_client):
    import io

    import yaml
    from django.core.management import call_command

    out = io.StringIO()
    call_command("spectacular", stdout=out)
    schema = yaml.safe_load(out.getvalue())
    operations = {
        operation["operationId"]
        for path, methods in schema["paths"].items()
        if path.startswith("/api/content/")
        for operation in methods.values()
    }
    assert operations == {
        "generateImages",
        "getImageGenerationStatus",
        "getContentByEventId",
        "getImages",
        "getImageById",
        "deleteImage",
        "regenerateImage",
        "getEventArchive",  # ours, beyond the spec (issue 14): all of an event's images as one ZIP
    }
    # The spec's paths, path-parameter names and status codes (ours may add codes, never drop them).
    spec = {
        ("post", "/api/content/images/generate"): {"202", "400", "429", "500"},
        ("get", "/api/content/images/jobs/{jobId}"): {"200", "404", "500"},
        ("get", "/api/content/events/{eventDraftId}"): {"200", "404", "500"},
        ("get", "/api/content/events/{eventDraftId}/images"): {"200", "404"},
        ("get", "/api/content/images/{imageId}"): {"200", "404"},
        ("delete", "/api/content/images/{imageId}"): {"204", "404"},
        ("post", "/api/content/images/{imageId}/regenerate"): {"202", "404", "503"},
    }
    ours = {
        (method, path): set(operation["responses"])
        for path, methods in schema["paths"].items()
        if path.startswith("/api/content/")
        for method, operation in methods.items()
    }
    assert set(ours) == set(spec) | {("get", "/api/content/events/{eventDraftId}/archive")}
    for key, codes in spec.items():
        assert codes <= ours[key], key
    parameters = {
        parameter["name"]
        for methods in schema["paths"].values()
        for operation in methods.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path" and operation["operationId"] in operations
    }
    assert parameters == {"jobId", "eventDraftId", "imageId"}
    components = set(schema["components"]["schemas"])
    assert {
        "ImageGenerationRequest",
        "ImageGenerationAcceptedResponse",
        "ImageGenerationStatusResponse",
        "ContentResponse",
        "ImageDetail",
        "ErrorResponse",
        "ImageRegenerationRequest",
        "CircuitBreakerErrorResponse",
    } <= components


def test_every_contract_response_field_is_in_the_served_schema(db):
    """Success and error bodies alike, nested fields too (``images[].size.width``): ours may add, never lack."""
    served = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    contract = load_content_contract()
    methods = ("get", "post", "put", "patch", "delete")
    for path, item in contract["paths"].items():
        for method in (method for method in item if method in methods):
            assert not response_fields_missing(contract, served, path, method), (path, method)


def test_task_is_idempotent_and_refuses_invalid_payloads(jwt_client, merchant, django_capture_on_commit_callbacks):
    from content.tasks import generate_images

    job = run_job(jwt_client, {"eventDraftId": "evt-idem", "eventInfo": EVENT_INFO}, django_capture_on_commit_callbacks)
    payload = ImageJob.objects.get(id=job["jobId"]).payload
    generate_images.delay(payload)  # redelivered message: nothing new is rendered
    assert GeneratedImage.objects.count() == 3
    again = jwt_client.get(f"/api/content/images/jobs/{job['jobId']}").json()
    assert [i["imageId"] for i in again["images"]] == [i["imageId"] for i in job["images"]]

    broken = ImageJob.objects.create(merchant=merchant, event_draft_id="evt-broken", payload={})
    generate_images.delay({"jobId": broken.id, "eventDraftId": "evt-broken", "eventInfo": {"title": ""}})
    failed = jwt_client.get(f"/api/content/images/jobs/{broken.id}").json()
    assert failed["status"] == "FAILED" and failed["error"]["code"] == "INVALID_JOB_PAYLOAD"


def test_producer_payload_without_styles_or_platforms_gets_the_spec_defaults(jwt_client, merchant):
    from content.tasks import generate_images

    job = ImageJob.objects.create(merchant=merchant, event_draft_id="evt-ext")
    generate_images.delay(
        {"jobId": job.id, "eventDraftId": "evt-ext", "eventInfo": {"title": "외부 이벤트", "giftName": "쿠폰"}}
    )
    body = jwt_client.get(f"/api/content/images/jobs/{job.id}").json()
    assert body["status"] == "COMPLETED"
    assert [(i["style"], i["platform"]) for i in body["images"]] == [
        ("SIMPLE", "INSTAGRAM"),
        ("FANCY", "INSTAGRAM"),
        ("TRENDY", "INSTAGRAM"),
    ]


def test_error_messages_read_like_the_spec_examples(jwt_client):
    missing = generate(jwt_client, {"eventDraftId": "e", "eventInfo": {"giftName": "선물"}}).json()
    assert missing["message"] == "eventInfo.title은(는) 필수 항목입니다."
    color = generate(jwt_client, {"eventDraftId": "e", "eventInfo": {**EVENT_INFO, "brandColor": "red"}}).json()
    assert color["message"].startswith("brandColor는 HEX 색상 코드 형식이어야 합니다.")
    not_object = jwt_client.post("/api/content/images/generate", [1, 2], format="json").json()
    assert not_object["message"] == "요청 본문은 JSON 객체여야 합니다."
    optional_null = generate(jwt_client, {"eventDraftId": "e", "eventInfo": {**EVENT_INFO, "logoUrl": None}}).json()
    assert optional_null["message"].startswith("eventInfo.logoUrl은(는) null일 수 없습니다.")
    null = jwt_client.post("/api/content/images/generate", "null", content_type="application/json")
    assert null.status_code == 400 and null.json()["message"] == "요청 본문은 JSON 객체여야 합니다."
    assert ImageJob.objects.count() == 0
