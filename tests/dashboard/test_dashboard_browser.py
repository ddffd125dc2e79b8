"""The dashboard in headless Chromium, as a merchant uses it: home, keys, galleries, replay, live progress.

Every page is loaded from the live server only (the recorder aborts anything else and the tests check it);
screenshots land in var/test-artifacts/dashboard/.
"""

from __future__ import annotations

import pytest

from tests.support.dashboard import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHART_DATA = """key => {
    const canvas = document.querySelector(`[data-chart="${key}"] canvas`);
    const chart = canvas && Chart.getChart(canvas);
    return chart ? Object.fromEntries(chart.data.datasets.map(d => [d.label, d.data])) : null;
}"""


def test_home_shows_this_merchants_cards_and_charts(browser, shop):
    page = browser.page
    page.goto(f"{browser.base_url}/admin/")
    assert page.url == f"{browser.base_url}/admin/login/?next=/admin/"
    browser.screenshot("login", full_page=False)
    log_in(browser, shop)
    page.wait_for_selector("#home-cards")

    def number(card: str) -> str:
        return page.inner_text(f"[data-card={card}] [data-number]")

    assert number("tryon") == "7"
    assert "100" in page.inner_text("[data-card=tryon] .tl-card-unit")
    assert number("content") == "6"
    assert number("webhooks") == "50"  # 1 of 2 attempts succeeded
    assert number("sizing") == "3"
    assert "2/3" in page.inner_text("[data-card=sizing]")
    # The charts are drawn (Chart.js instances on unfold's canvases) with this merchant's numbers only.
    usage = page.evaluate(CHART_DATA, "tryon-usage")
    assert sum(usage["완료"]) == 5 and sum(usage["실패"]) == 1
    images = page.evaluate(CHART_DATA, "content-images")
    assert sum(images["이미지"]) == 6
    recommendations = page.evaluate(CHART_DATA, "size-recommendations")
    assert sum(recommendations["사이즈 추천"]) == 3
    assert page.evaluate(CHART_DATA, "webhook-success")["성공률"][-1] == 50
    feed = page.inner_text("#activity-feed")
    assert "이미지 생성 완료 · spring-sale" in feed and "가상 피팅 완료 · 블루 린넨 셔츠" in feed
    assert "웹훅 발송 실패 · tryon.failed" in feed
    assert "남의" not in page.inner_text("#content")
    browser.screenshot("home")
    browser.assert_nothing_left_the_machine()


def test_no_page_linked_from_the_home_fails(browser, shop):
    log_in(browser, shop)
    page = browser.page
    links = page.eval_on_selector_all(
        "#nav-sidebar-apps a[href], #content a[href]", "links => [...new Set(links.map(a => a.href))]"
    )
    assert len(links) > 20
    pages = [link for link in links if link.startswith(browser.base_url)]
    assert pages == links  # nothing on the home points off the server
    answers = {link: page.request.get(link, max_redirects=0).status for link in pages}
    assert {link: status for link, status in answers.items() if status >= 400} == {}
    # The merchant's own settings pages redirect to their one row; everything else answers 200.
    assert {link for link, status in answers.items() if status != 200} <= {
        f"{browser.base_url}/admin/content/contentsettings/"
    }
    for name, path in [
        ("content-gallery", "/admin/content/generatedimage/gallery/"),
        ("tryon-gallery", "/admin/tryon/tryonjob/gallery/"),
        ("webhook-deliveries", "/admin/webhooks/webhookdelivery/"),
        ("products", f"/admin/sizing/product/{shop.merchant.products.get().pk}/change/"),
        ("content-settings", "/admin/content/contentsettings/"),
    ]:
        page.goto(browser.base_url + path)
        page.wait_for_load_state("networkidle")
        browser.screenshot(name)
    browser.assert_nothing_left_the_machine()


