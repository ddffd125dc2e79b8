"""/widget/v1/toile.js and its font as the project serves them, and the demo shop page /demo/store/."""

from __future__ import annotations

import gzip
import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from PIL import Image

from merchants.models import ApiKey
from tests.support.text import must_search
from widget.assets import SCRIPT_PATH

pytestmark = pytest.mark.django_db


def test_script_is_served_with_caching_headers_and_revalidates():
    response = Client().get("/widget/v1/toile.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert "max-age=3600" in response["Cache-Control"] and "public" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert response.content == SCRIPT_PATH.read_bytes()
    etag = response["ETag"]
    again = Client().get("/widget/v1/toile.js", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag


def test_script_is_gzipped_for_clients_that_take_it():
    response = Client().get("/widget/v1/toile.js", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert gzip.decompress(response.content) == SCRIPT_PATH.read_bytes()
    assert int(response["Content-Length"]) == len(response.content) < 16 * 1024  # bench/widget_script_size.py


def test_script_names_no_other_host():
    """Everything the widget loads comes from the host it was loaded from (the API base is the script's origin)."""
    source = SCRIPT_PATH.read_text()
    code = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    assert re.findall(r"https?://", code) == []
    assert "//" not in re.sub(r"(^|\s)//.*", "", code).replace("://", "")  # no protocol-relative URLs either
    assert "tk_" not in source  # never a secret key


def test_fallback_font_is_served_cross_origin():
    response = Client().get("/widget/v1/fonts/noto-sans-kr-400.woff")
    assert response.status_code == 200 and response["Content-Type"] == "font/woff"
    assert response.content[:4] == b"wOFF"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "immutable" in response["Cache-Control"]
    assert Client().get("/widget/v1/fonts/noto-sans-kr-900.woff").status_code == 404


def test_bootstrap_demo_prints_the_demo_shop_and_issues_its_publishable_key(db, capsys):
    call_command("bootstrap_demo", "--base-url", "http://localhost:8123")
    out = capsys.readouterr().out
    assert "http://localhost:8123/demo/store/" in out
    widget_key = must_search(r"Demo widget key .*: (pk_\S+)", out).group(1)
    key = ApiKey.objects.get(publishable_key=widget_key)
    assert key.allowed_origins == ["http://localhost:8123", "http://127.0.0.1:8123"]
    # Running it again replaces the key (as it does the secret demo key).
    call_command("bootstrap_demo", "--base-url", "http://localhost:8123")
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert ApiKey.objects.filter(kind="publishable", revoked_at__isnull=True).count() == 1


def test_demo_store_embeds_the_widget_with_the_demo_publishable_key(db, capsys):
    call_command("bootstrap_demo", "--base-url", "http://testserver")
    out = capsys.readouterr().out
    secret = must_search(r"Demo API key \(x-api-key, shown once\): (tk_\S+)", out).group(1)
    response = Client().get("/demo/store/")
    assert response.status_code == 200
    html = response.content.decode()
    key = ApiKey.objects.get(kind="publishable", revoked_at__isnull=True)
    assert f'<script src="http://testserver/widget/v1/toile.js" data-toile-key="{key.publishable_key}" defer>' in html
    assert secret not in html and "tk_" not in html
    for product in ("BLUE-SHIRT-001", "KNIT-55", "MEN-TEE-95", "SLACKS-28", "DRESS-KS"):
        assert f'data-toile-product="{product}"' in html
    assert 'data-toile-category="lower_body"' in html and 'data-toile-category="dresses"' in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    image = Client().get("/demo/store/images/BLUE-SHIRT-001.png")
    assert image.status_code == 200 and Image.open(io.BytesIO(image.content)).size == (600, 750)
    assert Client().get("/demo/store/images/NOPE.png").status_code == 404


def test_demo_store_is_absent_without_the_demo_merchant(db):
    assert Client().get("/demo/store/").status_code == 404
