"""The dashboard pages of the Content Service, as a merchant user sees them."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from content.models import ContentSettings, GeneratedImage, ImageJob
from tests.conftest import jwt_client_for
from tests.content.conftest import EVENT_INFO, decode, run_job
from tests.support.charts import charts_in

pytestmark = pytest.mark.django_db


def admin_client_for(merchant) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(merchant.memberships.get().user)
    return client


@pytest.fixture
def two_jobs(merchant, other_merchant, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    mine = run_job(
        jwt_client_for(merchant),
        {"eventDraftId": "evt-admin", "eventInfo": EVENT_INFO, "platforms": ["INSTAGRAM", "NAVER_BLOG"]},
        django_capture_on_commit_callbacks,
    )
    theirs = run_job(
        jwt_client_for(other_merchant),
        {"eventDraftId": "evt-theirs", "eventInfo": EVENT_INFO},
        django_capture_on_commit_callbacks,
    )
    return mine, theirs


def test_jobs_page_shows_status_progress_thumbnails_and_chart(merchant, two_jobs):
    mine, theirs = two_jobs
    page = admin_client_for(merchant).get("/admin/content/imagejob/").content.decode()
    assert mine["jobId"] in page and theirs["jobId"] not in page
    assert "완료" in page and 'aria-label="6/6"' in page  # status badge and progress bar
    durations = charts_in(page)["content-durations"]
    assert len(durations["labels"]) == 1  # this merchant's one finished job, not the other merchant's
    assert durations["series"]["완료"][0] > 0 and durations["series"]["실패"] == [None]
    thumbs = re.findall(r'<img src="([^"]+)"[^>]*class="content-thumb', page)
    assert len(thumbs) == 6
    assert all(decode(url).size in ((1080, 1080), (800, 600)) for url in thumbs)
    detail = admin_client_for(merchant).get(f"/admin/content/imagejob/{mine['jobId']}/change/")
    assert detail.status_code == 200 and detail.content.decode().count('class="content-thumb') == 6
    assert admin_client_for(merchant).get(f"/admin/content/imagejob/{theirs['jobId']}/change/").status_code == 404


def test_images_page_filters_by_style_and_platform(merchant, two_jobs):
    client = admin_client_for(merchant)
    page = client.get("/admin/content/generatedimage/").content.decode()
    assert page.count('class="content-thumb') == 6
    fancy = client.get("/admin/content/generatedimage/?style__exact=FANCY").content.decode()
    assert fancy.count('class="content-thumb') == 2
    naver_trendy = client.get(
        "/admin/content/generatedimage/?style__exact=TRENDY&platform__exact=NAVER_BLOG"
    ).content.decode()
    assert naver_trendy.count('class="content-thumb') == 1


def test_regenerate_action_starts_a_job(merchant, two_jobs, django_capture_on_commit_callbacks):
    mine, _ = two_jobs
    image_id = mine["images"][0]["imageId"]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_for(merchant).post(
            "/admin/content/generatedimage/",
            {"action": "regenerate_selected", "_selected_action": [image_id]},
            follow=True,
        )
    assert "재생성을 시작했습니다" in response.content.decode()
    regen = ImageJob.objects.get(kind=ImageJob.Kind.REGENERATE)
    assert regen.status == ImageJob.Status.COMPLETED and regen.source_image_id == image_id
    assert GeneratedImage.objects.get(id=image_id).replaced_by_id == regen.result_images.get().id


def test_remove_from_listing_action_keeps_the_file(merchant, two_jobs, django_capture_on_commit_callbacks):
    mine, _ = two_jobs
    image = mine["images"][0]
    admin_client_for(merchant).post(
        "/admin/content/generatedimage/", {"action": "remove_from_listing", "_selected_action": [image["imageId"]]}
    )
    assert GeneratedImage.objects.get(id=image["imageId"]).deleted_at is not None
    assert decode(image["url"]).size == (1080, 1080)


def test_merchant_edits_the_nine_by_default_setting(merchant, other_merchant):
    client = admin_client_for(merchant)
    response = client.post("/admin/content/contentsettings/add/", {"render_all_platforms_by_default": "on"})
    assert response.status_code == 302
    settings_row = ContentSettings.objects.get()
    assert settings_row.merchant == merchant and settings_row.render_all_platforms_by_default
    # One settings row per merchant: no second add.
    assert client.get("/admin/content/contentsettings/add/").status_code == 403
    theirs = ContentSettings.objects.create(merchant=other_merchant)
    listing = client.get("/admin/content/contentsettings/", follow=True)
    assert listing.redirect_chain == [(f"/admin/content/contentsettings/{settings_row.pk}/change/", 302)]
    assert "Merchant A" in listing.content.decode() and "Merchant B" not in listing.content.decode()
    assert client.get(f"/admin/content/contentsettings/{theirs.pk}/change/").status_code == 404
