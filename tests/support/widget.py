"""The storefront widget's side of a test: a publishable key, an API client calling as the widget does from a
shop page, and the demo catalogue to size against."""

from __future__ import annotations

import io
from typing import Any

from django.core.management import call_command
from rest_framework.test import APIClient

from merchants.models import Merchant
from merchants.services import IssuedApiKey, issue_publishable_key
from tests.support.shop import PERSON_PHOTO

SHOP = "https://shop.example.com"


def publishable_key_for(merchant: Merchant, *origins: str) -> IssuedApiKey:
    return issue_publishable_key(merchant=merchant, allowed_origins=list(origins or [SHOP]))


def widget_client(raw_key: str, origin: str | None = SHOP) -> APIClient:
    """An API client that calls as the widget does from a page on ``origin`` (None: no Origin header)."""
    client = APIClient()
    headers = {"HTTP_X_API_KEY": raw_key}
    if origin is not None:
        headers["HTTP_ORIGIN"] = origin
    client.credentials(**headers)
    return client


def seed_catalogue(merchant: Merchant) -> None:
    """The demo size charts and products (BLUE-SHIRT-001 …) for ``merchant``."""
    call_command("seed_size_demo", merchant.name, stdout=io.StringIO())


def try_on_in_panel(page: Any) -> None:
    """A shopper's steps in the open widget panel (Playwright ``page``): consent, a photo, start, until the
    result image has loaded."""
    page.check("#consent")
    page.set_input_files("#photo-file", str(PERSON_PHOTO))
    page.wait_for_function(
        "() => !document.querySelector('#toile-panel').shadowRoot.querySelector('#start-tryon').disabled"
    )
    page.click("#start-tryon")
    page.wait_for_selector("#tryon-image", timeout=120_000)
    page.wait_for_function(
        "() => { const i = document.querySelector('#toile-panel').shadowRoot.querySelector('#tryon-image');"
        " return i.complete && i.naturalWidth > 0 }"
    )
