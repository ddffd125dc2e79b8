"""A job's AI artwork, one request per style, asked of the providers concurrently by the remote loop.

The job's worker writes one :class:`ArtworkRequest` per style and parks the job; the content workers' remote
loop admits each to its provider's slots (REMOTE_PROVIDER_LIMITS, fair between merchants, priority within
one), calls the provider through its circuit breaker on a thread of its own (no worker slot waits for the AI),
keeps the artwork and, once every style has an answer, wakes the job to composite. A provider that fails hands
the request down the chain (Stability → OpenAI); one that answers 429 is paused for its Retry-After for every
worker; when no provider delivers, the template draws alone (never a failed job).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

import pybreaker
from django.conf import settings
from django.db import transaction
from PIL import Image

from common.images import open_untrusted_image
from common.remote import calls
from common.remote.handlers import ProviderCalls
from common.remote.limits import pause
from common.remote.wake import park, wake
from content import storage
from content.constants import DEFAULT_PRIORITY, celery_priority
from content.models import ArtworkRequest, GeneratedImage, ImageJob
from content.providers.base import ImageProvider, ProviderError, ProviderRateLimited
from content.providers.registry import configured_ai_providers
from content.resilience import breaker_for

logger = logging.getLogger(__name__)

CHAIN = ("stability", "openai")


@dataclass(frozen=True)
class Artwork:
    image: Image.Image | None
    provider: str
    attempts: list[str]


def request_artwork(*, job: ImageJob, prompts: dict[str, str], priority: int) -> list[ArtworkRequest]:
    """The job's artwork requests for these styles, created (with the job parked on them) where missing."""
    providers = [provider.name for provider in configured_ai_providers()]
    existing = {request.style: request for request in ArtworkRequest.objects.filter(job=job, style__in=prompts)}
    missing = [style for style in prompts if style not in existing]
    if missing:
        with transaction.atomic():
            for style in missing:
                existing[style] = ArtworkRequest.objects.create(
                    job=job,
                    merchant_id=job.merchant_id,
                    style=style,
                    prompt=prompts[style],
                    provider=providers[0],
                    priority=priority,
                )
            park(ImageJob, job.pk, on="artwork")
    return [existing[style] for style in prompts]


def delivered(request: ArtworkRequest) -> Artwork:
    """What a finished request gives the compositor: the artwork, or None for the template to draw alone."""
    attempts = list(request.failures)
    if request.artwork_file:
        try:
            image = open_untrusted_image(storage.read_file(request.artwork_file)).image.convert("RGB")
            return Artwork(image, request.delivered_by, attempts)
        except Exception:  # a lost artwork file costs the style its artwork, not the job
            logger.exception("content job %s: stored artwork of %s unreadable", request.job_id, request.style)
    return Artwork(None, GeneratedImage.Provider.TEMPLATE, attempts)


def discard_artwork(requests: list[ArtworkRequest]) -> None:
    """The artwork files once composited (the images keep what the shoppers see)."""
    for request in requests:
        if request.artwork_file:
            storage.delete_file(request.artwork_file)
    ArtworkRequest.objects.filter(pk__in=[request.pk for request in requests]).update(artwork_file="")


class ArtworkHandler(ProviderCalls):
    name = "content.artwork"
    model = ArtworkRequest
    queue = "image-generation-job"
    providers = CHAIN

    def advance(self, call: ArtworkRequest) -> None:
        provider = next((p for p in configured_ai_providers() if p.name == call.provider), None)
        if provider is None:  # no longer configured
            self._next_provider(call, f"{call.provider}: not configured")
            return
        try:
            data = breaker_for(provider.name).call(provider.generate, call.prompt)
        except pybreaker.CircuitBreakerError:
            logger.info("content job %s: %s skipped, circuit open", call.job_id, provider.name)
            self._next_provider(call, f"{provider.name}: circuit open")
            return
        except ProviderError as exc:
            logger.warning("content job %s: %s failed: %s", call.job_id, provider.name, exc)
            if isinstance(exc, ProviderRateLimited):
                pause(provider.name, exc.retry_after)
            self._next_provider(call, f"{provider.name}: {exc.code}")
            return
        self._keep(call, provider, data)

    def _keep(self, call: ArtworkRequest, provider: ImageProvider, data: bytes) -> None:
        name = storage.save_artwork(f"{call.job_id}-{call.style}-{secrets.token_hex(6)}", data)
        try:
            calls.finish(call, artwork_file=name, delivered_by=provider.name, then=lambda: self._wake(call))
        except BaseException:
            storage.delete_file(name)
            raise

    def _next_provider(self, call: ArtworkRequest, failure: str) -> None:
        chain = [provider.name for provider in configured_ai_providers()]
        failures = [*call.failures, failure]
        following = chain[chain.index(call.provider) + 1 :] if call.provider in chain else []
        if following:
            calls.requeue(call, after=0, provider=following[0], failures=failures)
        else:
            calls.finish(call, failures=failures, then=lambda: self._wake(call))

    def max_wait_seconds(self) -> float | None:
        return float(settings.CONTENT_ARTWORK_MAX_WAIT_SECONDS)

    def waited_too_long(self, call: ArtworkRequest) -> None:
        # Its place in the queue is kept, so the next provider is past the limit too: the template draws alone.
        self._next_provider(call, f"{call.provider}: waited too long")

    def give_up(self, call: ArtworkRequest, message: str) -> None:
        calls.finish(call, failures=[*call.failures, message], then=lambda: self._wake(call))

    def _wake(self, call: ArtworkRequest) -> None:
        # The job row's lock orders the last requests' finishes: exactly one of them sees all done and wakes it.
        job = ImageJob.objects.select_for_update().filter(pk=call.job_id).first()
        if job is None or ArtworkRequest.objects.filter(job_id=call.job_id).exclude(state="DONE").exists():
            return
        priority = celery_priority(int(job.payload.get("priority") or DEFAULT_PRIORITY))
        wake(ImageJob, [job.pk], task_name=ImageJob.TASK, options={"priority": priority})
