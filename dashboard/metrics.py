"""The live gauges of ``/metrics`` that read the products' state when scraped (registered with common/metrics.py
from this app's ready(), so common imports no product): AI providers' breakers, try-on quota use, the webhook
backlog and the jobs in flight."""

from __future__ import annotations

from collections.abc import Iterator

from common.metrics import GaugeMetricFamily
from content.models import ImageJob
from content.providers.openai_images import OpenAIImagesProvider
from content.providers.stability import StabilityProvider
from content.resilience import breaker_status
from tryon.models import TryOnJob
from tryon.selectors import monthly_usage_by_merchant
from webhooks.selectors import pending_backlog


def breaker_states() -> Iterator[GaugeMetricFamily]:
    family = GaugeMetricFamily(
        "content_provider_breaker_state", "1 for each provider's current breaker state", labels=["provider", "state"]
    )
    for provider in (StabilityProvider.name, OpenAIImagesProvider.name):
        current = breaker_status(provider).state
        for state in ("CLOSED", "HALF_OPEN", "OPEN"):
            family.add_metric([provider, state], 1 if state == current else 0)
    yield family


def tryon_quota_use() -> Iterator[GaugeMetricFamily]:
    used = GaugeMetricFamily("tryon_quota_used", "Try-ons accepted this month", labels=["merchant_id", "merchant"])
    limit = GaugeMetricFamily("tryon_quota_limit", "Monthly try-on quota", labels=["merchant_id", "merchant"])
    for row in monthly_usage_by_merchant():
        labels = [str(row.merchant_id), row.merchant_name]
        used.add_metric(labels, row.used)
        limit.add_metric(labels, row.quota)
    yield used
    yield limit


def webhook_backlog() -> Iterator[GaugeMetricFamily]:
    backlog = pending_backlog()
    yield GaugeMetricFamily(
        "webhook_pending_deliveries", "Deliveries waiting for a (next) attempt", value=backlog.count
    )
    yield GaugeMetricFamily(
        "webhook_oldest_pending_seconds", "Age of the oldest delivery still pending", value=backlog.oldest_age_seconds
    )


def jobs_in_flight() -> Iterator[GaugeMetricFamily]:
    family = GaugeMetricFamily("jobs_in_flight", "Jobs PENDING or PROCESSING", labels=["kind", "status"])
    for kind, model in (("content", ImageJob), ("tryon", TryOnJob)):
        for status in ("PENDING", "PROCESSING"):
            family.add_metric([kind, status], model._default_manager.filter(status=status).count())
    yield family


LIVE_READS = (breaker_states, tryon_quota_use, webhook_backlog, jobs_in_flight)
