"""A shop's crowd: FASHN's limits held while many try-ons wait, fair shares between shops, product images
fetched by the worker once for many shoppers, and FASHN's callback — all through a real worker process."""

from __future__ import annotations

import threading
import time

import pytest

from tests.support.merchants import api_key_client_for
from tests.support.processes import celery_worker, wait_until
from tests.support.tryon import upload
from tryon.models import EngineCall, GarmentImage, TryOnJob

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _accepted(client, image_server, count: int, **fields) -> list[str]:
    ids = []
    for _ in range(count):
        response = upload(client, image_server, **fields)
        assert response.status_code == 202, response.content
        ids.append(response.json()["data"]["jobId"])
    return ids


def _all_finished(job_ids: list[str]):
    def check() -> list[str] | None:
        statuses = list(TryOnJob.objects.filter(pk__in=job_ids).values_list("status", flat=True))
        return statuses if all(status in TryOnJob.FINISHED for status in statuses) else None

    return check


def test_a_burst_holds_fashn_to_its_limit_and_every_try_on_completes(
    api_key_client, image_server, loopback_allowed, fake_fashn, not_eager
):
    fake_fashn.seconds_to_complete = 1.0
    fake_fashn.max_in_flight = 3  # the account's limit: a fourth prediction would be refused with 429
    env = {**fake_fashn.worker_env(), "FASHN_MAX_IN_FLIGHT": "3"}
    with celery_worker(queues="tryon", extra_env=env) as log:
        job_ids = _accepted(api_key_client, image_server, 8)
        statuses = wait_until(_all_finished(job_ids), timeout=120)
    assert statuses == ["COMPLETED"] * 8, log.read_text()[-3000:]
    # All three slots were used at once (one worker slot never waited on FASHN), never a fourth.
    assert fake_fashn.peak_in_flight == 3 and fake_fashn.concurrency_refusals == 0
    assert len(fake_fashn.runs) == 8  # one paid prediction per try-on


def test_fashn_refusing_a_prediction_with_429_pauses_it_and_fails_no_try_on(
    api_key_client, image_server, loopback_allowed, fake_fashn, not_eager
):
    fake_fashn.seconds_to_complete = 1.0
    fake_fashn.max_in_flight = 2  # stricter than our setting: FASHN answers 429 ConcurrencyLimitExceeded
    env = {**fake_fashn.worker_env(), "FASHN_MAX_IN_FLIGHT": "4"}
    with celery_worker(queues="tryon", extra_env=env) as log:
        job_ids = _accepted(api_key_client, image_server, 6)
        statuses = wait_until(_all_finished(job_ids), timeout=120)
    assert statuses == ["COMPLETED"] * 6, log.read_text()[-3000:]
    assert fake_fashn.concurrency_refusals >= 1 and fake_fashn.peak_in_flight == 2
    assert len(fake_fashn.runs) == 6
    # After a refusal no prediction was asked for before FASHN's Retry-After (1 s) had passed.
    assert "try-on engine limited, waiting" in log.read_text()


def test_one_shops_burst_delays_another_shops_try_on_by_one_slot_at_most(
    merchant, other_merchant, image_server, loopback_allowed, fake_fashn, not_eager
):
    busy_shop, small_shop = api_key_client_for(merchant), api_key_client_for(other_merchant)
    fake_fashn.seconds_to_complete = 0.5
    fake_fashn.hold = threading.Event()  # the first predictions run until the small shop's try-on waits too
    env = {**fake_fashn.worker_env(), "FASHN_MAX_IN_FLIGHT": "2"}
    with celery_worker(queues="tryon", extra_env=env) as log:
        burst = _accepted(busy_shop, image_server, 6)
        wait_until(lambda: EngineCall.objects.filter(state="ACTIVE").count() == 2, timeout=60)
        wait_until(lambda: EngineCall.objects.filter(state="WAITING").count() == 4, timeout=60)
        (single,) = _accepted(small_shop, image_server, 1)
        wait_until(lambda: EngineCall.objects.filter(job__pk=single, state="WAITING").exists(), timeout=60)
        fake_fashn.hold.set()
        statuses = wait_until(_all_finished([*burst, single]), timeout=120)
    assert statuses == ["COMPLETED"] * 7, log.read_text()[-3000:]
    order = [str(job_id) for job_id in EngineCall.objects.order_by("started_at").values_list("job_id", flat=True)]
    # The first slot that freed up went to the other shop, ahead of the four try-ons queued before it.
    assert order.index(single) == 2, order


