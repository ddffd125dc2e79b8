from celery import shared_task
from django.core.cache import cache


@shared_task(name="merchants.ping")
def ping(value: str) -> str:
    """Round-trip check used by operators and tests to prove a worker consumes the broker."""
    cache.set(f"merchants.ping:{value}", "pong", timeout=300)
    return "pong"
