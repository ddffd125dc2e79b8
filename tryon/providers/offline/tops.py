"""Tops and dresses: the torso part from the neck down the body's outline, sleeves along the upper arms."""

from __future__ import annotations

import numpy as np

from tryon.providers.offline.body import ELBOWS, HIPS, KNEES, SHOULDERS, limb_radius
from tryon.providers.offline.frame import Frame, PartPlacement, distance, unit
from tryon.providers.offline.garment import Shape

ARMPIT_LEVEL = 0.3  # torso lengths below the neck
WAIST_LEVEL = 0.62
SHIRT_HEM_LEVEL = 1.08  # a little below the hip joints


def _first_row(shape: Shape) -> float:
    return float(np.flatnonzero(shape.solid.any(axis=1))[0])


def top_parts(frame: Frame, shape: Shape) -> list[PartPlacement]:
    """Sleeves (when the garment and the photo have them), then the torso over them."""
    torso_left, torso_right = shape.torso_columns()
    top, bottom = _first_row(shape), float(shape.height - 1)
    sleeves = [shape.sleeve(0, torso_left), shape.sleeve(1, torso_right)]
    armpit_y = max([s["armpit"][1] for s in sleeves if s is not None], default=top + 0.3 * (bottom - top))
    top_left, top_right = shape.extent(top)
    shoulders = frame.body.pair(SHOULDERS)
    fallback = 0.55 * distance(*shoulders)
    tips = [
        frame.across(shoulders[i] + frame.up * 0.04 * frame.length, sign * frame.side, 0.1 * frame.length)
        for i, sign in ((0, -1.0), (1, 1.0))
    ]
    armpits = frame.level_edges(ARMPIT_LEVEL, fallback)
    source = [[(top_left + top_right) / 2, top], [top_left, top], [top_right, top]]
    target = [frame.at(-0.06), tips[0], tips[1]]
    source += [[torso_left, armpit_y], [torso_right, armpit_y], [(torso_left + torso_right) / 2, armpit_y]]
    target += [armpits[0], armpits[1], frame.at(ARMPIT_LEVEL)]
    for level in np.linspace(ARMPIT_LEVEL, SHIRT_HEM_LEVEL, 4)[1:]:
        row = armpit_y + (bottom - armpit_y) * (level - ARMPIT_LEVEL) / (SHIRT_HEM_LEVEL - ARMPIT_LEVEL)
        left, right = shape.extent(min(row, bottom - 1))
        edges = frame.level_edges(float(level), fallback)
        source += [[left, row], [right, row], [(left + right) / 2, row]]
        target += [edges[0], edges[1], frame.at(float(level))]
    columns = np.arange(shape.width)[None, :]
    rows = np.arange(shape.height)[:, None]
    overlap = 0.04 * shape.width
    within_torso = (columns >= torso_left - overlap) & (columns <= torso_right + overlap)
    torso_region = shape.solid & (within_torso | (rows > armpit_y + 0.02 * shape.height))
    garment_scale = distance(*armpits) / max(torso_right - torso_left, 1.0)
    parts = [
        _sleeve(frame, shape, side, sleeve, (tips[side], armpits[side]), garment_scale, armpit_y)
        for side, sleeve in enumerate(sleeves)
        if sleeve is not None
    ]
    parts.append(PartPlacement("torso", torso_region, np.array(source, float), np.array(target, float)))
    return parts


