"""Photos of people the try-on tests may use (licences in tests/tryon/photos/README.md), with hand-marked
regions, and the measures of issue 29 taken on a preview made from them.

The regions were marked by eye on each photo, independently of any model: the face (forehead to chin), the
visible forearms and hands, and the row of the chest and of the hips. The person mask that garment pixels
must stay inside comes from MediaPipe's *selfie segmentation* model, not from the pose model the engine uses.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

PHOTO_DIR = Path(__file__).resolve().parents[1] / "tryon" / "photos"
# A pixel counts as changed when a channel moved by more than this (JPEG noise and the feathered edge of a
# neighbouring garment stay below it).
CHANGED = 25


def _matplotlib_sample(name: str) -> Path:
    spec = importlib.util.find_spec("matplotlib")
    assert spec and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "sample_data" / name


@dataclass(frozen=True)
class Photo:
    name: str
    path: Path
    face: tuple[int, int, int, int]  # x0, y0, x1, y1
    arms: list[list[tuple[int, int]]] = field(default_factory=list)  # polygons of forearms and hands
    # (row, first column, last column) of the body across the chest (arms beside it included: sleeves cover
    # them) and across the hips (hands beside them left out)
    chest: tuple[int, int, int] | None = None
    hips: tuple[int, int, int] | None = None
    full_body: bool = False

    def image(self) -> Image.Image:
        return Image.open(self.path).convert("RGB")


PHOTOS = {
    photo.name: photo
    for photo in [
        Photo("portrait", _matplotlib_sample("grace_hopper.jpg"), face=(170, 140, 350, 315), chest=(480, 0, 511)),
        Photo("astronaut", PHOTO_DIR / "astronaut.jpg", face=(175, 75, 285, 180), chest=(330, 25, 362)),
        Photo(
            "cameraman",
            PHOTO_DIR / "cameraman.jpg",
            face=(205, 110, 252, 195),
            arms=[
                [(165, 215), (200, 207), (215, 215), (213, 255), (185, 262), (165, 250)],
                [(280, 180), (320, 180), (320, 225), (280, 225)],
            ],
        ),
        Photo(
            "standing",
            PHOTO_DIR / "street_standing.jpg",
            face=(165, 45, 196, 95),
            arms=[[(119, 175), (134, 175), (134, 250), (119, 250)], [(229, 175), (240, 175), (240, 250), (229, 250)]],
            chest=(130, 125, 243),
            hips=(235, 137, 224),
            full_body=True,
        ),
        Photo(
            "walking",
            PHOTO_DIR / "street_walking.jpg",
            face=(168, 55, 198, 98),
            arms=[[(95, 212), (170, 180), (175, 192), (100, 230)], [(78, 213), (100, 213), (100, 235), (78, 235)]],
            chest=(150, 176, 228),
            hips=(250, 160, 232),
            full_body=True,
        ),
    ]
}


def region_mask(size: tuple[int, int], polygons: list[list[tuple[int, int]]]) -> np.ndarray:
    canvas = Image.new("L", size, 0)
    for polygon in polygons:
        ImageDraw.Draw(canvas).polygon(polygon, fill=255)
    return np.asarray(canvas) > 0


def person_mask(image: Image.Image) -> np.ndarray:
    """MediaPipe selfie segmentation (general model, inside the wheel), a little dilated for soft edges."""
    import mediapipe as mp

    with mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0) as model:
        mask = model.process(np.asarray(image.convert("RGB"))).segmentation_mask
    return cv2.dilate((mask > 0.5).astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)


def luminance(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def changed(before: Image.Image, after: Image.Image) -> np.ndarray:
    difference = np.abs(np.asarray(after, dtype=np.int16) - np.asarray(before, dtype=np.int16)).max(axis=2)
    return difference > CHANGED


def share_changed(before: Image.Image, after: Image.Image, region: np.ndarray) -> float:
    return float(changed(before, after)[region].mean()) if region.any() else 0.0


def inside_share(garment: np.ndarray, person: np.ndarray) -> float:
    return float((garment & person).sum() / max(garment.sum(), 1))


def row_width(mask: np.ndarray, row: int) -> float:
    columns = np.flatnonzero(mask[row])
    return float(columns[-1] - columns[0] + 1) if len(columns) else 0.0


def body_width(person: np.ndarray, row: int, centre: float) -> float:
    """The width of the person's stretch of ``row`` that holds ``centre`` (arms beside the body included)."""
    line = person[row].astype(np.int8)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], line, [0]])))
    for start, end in zip(edges[::2], edges[1::2], strict=True):
        if start <= centre < end:
            return float(end - start)
    return 0.0


def brightness_figures(before: Image.Image, after: Image.Image, garment: np.ndarray) -> tuple[float, float]:
    """(correlation, spread ratio) of the luminance under the garment, result against the original."""
    original = luminance(np.asarray(before, dtype=np.float64))[garment]
    result = luminance(np.asarray(after, dtype=np.float64))[garment]
    correlation = float(np.corrcoef(original, result)[0, 1])
    return correlation, float(result.std() / max(original.std(), 1e-6))


def edge_contrast_ratio(after: Image.Image, garment: np.ndarray, person: np.ndarray) -> float:
    """Mean luminance gradient along the garment's outline where it lies on the body, over the mean inside.

    The outline against the background is left out: there the photo had the body's own edge already. A pasted
    flat cut-out scores 10–40; a garment with soft edges and the photo's folds stays near the photo's own."""
    light = luminance(np.asarray(after, dtype=np.float32))
    gradient = np.hypot(cv2.Sobel(light, cv2.CV_32F, 1, 0), cv2.Sobel(light, cv2.CV_32F, 0, 1))
    solid = garment.astype(np.uint8)
    ring = cv2.dilate(solid, np.ones((3, 3), np.uint8)) - cv2.erode(solid, np.ones((3, 3), np.uint8))
    on_body = cv2.erode(person.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    outline = ring.astype(bool) & on_body
    interior = cv2.erode(solid, np.ones((9, 9), np.uint8)).astype(bool)
    if not outline.any() or not interior.any():
        return 0.0
    return float(gradient[outline].mean() / max(gradient[interior].mean(), 1e-6))
