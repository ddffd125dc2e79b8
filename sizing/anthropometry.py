"""Estimating chest, waist and hip girths from height, weight and gender (Korean adults, 20–69 years).

Source and derivation — read this before trusting the numbers:

* Height and weight means are the published headline results of the 8th Size Korea survey (KATS, Korean
  Agency for Technology and Standards, 6,839 adults aged 20–69, measured May 2020 – Dec 2021; announced
  2022-03-30): stature 172.5 cm (men) / 159.6 cm (women), BMI 24.9 / 22.6. The weight means below are
  derived from those (BMI × stature²: 74.1 kg / 57.6 kg).
* The girth means and every standard deviation and correlation below are approximate values assembled by us
  from the Size Korea summary tables (7th/8th surveys) and typical adult anthropometric correlations
  (girth–weight 0.8–0.9, girth–stature 0–0.4). They were NOT re-checked against the KATS tables for this
  release; replace them with the exact table values when available (only :data:`SUMMARY_STATISTICS` changes).
  They are consistent with the published figures we could find: 5th Size Korea (2003–04) waist 78.6 / 68.6 cm
  for men / women in their 20s and 87.5 / 83.0 cm in their 50s (KATS press release, 2004); women's hip 92.1 cm
  at 19 years in the 2010 survey (KATS report summary, 2014 press coverage).
* The regression coefficients are derived by us, not published: for girth G on stature H and weight W, the
  least-squares coefficients follow from the means, SDs and correlations alone:
  ``beta_W = (r_GW - r_GH r_HW) / (1 - r_HW^2)``, ``beta_H = (r_GH - r_GW r_HW) / (1 - r_HW^2)``
  (standardised), ``b = beta * SD_G / SD_x``, ``a = mean_G - b_H mean_H - b_W mean_W``;
  explained variance ``R^2 = beta_W r_GW + beta_H r_GH``; residual SD ``SD_G sqrt(1 - R^2)``.
  The residual SD is the uncertainty of an estimate and feeds the recommendation's confidence.
* The fit is constrained to non-negative coefficients (non-negative least squares). Unconstrained, the
  stature coefficient comes out slightly negative (at equal weight a taller person is slimmer), which would
  let a taller *and* heavier shopper get a smaller size. With the constraint active the least-squares
  optimum is the weight-only regression ``b_W = r_GW SD_G / SD_W``, ``R^2 = r_GW^2``; its larger residual SD
  (e.g. men's chest 3.5 cm instead of 3.2 cm) lowers the confidence accordingly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Dimension:
    mean: float
    sd: float


@dataclass(frozen=True)
class GirthStatistics:
    girth: Dimension
    r_weight: float
    r_height: float


@dataclass(frozen=True)
class PopulationStatistics:
    height: Dimension
    weight: Dimension
    r_height_weight: float
    girths: dict[str, GirthStatistics]


SUMMARY_STATISTICS: dict[str, PopulationStatistics] = {
    "M": PopulationStatistics(
        height=Dimension(172.5, 6.4),
        weight=Dimension(74.1, 11.6),
        r_height_weight=0.45,
        girths={
            "chest": GirthStatistics(Dimension(98.0, 6.6), r_weight=0.85, r_height=0.20),
            "waist": GirthStatistics(Dimension(86.9, 8.8), r_weight=0.82, r_height=0.05),
            "hip": GirthStatistics(Dimension(96.4, 5.6), r_weight=0.90, r_height=0.40),
        },
    ),
    "F": PopulationStatistics(
        height=Dimension(159.6, 5.9),
        weight=Dimension(57.6, 8.7),
        r_height_weight=0.35,
        girths={
            "chest": GirthStatistics(Dimension(86.5, 6.5), r_weight=0.82, r_height=0.08),
            "waist": GirthStatistics(Dimension(75.9, 8.4), r_weight=0.80, r_height=-0.02),
            "hip": GirthStatistics(Dimension(93.3, 5.5), r_weight=0.90, r_height=0.30),
        },
    ),
}


@dataclass(frozen=True)
class GirthRegression:
    intercept: float
    per_cm_height: float
    per_kg_weight: float
    residual_sd: float
    r_squared: float

    def predict(self, *, height: float, weight: float) -> float:
        return self.intercept + self.per_cm_height * height + self.per_kg_weight * weight


def derive_regression(population: PopulationStatistics, girth: GirthStatistics) -> GirthRegression:
    r_hw = population.r_height_weight
    denominator = 1.0 - r_hw * r_hw
    beta_weight = (girth.r_weight - girth.r_height * r_hw) / denominator
    beta_height = (girth.r_height - girth.r_weight * r_hw) / denominator
    if beta_height < 0:  # the non-negativity constraint is active: weight-only least squares
        beta_height, beta_weight = 0.0, girth.r_weight
    elif beta_weight < 0:
        beta_height, beta_weight = girth.r_height, 0.0
    per_kg = beta_weight * girth.girth.sd / population.weight.sd
    per_cm = beta_height * girth.girth.sd / population.height.sd
    intercept = girth.girth.mean - per_cm * population.height.mean - per_kg * population.weight.mean
    r_squared = beta_weight * girth.r_weight + beta_height * girth.r_height
    return GirthRegression(
        intercept=intercept,
        per_cm_height=per_cm,
        per_kg_weight=per_kg,
        residual_sd=girth.girth.sd * math.sqrt(max(0.0, 1.0 - r_squared)),
        r_squared=r_squared,
    )


REGRESSIONS: dict[str, dict[str, GirthRegression]] = {
    gender: {name: derive_regression(population, girth) for name, girth in population.girths.items()}
    for gender, population in SUMMARY_STATISTICS.items()
}


@dataclass(frozen=True)
class GirthEstimate:
    value: float
    sd: float


def estimate_girth(*, gender: str, girth: str, height: float, weight: float) -> GirthEstimate:
    """The expected girth (cm) for this stature and weight, with the regression's residual SD.

    Outside the surveyed range the linear model only extrapolates: the SD is widened with the distance (in
    population SDs) from the survey mean, so extreme bodies get less confident recommendations.
    """
    regression = REGRESSIONS[gender][girth]
    population = SUMMARY_STATISTICS[gender]
    distance = math.hypot(
        (height - population.height.mean) / population.height.sd,
        (weight - population.weight.mean) / population.weight.sd,
    )
    widening = 1.0 + max(0.0, distance - 2.0) * 0.25
    value = regression.predict(height=height, weight=weight)
    return GirthEstimate(value=max(value, 30.0), sd=regression.residual_sd * widening)
