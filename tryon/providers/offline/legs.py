"""Bottoms: each trouser leg along its own leg (hip → knee → ankle), so a stride stays two legs; a skirt as one
part hanging across both."""

from __future__ import annotations

import numpy as np

from tryon.providers.offline.body import ANKLES, HIPS, KNEES
from tryon.providers.offline.frame import Frame, PartPlacement, distance, unit
from tryon.providers.offline.garment import Shape

WAIST_LEVEL = 0.8  # torso lengths below the neck: a little above the hip joints (level 1)
CROTCH_LEVEL = 1.1
# Trousers at least this many waist widths long from the crotch are full length (hem at the ankle); shorter
# ones end in proportion.
FULL_LENGTH_INSEAM = 1.5


def _legs(frame: Frame) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(hip, knee, ankle) of the image-left leg, then the image-right one; unseen joints extrapolated."""
    body = frame.body
    order = (0, 1) if body.points[HIPS[0]][0] <= body.points[HIPS[1]][0] else (1, 0)
    legs = []
    for side in order:
        hip = body.points[HIPS[side]]
        knee = body.points[KNEES[side]] if body.sees(KNEES[side]) else hip - frame.up * 0.85 * frame.length
        thigh = distance(knee, hip)
        ankle = body.points[ANKLES[side]] if body.sees(ANKLES[side]) else knee + unit(knee - hip) * thigh
        legs.append((hip, knee, ankle))
    return legs


def _outward(direction: np.ndarray, outward: np.ndarray) -> np.ndarray:
    normal = np.array([-direction[1], direction[0]])
    return normal if float(normal @ outward) >= 0 else -normal


def leg_parts(frame: Frame, shape: Shape) -> tuple[list[PartPlacement], float]:
    """The parts of a bottom and the level its hem reaches (for the skirt's fill between the legs)."""
    length = frame.length
    top, bottom = float(np.flatnonzero(shape.solid.any(axis=1))[0]), float(shape.height - 1)
    legs = _legs(frame)
    waist = frame.level_edges(WAIST_LEVEL, 0.3 * length)
    waist_left, waist_right = shape.extent(top)
    crotch = shape.crotch()
    if crotch is None:
        return _skirt(frame, shape, legs, waist)
    crotch_target = frame.at(CROTCH_LEVEL)
    inseam = (bottom - crotch[1]) / max(waist_right - waist_left, 1.0)
    reach = 1.0 if inseam >= FULL_LENGTH_INSEAM else max(0.25, inseam / FULL_LENGTH_INSEAM)
    bottom_runs = shape.runs(bottom - 1)
    hem_gap = (bottom_runs[0][1] + bottom_runs[-1][0]) / 2 if len(bottom_runs) >= 2 else crotch[0]
    rows = np.arange(shape.height, dtype=float)[:, None]
    split = np.where(
        rows <= crotch[1], crotch[0], crotch[0] + (hem_gap - crotch[0]) * (rows - crotch[1]) / (bottom - crotch[1])
    )
    columns = np.arange(shape.width)[None, :]
    overlap = 0.02 * shape.width
    parts = []
    for side, (hip, knee, ankle) in enumerate(legs):
        outward = -frame.side if side == 0 else frame.side
        other_knee, other_ankle = legs[1 - side][1], legs[1 - side][2]
        thigh, shin = unit(knee - hip), unit(ankle - knee)
        start = hip + thigh * 0.1 * length
        hem = knee + (ankle - knee) * reach if reach < 1.0 else ankle
        # Where the garment's knee sits: as far down its inseam as the body's knee is down the leg.
        knee_share = distance(knee, start) / max(distance(knee, start) + distance(hem, knee), 1.0)
        knee_row = crotch[1] + (bottom - crotch[1]) * knee_share
        knee_normal = _outward(unit(thigh + shin), outward)
        shin_normal = _outward(shin, outward)
        source_waist = waist_left if side == 0 else waist_right
        source = [[source_waist, top], [crotch[0], top], [crotch[0], crotch[1]]]
        target = [waist[side], frame.at(WAIST_LEVEL), crotch_target]
        outer_crotch = shape.extent(crotch[1])[side]
        source.append([outer_crotch, crotch[1]])
        target.append(frame.across(start, _outward(thigh, outward), 0.12 * length))
        for row, joint, normal, other in (
            (knee_row, knee, knee_normal, other_knee),
            (bottom - 1, hem, shin_normal, other_ankle),
        ):
            runs = shape.runs(row)
            run = (runs[0] if side == 0 else runs[-1]) if runs else (0, shape.width - 1)
            outer, inner = (run[0], run[1]) if side == 0 else (run[1], run[0])
            source += [[outer, row], [inner, row]]
            gap = max(distance(joint, other) / 2, 0.04 * length)
            target += [
                frame.across(joint, normal, 0.09 * length),
                frame.across(joint, -normal, min(0.09 * length, gap), limit=gap),
            ]
        within = columns <= split + overlap if side == 0 else columns >= split - overlap
        name = "leg-left" if side == 0 else "leg-right"
        parts.append(PartPlacement(name, shape.solid & within, np.array(source, float), np.array(target, float)))
    return parts, float((frame.neck - legs[0][2]) @ frame.up) / length


def _skirt(
    frame: Frame, shape: Shape, legs: list[tuple[np.ndarray, np.ndarray, np.ndarray]], waist: tuple
) -> tuple[list[PartPlacement], float]:
    length = frame.length
    top, bottom = float(np.flatnonzero(shape.solid.any(axis=1))[0]), float(shape.height - 1)
    knees = (legs[0][1] + legs[1][1]) / 2
    knee_level = float((frame.neck - knees) @ frame.up) / length
    hem_level = knee_level + 0.15 * (knee_level - 1.0)
    xs = [float(point[0]) for leg in legs for point in leg[:2]]
    columns = (min(xs) - 0.5 * length, max(xs) + 0.5 * length)
    source, target = [], []
    for fraction in (0.0, 0.35, 1.0):
        row = top + (bottom - 1 - top) * fraction
        level = WAIST_LEVEL + (hem_level - WAIST_LEVEL) * fraction
        centre = frame.at(level)
        edges = waist if fraction == 0.0 else frame.level_edges(level, 0.3 * length)
        found = frame.row_extent(float(centre[1]), columns) if level > 1.0 else None
        if found:
            edges = (np.array([found[0], centre[1]]), np.array([found[1], centre[1]]))
        left, right = shape.extent(row)
        source += [[left, row], [right, row], [(left + right) / 2, row]]
        target += [edges[0], edges[1], (edges[0] + edges[1]) / 2]
    return [PartPlacement("skirt", shape.solid, np.array(source, float), np.array(target, float))], hem_level
