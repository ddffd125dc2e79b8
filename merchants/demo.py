"""The demo merchant that `make run` creates (manage.py bootstrap_demo): its names, and where its shop opens."""

from __future__ import annotations

from urllib.parse import urlsplit

DEMO_MERCHANT = "Demo Shop"
DEMO_USERNAME = "demo"
DEMO_KEY_NAME = "make run demo key"
# The publishable key the demo shop page (/demo/store/) embeds.
DEMO_WIDGET_KEY_NAME = "make run demo widget key"


def demo_origins(base_url: str) -> list[str]:
    """The origin of ``base_url``, and its localhost/127.0.0.1 twin, where the demo page is opened."""
    parts = urlsplit(base_url)
    origins = [f"{parts.scheme}://{parts.netloc}"]
    twins = {"localhost": "127.0.0.1", "127.0.0.1": "localhost"}
    if parts.hostname in twins:
        port = f":{parts.port}" if parts.port else ""
        origins.append(f"{parts.scheme}://{twins[parts.hostname]}{port}")
    return origins
