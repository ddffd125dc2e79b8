"""Thin-plate spline warps: a garment part moved so that its named points land on the body's."""

from __future__ import annotations

import cv2
import numpy as np

# The spline is evaluated on a grid this many pixels apart and interpolated in between: the map is smooth, and
# a 1500 px photo would otherwise cost a full-resolution evaluation per part.
GRID_STEP = 8
# Pulls the spline a little towards an affine map, so that nearly coincident points cannot make it fold.
REGULARISATION = 1e-3


def _kernel(squared_distances: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        values = squared_distances * np.log(squared_distances)
    return np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)


class ThinPlateSpline:
    """The smoothest map (least bending energy) taking each of ``source`` points to its ``target`` point."""

    def __init__(self, source: np.ndarray, target: np.ndarray) -> None:
        source = np.asarray(source, dtype=np.float64)
        target = np.asarray(target, dtype=np.float64)
        # Solved in coordinates scaled to about one: keeps the r² log r² terms and the affine part comparable.
        self._centre = source.mean(axis=0)
        self._scale = max(float(np.abs(source - self._centre).max()), 1.0)
        points = (source - self._centre) / self._scale
        count = len(points)
        kernel = _kernel(((points[:, None, :] - points[None, :, :]) ** 2).sum(-1))
        affine = np.hstack([np.ones((count, 1)), points])
        system = np.zeros((count + 3, count + 3))
        system[:count, :count] = kernel + REGULARISATION * np.eye(count)
        system[:count, count:] = affine
        system[count:, :count] = affine.T
        values = np.zeros((count + 3, 2))
        values[:count] = target
        self._points = points
        self._weights = np.linalg.lstsq(system, values, rcond=None)[0]

    def __call__(self, xy: np.ndarray) -> np.ndarray:
        points = (np.asarray(xy, dtype=np.float64) - self._centre) / self._scale
        kernel = _kernel(((points[:, None, :] - self._points[None, :, :]) ** 2).sum(-1))
        affine = np.hstack([np.ones((len(points), 1)), points])
        return kernel @ self._weights[: len(self._points)] + affine @ self._weights[len(self._points) :]


def warp_part(
    rgba: np.ndarray,
    source_points: np.ndarray,
    target_points: np.ndarray,
    size: tuple[int, int],
    box: tuple[float, float, float, float],
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """``rgba`` (float32, H×W×4, alpha premultiplied) warped onto ``box`` (x0, y0, x1, y1) of a ``size``
    (width, height) canvas: the patch and the box, clipped to the canvas. Nothing outside the box is drawn.

    The spline runs from the canvas to the garment (for each output pixel, where to read), so there are no
    holes.
    """
    width, height = size
    x0, y0 = max(0, int(box[0])), max(0, int(box[1]))
    x1, y1 = min(width, int(box[2])), min(height, int(box[3]))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return np.zeros((0, 0, 4), np.float32), (0, 0, 0, 0)
    inverse = ThinPlateSpline(target_points, source_points)
    columns = np.arange(x0, x1 + GRID_STEP, GRID_STEP, dtype=np.float64)
    rows = np.arange(y0, y1 + GRID_STEP, GRID_STEP, dtype=np.float64)
    grid_x, grid_y = np.meshgrid(columns, rows)
    mapped = inverse(np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)).astype(np.float32)
    coarse_x = mapped[:, 0].reshape(grid_x.shape)
    coarse_y = mapped[:, 1].reshape(grid_x.shape)
    # Bilinear interpolation of the coarse map: output pixel (x, y) reads grid cell ((x - x0) / step, ...).
    cells_x, cells_y = np.meshgrid(
        np.arange(x1 - x0, dtype=np.float32) / GRID_STEP, np.arange(y1 - y0, dtype=np.float32) / GRID_STEP
    )
    map_x = cv2.remap(coarse_x, cells_x, cells_y, interpolation=cv2.INTER_LINEAR)
    map_y = cv2.remap(coarse_y, cells_x, cells_y, interpolation=cv2.INTER_LINEAR)
    patch = cv2.remap(
        rgba, map_x, map_y, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0, 0)
    )
    return patch, (x0, y0, x1, y1)
