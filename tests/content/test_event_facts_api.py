"""Through HTTP and the dashboard: the new platforms, the event's facts (validation, job payload, cache), the
brand kit's defaults and the ZIP of an event's images."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import numpy as np
import pytest
import zxingcpp
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from content.models import ContentSettings, GeneratedImage, ImageJob
from tests.support.content import EVENT_INFO, decode, generate, run_job
from tests.support.merchants import admin_client_for, jwt_client_for
from tests.support.text import must_search

pytestmark = pytest.mark.django_db

NEW_SIZES = {"INSTAGRAM_PORTRAIT": (1080, 1350), "INSTAGRAM_STORY": (1080, 1920), "KAKAO_LINK": (800, 400)}
FACTS: dict[str, Any] = {
    "period": "3.1 ~ 3.31",
    "callToAction": "지금 참여하세요",
    "eventUrl": "https://cafe-bomnal.kr/events/spring?from=sns",
    "storeName": "카페 봄날 성수점",
}


def test_the_new_platforms_render_at_their_sizes_with_the_facts(jwt_client, django_capture_on_commit_callbacks):
    body = {
        "eventDraftId": "evt-formats",
        "eventInfo": {**EVENT_INFO, **FACTS},
        "platforms": list(NEW_SIZES),
    }
    job = run_job(jwt_client, body, django_capture_on_commit_callbacks)
    assert job["status"] == "COMPLETED" and len(job["images"]) == 9
    assert {(i["style"], i["platform"]) for i in job["images"]} == {
        (style, platform) for style in ("SIMPLE", "FANCY", "TRENDY") for platform in NEW_SIZES
    }
    for image in job["images"]:
        picture = decode(image["url"])
        assert picture.size == NEW_SIZES[image["platform"]]
        assert (image["size"]["width"], image["size"]["height"]) == NEW_SIZES[image["platform"]]
        assert [code.text for code in zxingcpp.read_barcodes(picture.convert("RGB"))] == [FACTS["eventUrl"]]
    stored = ImageJob.objects.get(pk=job["jobId"])
    assert {key: stored.payload["eventInfo"][key] for key in FACTS} == FACTS  # part of the job payload
    listing = jwt_client.get("/api/content/events/evt-formats/images?platform=INSTAGRAM_STORY").json()
    assert listing["totalCount"] == 3


LONG_URL = "https://cafe-bomnal.kr/" + "a" * 180


@pytest.mark.parametrize(
    ("facts", "fragment"),
    [
        ({"period": ""}, "eventInfo.period은(는) 비어 있을 수 없습니다."),
        ({"period": "가" * 31}, "eventInfo.period은(는) 최대 30자입니다."),
        ({"period": 331}, "eventInfo.period은(는) 문자열이어야 합니다."),
        ({"period": None}, "eventInfo.period은(는) null일 수 없습니다."),
        ({"period": "🎉🎉"}, "eventInfo.period에 이미지에 표시할 수 있는 글자가 없습니다"),
        ({"callToAction": ""}, "eventInfo.callToAction은(는) 비어 있을 수 없습니다."),
        ({"callToAction": "참" * 21}, "eventInfo.callToAction은(는) 최대 20자입니다."),
        ({"callToAction": ["지금"]}, "eventInfo.callToAction은(는) 문자열이어야 합니다."),
        ({"callToAction": "👉"}, "eventInfo.callToAction에 이미지에 표시할 수 있는 글자가 없습니다"),
        ({"storeName": ""}, "eventInfo.storeName은(는) 비어 있을 수 없습니다."),
        ({"storeName": "봄" * 31}, "eventInfo.storeName은(는) 최대 30자입니다."),
        ({"storeName": {"name": "봄날"}}, "eventInfo.storeName은(는) 문자열이어야 합니다."),
        ({"storeName": "☕"}, "eventInfo.storeName에 이미지에 표시할 수 있는 글자가 없습니다"),
        ({"eventUrl": "not a url"}, "eventUrl은 올바른 URL이어야 합니다."),
        ({"eventUrl": "ftp://cafe-bomnal.kr/a"}, "eventUrl은 http 또는 https URL이어야 합니다."),
        ({"eventUrl": "javascript:alert(1)"}, "eventUrl은 올바른 URL이어야 합니다."),
        ({"eventUrl": LONG_URL}, "eventInfo.eventUrl은(는) 최대 200자입니다."),
        ({"eventUrl": ""}, "eventInfo.eventUrl은(는) 비어 있을 수 없습니다."),
        ({"secondaryColor": "gold"}, "secondaryColor는 HEX 색상 코드 형식이어야 합니다."),
        ({"fontFamily": "COMIC_SANS"}, "eventInfo.fontFamily은(는) NOTO_SANS_KR, NOTO_SERIF_KR 중 하나여야 합니다."),
    ],
)
def test_each_new_field_refuses_bad_input_with_a_400_that_changes_nothing(jwt_client, facts, fragment):
    response = generate(jwt_client, {"eventDraftId": "evt-bad", "eventInfo": {**EVENT_INFO, **facts}})
    assert response.status_code == 400, response.json()
    error = response.json()
    assert error["code"] == "BAD_REQUEST" and error["timestamp"].endswith("Z")
    assert error["message"].startswith(fragment), error["message"]
    assert ImageJob.objects.count() == 0


def test_the_longest_facts_are_accepted(jwt_client):
    facts = {
        "period": "가" * 30,
        "callToAction": "참" * 20,
        "storeName": "봄" * 30,
        "eventUrl": "https://cafe-bomnal.kr/" + "a" * 177,
    }
    assert len(facts["eventUrl"]) == 200
    assert generate(jwt_client, {"eventDraftId": "evt-long", "eventInfo": {**EVENT_INFO, **facts}}).status_code == 202


def test_an_unknown_platform_is_still_refused_and_the_choices_name_the_new_ones(jwt_client):
    response = generate(jwt_client, {"eventDraftId": "e", "eventInfo": EVENT_INFO, "platforms": ["TIKTOK"]})
    assert response.status_code == 400
    assert "INSTAGRAM_STORY" in response.json()["message"] and "KAKAO_LINK" in response.json()["message"]


def test_the_facts_are_part_of_what_a_cached_answer_must_match(jwt_client, django_capture_on_commit_callbacks):
    body: dict[str, Any] = {"eventDraftId": "evt-facts-cache", "eventInfo": {**EVENT_INFO, **FACTS}}
    first = run_job(jwt_client, body, django_capture_on_commit_callbacks)
    same = run_job(jwt_client, body, django_capture_on_commit_callbacks)
    assert same["fromCache"] is True and [i["url"] for i in same["images"]] == [i["url"] for i in first["images"]]

    changed = {**body, "eventInfo": {**body["eventInfo"], "period": "4.1 ~ 4.30"}}
    redrawn = run_job(jwt_client, changed, django_capture_on_commit_callbacks)
    assert redrawn["fromCache"] is False
    assert not {i["imageId"] for i in redrawn["images"]} & {i["imageId"] for i in first["images"]}
    listed = jwt_client.get("/api/content/events/evt-facts-cache").json()
    assert {i["imageId"] for i in listed["images"]} == {i["imageId"] for i in redrawn["images"]}
    # Leaving the facts out is a change too; asking again with the new facts answers from the cache.
    assert run_job(jwt_client, changed, django_capture_on_commit_callbacks)["fromCache"] is True
    without = run_job(
        jwt_client, {"eventDraftId": "evt-facts-cache", "eventInfo": EVENT_INFO}, django_capture_on_commit_callbacks
    )
    assert without["fromCache"] is False


def _logo_png(colour: tuple[int, int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (300, 120), colour).save(buffer, "PNG")
    return buffer.getvalue()


def test_the_brand_kit_fills_what_a_request_leaves_out(merchant, django_capture_on_commit_callbacks):
    client = admin_client_for(merchant)
    settings_url = client.get("/admin/content/contentsettings/")["Location"]
    page = client.get(settings_url).content.decode()
    assert "Noto Serif KR" in page and "보조 브랜드 색상" in page
    assert 'value="INSTAGRAM_STORY"' in page and 'value="KAKAO_LINK"' in page  # default platforms to choose
    form = {
        "brand_color": "#00704A",
        "secondary_color": "#ffc107",
        "font_family": "NOTO_SERIF_KR",
        "default_platforms": ["INSTAGRAM_STORY"],
    }
    refused = client.post(settings_url, {**form, "secondary_color": "yellow"})
    assert refused.status_code == 200 and "errornote" in refused.content.decode()
    assert ContentSettings.objects.get(merchant=merchant).secondary_color == ""  # nothing saved
    saved = client.post(settings_url, {**form, "logo": SimpleUploadedFile("logo.png", _logo_png((0, 112, 74, 255)))})
    assert saved.status_code == 302
    kit = ContentSettings.objects.get(merchant=merchant)
    assert (kit.secondary_color, kit.font_family, kit.default_platforms) == (
        "#FFC107",
        "NOTO_SERIF_KR",
        ["INSTAGRAM_STORY"],
    )

    api = jwt_client_for(merchant)
    job = run_job(
        api, {"eventDraftId": "evt-kit", "eventInfo": {"title": "봄맞이 이벤트", "giftName": "쿠폰"}},
        django_capture_on_commit_callbacks,
    )  # fmt: skip
    info = ImageJob.objects.get(pk=job["jobId"]).payload["eventInfo"]
    assert info["brandColor"] == "#00704A" and info["secondaryColor"] == "#FFC107"
    assert info["fontFamily"] == "NOTO_SERIF_KR" and info["logoImage"] == kit.logo_image  # the logo stored once
    assert [i["platform"] for i in job["images"]] == ["INSTAGRAM_STORY"] * 3
    # The request's own choices win over the kit.
    explicit = run_job(
        api,
        {
            "eventDraftId": "evt-kit-explicit",
            "eventInfo": {
                "title": "봄맞이 이벤트", "giftName": "쿠폰", "secondaryColor": "#1E88E5", "fontFamily": "NOTO_SANS_KR",
            },
            "platforms": ["INSTAGRAM_STORY"],
        },
        django_capture_on_commit_callbacks,
    )  # fmt: skip
    explicit_info = ImageJob.objects.get(pk=explicit["jobId"]).payload["eventInfo"]
    assert explicit_info["secondaryColor"] == "#1E88E5" and explicit_info["fontFamily"] == "NOTO_SANS_KR"
    # What a shopper sees differs: the kit's serif headline and gold against the request's sans and blue.
    for kit_image, own_image in zip(job["images"], explicit["images"], strict=True):
        kit_pixels = np.asarray(decode(kit_image["url"]).convert("RGB"), dtype=np.int16)
        own_pixels = np.asarray(decode(own_image["url"]).convert("RGB"), dtype=np.int16)
        assert np.abs(kit_pixels - own_pixels).mean() > 1.0, kit_image["style"]
        amber = (np.abs(kit_pixels - np.array([255, 193, 7])).max(axis=2) < 12).sum()
        assert amber > 500, kit_image["style"]  # the kit's second colour is on the image


def _zip_members(data: bytes) -> dict[str, Image.Image]:
    members: dict[str, Image.Image] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        for name in archive.namelist():
            members[name] = Image.open(io.BytesIO(archive.read(name)))
    return members


def test_the_archive_holds_every_listed_image_named_by_platform_and_style(
    jwt_client, django_capture_on_commit_callbacks
):
    body = {
        "eventDraftId": "evt-zip",
        "eventInfo": {**EVENT_INFO, **FACTS},
        "platforms": ["INSTAGRAM", "NAVER_BLOG", "KAKAO_CHANNEL", *NEW_SIZES],
    }
    job = run_job(jwt_client, body, django_capture_on_commit_callbacks)
    assert len(job["images"]) == 18
    response = jwt_client.get("/api/content/events/evt-zip/archive")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="evt-zip-images.zip"'
    members = _zip_members(response.content)
    sizes = {"INSTAGRAM": (1080, 1080), "NAVER_BLOG": (800, 600), "KAKAO_CHANNEL": (800, 800), **NEW_SIZES}
    assert set(members) == {f"{i['platform'].lower()}-{i['style'].lower()}.png" for i in job["images"]}
    for name, picture in members.items():
        platform = name.split("-")[0].upper()
        assert picture.size == sizes[platform], name

    # A removed image leaves the archive; a regenerate to a style already there gets a numbered name.
    story = next(i for i in job["images"] if i["platform"] == "INSTAGRAM_STORY" and i["style"] == "SIMPLE")
    assert jwt_client.delete(f"/api/content/images/{story['imageId']}").status_code == 204
    trendy_link = next(i for i in job["images"] if i["platform"] == "KAKAO_LINK" and i["style"] == "TRENDY")
    with django_capture_on_commit_callbacks(execute=True):
        regen = jwt_client.post(
            f"/api/content/images/{trendy_link['imageId']}/regenerate", {"style": "FANCY"}, format="json"
        )
    assert regen.status_code == 202
    again = _zip_members(jwt_client.get("/api/content/events/evt-zip/archive").content)
    assert "instagram_story-simple.png" not in again
    assert {"kakao_link-fancy.png", "kakao_link-fancy-2.png"} <= set(again) and "kakao_link-trendy.png" not in again
    assert len(again) == 17


def test_the_archive_refuses_like_the_rest_of_the_content_api(
    jwt_client, other_merchant, django_capture_on_commit_callbacks
):
    run_job(
        jwt_client_for(other_merchant), {"eventDraftId": "evt-theirs", "eventInfo": EVENT_INFO},
        django_capture_on_commit_callbacks,
    )  # fmt: skip
    for client, path, status, code in (
        (APIClient(), "/api/content/events/evt-theirs/archive", 401, "UNAUTHORIZED"),
        (jwt_client, "/api/content/events/evt-theirs/archive", 404, "CONTENT_NOT_FOUND"),
        (jwt_client, "/api/content/events/nothing-here/archive", 404, "CONTENT_NOT_FOUND"),
    ):
        response = client.get(path)
        assert response.status_code == status
        error = response.json()
        assert error["code"] == code and error["message"] and error["timestamp"].endswith("Z")
    run_job(jwt_client, {"eventDraftId": "evt-expired", "eventInfo": EVENT_INFO}, django_capture_on_commit_callbacks)
    cache.clear()  # the event's content expired
    assert jwt_client.get("/api/content/events/evt-expired/archive").status_code == 404


def test_the_dashboard_downloads_an_event_or_a_selection_as_one_zip(
    merchant, other_merchant, django_capture_on_commit_callbacks
):
    mine = run_job(
        jwt_client_for(merchant),
        {"eventDraftId": "evt-dash-zip", "eventInfo": EVENT_INFO, "platforms": ["INSTAGRAM", "KAKAO_LINK"]},
        django_capture_on_commit_callbacks,
    )
    run_job(
        jwt_client_for(other_merchant), {"eventDraftId": "evt-dash-zip", "eventInfo": EVENT_INFO},
        django_capture_on_commit_callbacks,
    )  # fmt: skip
    client = admin_client_for(merchant)
    gallery = client.get("/admin/content/generatedimage/gallery/").content.decode()
    link = must_search(r'data-action="archive">.*?href="([^"]+)"', gallery, re.S).group(1).replace("&amp;", "&")
    response = client.get(link)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    members = _zip_members(response.content)
    assert set(members) == {f"{i['platform'].lower()}-{i['style'].lower()}.png" for i in mine["images"]}
    # Another merchant's event of the same name is not this merchant's to download.
    theirs = GeneratedImage.objects.filter(merchant=other_merchant).first()
    foreign = f"/admin/content/generatedimage/gallery/archive/?event=evt-dash-zip&merchant={other_merchant.pk}"
    assert client.get(foreign).status_code == 404 and theirs is not None
    assert client.get("/admin/content/generatedimage/gallery/archive/?event=none").status_code == 404

    selected = [i["imageId"] for i in mine["images"] if i["platform"] == "KAKAO_LINK"]
    action = client.post(
        "/admin/content/generatedimage/", {"action": "download_zip", "_selected_action": [*selected, theirs.pk]}
    )
    assert (
        action.status_code == 200 and action["Content-Disposition"] == 'attachment; filename="evt-dash-zip-images.zip"'
    )
    assert set(_zip_members(action.content)) == {
        "kakao_link-simple.png",
        "kakao_link-fancy.png",
        "kakao_link-trendy.png",
    }


def test_the_brand_kit_and_the_zip_button_read_in_english_too(merchant, django_capture_on_commit_callbacks):
    run_job(
        jwt_client_for(merchant),
        {"eventDraftId": "evt-en", "eventInfo": EVENT_INFO},
        django_capture_on_commit_callbacks,
    )
    client = admin_client_for(merchant)
    settings_url = client.get("/admin/content/contentsettings/")["Location"]
    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    page = client.get(settings_url).content.decode()
    assert "Secondary brand colour" in page and "Typeface" in page and "Noto Serif KR (serif)" in page
    assert "Instagram story (9:16)" in page and "KakaoTalk link (2:1)" in page
    assert "Download all as one ZIP" in client.get("/admin/content/generatedimage/gallery/").content.decode()
    assert "Download the selected images as one ZIP" in client.get("/admin/content/generatedimage/").content.decode()


def test_the_job_page_shows_the_facts_and_the_look_it_was_drawn_with(merchant, django_capture_on_commit_callbacks):
    job = run_job(
        jwt_client_for(merchant),
        {
            "eventDraftId": "evt-summary",
            "eventInfo": {**EVENT_INFO, **FACTS, "secondaryColor": "#FFC107", "fontFamily": "NOTO_SERIF_KR"},
            "platforms": ["KAKAO_LINK"],
        },
        django_capture_on_commit_callbacks,
    )
    page = admin_client_for(merchant).get(f"/admin/content/imagejob/{job['jobId']}/change/").content.decode()
    summary = must_search(r'<dl class="tl-summary">(.*?)</dl>', page, re.S).group(1)
    for text in (FACTS["storeName"], FACTS["period"], FACTS["callToAction"], FACTS["eventUrl"], "#FFC107"):
        assert text in summary, text
    assert "Noto Serif KR (명조)" in summary and "카카오톡 링크 (2:1)" in summary


def test_an_image_whose_file_was_lost_is_left_out_of_the_archive(jwt_client, django_capture_on_commit_callbacks):
    job = run_job(
        jwt_client,
        {"eventDraftId": "evt-lost", "eventInfo": EVENT_INFO, "platforms": ["KAKAO_LINK"]},
        django_capture_on_commit_callbacks,
    )
    from content import storage

    lost = GeneratedImage.objects.get(pk=job["images"][0]["imageId"])
    storage.delete_file(lost.file_name)
    response = jwt_client.get("/api/content/events/evt-lost/archive")
    assert response.status_code == 200
    members = _zip_members(response.content)
    assert len(members) == 2 and f"kakao_link-{lost.style.lower()}.png" not in members
