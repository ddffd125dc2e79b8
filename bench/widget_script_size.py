"""Bytes a shop page downloads for the widget: /widget/v1/toile.js as served (gzip) beside the raw file.

Measured through the project's own view (Django test client), so the figure is what browsers receive.
The fallback font (about 200 KB per weight) is not counted: it is fetched only on devices without a Korean
font, and only when the panel shows Korean text.
Run: .venv/bin/python bench/widget_script_size.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402

from widget.assets import SCRIPT_PATH  # noqa: E402


def main() -> None:
    raw = SCRIPT_PATH.stat().st_size
    response = Client().get("/widget/v1/toile.js", HTTP_ACCEPT_ENCODING="gzip", HTTP_HOST="localhost")
    assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
    served = len(response.content)
    print(f"toile.js raw (baseline): {raw:>7,} bytes")
    print(f"toile.js served gzip:    {served:>7,} bytes  ({served / raw:.2f} of raw, {served / 1024:.1f} KiB)")


if __name__ == "__main__":
    main()
