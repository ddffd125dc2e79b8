"""The garment out of its product photo, and its shape: torso and sleeves, or the two legs of trousers.

Cut-out: a photo with transparency is taken as it is. Otherwise the background is what connects to the
photo's border in about the border's colour (a tight tolerance, so a white tee on white keeps its edges);
light horizontal stripes that touch the outline (and so leak out with the background) are bridged column by
column, and GrabCut, seeded with those regions, settles the edge.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

WORK_EDGE = 256  # the cut-out is decided on a copy at most this large, then scaled back
# Light stripes up to this share of the garment's size that reach its outline are bridged, not cut away.
STRIPE_BRIDGE = 0.06


class NoGarmentFound(Exception):
    """Nothing stands out from the product photo's background."""


@dataclass(frozen=True)
class Cutout:
    rgb: np.ndarray  # float32 H × W × 3, cropped to the garment
    alpha: np.ndarray  # float32 H × W, 0..1
    method: str  # "alpha" | "background-flood-fill" | "none" (the whole photo is the garment)
    origin: tuple[int, int]  # where the crop starts in the product photo (x, y)


def _disk(size: int) -> np.ndarray:
    size = max(3, size | 1)
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))


def _background(small: np.ndarray) -> np.ndarray:
    """Pixels about the colour of the border and connected to it (bool)."""
    border = np.concatenate([small[0], small[-1], small[:, 0], small[:, -1]]).astype(np.int16)
    colour = np.median(border, axis=0)
    border_spread = np.abs(border - colour).max(axis=1)
    # JPEG noise and a soft vignette widen the tolerance; a clean packshot keeps it tight.
    tolerance = float(np.clip(2 * np.percentile(border_spread, 90) + 5, 6, 40))
    near = (np.abs(small.astype(np.int16) - colour).max(axis=2) <= tolerance).astype(np.uint8)
    _, labels = cv2.connectedComponents(near, connectivity=4)
    edge_labels = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    edge_labels = edge_labels[edge_labels > 0]
    return np.isin(labels, edge_labels)


def bridge_stripes(garment: np.ndarray, longest: int) -> np.ndarray:
    """Fills each column's gaps of at most ``longest`` pixels that have garment above and below: a light
    horizontal stripe reaching the outline, cut away with the background, comes back. The gap between trouser
    legs and the neckline stay open: they are not closed below or above."""
    height = garment.shape[0]
    rows = np.arange(height)[:, None]
    above = np.maximum.accumulate(np.where(garment, rows, -1), axis=0)
    below = np.minimum.accumulate(np.where(garment, rows, height)[::-1], axis=0)[::-1]
    enclosed = (above >= 0) & (below < height) & (below - above - 1 <= longest)
    return garment | enclosed


def _separate(small: np.ndarray) -> np.ndarray:
    """The garment's mask (bool) on the small copy."""
    height, width = small.shape[:2]
    background = _background(small)
    longest = int(STRIPE_BRIDGE * max(height, width))
    garment = bridge_stripes(~background, longest)
    if garment.mean() < 0.01 or garment.mean() > 0.98:
        return garment
    margin = _disk(int(0.03 * max(height, width)))
    seeds = np.full((height, width), cv2.GC_PR_BGD, dtype=np.uint8)
    seeds[garment] = cv2.GC_PR_FGD
    seeds[cv2.erode(garment.astype(np.uint8), margin).astype(bool)] = cv2.GC_FGD
    seeds[cv2.erode((~garment).astype(np.uint8), margin).astype(bool)] = cv2.GC_BGD
    try:
        cv2.grabCut(
            cv2.cvtColor(small, cv2.COLOR_RGB2BGR),
            seeds,
            (0, 0, 0, 0),  # unused: the seeds above start it (GC_INIT_WITH_MASK)
            np.zeros((1, 65), np.float64),
            np.zeros((1, 65), np.float64),
            3,
            cv2.GC_INIT_WITH_MASK,
        )
    except cv2.error:  # a degenerate colour model (e.g. one flat colour): the flood fill's answer stands
        return garment
    return bridge_stripes((seeds == cv2.GC_FGD) | (seeds == cv2.GC_PR_FGD), longest)


def cut_out_garment(image: Image.Image) -> Cutout:
    rgba = np.asarray(image.convert("RGBA"))
    rgb = rgba[..., :3]
    if (rgba[..., 3] < 128).mean() > 0.05:
        return _cropped(rgb, rgba[..., 3].astype(np.float32) / 255, "alpha")
    height, width = rgb.shape[:2]
    scale = min(1.0, WORK_EDGE / max(height, width))
    small = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else rgb
    garment = _separate(np.ascontiguousarray(small))
    coverage = float(garment.mean())
    if coverage < 0.01:
        raise NoGarmentFound
    if coverage > 0.98:  # the photo is all garment (a close-up): nothing to cut away
        return _cropped(rgb, np.ones((height, width), np.float32), "none")
    soft = cv2.GaussianBlur(garment.astype(np.float32), (0, 0), 0.8)
    alpha = np.clip((cv2.resize(soft, (width, height), interpolation=cv2.INTER_LINEAR) - 0.5) * 2.5 + 0.5, 0, 1)
    return _cropped(_without_fringe(rgb, alpha, 1 / scale), alpha, "background-flood-fill")