def test_issue_an_api_key_and_read_it_once(browser, shop):
    log_in(browser, shop)
    page = browser.page
    page.click("#nav-sidebar-apps a[href$='/admin/merchants/apikey/']")
    page.wait_for_url("**/admin/merchants/apikey/")
    page.click("a.addlink")
    page.fill("input[name=name]", "브라우저 스토어프런트")
    page.click("button[name=_save]")
    raw_key = page.inner_text("#raw-api-key").strip()
    assert raw_key.startswith("tk_")
    browser.screenshot("api-key-issued", full_page=False)
    me = page.request.get(f"{browser.base_url}/api/me", headers={"x-api-key": raw_key})
    assert me.status == 200 and me.json()["data"]["merchantName"] == shop.merchant.name
    # Shown once: neither the list nor the key's page has it again.
    page.goto(f"{browser.base_url}/admin/merchants/apikey/")
    assert "브라우저 스토어프런트" in page.inner_text("#result_list")
    assert raw_key not in page.content()
    page.click("text=브라우저 스토어프런트")
    assert raw_key not in page.content()
    page.click("#revoke-key summary")
    page.click("#revoke-key button[type=submit]")
    page.wait_for_selector("text=API 키를 폐기했습니다")
    assert page.request.get(f"{browser.base_url}/api/me", headers={"x-api-key": raw_key}).status == 401


def test_gallery_regenerates_an_image(browser, shop):
    from content.models import GeneratedImage, ImageJob

    log_in(browser, shop)
    page = browser.page
    page.click("#nav-sidebar-apps a[href$='/admin/content/generatedimage/gallery/']")
    page.wait_for_url("**/admin/content/generatedimage/gallery/")
    group = page.locator("section[data-event='spring-sale']")
    assert group.locator("article").count() == 6
    assert page.locator("section[data-event='their-event']").count() == 0
    # Previews keep the platform's real aspect ratio (Naver blog 800×600 is wider than it is high).
    naver = group.locator("article[data-platform='NAVER_BLOG'] img").first
    naver.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=naver.element_handle())
    width, height = naver.evaluate("img => [img.getBoundingClientRect().width, img.getBoundingClientRect().height]")
    assert width / height == pytest.approx(800 / 600, rel=0.02)
    assert naver.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [800, 600]
    tile = group.locator("article[data-platform='INSTAGRAM'][data-style='SIMPLE']")
    source_id = tile.get_attribute("data-image")
    tile.locator("details:has([data-action=regenerate]) summary").click()
    tile.locator("select[name=style]").select_option("TRENDY")
    tile.locator("[data-action=regenerate] button[type=submit]").click()
    page.wait_for_url("**/admin/content/imagejob/job-regen-*/change/")
    page.wait_for_selector("#job-live[data-status=COMPLETED]")
    regeneration = ImageJob.objects.get(kind=ImageJob.Kind.REGENERATE)
    assert regeneration.source_image_id == source_id
    replacement = GeneratedImage.objects.get(pk=source_id).replaced_by
    assert replacement is not None and replacement.style == "TRENDY"
    browser.screenshot("content-job-regenerated")
    page.goto(f"{browser.base_url}/admin/content/generatedimage/gallery/")
    ids = page.locator("section[data-event='spring-sale'] article").evaluate_all(
        "tiles => tiles.map(t => t.dataset.image)"
    )
    assert source_id not in ids and replacement.pk in ids and len(ids) == 6


def test_replay_a_failed_delivery(browser, shop):
    from webhooks.models import DeliveryStatus
    from webhooks.tasks import deliver_pending

    log_in(browser, shop)
    page = browser.page
    page.goto(f"{browser.base_url}/admin/webhooks/webhookdelivery/?status__exact=FAILED")
    page.click("#result_list a[href*='/change/']")
    assert "410" in page.inner_text("#content")
    page.click("#replay-form button[type=submit]")
    page.wait_for_selector("text=다시 발송 대기열에 넣었습니다")
    # The replay's commit kicks the dispatcher: the delivery goes out without waiting for beat.
    shop.failed_delivery.refresh_from_db()
    assert shop.failed_delivery.status == DeliveryStatus.DELIVERED
    assert deliver_pending() == 0
    page.reload()
    assert shop.receiver.count("/hook") == 3  # delivered, refused with 410, replayed
    browser.screenshot("webhook-delivery-replayed")


