"""Following a try-on at a remote engine (FASHN) from the worker's remote loop: submit, poll, fetch the output.

None of it holds a worker slot. A prediction is submitted once its provider has a free slot (FASHN in flight,
REMOTE_PROVIDER_LIMITS), its id is stored at once, and any follower resumes it by that id after a crash: never
paid for twice. A 429 pauses the provider for its Retry-After and puts the call back in its place in the queue:
it never fails the job. When the prediction ends the output is fetched and the job woken; the job's worker
checks the image and finishes the job.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from common.remote import calls
from common.remote.handlers import ProviderCalls
from common.remote.limits import pause
from common.remote.wake import wake
from tryon import storage
from tryon.models import EngineCall, TryOnJob
from tryon.providers import messages
from tryon.providers.base import EngineError, PredictionGone, RemoteEngine
from tryon.providers.registry import configured_engine, is_remote

logger = logging.getLogger(__name__)

# 429s that pass by waiting (FASHN's OutOfCredits is a 429 too, but waiting does not bring credits back).
LIMIT_CODES = {"RateLimitExceeded", "ConcurrencyLimitExceeded"}
CALLBACK_SALT = "tryon.engine-callback"
PROVIDERS = ("fashn",)


def callback_url(call: EngineCall) -> str:
    """Where FASHN may tell us a prediction ended; only when this site is reachable from the internet."""
    base = settings.FASHN_WEBHOOK_BASE_URL
    if not base:
        return ""
    token = signing.dumps(call.pk, salt=CALLBACK_SALT)
    return base.rstrip("/") + reverse("tryon-engine-callback", args=[token])


def note_callback(token: str) -> bool:
    """FASHN said a prediction ended: its call is checked at once (the status is read from FASHN, not from the
    unsigned callback). False for a token that is not ours."""
    try:
        call_id = signing.loads(token, salt=CALLBACK_SALT, max_age=timedelta(days=1))
    except signing.BadSignature:
        return False
    EngineCall.objects.filter(pk=call_id, state=EngineCall.State.ACTIVE).update(next_check_at=timezone.now())
    return True


class EngineCallHandler(ProviderCalls):
    name = "tryon.engine"
    model = EngineCall
    queue = "tryon"
    providers = PROVIDERS

    def advance(self, call: EngineCall) -> None:
        engine = configured_engine()
        if not is_remote(engine):
            self.give_up(call, messages.UNKNOWN_ENGINE(engine=engine.name))
            return
        try:
            if not call.remote_id:
                self._submit(engine, call)
            else:
                self._check(engine, call)
        except EngineError as exc:
            logger.warning("try-on engine failed", extra={"job_id": str(call.job_id), "code": exc.code})
            self.give_up(call, exc.message, code=exc.code)

    def _submit(self, engine: RemoteEngine, call: EngineCall) -> None:
        job = TryOnJob.objects.select_related("garment").get(pk=call.job_id)
        if not job.person_image or job.garment is None or not job.garment.prepared_file:
            self.give_up(call, messages.INPUTS_GONE(), code="INPUTS_GONE")
            return
        person = storage.read_file(job.person_image)
        garment = storage.read_file(job.garment.prepared_file)
        try:
            prediction_id = engine.submit(
                person=person, garment=garment, category=job.category, webhook_url=callback_url(call)
            )
        except EngineError as exc:
            if exc.retry_after is None:
                raise
            if exc.code in LIMIT_CODES:
                # The account's limit: nothing of this provider starts before Retry-After; the call keeps its turn.
                logger.info("try-on engine limited, waiting", extra={"job_id": str(call.job_id), "code": exc.code})
                pause(call.provider, exc.retry_after)
                calls.requeue(call, after=0)
                return
            if call.attempts >= settings.TRYON_PROVIDER_LIMIT_RETRIES:
                raise
            # A server error on run issued no prediction id: running it again cannot bill twice.
            calls.requeue(call, after=exc.retry_after)
            return
        calls.save(call, remote_id=prediction_id, started_at=timezone.now(), progress=15)
        TryOnJob.objects.filter(pk=call.job_id).update(provider_job_id=prediction_id)
        self._report_progress(call, 15)
        calls.check_again(call, after=self._poll_interval(engine, call))

    def _check(self, engine: RemoteEngine, call: EngineCall) -> None:
        if call.started_at and timezone.now() > call.started_at + timedelta(seconds=engine.total_timeout):
            raise EngineError(messages.FASHN_PROCESSING_TIMED_OUT(seconds=f"{engine.total_timeout:g}"), code="Timeout")
        try:
            status = engine.check(call.remote_id)
        except PredictionGone:
            logger.info("prediction %s is gone; submitting the job again", call.remote_id)
            calls.check_again(call, after=0, remote_id="")
            return
        if status.state == "retry":
            calls.check_again(call, after=status.retry_after)
        elif status.state == "running":
            self._report_progress(call, status.progress)
            calls.check_again(
                call, after=self._poll_interval(engine, call), progress=max(call.progress, status.progress)
            )
        else:
            data = engine.fetch_output(status.output)
            name = storage.save_file(f"results/{call.merchant_id}/{call.job_id}-output-{secrets.token_hex(6)}", data)
            try:
                calls.finish(call, output_file=name, progress=90, then=lambda: self._wake(call))
            except BaseException:
                storage.delete_file(name)
                raise

    def _poll_interval(self, engine: RemoteEngine, call: EngineCall) -> float:
        in_flight = EngineCall.objects.filter(provider=call.provider, state=EngineCall.State.ACTIVE).count()
        return engine.poll_interval_for(in_flight)

    def _report_progress(self, call: EngineCall, percent: int) -> None:
        TryOnJob.objects.filter(pk=call.job_id, status=TryOnJob.Status.PROCESSING, progress__lt=percent).update(
            progress=percent
        )

    def max_wait_seconds(self) -> float | None:
        return float(settings.TRYON_QUEUE_MAX_WAIT_SECONDS)

    def waited_too_long(self, call: EngineCall) -> None:
        self.give_up(call, messages.ENGINE_QUEUE_TOO_LONG(), code="QueueTimeout")

    def give_up(self, call: EngineCall, message: str, code: str = "engine_error") -> None:
        calls.finish(
            call,
            error_code=code[:64],
            error_message=message[:500],
            then=lambda: self._wake(call),
        )

    def _wake(self, call: EngineCall) -> None:
        wake(TryOnJob, [call.job_id], task_name=TryOnJob.TASK)
