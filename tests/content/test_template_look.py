"""The template designs keep their look: today's renderings against reference renderings made before the
renderer was optimised (tests/content/render_reference.py), with the side-by-side sheets written for people.

Each run writes ``var/test-artifacts/render-compare/<case>.png``: reference | this code | difference × 8.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from content.constants import ALL_PLATFORMS, ALL_STYLES
from content.design import fancy
from tests.content.render_reference import (
    CASES,
    REFERENCE_DIR,
    Case,
    Difference,
    comparison_sheet,
    difference,
    reference_cell,
    render_case,
    rendered_sheet,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "render-compare"


def reference_sheet(case: Case) -> Image.Image:
    sheet = Image.open(REFERENCE_DIR / f"{case.name}.png")
    sheet.load()
    return sheet.convert("RGB")


def differences(case: Case, images: dict[tuple[str, str], Image.Image]) -> dict[tuple[str, str], Difference]:
    sheet = reference_sheet(case)
    return {key: difference(reference_cell(sheet, *key), image) for key, image in images.items()}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_every_style_and_platform_looks_as_before(case: Case):
    images = render_case(case)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    artifact = ARTIFACTS / f"{case.name}.png"
    comparison_sheet(reference_sheet(case), rendered_sheet(images)).save(artifact)
    print(f"side by side: {artifact}")
    changed = {f"{style}/{platform}": d for (style, platform), d in differences(case, images).items() if not d.within()}
    assert not changed, f"the look changed (see {artifact}): {changed}"
    assert len(images) == len(ALL_STYLES) * len(ALL_PLATFORMS)


original_gradient = fancy.linear_gradient


def flat_gradient(size, stops, angle_deg=45):
    """The gradient's average colour, everywhere."""
    gradient = np.asarray(original_gradient(size, stops, angle_deg))
    return Image.new("RGB", size, tuple(int(v) for v in gradient.reshape(-1, 3).mean(axis=0)))


@pytest.mark.parametrize(
    "mutation",
    [
        ("linear_gradient", flat_gradient),
        ("radial_glow", lambda *args, **kwargs: None),
        ("sunburst", lambda *args, **kwargs: None),
    ],
    ids=["flat-ground", "no-glow", "no-rays"],
)
def test_the_comparison_notices_a_lost_layer_of_fancy(monkeypatch, mutation):
    """Control: FANCY drawn without its gradient, glow or light rays must fail the comparison."""
    name, replacement = mutation
    monkeypatch.setattr(fancy, name, replacement)
    for case in CASES:
        for (style, platform), d in differences(case, render_case(case)).items():
            if style == "FANCY":
                assert not d.within(), (case.name, platform, d)


def test_the_comparison_notices_another_brand_colour():
    """Control through the public input: a neighbouring shade of the brand colour is a different look."""
    case = replace(CASES[0], color="#E64A19")  # the reference is #FF5733
    for key, d in differences(CASES[0], render_case(case)).items():
        assert not d.within(), (key, d)
