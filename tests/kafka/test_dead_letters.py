"""Records that can never become jobs go to the dead-letter topic as they were, with where they came from and
why; the partition moves on past them, and a SIGTERM commits and leaves the group."""

from __future__ import annotations

import json
import signal

import pytest

from content.kafka.messages import header_value, record_headers
from content.models import ImageJob
from tests.support.kafka import Topics, committed_offsets, end_offsets, job_record, produce, read_topic
from tests.support.kafka_intake import kafka_process, metric_value, scrape, wait_for_jobs
from tests.support.merchants import make_merchant

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _with(merchant_id: int | None, job_id: str, **fields):
    return job_record(job_id, f"evt-{job_id}", merchant_id=merchant_id, **fields)


def _info(**fields) -> dict:
    return {"eventInfo": {"title": "봄맞이 커피 할인", "giftName": "아메리카노 1+1", **fields}}


def test_every_kind_of_bad_record_is_dead_lettered_and_the_partition_goes_on(tansu, settings, tmp_path):
    topics = Topics.fresh(tansu, job_partitions=1)  # one partition: the good record comes after every bad one
    for name, value in topics.settings().items():
        setattr(settings, name, value)
    settings.METRICS_TOKEN = "test-metrics-token"
    merchant, other = make_merchant(), make_merchant()
    ImageJob.objects.create(id="job-img-taken", merchant=other, event_draft_id="evt-other")
    m = merchant.pk
    bad = [
        ((b"k1", b'{"jobId": "job-img-1", ', [("merchant-id", str(m).encode())]), "DESERIALIZATION", "ParseError"),
        ((b"k2", None, [("merchant-id", str(m).encode())]), "DESERIALIZATION", "EmptyValue"),
        ((b"k3", b"[1, 2, 3]", [("merchant-id", str(m).encode())]), "DESERIALIZATION", "NotAnObject"),
        ((b"k4", b"\xff\xfe{}", [("merchant-id", str(m).encode())]), "DESERIALIZATION", "ParseError"),
        ((b"k5", b'{"pad": "' + b"x" * 5000 + b'"}', []), "DESERIALIZATION", "PayloadTooLarge"),
        (_with(m, "job-img-long-title", **_info(title="가" * 51)), "VALIDATION", "ValidationError"),
        (_with(m, "job-img-long-gift", **_info(giftName="나" * 31)), "VALIDATION", "ValidationError"),
        (_with(m, "job-img-colour", **_info(brandColor="red")), "VALIDATION", "ValidationError"),
        (_with(m, "job-img-style", styles=["BOLD"]), "VALIDATION", "ValidationError"),
        (_with(m, "job-img-platform", platforms=["TIKTOK"]), "VALIDATION", "ValidationError"),
        (_with(m, "job-img-priority", priority=11), "VALIDATION", "ValidationError"),
        (_with(m, "job/../img", priority=5), "VALIDATION", "ValidationError"),
        (_with(m, "job-img-" + "x" * 40), "VALIDATION", "ValidationError"),
        (_with(m, "job-regen-0123456789abcdef"), "VALIDATION", "ValidationError"),
        (
            (b"k-no-id", json.dumps({"eventDraftId": "e", **_info()}).encode(), [("merchant-id", str(m).encode())]),
            "VALIDATION",
            "ValidationError",
        ),
        (_with(None, "job-img-no-merchant"), "MERCHANT", "MissingMerchant"),
        (
            job_record("job-img-bad-merchant", "evt", merchant_id=None)[:2] + ([("merchant-id", b"shop-a")],),
            "MERCHANT",
            "InvalidMerchant",
        ),
        (_with(987654321, "job-img-unknown-merchant"), "MERCHANT", "UnknownMerchant"),
        (_with(m, "job-img-taken"), "ACCEPTANCE", "JOB_ID_CONFLICT"),
        (_with(m, "job-img-private-logo", **_info(logoUrl="http://127.0.0.1:9/logo.png")), "ACCEPTANCE", "UnsafeURL"),
    ]
    good = _with(m, "job-img-good")
    produce(topics.bootstrap, topics.jobs, [record for record, _, _ in bad] + [good])
    before = metric_value(scrape(), "content_kafka_intake_total", outcome="dead_lettered")

    with kafka_process(topics, tmp_path / "kafka.log", env={"API_MAX_BODY_BYTES": "4096"}) as running:
        wait_for_jobs(["job-img-good"])
        letters = read_topic(topics.bootstrap, topics.dead_letters, expect=len(bad))
        running.process.send_signal(signal.SIGTERM)
        assert running.process.wait(timeout=20) == 0

    assert len(letters) == len(bad)
    for offset, (letter, ((key, value, headers), stage, error)) in enumerate(zip(letters, bad, strict=True)):
        got = record_headers(letter)
        names = dict(got)
        assert letter.key() == key and letter.value() == value, offset
        assert got[: len(headers)] == headers, offset  # the record's own headers first, as they were
        assert names["dlt.original.topic"] == topics.jobs.encode()
        assert names["dlt.original.partition"] == b"0" and names["dlt.original.offset"] == str(offset).encode()
        assert (names["dlt.error.stage"], names["dlt.error.class"]) == (stage.encode(), error.encode()), offset
        assert names["dlt.error.message"] and names["dlt.consumer.group"] == topics.group.encode()
    messages = {letter.key(): header_value(letter, "dlt.error.message") for letter in letters}
    assert messages[b"job-img-long-title"] == "eventInfo.title은(는) 최대 50자입니다.".encode()
    assert b"987654321" in (messages[b"job-img-unknown-merchant"] or b"")

    assert list(ImageJob.objects.filter(merchant=merchant).values_list("id", flat=True)) == ["job-img-good"]
    assert ImageJob.objects.get(id="job-img-taken").merchant == other  # another merchant's job is left alone
    assert metric_value(scrape(), "content_kafka_intake_total", outcome="dead_lettered") - before == len(bad)
    # SIGTERM: the last offsets were committed on the way out of the group.
    assert committed_offsets(topics.bootstrap, topics.group, topics.jobs) == end_offsets(topics.bootstrap, topics.jobs)
    assert "committing and leaving the group" in (tmp_path / "kafka.log").read_text()


def test_a_single_merchant_deployment_names_its_merchant_once(topics, tmp_path):
    merchant, other = make_merchant(), make_merchant()
    produce(
        topics.bootstrap,
        topics.jobs,
        [_with(None, "job-img-default"), _with(other.pk, "job-img-named")],
    )
    with kafka_process(topics, tmp_path / "kafka.log", env={"KAFKA_DEFAULT_MERCHANT_ID": str(merchant.pk)}):
        wait_for_jobs(["job-img-default", "job-img-named"])
    assert ImageJob.objects.get(id="job-img-default").merchant == merchant
    assert ImageJob.objects.get(id="job-img-named").merchant == other  # the header still wins
