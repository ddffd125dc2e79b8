"""Confidence means what it says: among recommendations given with ~X % confidence, ~X % are the right size.

Simulated shoppers (numpy, fixed seed): a true chest girth, and what the shopper enters — the girth with
tape-measure error, or nothing (the girth is then estimated from height and weight). The right size is the
one whose chart range holds the true girth.
"""

from __future__ import annotations

import numpy as np
import pytest

from sizing.anthropometry import REGRESSIONS, SUMMARY_STATISTICS
from sizing.recommendation import MEASURED_SD, Body, ChartRowSpec, ChartSpec, recommend

CHART = ChartSpec(
    category="TOP",
    kind="BODY",
    rows=[
        ChartRowSpec(label=label, ranges={"chest": (low, low + 6)})
        for label, low in [("XS", 76), ("S", 82), ("M", 88), ("L", 94), ("XL", 100), ("2XL", 106)]
    ],
)


def right_size(chest: float) -> str:
    index = int(np.clip((chest - 76) // 6, 0, len(CHART.rows) - 1))
    return CHART.rows[index].label


def calibration(measured: bool, samples: int = 3000) -> list[tuple[float, float, int]]:
    rng = np.random.default_rng(20261123)
    population = SUMMARY_STATISTICS["M"]
    regression = REGRESSIONS["M"]["chest"]
    results = []
    for _ in range(samples):
        height = rng.normal(population.height.mean, population.height.sd)
        weight = float(np.clip(rng.normal(population.weight.mean, population.weight.sd), 45, 110))
        true_chest = regression.predict(height=height, weight=weight) + rng.normal(0, regression.residual_sd)
        entered = true_chest + rng.normal(0, MEASURED_SD["chest"]) if measured else None
        result = recommend(Body("M", height, weight, chest=entered), CHART)
        results.append((result.confidence, result.size == right_size(true_chest)))
    buckets = []
    for low, high in [(0, 40), (40, 60), (60, 80), (80, 101)]:
        chosen = [(confidence, hit) for confidence, hit in results if low <= confidence < high]
        if len(chosen) >= 150:
            mean_confidence = sum(confidence for confidence, _ in chosen) / len(chosen)
            hit_rate = 100 * sum(hit for _, hit in chosen) / len(chosen)
            buckets.append((mean_confidence, hit_rate, len(chosen)))
    return buckets


@pytest.mark.parametrize("measured", [True, False], ids=["girth-measured", "girth-estimated"])
def test_confidence_matches_how_often_the_size_is_right(measured):
    buckets = calibration(measured)
    assert len(buckets) >= 2, buckets
    for mean_confidence, hit_rate, _ in buckets:
        assert abs(hit_rate - mean_confidence) <= 10, buckets
    # and more confidence really means more right answers
    rates = [hit_rate for _, hit_rate, _ in buckets]
    assert rates == sorted(rates)
