"""The retention beat task: expired results deleted (never under a live share link), stale jobs failed,
photos of finished jobs never kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import IntegrityError
from django.utils import timezone

from tests.support.shop import person_jpeg
from tests.support.tryon import make_completed_job, stored_files
from tryon import storage
from tryon.models import ShareLink, TryOnJob, TryOnSettings
from tryon.tasks import purge_expired_task, recover_stalled_jobs_task

pytestmark = pytest.mark.django_db


def test_beat_schedules_the_retention_task():
    entry = django_settings.CELERY_BEAT_SCHEDULE["tryon.purge_expired"]
    assert entry["task"] == purge_expired_task.name == "tryon.purge_expired"


def test_expired_result_is_deleted(api_key_client, merchant):
    job = make_completed_job(merchant)
    kept = make_completed_job(merchant)
    TryOnJob.objects.filter(pk=job.pk).update(result_expires_at=timezone.now() - timedelta(minutes=1))
    assert purge_expired_task.delay().get()["resultsDeleted"] == 1
    assert not storage.tryon_storage().exists(job.result_image)
    assert storage.tryon_storage().exists(kept.result_image)
    data = api_key_client.get(f"/api/tryon/{job.id}").json()["data"]
    assert data["status"] == "COMPLETED" and data["resultDeleted"] is True and "resultImageUrl" not in data
    assert "resultImageUrl" in api_key_client.get(f"/api/tryon/{kept.id}").json()["data"]


def test_result_under_a_live_share_link_is_kept(merchant, client):
    job = make_completed_job(merchant)
    link = ShareLink.objects.create(job=job, token="live" * 8, expires_at=timezone.now() + timedelta(days=3))
    TryOnJob.objects.filter(pk=job.pk).update(result_expires_at=timezone.now() - timedelta(minutes=1))
    assert purge_expired_task.delay().get()["resultsDeleted"] == 0
    job.refresh_from_db()
    assert storage.tryon_storage().exists(job.result_image)
    assert job.result_expires_at == link.expires_at
    assert client.get(f"/api/share/{link.token}").status_code == 200


def test_a_job_recovered_too_often_is_failed_and_its_photo_deleted(merchant, settings):
    """Retention never fails unfinished jobs by age; recovery does, once a job kept killing its workers."""
    name = storage.save_file(f"jobs/{merchant.pk}/stale/person.jpg", person_jpeg())
    job = TryOnJob.objects.create(
        merchant=merchant,
        product_image_url="https://shop.example.com/a.png",
        person_image=name,
        status=TryOnJob.Status.PROCESSING,
        recovery_count=settings.JOB_MAX_RECOVERIES,
        lease_owner="dead-worker",
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )
    old = TryOnJob.objects.create(merchant=merchant, product_image_url="https://shop.example.com/a.png")
    TryOnJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=2))
    assert "staleFailed" not in purge_expired_task.delay().get()
    old.refresh_from_db()
    assert old.status == TryOnJob.Status.PENDING  # age alone fails nothing

    assert recover_stalled_jobs_task.delay().get()["failed"] == 1
    job.refresh_from_db()
    assert job.status == TryOnJob.Status.FAILED and "반복해서 중단" in job.error_message
    assert job.person_image == "" and stored_files() == []


def test_retention_cannot_be_shorter_than_a_share_link(merchant):
    with pytest.raises(IntegrityError):
        TryOnSettings.objects.create(merchant=merchant, result_retention_days=3)


def test_new_results_follow_the_merchants_retention(
    merchant, api_key_client, image_server, loopback_allowed, django_capture_on_commit_callbacks
):
    from tests.support.tryon import upload

    TryOnSettings.objects.create(merchant=merchant, result_retention_days=10)
    with django_capture_on_commit_callbacks(execute=True):
        job_id = upload(api_key_client, image_server).json()["data"]["jobId"]
    job = TryOnJob.objects.get(pk=job_id)
    assert job.result_expires_at is not None
    assert timedelta(days=9, hours=23) < job.result_expires_at - timezone.now() <= timedelta(days=10)
