"""Putting the warped garment into the photo: the photo's own light on it, soft edges, face and hands in front.
(The "AI 생성 · 미리보기" label is drawn with every try-on result's AI mark when the result is stored:
tryon/labels.py.)"""

from __future__ import annotations

import cv2
import numpy as np

from tryon.providers.offline.blur import smooth
from tryon.providers.offline.fit import Fit
from tryon.providers.offline.garment import Cutout
from tryon.providers.offline.warp import warp_part

# Shading: how much of the photo's brightness variation (folds, light, shadow) is laid on the garment, and the
# softness of its limit, so that a white shirt under a dark coat does not show through as a bright ghost.
SHADING_GAIN = 0.95
SHADING_LIMIT = 60.0
# Of the slow variation (light falling across the body), this share is kept besides the folds.
BROAD_LIGHT_SHARE = 0.5
# The garment's edge fades over about this share of the torso's length (a 1 500 px full-body photo: ~4 px).
FEATHER = 0.02
HEADROOM = 20.0
WARP_EDGE = 1000


def luminance(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def warp_garment(cutout: Cutout, fit: Fit, size: tuple[int, int]) -> np.ndarray:
    """The garment's parts warped onto the photo's canvas: premultiplied float32 H × W × 4.

    The warp runs on a copy at most ``WARP_EDGE`` large and is scaled up: a product photo has fewer pixels
    than the garment covers in a 1 500 px photo, so nothing is lost, and the CPU budget holds."""
    width, height = size
    factor = min(1.0, WARP_EDGE / max(width, height))
    small = (max(1, round(width * factor)), max(1, round(height * factor)))
    layer = np.zeros((small[1], small[0], 4), np.float32)
    # The spline bends the outline between its points a little beyond them: this margin takes that in.
    margin = 0.3 * fit.scale * factor
    for part in fit.parts:
        region = cv2.GaussianBlur(part.region.astype(np.float32), (0, 0), 1.0)
        alpha = cutout.alpha * region
        rgba = np.dstack([cutout.rgb * alpha[..., None], alpha]).astype(np.float32)
        target = part.target * factor
        low, high = target.min(axis=0) - margin, target.max(axis=0) + margin
        patch, (x0, y0, x1, y1) = warp_part(rgba, part.source, target, small, (*low, *high))
        if patch.size:
            window = layer[y0:y1, x0:x1]
            window[:] = patch + window * (1.0 - patch[..., 3:4])
    if factor == 1.0:
        return layer
    return cv2.resize(layer, size, interpolation=cv2.INTER_LINEAR)


def shade(colour: np.ndarray, photo: np.ndarray, alpha: np.ndarray, scale: float) -> np.ndarray:
    """``colour`` lit like the clothes it replaces: the photo's luminance, normalised to its mean under the
    garment, added to the garment's own colour (softly limited)."""
    weight = (alpha > 0.05).astype(np.float32)
    if weight.sum() < 1:
        return colour
    brightness = luminance(photo)
    sigma = max(2.0, 0.1 * scale)
    local = smooth(brightness * weight, sigma) / np.maximum(smooth(weight, sigma), 1e-3)
    overall = float((brightness * weight).sum() / weight.sum())
    variation = (brightness - local) + BROAD_LIGHT_SHARE * (local - overall)
    offset = SHADING_GAIN * SHADING_LIMIT * np.tanh(variation / SHADING_LIMIT)
    # A white (or black) garment needs room for its highlights (shadows): it is lit a little darker
    # (lighter), as such a garment is in any photo, rather than losing its folds to the end of the range.
    shaded = colour + offset[..., None]
    lit = luminance(shaded)[alpha > 0.5]
    if lit.size:
        shaded -= max(0.0, float(np.percentile(lit, 95)) - (255 - HEADROOM))
        shaded += max(0.0, HEADROOM - float(np.percentile(lit, 5)))
    return _soft_range(shaded)


def _soft_range(values: np.ndarray, knee: float = 40.0) -> np.ndarray:
    """0–255 without flat clipping: values bend smoothly towards the ends, so a white garment keeps its folds
    in the highlights and a black one in the shadows."""
    high = 255.0 - knee * np.exp(-(values - (255.0 - knee)) / knee)
    low = knee * np.exp((values - knee) / knee)
    return np.where(values > 255.0 - knee, high, np.where(values < knee, low, values))


def compose(photo: np.ndarray, layer: np.ndarray, fit: Fit) -> tuple[np.ndarray, np.ndarray]:
    """The try-on image (uint8 H × W × 3) and the garment's final opacity (float32 H × W)."""
    feather = max(1.0, FEATHER * fit.scale)
    alpha_full = np.zeros(photo.shape[:2], np.float32)
    result = photo.copy()
    rows, columns = np.nonzero(layer[..., 3] > 1e-3)
    if len(rows) == 0:
        return result, alpha_full
    # Everything below happens in the garment's box (grown by the feathering), not the whole photo.
    reach = int(4 * feather) + 2
    y0, y1 = max(0, rows.min() - reach), min(photo.shape[0], rows.max() + reach + 1)
    x0, x1 = max(0, columns.min() - reach), min(photo.shape[1], columns.max() + reach + 1)
    box = (slice(y0, y1), slice(x0, x1))
    coverage = layer[box][..., 3]
    alpha = np.clip(smooth(np.clip(coverage, 0, 1), feather), 0, 1)
    alpha *= np.clip(fit.clip[box], 0, 1) * (1.0 - np.clip(fit.protect[box], 0, 1))
    # Where the feathering reaches beyond the warped garment, spread its colour outwards so edges do not grey.
    spread = smooth(layer[box][..., :3], feather) / np.maximum(smooth(coverage, feather), 1e-4)[..., None]
    colour = np.where((coverage > 0.5)[..., None], layer[box][..., :3] / np.maximum(coverage, 1e-4)[..., None], spread)
    photo_float = photo[box].astype(np.float32)
    shaded = shade(colour, photo_float, alpha, fit.scale)
    blended = photo_float * (1.0 - alpha[..., None]) + shaded * alpha[..., None]
    result[box] = np.clip(blended + 0.5, 0, 255).astype(np.uint8)
    alpha_full[box] = alpha
    return result, alpha_full


def centred(photo: np.ndarray, cutout: Cutout, category: str) -> np.ndarray:
    """The garment in the middle of a photo where no body was found, keeping its proportions."""
    height, width = photo.shape[:2]
    top, bottom = {"upper_body": (0.22, 0.68), "lower_body": (0.45, 0.95), "dresses": (0.22, 0.92)}[category]
    box_width, box_height = 0.6 * width, (bottom - top) * height
    garment_height, garment_width = cutout.alpha.shape
    factor = min(box_width / garment_width, box_height / garment_height)
    size = (max(1, int(garment_width * factor)), max(1, int(garment_height * factor)))
    x0 = (width - size[0]) // 2
    y0 = int(top * height + (box_height - size[1]) / 2)
    rgb = cv2.resize(cutout.rgb, size, interpolation=cv2.INTER_AREA)
    alpha = cv2.resize(cutout.alpha, size, interpolation=cv2.INTER_AREA)[..., None]
    result = photo.astype(np.float32)
    window = result[y0 : y0 + size[1], x0 : x0 + size[0]]
    window[:] = window * (1 - alpha) + rgb * alpha
    return np.clip(result + 0.5, 0, 255).astype(np.uint8)
