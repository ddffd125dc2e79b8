"""The dashboard pages of the try-on app, as a merchant user sees them."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.support.charts import charts_in
from tests.support.merchants import admin_client_for
from tests.support.text import must_search
from tests.support.tryon import decode, make_completed_job, make_running_job
from tryon.models import DailyUsage, ShareLink, TryOnFeedback, TryOnJob, TryOnSettings

pytestmark = pytest.mark.django_db


def test_job_list_shows_result_thumbnails_and_good_rate(merchant, other_merchant):
    job = make_completed_job(merchant, title="마이 셔츠")
    make_completed_job(other_merchant, title="남의 셔츠")
    for vote in ("GOOD", "GOOD", "BAD"):
        TryOnFeedback.objects.create(job=job, visitor_id=uuid.uuid4(), vote=vote)
    client = admin_client_for(merchant)
    page = client.get("/admin/tryon/tryonjob/").content.decode()
    assert "마이 셔츠" in page and "남의 셔츠" not in page
    assert "67% (2/3)" in page
    assert "피드백 GOOD 비율: 66.7% (2/3)" in page
    assert "삭제됨" in page  # the shopper's photo of a finished job is not kept
    thumbnail = must_search(r'<img src="(/media/tryon/[^"]+)" alt="피팅 결과"', page).group(1)
    image = client.get(thumbnail.replace("&amp;", "&"))
    assert image.status_code == 200
    assert decode(image.getvalue()).size == (432, 648)
    detail = client.get(f"/admin/tryon/tryonjob/{job.pk}/change/").content.decode()
    # A readable summary for the merchant; the raw engine record only for operators.
    assert "미리보기 (합성, AI 피팅 아님)" in detail and "오프라인 엔진" in detail
    assert '"preview": true' not in detail and "&quot;preview&quot;: true" not in detail
    live = must_search(r'<div id="job-live"[^>]*>', detail).group(0)
    assert 'data-status="COMPLETED"' in live and "hx-trigger" not in live  # a finished job does not poll


def test_superuser_sees_the_raw_engine_record(merchant, django_user_model):
    job = make_completed_job(merchant)
    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw-123456789")
    client = Client()
    client.force_login(root)
    detail = client.get(f"/admin/tryon/tryonjob/{job.pk}/change/").content.decode()
    assert "&quot;preview&quot;: true" in detail


def test_running_job_shows_the_photo_only_while_it_runs(merchant):
    make_running_job(merchant, progress=40)
    page = admin_client_for(merchant).get("/admin/tryon/tryonjob/").content.decode()
    assert 'alt="사용자 사진 (처리 중)"' in page
    assert '<progress value="40" max="100"' in page


def test_usage_page_draws_a_chart_with_the_quota(merchant, other_merchant):
    TryOnSettings.objects.create(merchant=merchant, monthly_quota=50)
    today = timezone.localdate()
    DailyUsage.objects.create(merchant=merchant, date=today, requested=10, completed=7, failed=2)
    DailyUsage.objects.create(merchant=merchant, date=today - timedelta(days=3), requested=4, completed=4)
    DailyUsage.objects.create(merchant=other_merchant, date=today, requested=999, completed=999)
    page = admin_client_for(merchant).get("/admin/tryon/dailyusage/").content.decode()
    chart = charts_in(page)["tryon-usage"]
    assert len(chart["labels"]) == 30 and chart["labels"][-1] == f"{today:%m/%d}"
    assert chart["series"]["완료"][-1] == 7 and chart["series"]["실패"][-1] == 2 and chart["series"]["처리 중"][-1] == 1
    assert chart["series"]["완료"][-4] == 4
    assert sum(chart["series"]["완료"]) == 11  # the other merchant's 999 are not drawn
    assert '<strong id="month-quota">50</strong>' in page
    month_used = 14 if (today - timedelta(days=3)).month == today.month else 10
    assert f'<strong id="month-used">{month_used}</strong>' in page


def test_merchant_sets_quota_and_retention_in_the_dashboard(merchant, other_merchant):
    client = admin_client_for(merchant)
    listing = client.get("/admin/tryon/tryonsettings/")
    assert listing.status_code == 200
    limits = TryOnSettings.objects.get(merchant=merchant)
    url = f"/admin/tryon/tryonsettings/{limits.pk}/change/"
    mark = {"ai_mark_position": "bottom-left", "ai_mark_theme": "dark", "ai_mark_size": "medium"}
    refused = client.post(url, {"monthly_quota": 5, "result_retention_days": 3, "visitor_daily_limit": "", **mark})
    assert refused.status_code == 200 and "errornote" in refused.content.decode()
    limits.refresh_from_db()
    assert limits.result_retention_days == 30
    saved = client.post(url, {"monthly_quota": 5, "result_retention_days": 14, "visitor_daily_limit": 3, **mark})
    assert saved.status_code == 302
    limits.refresh_from_db()
    assert (limits.monthly_quota, limits.result_retention_days, limits.visitor_daily_limit) == (5, 14, 3)
    theirs = TryOnSettings.objects.create(merchant=other_merchant)
    assert client.get(f"/admin/tryon/tryonsettings/{theirs.pk}/change/").status_code == 404


def test_share_links_and_feedback_pages(merchant, other_merchant):
    job = make_completed_job(merchant, title="공유 셔츠")
    ShareLink.objects.create(
        job=job, token="abcdefgh" + "x" * 24, expires_at=timezone.now() + timedelta(days=7), view_count=42
    )
    theirs = make_completed_job(other_merchant)
    ShareLink.objects.create(
        job=theirs, token="zzzzzzzz" + "y" * 24, expires_at=timezone.now() + timedelta(days=7), view_count=7
    )
    TryOnFeedback.objects.create(job=job, visitor_id=uuid.uuid4(), vote="BAD", reason="소매가 길어요")
    TryOnFeedback.objects.create(job=theirs, visitor_id=uuid.uuid4(), vote="GOOD", reason="남의 의견")
    client = admin_client_for(merchant)
    links = client.get("/admin/tryon/sharelink/").content.decode()
    assert "abcdefgh…" in links and "42" in links and "zzzzzzzz" not in links
    feedback = client.get("/admin/tryon/tryonfeedback/").content.decode()
    assert "소매가 길어요" in feedback and "남의 의견" not in feedback
    assert "GOOD 비율: 0.0% (0/1)" in feedback


def test_gallery_shows_before_only_while_the_job_runs_and_the_result_after(merchant, other_merchant):
    done = make_completed_job(merchant, title="완료 셔츠")
    make_completed_job(other_merchant, title="남의 셔츠")
    running = make_running_job(merchant, progress=30, product_title="진행 셔츠", engine="offline")
    client = admin_client_for(merchant)
    page = client.get("/admin/tryon/tryonjob/gallery/").content.decode()
    assert "남의 셔츠" not in page
    tiles = dict(re.findall(r'<article class="tl-tile" data-job="([^"]+)"[^>]*>(.*?)</article>', page, re.S))
    assert 'alt="사용자 사진 (처리 중)"' in tiles[str(running.pk)] and "피팅 결과" not in tiles[str(running.pk)]
    assert 'alt="사용자 사진' not in tiles[str(done.pk)] and "개인정보 보호" in tiles[str(done.pk)]
    assert "미리보기" in tiles[str(done.pk)] and "오프라인 엔진" in tiles[str(done.pk)]
    result = must_search(r'<img src="([^"]+)" alt="피팅 결과"', tiles[str(done.pk)]).group(1)
    assert decode(client.get(result.replace("&amp;", "&")).getvalue()).size == (432, 648)
    only_running = client.get("/admin/tryon/tryonjob/gallery/?status=PROCESSING").content.decode()
    assert "진행 셔츠" in only_running and "완료 셔츠" not in only_running


def test_progress_block_polls_while_running(merchant):
    job = TryOnJob.objects.create(
        merchant=merchant,
        status=TryOnJob.Status.PROCESSING,
        product_image_url="https://s.example.com/a.png",
        progress=20,
    )
    client = admin_client_for(merchant)
    fragment = client.get(f"/admin/tryon/tryonjob/{job.pk}/progress/").content.decode()
    assert 'data-progress="20"' in fragment and 'hx-trigger="every 2s"' in fragment
    TryOnJob.objects.filter(pk=job.pk).update(status=TryOnJob.Status.FAILED, progress=100, error_message="엔진 오류")
    fragment = client.get(f"/admin/tryon/tryonjob/{job.pk}/progress/").content.decode()
    assert 'data-status="FAILED"' in fragment and "엔진 오류" in fragment and "hx-trigger" not in fragment


def test_deleting_a_job_in_the_dashboard_deletes_its_files(merchant):
    from tryon import storage

    job = make_completed_job(merchant)
    ShareLink.objects.create(job=job, token="t" * 32, expires_at=timezone.now() + timedelta(days=7))
    assert storage.tryon_storage().exists(job.result_image)
    response = admin_client_for(merchant).post(f"/admin/tryon/tryonjob/{job.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not TryOnJob.objects.filter(pk=job.pk).exists() and not ShareLink.objects.exists()
    assert not storage.tryon_storage().exists(job.result_image)
