from celery import shared_task


@shared_task(name="merchants.ping")
def ping(value: str) -> str:
    """Round-trip check used by operators and tests to prove a worker consumes the broker."""
    from django.core.cache import cache

    cache.set(f"merchants.ping:{value}", "pong", timeout=300)
    return "pong"
