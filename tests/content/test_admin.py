"""The dashboard pages of the Content Service, as a merchant user sees them."""

from __future__ import annotations

import io
import re

import pytest

from content.models import ContentSettings, GeneratedImage, ImageJob
from tests.support.charts import charts_in
from tests.support.content import EVENT_INFO, decode, run_job
from tests.support.merchants import admin_client_for, jwt_client_for
from tests.support.text import must_search

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_jobs(merchant, other_merchant, django_capture_on_commit_callbacks):
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


def test_gallery_groups_listed_images_by_event_with_filters(merchant, two_jobs):
    client = admin_client_for(merchant)
    page = client.get("/admin/content/generatedimage/gallery/").content.decode()
    section = must_search(
        r'<section class="tl-gallery-group" data-event="evt-admin">(.*?)</section>', page, re.S
    ).group(1)
    assert section.count("<article") == 6
    assert EVENT_INFO["title"] in section and EVENT_INFO["giftName"] in section
    assert 'data-event="evt-theirs"' not in page
    # Real aspect ratio: the width/height attributes are the image's own.
    assert section.count('width="1080" height="1080"') == 3 and section.count('width="800" height="600"') == 3
    naver = client.get("/admin/content/generatedimage/gallery/?platform=NAVER_BLOG&style=FANCY").content.decode()
    assert naver.count("<article") == 1 and 'data-platform="NAVER_BLOG" data-style="FANCY"' in naver
    # An unknown filter value is ignored, not an error.
    assert client.get("/admin/content/generatedimage/gallery/?platform=FAX&page=99").status_code == 200


