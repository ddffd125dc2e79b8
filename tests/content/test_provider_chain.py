"""The provider chain against local servers speaking Stability's and OpenAI's wire formats."""

from __future__ import annotations

import json

import pytest

from content.resilience import breaker_status
from tests.support.ai_images import ARTWORK_COLOR
from tests.support.content import EVENT_INFO, decode, run_job

pytestmark = pytest.mark.django_db

SIMPLE_ONLY = {"eventDraftId": "evt-chain", "eventInfo": EVENT_INFO, "styles": ["SIMPLE"]}


def artwork_visible(url: str) -> bool:
    """SIMPLE puts the artwork in the top panel of a square image; our text goes below it."""
    image = decode(url).convert("RGB")
    return image.getpixel((image.width // 2, image.height // 8)) == ARTWORK_COLOR


def test_stability_artwork_is_composited_with_our_text(jwt_client, fake_stability, django_capture_on_commit_callbacks):
    job = run_job(jwt_client, SIMPLE_ONLY, django_capture_on_commit_callbacks)
    assert job["status"] == "COMPLETED"
    [image] = job["images"]
    assert image["provider"] == "stability" and image["fallbackUsed"] is False
    assert artwork_visible(image["url"])
    assert decode(image["url"]).size == (1080, 1080)
    # Same artwork from the provider, another Korean title: only our text differs, so the images must too.
    other_title = {**SIMPLE_ONLY, "eventDraftId": "evt-chain-2", "eventInfo": {**EVENT_INFO, "title": "겨울 특별 혜택"}}
    [other] = run_job(jwt_client, other_title, django_capture_on_commit_callbacks)["images"]
    assert other["provider"] == "stability" and artwork_visible(other["url"])
    assert decode(image["url"]).convert("L").tobytes() != decode(other["url"]).convert("L").tobytes()
    request = fake_stability.requests[0]
    assert request["path"] == "/v2beta/stable-image/generate/core"
    assert request["headers"]["Authorization"] == "Bearer sk-test-stability"
    assert request["headers"]["Accept"] == "application/json"
    assert b'name="aspect_ratio"\r\n\r\n1:1' in request["body"]


@pytest.mark.parametrize("mode", ["error500", "timeout", "rate_limit", "moderation", "filtered"])
def test_stability_failure_falls_back_to_openai(
    mode, settings, jwt_client, fake_stability, fake_openai, django_capture_on_commit_callbacks
):
    settings.CONTENT_PROVIDER_TIMEOUT = 0.5
    fake_stability.delay = 1.5
    fake_stability.mode = mode
    job = run_job(jwt_client, SIMPLE_ONLY, django_capture_on_commit_callbacks)
    assert job["status"] == "COMPLETED"
    [image] = job["images"]
    assert image["provider"] == "openai" and image["fallbackUsed"] is False
    assert artwork_visible(image["url"])
    assert fake_stability.calls == 1 and fake_openai.calls == 1
    sent = json.loads(fake_openai.requests[0]["body"])
    assert sent["model"] == "gpt-image-1" and sent["size"] == "1024x1024" and "response_format" not in sent


@pytest.mark.parametrize("mode", ["error500", "timeout", "rate_limit", "moderation"])
def test_both_ai_providers_failing_gives_template_with_fallback_flag(
    mode, settings, jwt_client, fake_stability, fake_openai, django_capture_on_commit_callbacks
):
    settings.CONTENT_PROVIDER_TIMEOUT = 0.5
    fake_stability.mode = fake_openai.mode = mode
    fake_stability.delay = fake_openai.delay = 1.5
    job = run_job(jwt_client, SIMPLE_ONLY, django_capture_on_commit_callbacks)
    assert job["status"] == "COMPLETED"
    [image] = job["images"]
    assert image["provider"] == "template" and image["fallbackUsed"] is True
    assert not artwork_visible(image["url"])
    from content.models import ImageJob

    attempts = ImageJob.objects.get(id=job["jobId"]).provider_attempts
    assert len(attempts) == 2 and attempts[0].startswith("SIMPLE: stability: ")
    assert attempts[1].startswith("SIMPLE: openai: ")
    assert decode(image["url"]).size == (1080, 1080)


def test_dall_e_model_asks_for_base64(settings, jwt_client, fake_openai, django_capture_on_commit_callbacks):
    settings.OPENAI_IMAGE_MODEL = "dall-e-3"
    job = run_job(jwt_client, SIMPLE_ONLY, django_capture_on_commit_callbacks)
    assert job["images"][0]["provider"] == "openai"
    sent = json.loads(fake_openai.requests[0]["body"])
    assert sent["model"] == "dall-e-3" and sent["response_format"] == "b64_json" and sent["n"] == 1


@pytest.mark.parametrize("state_store", ["redis", "django-cache"])
def test_failure_rate_opens_the_breaker_and_regenerate_answers_503(
    state_store, settings, jwt_client, fake_stability, django_capture_on_commit_callbacks
):
    if state_store == "django-cache":
        settings.REDIS_URL = ""  # the embedded mode keeps breaker state in the Django cache
    fake_stability.mode = "error500"
    # Three styles = three Stability calls, all failing: 100 % over the minimum of 3 calls.
    job = run_job(jwt_client, {"eventDraftId": "evt-cb", "eventInfo": EVENT_INFO}, django_capture_on_commit_callbacks)
    assert job["status"] == "COMPLETED"
    assert {image["fallbackUsed"] for image in job["images"]} == {True}
    assert fake_stability.calls == 3
    assert breaker_status("stability").state == "OPEN"

    # While open, the provider is not called at all: the template answers at once.
    second = run_job(
        jwt_client, {"eventDraftId": "evt-cb-2", "eventInfo": EVENT_INFO}, django_capture_on_commit_callbacks
    )
    assert second["status"] == "COMPLETED" and fake_stability.calls == 3

    image = job["images"][0]
    response = jwt_client.post(
        f"/api/content/images/{image['imageId']}/regenerate", {"content": "밝은 분위기로 변경"}, format="json"
    )
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "IMAGE_GENERATION_SERVICE_UNAVAILABLE"
    assert body["circuitBreakerState"] == "OPEN"
    assert body["fallbackAvailable"] is True
    assert body["fallbackImageUrl"] == image["url"]
    assert 290 <= body["retryAfter"] <= 300
    assert response["Retry-After"] == str(body["retryAfter"])
    assert body["timestamp"].endswith("Z") and body["message"]


def test_failure_rate_below_threshold_keeps_the_breaker_closed(
    settings, jwt_client, fake_stability, django_capture_on_commit_callbacks
):
    settings.CONTENT_BREAKER_MIN_CALLS = 4
    run_job(jwt_client, {"eventDraftId": "evt-ok", "eventInfo": EVENT_INFO}, django_capture_on_commit_callbacks)
    fake_stability.mode = "error500"
    # 3 successes then 1 failure: 25 % of 4 calls.
    run_job(jwt_client, {**SIMPLE_ONLY, "eventDraftId": "evt-bad"}, django_capture_on_commit_callbacks)
    assert fake_stability.calls == 4
    assert breaker_status("stability").state == "CLOSED"
    # Moderation refusals are the prompt's fault, not the provider's: they never open the breaker.
    fake_stability.mode = "moderation"
    for number in range(3):
        run_job(jwt_client, {**SIMPLE_ONLY, "eventDraftId": f"evt-mod-{number}"}, django_capture_on_commit_callbacks)
    assert breaker_status("stability").state == "CLOSED"


def test_breaker_half_opens_after_the_wait_and_closes_on_success(
    settings, jwt_client, fake_stability, django_capture_on_commit_callbacks
):
    # Long enough that the failing job itself (a few hundred ms, more on a busy machine) ends well inside it.
    settings.CONTENT_BREAKER_OPEN_SECONDS = 4
    fake_stability.mode = "error500"
    run_job(jwt_client, {"eventDraftId": "evt-h", "eventInfo": EVENT_INFO}, django_capture_on_commit_callbacks)
    assert breaker_status("stability").state == "OPEN"
    import time

    time.sleep(4.1)
    assert breaker_status("stability").state == "HALF_OPEN"
    fake_stability.mode = "success"
    job = run_job(jwt_client, {**SIMPLE_ONLY, "eventDraftId": "evt-h2"}, django_capture_on_commit_callbacks)
    assert job["images"][0]["provider"] == "stability"
    assert breaker_status("stability").state == "CLOSED"
