"""The body's frame for fitting: neck, pelvis, which way is up, and the outline read across it.

Widths are read off the person mask (``Frame.across``), never guessed from landmark distances, so a shirt is
as wide as the chest it covers. The arms are taken out of the torso's outline (capsules along shoulder →
elbow → wrist and over the hands), so that sleeves go on the arms and the body of a shirt on the torso.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tryon.providers.offline.body import (
    ELBOWS,
    HIPS,
    KNEES,
    SHOULDERS,
    WRISTS,
    Body,
    draw_capsule,
    forearms_and_hands,
    limb_radius,
)


class CannotPlace(Exception):
    """The photo does not show what the category needs: ``missing`` is "shoulders", "hips" or "knees"."""

    def __init__(self, missing: str) -> None:
        super().__init__(missing)
        self.missing = missing


@dataclass(frozen=True)
class PartPlacement:
    name: str
    region: np.ndarray  # bool, garment-sized: the garment pixels of this part
    source: np.ndarray  # n × 2, garment pixels
    target: np.ndarray  # n × 2, photo pixels, matched one to one with ``source``


def unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.hypot(*vector)), 1e-9)


def distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.hypot(*(a - b)))


@dataclass(frozen=True)
class Frame:
    body: Body
    neck: np.ndarray
    up: np.ndarray  # unit, pelvis → neck
    side: np.ndarray  # unit, towards the photo's right
    length: float  # neck → pelvis, the scale of everything else
    person: np.ndarray  # bool H × W
    arms: np.ndarray  # bool H × W: upper arms, forearms and hands

    def at(self, level: float) -> np.ndarray:
        """The torso's centre line ``level`` torso lengths below the neck (negative: above)."""
        return self.neck - self.up * level * self.length

    def across(
        self, origin: np.ndarray, direction: np.ndarray, fallback: float, limit: float | None = None
    ) -> np.ndarray:
        """The body's edge from ``origin`` along ``direction`` (at most ``limit`` away): the last non-arm
        person pixel before the background. An arm lying over the torso is crossed; an arm beside it does not
        widen the torso."""
        height, width = self.person.shape
        step = unit(direction)
        steps = np.arange(0.0, max(2.0, limit if limit is not None else 1.2 * self.length))
        xs = np.round(origin[0] + step[0] * steps).astype(int)
        ys = np.round(origin[1] + step[1] * steps).astype(int)
        within = (xs >= 0) & (xs < width) & (ys >= 0) & (ys < height)
        if not within[0] or not self.person[ys[0], xs[0]]:
            return origin + step * fallback
        person = np.zeros(len(steps), dtype=bool)
        person[within] = self.person[ys[within], xs[within]]
        outside = np.flatnonzero(~person)
        end = int(outside[0]) if len(outside) else len(steps)
        arm = self.arms[ys[:end].clip(0, height - 1), xs[:end].clip(0, width - 1)]
        torso = np.flatnonzero(person[:end] & ~arm)
        if len(torso) == 0:
            return origin + step * fallback
        return origin + step * float(steps[torso[-1]])

    def level_edges(self, level: float, fallback: float) -> tuple[np.ndarray, np.ndarray]:
        """The body's left and right edge ``level`` torso lengths below the neck."""
        centre = self.at(level)
        return self.across(centre, -self.side, fallback), self.across(centre, self.side, fallback)

    def row_extent(self, y: float, columns: tuple[float, float]) -> tuple[float, float] | None:
        """The first and last leg pixel (person, not arm) on row ``y`` within ``columns``."""
        height, width = self.person.shape
        row = int(round(y))
        if not 0 <= row < height:
            return None
        lo, hi = int(max(0, columns[0])), int(min(width, columns[1]))
        found = np.flatnonzero(self.person[row, lo:hi] & ~self.arms[row, lo:hi])
        if len(found) == 0:
            return None
        return float(lo + found[0]), float(lo + found[-1])

    def legs_filled(self, hem_level: float) -> np.ndarray:
        """The legs' rows from the crotch to ``hem_level`` filled across (float32 mask): where a skirt hangs."""
        filled = np.zeros(self.person.shape, np.float32)
        points = [self.body.points[i] for i in (*HIPS, *KNEES)]
        columns = (min(p[0] for p in points) - 0.5 * self.length, max(p[0] for p in points) + 0.5 * self.length)
        top, bottom = self.at(1.1)[1], self.at(hem_level)[1]
        for y in range(max(0, int(top)), min(self.person.shape[0], int(bottom) + 1)):
            found = self.row_extent(y, columns)
            if found:
                filled[y, int(found[0]) : int(found[1]) + 1] = 1.0
        return filled


def build_frame(body: Body, category: str) -> Frame:
    """The frame for ``category``; raises :class:`CannotPlace` when the photo lacks what it needs."""
    shoulders_seen, hips_seen = body.sees(*SHOULDERS), body.sees(*HIPS)
    if category in ("upper_body", "dresses") and not shoulders_seen:
        raise CannotPlace("shoulders")
    if category == "lower_body" and not hips_seen:
        raise CannotPlace("hips")
    if category == "dresses" and not (hips_seen and body.sees(*KNEES)):
        raise CannotPlace("knees")
    pelvis = (body.points[HIPS[0]] + body.points[HIPS[1]]) / 2
    if shoulders_seen:
        neck = (body.points[SHOULDERS[0]] + body.points[SHOULDERS[1]]) / 2
        if hips_seen:
            up, length = unit(neck - pelvis), distance(neck, pelvis)
        else:  # hips out of the photo: the torso hangs straight down, about 1.4 shoulder widths long
            up, length = np.array([0.0, -1.0]), 1.4 * distance(*body.pair(SHOULDERS))
    else:
        knees = (body.points[KNEES[0]] + body.points[KNEES[1]]) / 2
        up = unit(pelvis - knees) if body.sees(*KNEES) else np.array([0.0, -1.0])
        length = 2.2 * distance(*body.pair(HIPS))
        neck = pelvis + up * length
    length = max(length, 8.0)
    person = body.mask > 0.5
    arms = np.zeros(person.shape, np.uint8)
    # Seen from the side (shoulders close together) the near upper arm lies over the torso, not beside it.
    frontal = shoulders_seen and distance(*body.pair(SHOULDERS)) >= 0.45 * length
    for side in (0, 1):
        shoulder, elbow, wrist = (body.points[joints[side]] for joints in (SHOULDERS, ELBOWS, WRISTS))
        if frontal and body.sees(SHOULDERS[side], ELBOWS[side]):
            draw_capsule(arms, shoulder, elbow, limb_radius(person, shoulder, elbow, 0.06 * length, 0.13 * length))
        if body.sees(ELBOWS[side], WRISTS[side]):
            draw_capsule(arms, elbow, wrist, limb_radius(person, elbow, wrist, 0.05 * length, 0.1 * length))
    forearms_and_hands(body, arms, length)
    return Frame(body, neck, up, np.array([-up[1], up[0]]), length, person, arms.astype(bool))
