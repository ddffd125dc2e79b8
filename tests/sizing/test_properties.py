"""Property tests of the recommendation on generated monotone charts (pure functions, no database)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sizing.recommendation import Body, ChartRowSpec, ChartSpec, recommend

CATEGORIES = ["TOP", "BOTTOM", "OUTER", "DRESS"]
BASE = {"chest": 78.0, "waist": 60.0, "hip": 82.0, "height": 150.0, "weight": 40.0}


@st.composite
def monotone_charts(draw):
    """Charts whose every published dimension grows from size to size (ranges, points, overlaps or gaps)."""
    size_count = draw(st.integers(min_value=1, max_value=6))
    dims = draw(st.lists(st.sampled_from(list(BASE)), min_size=1, max_size=5, unique=True))
    kind = draw(st.sampled_from(["BODY", "GARMENT"]))
    rows = []
    starts = {dim: BASE[dim] for dim in dims}
    for index in range(size_count):
        ranges = {}
        for dim in dims:
            width = draw(st.sampled_from([0.0, 2.0, 4.0, 6.0]))
            ranges[dim] = (starts[dim], starts[dim] + width)
            starts[dim] += width + draw(st.sampled_from([-1.0, 0.0, 1.0, 3.0])) + 2.0
        rows.append(ChartRowSpec(label=f"S{index}", ranges=ranges))
    return ChartSpec(category=draw(st.sampled_from(CATEGORIES)), kind=kind, rows=rows)


girths = st.one_of(st.none(), st.floats(min_value=50, max_value=140))


@st.composite
def bodies(draw):
    return Body(
        gender=draw(st.sampled_from(["M", "F"])),
        height=draw(st.floats(min_value=130, max_value=200)),
        weight=draw(st.floats(min_value=35, max_value=130)),
        chest=draw(girths),
        waist=draw(girths),
        hip=draw(girths),
    )


def grown(body: Body, deltas: list[float]) -> Body:
    """The same body made bigger (or equal) in every dimension it has."""
    return Body(
        gender=body.gender,
        height=body.height + deltas[0],
        weight=body.weight + deltas[1],
        chest=None if body.chest is None else body.chest + deltas[2],
        waist=None if body.waist is None else body.waist + deltas[3],
        hip=None if body.hip is None else body.hip + deltas[4],
    )


def size_index(chart: ChartSpec, label: str) -> int:
    return [row.label for row in chart.rows].index(label)


@settings(max_examples=150, deadline=None)
@given(
    chart=monotone_charts(),
    body=bodies(),
    deltas=st.lists(st.floats(min_value=0, max_value=20), min_size=5, max_size=5),
)
def test_bigger_body_never_gets_smaller_size(chart, body, deltas):
    smaller = recommend(body, chart)
    bigger = recommend(grown(body, deltas), chart)
    assert size_index(chart, bigger.size) >= size_index(chart, smaller.size)


@settings(max_examples=150, deadline=None)
@given(chart=monotone_charts(), body=bodies(), shift=st.floats(min_value=-1, max_value=1))
def test_confidence_is_an_integer_between_0_and_100(chart, body, shift):
    result = recommend(body, chart, size_shift=shift)
    assert isinstance(result.confidence, int)
    assert 0 <= result.confidence <= 100
    assert result.size in [row.label for row in chart.rows]


@settings(max_examples=100, deadline=None)
@given(
    lows=st.lists(st.floats(min_value=0, max_value=3), min_size=3, max_size=6),
    width=st.floats(min_value=4, max_value=10),
    boundary_index=st.integers(min_value=0, max_value=4),
    gender=st.sampled_from(["M", "F"]),
)
def test_confidence_drops_near_a_boundary(lows, width, boundary_index, gender):
    """On a contiguous one-dimension chart, a body on a boundary is at most a coin flip, the centre is more."""
    rows, start = [], 80.0
    for index, _ in enumerate(lows):
        rows.append(ChartRowSpec(label=str(index), ranges={"chest": (start, start + width)}))
        start += width
    chart = ChartSpec(category="TOP", kind="BODY", rows=rows)
    boundary_index = min(boundary_index, len(rows) - 2)
    boundary = rows[boundary_index].ranges["chest"][1]
    centre = sum(rows[boundary_index].ranges["chest"]) / 2
    at_boundary = recommend(Body(gender, 170, 65, chest=boundary), chart).confidence
    at_centre = recommend(Body(gender, 170, 65, chest=centre), chart).confidence
    assert at_boundary <= 50
    assert at_centre > at_boundary
    # Confidence only falls while moving from the centre towards the boundary.
    steps = [centre + (boundary - centre) * fraction for fraction in (0.0, 0.25, 0.5, 0.75, 0.99)]
    values = [recommend(Body(gender, 170, 65, chest=value), chart).confidence for value in steps]
    assert values == sorted(values, reverse=True)


@pytest.mark.parametrize("gender", ["M", "F"])
def test_estimated_girths_lower_confidence(gender):
    chart = ChartSpec(
        category="TOP",
        kind="BODY",
        rows=[
            ChartRowSpec(label=label, ranges={"chest": (low, low + 6)})
            for label, low in [("S", 76), ("M", 82), ("L", 88), ("XL", 94), ("2XL", 100)]
        ],
    )
    estimated = recommend(Body(gender, 168, 62), chart)
    assert estimated.estimated == ("chest",)
    measured_at_estimate = recommend(Body(gender, 168, 62, chest=estimated.position * 6 + 79), chart)
    assert measured_at_estimate.size == estimated.size
    assert measured_at_estimate.confidence > estimated.confidence


@settings(max_examples=100, deadline=None)
@given(
    gender=st.sampled_from(["M", "F"]),
    height=st.floats(min_value=140, max_value=195),
    weight=st.floats(min_value=40, max_value=120),
    taller=st.floats(min_value=0, max_value=25),
    heavier=st.floats(min_value=0, max_value=25),
)
def test_estimated_girths_never_shrink_a_growing_body(gender, height, weight, taller, heavier):
    chart = ChartSpec(
        category="DRESS",
        kind="BODY",
        rows=[
            ChartRowSpec(
                label=str(index),
                ranges={"chest": (76 + 6 * index, 82 + 6 * index), "hip": (84 + 5 * index, 89 + 5 * index)},
            )
            for index in range(6)
        ],
    )
    small = recommend(Body(gender, height, weight), chart)
    big = recommend(Body(gender, height + taller, weight + heavier), chart)
    assert size_index(chart, big.size) >= size_index(chart, small.size)
