"""Where each garment part goes on the body, where the garment may show and what stays in front of it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tryon.providers.offline.blur import smooth
from tryon.providers.offline.body import Body, face_region, forearms_and_hands
from tryon.providers.offline.frame import PartPlacement, build_frame
from tryon.providers.offline.garment import Shape
from tryon.providers.offline.legs import leg_parts
from tryon.providers.offline.tops import dress_parts, top_parts


@dataclass(frozen=True)
class Fit:
    parts: list[PartPlacement]  # drawn in order, later parts over earlier ones
    clip: np.ndarray  # float32 H × W: where the garment may show (the body's outline)
    protect: np.ndarray  # float32 H × W: face, forearms and hands, kept in front of the garment
    scale: float  # the torso's length in pixels (neck to pelvis)


def fit_garment(body: Body, shape: Shape, category: str) -> Fit:
    """Raises :class:`~tryon.providers.offline.frame.CannotPlace` when the photo lacks what ``category``
    needs: shoulders for tops, hips for bottoms, shoulders down to the knees for dresses."""
    frame = build_frame(body, category)
    clip = body.mask.copy()
    if category == "upper_body":
        parts = top_parts(frame, shape)
    elif category == "dresses":
        parts, hem_level = dress_parts(frame, shape)
        clip = np.maximum(clip, frame.legs_filled(hem_level))
    else:
        parts, hem_level = leg_parts(frame, shape)
        if len(parts) == 1:  # a skirt hangs across the gap between the legs
            clip = np.maximum(clip, frame.legs_filled(hem_level))
    protect = np.zeros(clip.shape, np.uint8)
    face_region(body, protect)
    forearms_and_hands(body, protect, frame.length)
    soft = smooth(protect.astype(np.float32), max(1.0, 0.015 * frame.length))
    return Fit(parts=parts, clip=clip, protect=soft, scale=frame.length)
