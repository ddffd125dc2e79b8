"""The home page's numbers, charts and feed come from this merchant's data only; superusers see the total."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from sizing.models import DailyRecommendations
from tests.support.charts import charts_in
from tests.support.text import must_search

pytestmark = pytest.mark.django_db


def dashboard_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def card_numbers(page: str) -> dict[str, str]:
    return dict(
        re.findall(
            r'data-card="(\w+)">\s*<div class="tl-card-figure">\s*<span class="tl-card-number" data-number>([^<]+)<',
            page,
        )
    )


def test_cards_charts_and_feed_show_this_merchants_numbers(shop):
    page = dashboard_for(shop.merchant.memberships.get().user).get("/admin/").content.decode()

    assert card_numbers(page) == {"tryon": "7", "content": "6", "webhooks": "50", "sizing": "3"}
    assert "/ 한도 100건" in page and "한도의 7% 사용" in page
    assert "이번 달 생성 작업 1건" in page
    assert "대기 0건 (재시도 중 0건)" in page and "실패 1건" in page
    assert "도움됨 67% (2/3, 최근 30일)" in page
    drawn = charts_in(page)
    assert set(drawn) == {"tryon-usage", "content-images", "webhook-success", "size-recommendations"}
    assert all(len(chart["labels"]) == 30 for chart in drawn.values())
    assert sum(drawn["content-images"]["series"]["이미지"]) == 6
    assert sum(drawn["size-recommendations"]["series"]["사이즈 추천"]) == 3
    assert drawn["webhook-success"]["series"]["성공률"][-1] == 50.0
    feed = must_search(r'<ol class="tl-feed" id="activity-feed">(.*?)</ol>', page, re.S).group(1)
    assert "이미지 생성 완료 · spring-sale (6장)" in feed
    assert "가상 피팅 완료 · 블루 린넨 셔츠" in feed
    assert "웹훅 발송 실패 · tryon.failed" in feed and "(410)" in feed
    assert "API 키 발급 · test" in feed
    assert "남의" not in page and "their-event" not in page
    # Links of the feed open the objects they name.
    assert f'href="/admin/content/imagejob/{shop.content_job_id}/change/"' in feed
    assert f'href="/admin/webhooks/webhookdelivery/{shop.failed_delivery.pk}/change/"' in feed


def test_sidebar_badges_count_running_jobs_and_failed_deliveries(shop):
    page = dashboard_for(shop.merchant.memberships.get().user).get("/admin/").content.decode()
    sidebar = page.split('id="nav-sidebar-apps"')[1].split("</nav>")[0]

    def badge(path: str) -> str | None:
        link = must_search(rf'<a href="{re.escape(path)}".*?</a>', sidebar, re.S).group(0)
        found = re.search(r"<span class=\"font-semibold h-\[18px\][^>]*>\s*(\d+)\s*</span>", link)
        return found.group(1) if found else None

    assert badge("/admin/tryon/tryonjob/") == "1"  # the running try-on
    assert badge("/admin/webhooks/webhookdelivery/") == "1"  # the delivery given up on
    assert badge("/admin/content/imagejob/") is None  # nothing running: no empty badge
    assert "/admin/auth/user/" not in sidebar  # superuser pages are not offered to merchants


def test_recommendations_are_counted_with_or_without_a_visitor(shop, api_key_client):
    body = {"productId": "BLUE-SHIRT-001", "measurement": {"gender": "M", "height": 175, "weight": 70}}
    assert api_key_client.post("/api/size/recommend", body, format="json").status_code == 200
    visitor = {**body, "visitorId": "7b0d3c5e-0a62-4c1b-9c9b-3f2f3c1d2e10"}
    assert api_key_client.post("/api/size/recommend", visitor, format="json").status_code == 200
    unknown = {**body, "productId": "NO-SUCH-PRODUCT"}
    assert api_key_client.post("/api/size/recommend", unknown, format="json").status_code == 404
    day = DailyRecommendations.objects.get(merchant=shop.merchant)
    assert (day.served, day.sized) == (5, 5)
    page = dashboard_for(shop.merchant.memberships.get().user).get("/admin/").content.decode()
    assert card_numbers(page)["sizing"] == "5"


def test_superuser_home_adds_up_every_merchant(shop, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw-123456789")
    page = dashboard_for(root).get("/admin/").content.decode()
    numbers = card_numbers(page)
    assert numbers["tryon"] == "407" and numbers["content"] == "15" and numbers["sizing"] == "15"
    assert "/ 한도" not in page  # no single quota to compare with
    assert "/admin/auth/user/" in page


def test_a_staff_user_without_a_merchant_sees_no_numbers(db, django_user_model):
    staff = django_user_model.objects.create_user("lost", password="pw-123456789", is_staff=True)
    response = dashboard_for(staff).get("/admin/")
    assert response.status_code == 200
    assert 'id="home-cards"' not in response.content.decode()


def test_dashboard_switches_to_english_and_the_apis_stay_korean(shop):
    client = dashboard_for(shop.merchant.memberships.get().user)
    korean = client.get("/admin/tryon/tryonjob/").content.decode()
    assert 'lang="ko"' in korean and "작업 선택" in korean  # unfold's own texts in Korean too
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    assert switched.status_code == 302 and switched["Location"] == "/admin/"
    home = client.get("/admin/").content.decode()
    assert 'lang="en"' in home
    assert "Try-ons this month" in home and "Content images this month" in home and "Recent activity" in home
    assert "Image gallery" in home and "Try-on gallery" in home  # sidebar
    assert sum(charts_in(home)["content-images"]["series"]["Images"]) == 6
    settings_page = client.get(f"/admin/tryon/tryonsettings/{shop.merchant.tryon_settings.pk}/change/").content.decode()
    assert "Monthly try-on quota" in settings_page and "Result retention (days)" in settings_page
    # The APIs and the shoppers' pages do not follow the dashboard's language cookie.
    refused = client.post("/api/auth/token", {}, content_type="application/json")
    assert refused.status_code == 400 and "필수" in refused.json()["message"]
    assert client.get("/api/docs/")["Content-Language"] == "ko"
    client.post("/i18n/setlang/", {"language": "ko", "next": "/admin/"})
    assert "이번 달 가상 피팅" in client.get("/admin/").content.decode()


def test_the_home_shows_each_outside_services_slots_and_queue_with_this_shops_share(shop, settings):
    from common.remote.limits import pause
    from tests.support.merchants import make_merchant
    from tryon.models import EngineCall, TryOnJob

    settings.TRYON_ENGINE, settings.FASHN_API_KEY = "fashn", "fa-key"
    other = make_merchant()
    for merchant, state in (
        (shop.merchant, "ACTIVE"),
        (other, "ACTIVE"),
        (other, "WAITING"),
        (shop.merchant, "WAITING"),
    ):
        job = TryOnJob.objects.create(merchant=merchant, product_image_url="https://shop.example/a.png")
        EngineCall.objects.create(job=job, merchant=merchant, provider="fashn", state=state)
    pause("fashn", 30)
    page = dashboard_for(shop.merchant.memberships.get().user).get("/admin/").content.decode()
    row = must_search(r'<tr data-provider="fashn">(.*?)</tr>', page, re.S).group(1)
    assert "FASHN 가상 피팅" in row and "요청 한도로" in row
    assert re.search(r"data-in-flight>2 / 6\s*<span[^>]*>\(우리 가게 1\)", row), row
    assert re.search(r"data-waiting>2\s*<span[^>]*>\(우리 가게 1\)", row), row
    assert 'data-provider="product-image"' in page and 'data-provider="stability"' not in page  # no key, no row
