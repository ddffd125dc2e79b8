"""Reading the dashboard's charts (common/charts.py, templates/dashboard/chart.html) back out of a page."""

from __future__ import annotations

import html
import json
import re
from typing import Any

_FIGURE = re.compile(r'<figure class="tl-chart" data-chart="([^"]+)">(.*?)</figure>', re.S)


def charts_in(page: str) -> dict[str, dict[str, Any]]:
    """``{key: {"labels": [...], "series": {series label: values}, "type": "bar"|"line"}}`` for every chart."""
    found = {}
    for key, body in _FIGURE.findall(page):
        canvas = re.search(r'data-type="(\w+)" data-value="([^"]*)"', body)
        assert canvas is not None, f"chart {key} has no canvas"
        data = json.loads(html.unescape(canvas.group(2)))
        found[key] = {
            "type": canvas.group(1),
            "labels": data["labels"],
            "series": {dataset["label"]: dataset["data"] for dataset in data["datasets"]},
        }
    return found
