"""The embedded default with Kafka: SQLite, the filesystem broker and the file cache under the Procfile's
kafka and worker processes. Records become COMPLETED jobs, bad ones dead letters, and the status relay (a
file lock instead of PostgreSQL's advisory lock) announces every status."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.kafka import Topics, job_record, produce, read_topic
from tests.support.processes import ROOT, procfile_process, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.long]

NOT_EMBEDDED = ("DATABASE_URL", "REDIS_URL", "VAR_DIR", "MEDIA_ROOT", "SECRET_KEY", "TEST_DATABASE_NAME")


def test_records_become_jobs_and_status_events_on_the_embedded_default(tansu, tmp_path):
    topics = Topics.fresh(tansu)
    database = tmp_path / "db.sqlite3"
    env = {key: value for key, value in os.environ.items() if key not in NOT_EMBEDDED}
    env.update(
        {
            "VAR_DIR": str(tmp_path / "var"),
            "DATABASE_URL": f"sqlite:///{database}",
            "PYTHONUNBUFFERED": "1",
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            **topics.env(),
        }
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=180
    )
    merchant = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "create_merchant",
            "Embedded Kafka",
            "--username",
            "ek",
            "--password",
            "ek-pw-12345",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    merchant_id = int(merchant.split("(id ", 1)[1].split(")", 1)[0])
    job_ids = [f"job-img-embedded-{number}" for number in range(4)]
    records = [job_record(job_id, f"evt-{job_id}", merchant_id=merchant_id) for job_id in job_ids]
    produce(topics.bootstrap, topics.jobs, [*records, (b"bad", b"{", [("merchant-id", str(merchant_id).encode())])])

    def completed() -> dict[str, str] | None:
        with contextlib.closing(sqlite3.connect(database, timeout=20)) as connection:
            statuses = dict(connection.execute("SELECT id, status FROM content_imagejob").fetchall())
        return statuses if len(statuses) == 4 and set(statuses.values()) == {"COMPLETED"} else None

    with (
        procfile_process("kafka", env, tmp_path / "kafka.log"),
        procfile_process("content-worker", env, tmp_path / "worker.log"),
    ):
        done = wait_until(completed, 120)
        events = read_topic(topics.bootstrap, topics.status, expect=8)
        letters = read_topic(topics.bootstrap, topics.dead_letters, expect=1)

    assert sorted(done) == job_ids
    by_job: dict[str, list[str]] = {}
    for record in sorted(events, key=lambda r: r.offset() or 0):
        body = json.loads(record.value() or b"")
        by_job.setdefault(body["jobId"], []).append(body["status"])
    assert by_job == dict.fromkeys(job_ids, ["PROCESSING", "COMPLETED"])
    assert [letter.key() for letter in letters] == [b"bad"]
    assert "Traceback" not in (tmp_path / "kafka.log").read_text()
