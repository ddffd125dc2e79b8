"""Retention of personal data and leftovers: measurements, feedback text and orphaned files, by beat tasks."""

from __future__ import annotations

import os
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from content import storage as content_storage
from content.models import GeneratedImage, ImageJob
from content.tasks import purge_orphaned_files_task as purge_content_files
from sizing.models import BodyMeasurement, SizeFeedback
from sizing.tasks import purge_personal_data_task
from tests.support.sizing import make_try_on_job
from tryon import storage as tryon_storage
from tryon.models import GarmentImage, TryOnFeedback, TryOnJob
from tryon.tasks import purge_expired_task
from tryon.tasks import purge_orphaned_files_task as purge_tryon_files

pytestmark = pytest.mark.django_db


def _age(model, pk, days: int) -> None:
    model.objects.filter(pk=pk).update(created_at=timezone.now() - timedelta(days=days))


def _measurement(merchant, days_old: int) -> BodyMeasurement:
    row = BodyMeasurement.objects.create(
        merchant=merchant,
        visitor_id=uuid.uuid4(),
        source=BodyMeasurement.Source.WIDGET,
        gender="F",
        height=160,
        weight=52,
    )
    _age(BodyMeasurement, row.pk, days_old)
    return row


def test_old_body_measurements_are_deleted_and_old_comments_cleared(merchant, settings):
    settings.SIZING_MEASUREMENT_RETENTION_DAYS = 30
    settings.FEEDBACK_TEXT_RETENTION_DAYS = 10
    old, recent = _measurement(merchant, 31), _measurement(merchant, 29)
    feedback = [
        SizeFeedback.objects.create(
            merchant=merchant,
            try_on_request_id=make_try_on_job(merchant).pk,
            recommended_size="M",
            confidence=70,
            helpful=False,
            comment="어깨가 조금 작아요",
            fit=SizeFeedback.Fit.TOO_SMALL,
        )  # fmt: skip
        for _ in range(2)
    ]
    _age(SizeFeedback, feedback[0].pk, 11)

    assert purge_personal_data_task.delay().get() == {"measurementsDeleted": 1, "commentsCleared": 1}
    assert list(BodyMeasurement.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not BodyMeasurement.objects.filter(pk=old.pk).exists()
    cleared, kept = (SizeFeedback.objects.get(pk=row.pk) for row in feedback)
    assert cleared.comment == "" and cleared.fit == SizeFeedback.Fit.TOO_SMALL and cleared.helpful is False
    assert kept.comment == "어깨가 조금 작아요"


def test_old_try_on_feedback_reasons_are_cleared(merchant, settings):
    from tests.support.tryon import make_completed_job

    settings.FEEDBACK_TEXT_RETENTION_DAYS = 10
    job = make_completed_job(merchant)
    old = TryOnFeedback.objects.create(job=job, visitor_id=uuid.uuid4(), vote="BAD", reason="소매가 이상해요")
    recent = TryOnFeedback.objects.create(job=job, visitor_id=uuid.uuid4(), vote="GOOD", reason="예뻐요")
    _age(TryOnFeedback, old.pk, 11)
    assert purge_expired_task.delay().get()["feedbackTextsCleared"] == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.reason == "" and old.vote == "BAD" and recent.reason == "예뻐요"


def _backdate(backend, name: str, hours: float) -> None:
    moment = time.time() - hours * 3600
    os.utime(backend.path(name), (moment, moment))


def test_files_no_row_refers_to_are_deleted_after_the_grace_period(merchant, settings):
    settings.ORPHAN_FILE_GRACE_HOURS = 24
    tryon_files = tryon_storage.tryon_storage()
    orphan_photo = tryon_storage.save_file(f"jobs/{merchant.pk}/{uuid.uuid4()}/person.jpg", b"photo")
    orphan_result = tryon_storage.save_file(f"results/{merchant.pk}/{uuid.uuid4()}.jpg", b"result")
    fresh_orphan = tryon_storage.save_file(f"jobs/{merchant.pk}/{uuid.uuid4()}/person.jpg", b"uploading")
    kept_photo = tryon_storage.save_file(f"jobs/{merchant.pk}/{uuid.uuid4()}/person.jpg", b"in use")
    TryOnJob.objects.create(merchant=merchant, product_image_url="https://shop.example/a.png", person_image=kept_photo)
    orphan_garment = tryon_storage.save_file(f"garments/{merchant.pk}/orphan.png", b"product")
    cached_garment = tryon_storage.save_file(f"garments/{merchant.pk}/cached.png", b"product")
    GarmentImage.objects.create(
        merchant=merchant, url="https://shop.example/a.png", url_digest="a", provider="product-image",
        state="DONE", prepared_file=cached_garment,
    )  # fmt: skip
    for name in (orphan_photo, orphan_result, kept_photo, orphan_garment, cached_garment):
        _backdate(tryon_files, name, 25)

    content_files = content_storage.content_storage()
    orphan_image = content_storage.save_image("img-orphan", b"png")
    orphan_logo = content_storage.save_logo("orphan", b"png")
    orphan_artwork = content_storage.save_artwork("job-img-gone-SIMPLE-1a2b", b"png")
    used_logo = content_storage.save_logo("used", b"png")
    job = ImageJob.objects.create(
        merchant=merchant, event_draft_id="e", payload={"eventInfo": {"logoImage": used_logo}}
    )
    used_image = content_storage.save_image("img-used", b"png")
    GeneratedImage.objects.create(
        merchant=merchant, job=job, event_draft_id="e", style="SIMPLE", platform="INSTAGRAM", width=1, height=1,
        file_name=used_image, provider="template",
    )  # fmt: skip
    for name in (orphan_image, orphan_logo, used_logo, used_image, orphan_artwork):
        _backdate(content_files, name, 25)

    assert purge_tryon_files.delay().get() == {"jobs": 1, "results": 1, "garments": 1}
    assert purge_content_files.delay().get() == {"images": 1, "logos": 1, "artwork": 1}
    assert not tryon_files.exists(orphan_garment) and tryon_files.exists(cached_garment)
    assert not content_files.exists(orphan_artwork)
    assert not tryon_files.exists(orphan_photo) and not tryon_files.exists(orphan_result)
    assert tryon_files.exists(fresh_orphan) and tryon_files.exists(kept_photo)
    assert not content_files.exists(orphan_image) and not content_files.exists(orphan_logo)
    assert content_files.exists(used_logo) and content_files.exists(used_image)


def test_the_retention_tasks_are_scheduled_by_beat(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "sizing.purge_personal_data",
        "tryon.purge_expired",
        "tryon.purge_orphaned_files",
        "content.purge_orphaned_files",
    } <= tasks


def test_a_merchants_default_logo_is_never_swept(merchant, settings):
    from content.models import ContentSettings

    settings.ORPHAN_FILE_GRACE_HOURS = 24
    default_logo = content_storage.save_logo("merchant-default", b"png")
    ContentSettings.objects.create(merchant=merchant, logo_image=default_logo)
    _backdate(content_storage.content_storage(), default_logo, 24 * 30)
    purge_content_files.delay().get()
    assert content_storage.content_storage().exists(default_logo)


def test_the_orphan_sweep_keeps_the_brand_kit_logo_and_drops_the_one_it_replaced(merchant, settings):
    """The brand kit's logo is stored once and reused by every request without a logoUrl: no image or job may
    refer to it yet, and it must stay. The logo it replaced, referred to by nothing, goes after the grace."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from content.models import ContentSettings
    from tests.support.merchants import admin_client_for

    def logo(colour: tuple[int, int, int]) -> SimpleUploadedFile:
        buffer = io.BytesIO()
        Image.new("RGB", (200, 80), colour).save(buffer, "PNG")
        return SimpleUploadedFile("logo.png", buffer.getvalue())

    settings.ORPHAN_FILE_GRACE_HOURS = 24
    client = admin_client_for(merchant)
    settings_url = client.get("/admin/content/contentsettings/")["Location"]
    assert client.post(settings_url, {"brand_color": "#00704A", "logo": logo((0, 112, 74))}).status_code == 302
    replaced = ContentSettings.objects.get(merchant=merchant).logo_image
    assert client.post(settings_url, {"brand_color": "#00704A", "logo": logo((200, 30, 30))}).status_code == 302
    current = ContentSettings.objects.get(merchant=merchant).logo_image
    assert current != replaced
    files = content_storage.content_storage()
    for name in (replaced, current):
        _backdate(files, name, 25)

    # (Counts are not compared: files earlier tests left in the shared storage are orphans too.)
    assert purge_content_files.delay().get()["logos"] >= 1
    assert files.exists(current) and not files.exists(replaced)


def test_product_images_no_try_on_used_for_a_week_are_deleted(merchant, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.TRYON_GARMENT_KEEP_DAYS = 7
    kept, stale = (tryon_storage.save_file(f"garments/{merchant.pk}/{name}.png", b"product") for name in "ks")
    for name, used_days_ago in ((kept, 2), (stale, 8)):
        GarmentImage.objects.create(
            merchant=merchant, url=f"https://shop.example/{name}", url_digest=name, provider="product-image",
            state="DONE", prepared_file=name, last_used_at=timezone.now() - timedelta(days=used_days_ago),
        )  # fmt: skip
    assert purge_expired_task.delay().get()["productImagesDeleted"] == 1
    assert list(GarmentImage.objects.values_list("prepared_file", flat=True)) == [kept]
    files = tryon_storage.tryon_storage()
    assert files.exists(kept) and not files.exists(stale)