def _sleeve(
    frame: Frame,
    shape: Shape,
    side: int,
    sleeve: dict[str, np.ndarray],
    root: tuple[np.ndarray, np.ndarray],
    garment_scale: float,
    armpit_y: float,
) -> PartPlacement:
    body, length = frame.body, frame.length
    # The image-left sleeve goes on the image-left arm, whichever of the person's arms that is.
    left_first = body.points[SHOULDERS[0]][0] <= body.points[SHOULDERS[1]][0]
    arm = side if left_first else 1 - side
    shoulder, elbow = body.points[SHOULDERS[arm]], body.points[ELBOWS[arm]]
    elbow_seen = body.sees(ELBOWS[arm])
    along = unit(elbow - shoulder) if elbow_seen else -frame.up
    upper_arm = distance(elbow, shoulder) if elbow_seen else 0.7 * length
    # The sleeve's outer edge is the side away from the body (upwards for an arm held out).
    outward = (-frame.side if side == 0 else frame.side) + 0.5 * frame.up
    normal = np.array([-along[1], along[0]])
    normal = normal if float(normal @ outward) >= 0 else -normal
    sleeve_length = distance(
        (sleeve["cuff_top"] + sleeve["cuff_bottom"]) / 2, (sleeve["shoulder"] + sleeve["armpit"]) / 2
    )
    reach = min(sleeve_length * garment_scale, 0.95 * upper_arm)
    radius = limb_radius(frame.person, shoulder, shoulder + along * upper_arm, 0.06 * length, 0.13 * length)
    cuff = shoulder + along * reach
    source = [sleeve["shoulder"], sleeve["armpit"], sleeve["cuff_top"], sleeve["cuff_bottom"]]
    target = [root[0], root[1], cuff + normal * radius * 1.2, cuff - normal * radius * 1.2]
    columns = np.arange(shape.width)[None, :]
    rows = np.arange(shape.height)[:, None]
    overlap = 0.04 * shape.width
    edge = sleeve["armpit"][0]
    beyond = columns < edge + overlap if side == 0 else columns > edge - overlap
    region = shape.solid & beyond & (rows <= armpit_y + 0.03 * shape.height)
    name = "sleeve-left" if side == 0 else "sleeve-right"
    return PartPlacement(name, region, np.array(source, float), np.array(target, float))


def dress_parts(frame: Frame, shape: Shape) -> tuple[list[PartPlacement], float]:
    """The dress as one part from the shoulders to just below the knees; and the hem's level."""
    body, length = frame.body, frame.length
    top, bottom = _first_row(shape), float(shape.height - 1)
    rows = np.linspace(top + 0.1 * (bottom - top), top + 0.5 * (bottom - top), 20)
    waist_y = float(min(rows, key=lambda y: np.subtract(*shape.extent(y)[::-1])))
    knees = (body.points[KNEES[0]] + body.points[KNEES[1]]) / 2
    knee_level = float((frame.neck - knees) @ frame.up) / length
    hem_level = knee_level + 0.15 * (knee_level - 1.0)
    legs_x = [float(body.points[i][0]) for i in (*HIPS, *KNEES)]
    columns = (min(legs_x) - 0.5 * length, max(legs_x) + 0.5 * length)
    top_left, top_right = shape.extent(top)
    waist_left, waist_right = shape.extent(waist_y)
    waist_edges = frame.level_edges(WAIST_LEVEL, 0.3 * length)
    strap_half = distance(*waist_edges) / 2 * (top_right - top_left) / max(waist_right - waist_left, 1.0)
    start = frame.at(-0.04)
    source = [[top_left, top], [top_right, top], [(top_left + top_right) / 2, top]]
    target = [start - frame.side * strap_half, start + frame.side * strap_half, start]
    for fraction in (0.0, 0.3, 0.65, 1.0):
        row = waist_y + (bottom - waist_y) * fraction
        level = WAIST_LEVEL + (hem_level - WAIST_LEVEL) * fraction
        centre = frame.at(level)
        edges = frame.level_edges(level, 0.3 * length)
        if level > 1.0:  # below the hips the skirt spans both legs
            found = frame.row_extent(float(centre[1]), columns)
            if found:
                edges = (np.array([found[0], centre[1]]), np.array([found[1], centre[1]]))
        left, right = shape.extent(min(row, bottom - 1))
        source += [[left, row], [right, row], [(left + right) / 2, row]]
        target += [edges[0], edges[1], (edges[0] + edges[1]) / 2]
    return [PartPlacement("dress", shape.solid, np.array(source, float), np.array(target, float))], hem_level