def test_job_pages_follow_progress_without_reloading(browser, shop):
    from content.models import ImageJob
    from tryon.models import TryOnJob

    log_in(browser, shop)
    page = browser.page
    job = ImageJob.objects.create(
        merchant=shop.merchant,
        event_draft_id="live-event",
        status=ImageJob.Status.PROCESSING,
        images_total=3,
        images_done=1,
        payload={"eventInfo": {"title": "라이브 이벤트", "giftName": "쿠폰"}},
    )
    page.goto(f"{browser.base_url}/admin/content/imagejob/{job.pk}/change/")
    page.evaluate("window.__sameDocument = true")
    assert "1/3" in page.inner_text("#job-progress-text")
    ImageJob.objects.filter(pk=job.pk).update(images_done=2)
    page.wait_for_function("document.querySelector('#job-progress-text').textContent.includes('2/3')")
    browser.screenshot("content-job-live", full_page=False)
    ImageJob.objects.filter(pk=job.pk).update(images_done=3, status=ImageJob.Status.COMPLETED)
    page.wait_for_selector("#job-live[data-status=COMPLETED]")
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    assert page.get_attribute("#job-live", "hx-trigger") is None  # a finished job stops polling

    running = shop.running_tryon
    page.goto(f"{browser.base_url}/admin/tryon/tryonjob/{running.pk}/change/")
    page.evaluate("window.__sameDocument = true")
    assert page.get_attribute("#job-live", "data-progress") == "40"
    assert page.locator("#job-live img[alt='사용자 사진 (처리 중)']").count() == 1  # before, while it runs
    TryOnJob.objects.filter(pk=running.pk).update(progress=80)
    page.wait_for_selector("#job-live[data-progress='80']")
    browser.screenshot("tryon-job-live", full_page=False)
    TryOnJob.objects.filter(pk=running.pk).update(
        status=TryOnJob.Status.COMPLETED, progress=100, result_image=shop.completed_tryon.result_image, person_image=""
    )
    page.wait_for_selector("#job-live[data-status=COMPLETED]")
    assert page.evaluate("window.__sameDocument") is True
    page.wait_for_function("document.querySelector(\"#job-live img[alt='피팅 결과']\")?.naturalWidth > 0")
    assert page.locator("#job-live img[alt='사용자 사진 (처리 중)']").count() == 0  # the photo is gone
    browser.assert_nothing_left_the_machine()


def test_language_switch_in_the_user_menu(browser, shop):
    log_in(browser, shop)
    page = browser.page
    page.click("text=" + shop.username)
    page.click("form:has(input[name=language][value=en]) button")
    page.wait_for_selector("text=Try-ons this month")
    assert page.get_attribute("html", "lang") == "en"
    assert page.evaluate(CHART_DATA, "tryon-usage")["Completed"][-2:] != [None, None]
    browser.screenshot("home-en")
    page.click("text=" + shop.username)
    page.click("form:has(input[name=language][value=ko]) button")
    page.wait_for_selector("text=이번 달 가상 피팅")
    browser.assert_nothing_left_the_machine()


def test_signing_in_at_the_bookmarked_login_page_lands_on_the_home(browser, shop):
    page = browser.page
    log_in(browser, shop, login_path="/admin/login/")  # no ?next=, as a bookmark has it
    assert page.url == f"{browser.base_url}/admin/"
    page.wait_for_selector("#home-cards")
    assert page.inner_text("[data-card=tryon] [data-number]") == "7"
    assert sum(page.evaluate(CHART_DATA, "tryon-usage")["완료"]) == 5
    assert page.evaluate(CHART_DATA, "webhook-success")["성공률"][-1] == 50
    assert page.get_attribute("link[rel=icon]", "href") == "/favicon.ico"
    icon = page.request.get(f"{browser.base_url}/favicon.ico")  # headless Chromium fetches no tab icon itself
    assert icon.status == 200 and icon.headers["content-type"] == "image/x-icon"
    # A typed logout URL goes home instead of a bare 405; an unknown dashboard page is a page of the dashboard.
    page.goto(f"{browser.base_url}/admin/logout/")
    assert page.url == f"{browser.base_url}/admin/"
    response = page.goto(f"{browser.base_url}/admin/no-such-page/")
    assert response.status == 404
    assert page.inner_text("#message-title") == "페이지를 찾을 수 없습니다"
    page.click("text=대시보드 홈으로")
    page.wait_for_selector("#home-cards")
    browser.assert_nothing_left_the_machine()