def test_a_product_image_is_fetched_once_for_many_shoppers_then_revalidated(
    api_key_client, image_server, loopback_allowed, fake_fashn, not_eager
):
    # The image server sends an ETag and no Cache-Control: kept TRYON_GARMENT_CACHE_SECONDS, then asked again.
    env = {**fake_fashn.worker_env(), "TRYON_GARMENT_CACHE_SECONDS": "2"}
    first = _accepted(api_key_client, image_server, 5)
    assert image_server.requests == []  # the requests fetched nothing: the worker, started now, does
    with celery_worker(queues="tryon", extra_env=env) as log:
        assert wait_until(_all_finished(first), timeout=120) == ["COMPLETED"] * 5, log.read_text()[-3000:]
        assert image_server.requests == [("/shirt.png", "")]  # once for the five shoppers
        time.sleep(2.5)  # the cached copy is now stale
        later = _accepted(api_key_client, image_server, 1)
        assert wait_until(_all_finished(later), timeout=60) == ["COMPLETED"]
    entry = GarmentImage.objects.get()
    assert image_server.requests == [("/shirt.png", ""), ("/shirt.png", entry.etag)]  # revalidated: 304
    assert entry.etag and entry.prepared_file
    assert len(fake_fashn.runs) == 6


def test_fashn_s_callback_has_the_worker_read_the_status_at_once(
    live_server, api_key_client, image_server, loopback_allowed, fake_fashn, not_eager
):
    fake_fashn.seconds_to_complete = 0.5
    # Polls a minute apart: the try-on can only finish sooner through FASHN's callback to this site.
    env = {**fake_fashn.worker_env(), "FASHN_POLL_INTERVAL": "60", "FASHN_WEBHOOK_BASE_URL": live_server.url}
    with celery_worker(queues="tryon", extra_env=env) as log:
        job_ids = _accepted(api_key_client, image_server, 1)
        assert wait_until(_all_finished(job_ids), timeout=50) == ["COMPLETED"], log.read_text()[-3000:]
    (run,) = fake_fashn.runs
    assert run["webhook_url"].startswith(f"{live_server.url}/hooks/tryon-engine/")
    assert fake_fashn.webhooks_sent == [run["id"]]
    assert fake_fashn.status_calls[run["id"]] == 1  # the one status read the callback asked for


def test_a_try_on_that_waits_too_long_for_fashn_fails_with_a_message(
    api_key_client, image_server, loopback_allowed, fake_fashn, not_eager
):
    fake_fashn.hold = threading.Event()  # the first prediction keeps FASHN's only slot
    env = {**fake_fashn.worker_env(), "FASHN_MAX_IN_FLIGHT": "1", "TRYON_QUEUE_MAX_WAIT_SECONDS": "2"}
    with celery_worker(queues="tryon", extra_env=env) as log:
        job_ids = _accepted(api_key_client, image_server, 2)
        waited = wait_until(lambda: TryOnJob.objects.filter(pk__in=job_ids, status="FAILED").first(), timeout=60)
        fake_fashn.hold.set()
        (served,) = set(job_ids) - {str(waited.pk)}
        assert wait_until(_all_finished([served]), timeout=60) == ["COMPLETED"], log.read_text()[-3000:]
    failed = api_key_client.get(f"/api/tryon/{waited.pk}").json()["data"]
    assert failed["status"] == "FAILED" and "대기 시간이 너무 길어졌습니다" in failed["errorMessage"]
    assert len(fake_fashn.runs) == 1  # the one that waited too long was never submitted
