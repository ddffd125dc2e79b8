import pytest

from sizing.anthropometry import (
    REGRESSIONS,
    SUMMARY_STATISTICS,
    Dimension,
    GirthStatistics,
    PopulationStatistics,
    derive_regression,
    estimate_girth,
)


@pytest.mark.parametrize("gender", ["M", "F"])
@pytest.mark.parametrize("girth", ["chest", "waist", "hip"])
def test_average_body_gets_average_girth(gender, girth):
    population = SUMMARY_STATISTICS[gender]
    estimate = estimate_girth(gender=gender, girth=girth, height=population.height.mean, weight=population.weight.mean)
    assert estimate.value == pytest.approx(population.girths[girth].girth.mean, abs=0.01)
    assert 2.0 < estimate.sd < population.girths[girth].girth.sd  # knowing height/weight beats knowing nothing


def test_derivation_from_summary_statistics_matches_textbook_case():
    # Uncorrelated predictors: each standardised coefficient equals its correlation.
    population = PopulationStatistics(
        height=Dimension(170, 10), weight=Dimension(70, 10), r_height_weight=0.0, girths={}
    )
    girth = GirthStatistics(Dimension(100, 5), r_weight=0.6, r_height=0.3)
    regression = derive_regression(population, girth)
    assert regression.per_kg_weight == pytest.approx(0.3)
    assert regression.per_cm_height == pytest.approx(0.15)
    assert regression.r_squared == pytest.approx(0.45)
    assert regression.residual_sd == pytest.approx(5 * (1 - 0.45) ** 0.5)


def test_korean_reference_bodies_are_plausible():
    # Size Korea 8th means: men 172.5 cm / BMI 24.9, women 159.6 cm / BMI 22.6.
    man = estimate_girth(gender="M", girth="chest", height=175, weight=70).value
    woman = estimate_girth(gender="F", girth="waist", height=160, weight=50).value
    assert 92 < man < 100
    assert 62 < woman < 72
    assert all(
        r.per_cm_height >= 0 and r.per_kg_weight > 0 for by_girth in REGRESSIONS.values() for r in by_girth.values()
    )


def test_extreme_bodies_are_less_certain():
    typical = estimate_girth(gender="F", girth="hip", height=160, weight=57)
    extreme = estimate_girth(gender="F", girth="hip", height=185, weight=110)
    assert extreme.sd > typical.sd