def _without_fringe(rgb: np.ndarray, alpha: np.ndarray, pixels: float) -> np.ndarray:
    """The garment's colours with its rim repainted from just inside: the background's colour, caught in the
    edge pixels, would otherwise draw a light line around the garment."""
    solid = cv2.erode((alpha > 0.99).astype(np.uint8), _disk(int(2 * pixels) + 1)).astype(np.float32)
    sigma = 2.0 * pixels
    inner = (
        cv2.GaussianBlur(rgb.astype(np.float32) * solid[..., None], (0, 0), sigma)
        / np.maximum(cv2.GaussianBlur(solid, (0, 0), sigma), 1e-4)[..., None]
    )
    return np.where(solid[..., None] > 0, rgb.astype(np.float32), inner)


def _cropped(rgb: np.ndarray, alpha: np.ndarray, method: str) -> Cutout:
    rows, columns = np.nonzero(alpha > 0.5)
    if len(rows) == 0:
        raise NoGarmentFound
    top, bottom, left, right = rows.min(), rows.max() + 1, columns.min(), columns.max() + 1
    return Cutout(
        rgb=rgb[top:bottom, left:right].astype(np.float32),
        alpha=np.ascontiguousarray(alpha[top:bottom, left:right]),
        method=method,
        origin=(int(left), int(top)),
    )


@dataclass(frozen=True)
class Shape:
    """Row by row, where the garment is: the outline the fitting reads its named points from."""

    solid: np.ndarray  # bool H × W

    @property
    def height(self) -> int:
        return self.solid.shape[0]

    @property
    def width(self) -> int:
        return self.solid.shape[1]

    def runs(self, y: float) -> list[tuple[int, int]]:
        """The garment's stretches (first, last column) along row ``y``."""
        row = self.solid[int(np.clip(round(y), 0, self.height - 1))].astype(np.int8)
        changes = np.flatnonzero(np.diff(np.concatenate([[0], row, [0]])))
        return [(int(start), int(end) - 1) for start, end in zip(changes[::2], changes[1::2], strict=True)]

    def extent(self, y: float) -> tuple[float, float]:
        runs = self.runs(y)
        if not runs:
            return float(self.width) / 2, float(self.width) / 2
        return float(runs[0][0]), float(runs[-1][1])

    def torso_columns(self) -> tuple[float, float]:
        """The body of a top: its side edges over the lower half, where no sleeve reaches."""
        lefts, rights = zip(*(self.extent(y) for y in np.linspace(0.6, 0.9, 7) * self.height), strict=True)
        return float(np.median(lefts)), float(np.median(rights))

    def sleeve(self, side: int, torso_edge: float) -> dict[str, np.ndarray] | None:
        """Shoulder, armpit and cuff corners of the sleeve on the image-left (0) or -right (1) side."""
        margin = 0.03 * self.width
        columns = np.arange(self.width)
        beyond = columns < torso_edge - margin if side == 0 else columns > torso_edge + margin
        sleeve_rows = np.flatnonzero((self.solid & beyond[None, :]).any(axis=1))
        if len(sleeve_rows) == 0 or sleeve_rows[0] > 0.5 * self.height:
            return None
        armpit_y = float(sleeve_rows.max())
        ys, xs = np.nonzero(self.solid & beyond[None, :])
        outermost = xs.min() if side == 0 else xs.max()
        cuff = ys[np.abs(xs - outermost) <= max(2, 0.03 * self.width)]
        top_row = float(np.flatnonzero(self.solid.any(axis=1))[0])
        top_left, top_right = self.extent(top_row)
        return {
            "shoulder": np.array([top_left if side == 0 else top_right, top_row]),
            "armpit": np.array([torso_edge, armpit_y]),
            "cuff_top": np.array([float(outermost), float(cuff.min())]),
            "cuff_bottom": np.array([float(outermost), float(cuff.max())]),
        }

    def crotch(self) -> np.ndarray | None:
        """Where the legs of trousers part (the top of the gap between them), or None for a skirt."""
        for y in range(int(0.1 * self.height), int(0.8 * self.height)):
            runs = self.runs(y)
            if len(runs) >= 2:
                gaps = [(runs[i][1] + runs[i + 1][0]) / 2 for i in range(len(runs) - 1)]
                middle = min(gaps, key=lambda x: abs(x - self.width / 2))
                if abs(middle - self.width / 2) < 0.2 * self.width:
                    return np.array([middle, float(y)])
        return None


def shape_of(cutout: Cutout) -> Shape:
    return Shape(solid=cutout.alpha > 0.5)