def test_download_gives_the_file_as_an_attachment(merchant, two_jobs):
    mine, _ = two_jobs
    image = GeneratedImage.objects.get(pk=mine["images"][0]["imageId"])
    response = admin_client_for(merchant).get(f"/admin/content/generatedimage/{image.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert f"evt-admin-{image.platform.lower()}-{image.style.lower()}.png" in response["Content-Disposition"]
    from PIL import Image

    picture = Image.open(io.BytesIO(response.getvalue()))
    assert picture.size == (image.width, image.height)


def test_gallery_regenerate_and_remove_go_through_the_services(merchant, two_jobs, django_capture_on_commit_callbacks):
    mine, _ = two_jobs
    first, second = mine["images"][0]["imageId"], mine["images"][1]["imageId"]
    client = admin_client_for(merchant)
    url = f"/admin/content/generatedimage/{first}/regenerate/"
    assert client.get(url).status_code == 405  # a change needs a POST (with its CSRF token)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"style": "TRENDY", "next": "/admin/content/generatedimage/gallery/"})
    job = ImageJob.objects.get(kind=ImageJob.Kind.REGENERATE)
    assert response.status_code == 302 and response["Location"] == f"/admin/content/imagejob/{job.pk}/change/"
    assert job.status == ImageJob.Status.COMPLETED and job.payload["styles"] == ["TRENDY"]
    replacement = GeneratedImage.objects.get(pk=first).replaced_by
    assert replacement is not None and replacement.style == "TRENDY"
    # Regenerating a replaced image again is refused with a message, nothing new is started.
    again = client.post(url, {"next": "https://evil.example.com/"}, follow=True)
    assert "이미 삭제되었거나 다시 만든 이미지입니다" in again.content.decode()
    assert again.redirect_chain[0][0] == "/admin/content/generatedimage/gallery/"  # no open redirect
    assert ImageJob.objects.filter(kind=ImageJob.Kind.REGENERATE).count() == 1
    removed = client.post(f"/admin/content/generatedimage/{second}/remove/", follow=True)
    assert "목록에서 삭제했습니다" in removed.content.decode()
    image = GeneratedImage.objects.get(pk=second)
    assert image.deleted_at is not None
    assert decode(mine["images"][1]["url"]).size == (image.width, image.height)  # the file stays on the CDN


def test_job_page_polls_its_live_block_until_the_job_ends(merchant):
    job = ImageJob.objects.create(
        merchant=merchant, event_draft_id="live", status=ImageJob.Status.PROCESSING, images_total=4, images_done=1
    )
    client = admin_client_for(merchant)
    page = client.get(f"/admin/content/imagejob/{job.pk}/change/").content.decode()
    live = must_search(r'<div id="job-live"[^>]*>', page, re.S).group(0)
    assert f'hx-get="/admin/content/imagejob/{job.pk}/progress/"' in live and 'hx-trigger="every 2s"' in live
    ImageJob.objects.filter(pk=job.pk).update(images_done=3)
    fragment = client.get(f"/admin/content/imagejob/{job.pk}/progress/").content.decode()
    assert fragment.lstrip().startswith('<div id="job-live"') and "<html" not in fragment
    assert "이미지 3/4장 완료 (75%)" in fragment and "hx-trigger" in fragment
    ImageJob.objects.filter(pk=job.pk).update(images_done=4, status=ImageJob.Status.COMPLETED)
    done = client.get(f"/admin/content/imagejob/{job.pk}/progress/").content.decode()
    assert 'data-status="COMPLETED"' in done and "hx-trigger" not in done


def _logo_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGBA", (300, 120), (0, 112, 74, 255)).save(buffer, "PNG")
    return buffer.getvalue()


def test_content_defaults_fill_what_a_request_leaves_out(merchant, django_capture_on_commit_callbacks):
    from django.core.files.storage import storages
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = admin_client_for(merchant)
    settings_url = client.get("/admin/content/contentsettings/")["Location"]
    form = {"default_platforms": ["NAVER_BLOG", "KAKAO_CHANNEL"], "brand_color": "#00704a"}
    refused = client.post(settings_url, {**form, "logo": SimpleUploadedFile("logo.png", b"not an image")})
    assert refused.status_code == 200 and "errornote" in refused.content.decode()
    assert not ContentSettings.objects.get(merchant=merchant).default_platforms  # nothing saved
    saved = client.post(settings_url, {**form, "logo": SimpleUploadedFile("logo.png", _logo_png())})
    assert saved.status_code == 302
    preferences = ContentSettings.objects.get(merchant=merchant)
    assert preferences.default_platforms == ["NAVER_BLOG", "KAKAO_CHANNEL"] and preferences.brand_color == "#00704A"
    assert storages["content"].exists(preferences.logo_image)
    assert "<img" in client.get(settings_url).content.decode().split("현재 기본 로고")[1][:400]

    job = run_job(
        jwt_client_for(merchant),
        {"eventDraftId": "defaults", "eventInfo": {"title": "기본값 이벤트", "giftName": "쿠폰"}},
        django_capture_on_commit_callbacks,
    )
    stored = ImageJob.objects.get(pk=job["jobId"])
    assert stored.payload["platforms"] == ["NAVER_BLOG", "KAKAO_CHANNEL"]
    assert stored.payload["eventInfo"]["brandColor"] == "#00704A"
    assert stored.payload["eventInfo"]["logoImage"] == preferences.logo_image
    assert {image["platform"] for image in job["images"]} == {"NAVER_BLOG", "KAKAO_CHANNEL"}
    # What the request says wins over the defaults.
    explicit = run_job(
        jwt_client_for(merchant),
        {"eventDraftId": "explicit", "eventInfo": EVENT_INFO, "platforms": ["INSTAGRAM"]},
        django_capture_on_commit_callbacks,
    )
    assert ImageJob.objects.get(pk=explicit["jobId"]).payload["eventInfo"]["brandColor"] == EVENT_INFO["brandColor"]
    cleared = client.post(settings_url, {**form, "brand_color": "", "remove_logo": "on"})
    assert cleared.status_code == 302
    preferences.refresh_from_db()
    assert preferences.logo_image == "" and preferences.brand_color == ""
