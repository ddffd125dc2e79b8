"""Every try-on result as shoppers get it is labelled AI output: the visible "AI 생성" mark (where and as the
merchant styled it, never removable; the preview engine's label joins it; English for English shoppers) and
Content Credentials (C2PA + XMP) read back with the c2pa library. Plus the AI notice record of each job."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

import pytest
from django.test import Client
from django.utils import timezone

from common.provenance.identity import signing_identity
from tests.support.credentials import IPTC, corner_share, read_manifest, xmp_source_type
from tests.support.tryon import decode, fetch_result, run_try_on, upload
from tryon.ai_notice import AI_NOTICE_TEXT, AI_NOTICE_VERSION, CONSENT_TEXT, CONSENT_VERSION
from tryon.models import TryOnJob, TryOnSettings

pytestmark = pytest.mark.django_db


def trusted(data: bytes):
    return read_manifest(data, trust_anchor_pem=signing_identity().trust_anchor_pem)


def test_a_fashn_result_carries_the_mark_and_its_credentials(
    merchant, api_key_client, image_server, loopback_allowed, fashn_settings, fake_fashn,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    polled, data = run_try_on(
        api_key_client, image_server, django_capture_on_commit_callbacks, productTitle="블루 린넨 셔츠"
    )
    result = decode(data)
    assert result.format == "JPEG" and result.size == (864, 1296)
    # FASHN's output is one flat colour: the dark label shows in the bottom-left corner and nowhere else.
    assert corner_share(result, "bottom-left", "dark") > 0.08
    for corner in ("top-left", "top-right", "bottom-right"):
        assert corner_share(result, corner, "dark") == 0
    # ... with white text on it, at a legible size (at least 2.5 % of the short edge tall).
    box = result.crop((0, 1100, 400, 1296)).convert("L").point(lambda v: 255 if v > 200 else 0)
    text_box = box.getbbox()
    assert text_box is not None and text_box[3] - text_box[1] >= 0.025 * 864

    manifest = trusted(data)
    assert manifest.validation_state == "Trusted" and manifest.failures == []
    assert manifest.created["digitalSourceType"] == IPTC + "trainedAlgorithmicMedia"
    assert manifest.created["softwareAgent"] == {"name": "FASHN tryon-v1.6", "version": "v1"}
    generation = manifest.generation
    assert generation["kind"] == "tryon-result" and generation["visibleMark"] == "AI 생성"
    assert generation["shop"] == {"id": str(merchant.pk), "name": merchant.name}
    assert generation["generator"] == {"provider": "FASHN", "model": "tryon-v1.6", "version": "v1"}
    job = TryOnJob.objects.get(pk=polled["jobId"])
    made = datetime.fromisoformat(generation["createdAt"].replace("Z", "+00:00"))
    assert job.started_at is not None and job.finished_at is not None
    assert job.started_at <= made <= job.finished_at
    assert manifest.active["title"] == "블루 린넨 셔츠 · 가상 피팅 결과"
    assert xmp_source_type(data) == IPTC + "trainedAlgorithmicMedia"

    # Shared, the page and its OG image show this very file: signed once, not per copy.
    share = api_key_client.post(
        f"/api/tryon/{polled['jobId']}/share", {"visitorId": "550e8400-e29b-41d4-a716-446655440001"}, format="json"
    ).json()["data"]
    token = share["shareUrl"].rsplit("/", 1)[1]
    og = Client().get(f"/api/share/{token}/og-image")
    assert og.status_code == 302
    assert fetch_result(api_key_client, og["Location"]) == data


def test_the_offline_preview_is_a_composite_and_its_preview_label_joins_the_mark(
    api_key_client, image_server, loopback_allowed, django_capture_on_commit_callbacks
):
    polled, data = run_try_on(api_key_client, image_server, django_capture_on_commit_callbacks)
    assert polled["preview"] is True
    manifest = trusted(data)
    assert manifest.validation_state == "Trusted"
    assert manifest.created["digitalSourceType"] == IPTC + "compositeWithTrainedAlgorithmicMedia"
    assert manifest.generation["generator"]["provider"] == "Toile"
    assert manifest.generation["generator"]["model"] == "offline-preview"
    assert manifest.generation["generator"]["version"].startswith("mediapipe 0.10")
    assert manifest.generation["visibleMark"] == "AI 생성 · 미리보기"
    assert xmp_source_type(data) == IPTC + "compositeWithTrainedAlgorithmicMedia"


def test_the_merchant_moves_and_restyles_the_mark_but_cannot_remove_it(
    merchant, api_key_client, image_server, loopback_allowed, fashn_settings, fake_fashn,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    client = Client()
    client.force_login(merchant.memberships.get().user)
    limits, _ = TryOnSettings.objects.get_or_create(merchant=merchant)
    url = f"/admin/tryon/tryonsettings/{limits.pk}/change/"
    page = client.get(url).content.decode()
    assert 'id="ai-mark-preview"' in page and "표시를 없앨 수는 없습니다" in page
    base = {"monthly_quota": 1000, "result_retention_days": 30, "visitor_daily_limit": ""}
    for removal in ({"ai_mark_position": ""}, {"ai_mark_position": "none"}, {"ai_mark_size": "hidden"}):
        refused = client.post(url, {**base, "ai_mark_theme": "dark", "ai_mark_size": "medium", **removal})
        assert refused.status_code == 200 and "errornote" in refused.content.decode()
    limits.refresh_from_db()
    assert (limits.ai_mark_position, limits.ai_mark_theme) == ("bottom-left", "dark")

    saved = client.post(
        url, {**base, "ai_mark_position": "top-right", "ai_mark_theme": "light", "ai_mark_size": "large"}
    )
    assert saved.status_code == 302
    _, data = run_try_on(api_key_client, image_server, django_capture_on_commit_callbacks)
    result = decode(data)
    assert corner_share(result, "top-right", "light") > 0.08
    assert all(corner_share(result, corner, "light") == 0 for corner in ("top-left", "bottom-left", "bottom-right"))
    assert trusted(data).generation["visibleMark"] == "AI 생성"


def test_an_english_shopper_gets_the_english_mark(
    api_key_client, image_server, loopback_allowed, fashn_settings, fake_fashn, django_capture_on_commit_callbacks
):
    _, korean = run_try_on(api_key_client, image_server, django_capture_on_commit_callbacks)
    polled, english = run_try_on(api_key_client, image_server, django_capture_on_commit_callbacks, language="en")
    assert TryOnJob.objects.get(pk=polled["jobId"]).language == "en"
    manifest = trusted(english)
    assert manifest.generation["visibleMark"] == "AI-generated"
    assert manifest.active["title"] == "Virtual try-on result"

    def label_width(data: bytes) -> int:
        mask = decode(data).crop((0, 1100, 600, 1296)).convert("L").point(lambda v: 255 if v < 60 else 0)
        box = mask.getbbox()
        assert box is not None
        return box[2] - box[0]

    assert label_width(english) > label_width(korean)  # "AI-generated" is longer than "AI 생성"


def test_the_job_records_the_notice_the_shopper_accepted(
    api_key_client, image_server, loopback_allowed, django_capture_on_commit_callbacks
):
    accepted = (timezone.now() - timedelta(seconds=40)).replace(microsecond=0)
    polled, _ = run_try_on(
        api_key_client,
        image_server,
        django_capture_on_commit_callbacks,
        aiNoticeVersion=AI_NOTICE_VERSION,
        consentVersion=CONSENT_VERSION,
        noticeAcceptedAt=accepted.isoformat(),
    )
    job = TryOnJob.objects.get(pk=polled["jobId"])
    assert (job.ai_notice_version, job.consent_version, job.notice_accepted_at) == (
        AI_NOTICE_VERSION,
        CONSENT_VERSION,
        accepted,
    )
    # Without a time, the moment the photo arrived (the shopper accepted just before sending it).
    before = timezone.now()
    polled, _ = run_try_on(
        api_key_client, image_server, django_capture_on_commit_callbacks, aiNoticeVersion="shop-own-notice.v3"
    )
    job = TryOnJob.objects.get(pk=polled["jobId"])
    assert job.ai_notice_version == "shop-own-notice.v3" and job.consent_version == ""
    assert job.notice_accepted_at is not None and before <= job.notice_accepted_at <= timezone.now()
    # An API caller that records nothing leaves nothing recorded.
    polled, _ = run_try_on(api_key_client, image_server, django_capture_on_commit_callbacks)
    job = TryOnJob.objects.get(pk=polled["jobId"])
    assert (job.ai_notice_version, job.consent_version, job.notice_accepted_at) == ("", "", None)

    # The dashboard shows the record on the job, and the texts beside the retention rules.
    client = Client()
    client.force_login(job.merchant.memberships.get().user)
    recorded = TryOnJob.objects.get(ai_notice_version=AI_NOTICE_VERSION)
    page = client.get(f"/admin/tryon/tryonjob/{recorded.pk}/change/").content.decode()
    assert 'id="notice-record"' in page and AI_NOTICE_VERSION in page and CONSENT_VERSION in page
    assert timezone.localtime(accepted).strftime("%Y-%m-%d %H:%M:%S") in page
    limits = TryOnSettings.objects.get(merchant=job.merchant)
    settings_page = client.get(f"/admin/tryon/tryonsettings/{limits.pk}/change/").content.decode()
    assert settings_page.index("결과 보관 기간") < settings_page.index('id="ai-notice-texts"')
    assert escape(AI_NOTICE_TEXT["ko"]) in settings_page and escape(CONSENT_TEXT["en"]) in settings_page


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"aiNoticeVersion": "버전 1"}, "aiNoticeVersion"),
        ({"aiNoticeVersion": "x" * 65}, "aiNoticeVersion"),
        ({"consentVersion": "photo-consent-2026-12"}, "aiNoticeVersion"),
        ({"aiNoticeVersion": "v1", "noticeAcceptedAt": "2020-01-01T00:00:00Z"}, "noticeAcceptedAt"),
        ({"aiNoticeVersion": "v1", "noticeAcceptedAt": "not a time"}, "noticeAcceptedAt"),
        ({"language": "fr"}, "language"),
    ],
)
def test_bad_notice_fields_are_400_and_create_nothing(api_key_client, image_server, loopback_allowed, fields, fragment):
    response = upload(api_key_client, image_server, **fields)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "BadRequest" and fragment in body["message"]
    assert TryOnJob.objects.count() == 0


def test_the_notice_texts_are_published_for_merchants_with_their_own_ui():
    response = Client().get("/api/ai-notice")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["noticeVersion"] == AI_NOTICE_VERSION and data["consentVersion"] == CONSENT_VERSION
    assert data["texts"]["ko"] == {"notice": AI_NOTICE_TEXT["ko"], "consent": CONSENT_TEXT["ko"], "mark": "AI 생성"}
    assert data["texts"]["en"]["mark"] == "AI-generated" and data["texts"]["en"]["notice"] == AI_NOTICE_TEXT["en"]
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    request = schema["components"]["schemas"]["TryOnCreate"]["properties"]
    assert {"language", "aiNoticeVersion", "consentVersion", "noticeAcceptedAt"} <= set(request)
    assert "/api/ai-notice" in schema["paths"] and "/api/verify" in schema["paths"]
