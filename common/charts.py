"""The dashboard's one chart helper: bar and line charts drawn by django-unfold's chart component.

Every chart of the dashboard (home cards, try-on usage, webhook success rate, content job durations, body
measurement distributions) is a :class:`Chart`: labels, one or more series, and how to stack them. Render it
with ``{% include "dashboard/chart.html" with chart=... %}``: unfold's ``<canvas class="chart">`` (Chart.js,
served from unfold's static files) plus a visually hidden table with the same numbers for screen readers and
for pages read without JavaScript.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

# Colours read from unfold's theme variables where a chart shows "the" value; fixed ones where the colour
# carries meaning (success, failure, waiting).
PRIMARY = "var(--color-primary-600)"
SUCCESS = "#16a34a"
DANGER = "#dc2626"
WARNING = "#f59e0b"
MUTED = "#9ca3af"
MALE = "#4a7bd0"
FEMALE = "#d0647a"
TICK_COLOUR = "#9ca3af"
# unfold draws with Inter, which has no Hangul: the canvas falls back to the dashboard's Korean web font.
FONT = {"family": "Inter, 'Toile Noto Sans KR', 'Apple SD Gothic Neo', 'Malgun Gothic', sans-serif", "size": 12}


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | int | None]
    colour: str = PRIMARY


@dataclass(frozen=True)
class Chart:
    """``key`` names the chart in the page (``data-chart``); ``title`` is its accessible name."""

    key: str
    title: str
    labels: Sequence[str]
    series: Sequence[Series]
    kind: Literal["bar", "line"] = "bar"
    stacked: bool = False
    horizontal: bool = False
    y_max: float | None = None
    y_title: str = ""
    # "sm", "md" or "lg": the height of the drawing (classes in static/dashboard/dashboard.css).
    size: str = "md"
    extra_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for series in self.series:
            if len(series.values) != len(self.labels):
                raise ValueError(f"series {series.label!r} has {len(series.values)} values for {len(self.labels)}")

    @property
    def data_json(self) -> str:
        datasets = []
        for series in self.series:
            dataset: dict[str, Any] = {
                "label": str(series.label),
                "data": list(series.values),
                "backgroundColor": series.colour,
                "borderColor": series.colour,
            }
            if self.kind == "line":
                dataset["fill"] = False
            datasets.append(dataset)
        return json.dumps({"labels": [str(label) for label in self.labels], "datasets": datasets}, ensure_ascii=False)

    @property
    def options_json(self) -> str:
        value_axis: dict[str, Any] = {
            "stacked": self.stacked,
            "beginAtZero": True,
            "ticks": {"color": TICK_COLOUR, "precision": 0, "font": FONT},
            "grid": {"color": "rgba(156, 163, 175, 0.2)"},
            "border": {"display": False},
        }
        if self.y_max is not None:
            value_axis["max"] = self.y_max
        if self.y_title:
            value_axis["title"] = {"display": True, "text": str(self.y_title), "color": TICK_COLOUR, "font": FONT}
        label_axis: dict[str, Any] = {
            "stacked": self.stacked,
            "grid": {"display": False},
            "border": {"display": False},
            "ticks": {"color": TICK_COLOUR, "autoSkip": True, "maxTicksLimit": 10, "maxRotation": 0, "font": FONT},
        }
        options: dict[str, Any] = {
            "animation": False,
            "responsive": True,
            "maintainAspectRatio": False,
            "indexAxis": "y" if self.horizontal else "x",
            "plugins": {
                "legend": {
                    "display": len(self.series) > 1,
                    "position": "top",
                    "align": "end",
                    "labels": {
                        "boxWidth": 8,
                        "boxHeight": 8,
                        "usePointStyle": True,
                        "color": TICK_COLOUR,
                        "font": FONT,
                    },
                },
                "tooltip": {"enabled": True, "titleFont": FONT, "bodyFont": FONT},
            },
            "scales": {"x": value_axis, "y": label_axis} if self.horizontal else {"x": label_axis, "y": value_axis},
            "datasets": {
                "bar": {"borderRadius": 3, "maxBarThickness": 22, "categoryPercentage": 0.8},
                "line": {"borderWidth": 2, "pointRadius": 0, "pointHitRadius": 8, "tension": 0.3, "spanGaps": True},
            },
            **self.extra_options,
        }
        return json.dumps(options, ensure_ascii=False)

    @property
    def rows(self) -> list[tuple[str, list[float | int | None]]]:
        """Label and each series' value, for the accessible table."""
        return [(str(label), [series.values[i] for series in self.series]) for i, label in enumerate(self.labels)]

    def total(self, series_index: int = 0) -> float:
        return sum(value or 0 for value in self.series[series_index].values)


def day_label(day: date) -> str:
    return f"{day:%m/%d}"


def daily_chart(
    key: str,
    title: str,
    days: Sequence[date],
    series: Iterable[Series],
    **options: Any,
) -> Chart:
    """One bar (or point) per day, oldest first, labelled MM/DD."""
    return Chart(key=key, title=title, labels=[day_label(day) for day in days], series=list(series), **options)


def histogram(values: Iterable[float | None], *, start: float, step: float, count: int) -> list[int]:
    """Counts per bin ``[start + i·step, start + (i+1)·step)``; the first and last bins collect the tails."""
    bins = [0] * count
    for value in values:
        if value is None:
            continue
        bins[min(max(int((value - start) // step), 0), count - 1)] += 1
    return bins


def bin_labels(
    *, start: float, step: float, count: int, format_label: Callable[[float], str] = "{:g}".format
) -> list[str]:
    return [format_label(start + index * step) for index in range(count)]
