"""The offline engine: a classical try-on *preview* that needs no API key and no network.

1. Cut the garment out of the product photo: its own transparency when it has one, else a flood fill of the
   background from the photo's borders.
2. Find the body with MediaPipe Pose (models ship inside the ``mediapipe==0.10.14`` wheel, CPU only).
3. Warp the garment (perspective transform) onto the torso (shoulders → hips), the legs (hips → ankles) or
   shoulders → knees for dresses, clipped to the person's silhouette from MediaPipe selfie segmentation.
4. When no body is found, place the garment centred and say so in the metadata.

The result is marked as a preview in the job's metadata; the image's label ("AI 생성 · 미리보기") is drawn with
the other try-on results' AI mark when the result is stored (tryon/labels.py).
"""

from __future__ import annotations

import io
import logging
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from tryon.images import encode_jpeg
from tryon.providers import messages
from tryon.providers.base import EngineError, EngineResult, ProgressCallback, SubmissionCallback

logger = logging.getLogger(__name__)

VISIBLE = 0.5
# Landmark indices of MediaPipe Pose.
L_SHOULDER, R_SHOULDER, L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANKLE, R_ANKLE = 11, 12, 23, 24, 25, 26, 27, 28
MASK_EDGE = 400  # the background flood fill runs on a copy at most this large
BACKGROUND_TOLERANCE = 60  # sum of per-channel differences PIL's flood fill accepts as "background"

_model_lock = threading.Lock()
_models: dict[str, Any] = {}


@dataclass(frozen=True)
class Point:
    x: float
    y: float

    def __add__(self, other: Point) -> Point:
        return Point(self.x + other.x, self.y + other.y)

    def __sub__(self, other: Point) -> Point:
        return Point(self.x - other.x, self.y - other.y)

    def scaled(self, factor: float) -> Point:
        return Point(self.x * factor, self.y * factor)

    def length(self) -> float:
        return float(np.hypot(self.x, self.y))


def _model(kind: str) -> Any:
    import mediapipe as mp  # heavy (TensorFlow Lite): loaded by the first photo, not by every process

    if kind not in _models:
        if kind == "pose":
            _models[kind] = mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1)
        else:
            _models[kind] = mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0)
    return _models[kind]


def detect_landmarks(image: Image.Image) -> dict[int, Point]:
    """Visible pose landmarks in pixel coordinates (may lie outside the image when MediaPipe extrapolates)."""
    rgb = np.asarray(image.convert("RGB"))
    with _model_lock:
        result = _model("pose").process(rgb)
    if not result.pose_landmarks:
        return {}
    width, height = image.size
    return {
        index: Point(landmark.x * width, landmark.y * height)
        for index, landmark in enumerate(result.pose_landmarks.landmark)
        if landmark.visibility >= VISIBLE
    }


def person_mask(image: Image.Image) -> Image.Image | None:
    """The person's silhouette (L mode, 255 = person), slightly dilated; None when nobody is found."""
    rgb = np.asarray(image.convert("RGB"))
    with _model_lock:
        result = _model("segmentation").process(rgb)
    mask = getattr(result, "segmentation_mask", None)
    if mask is None or float(mask.mean()) < 0.02:
        return None
    layer = Image.fromarray((np.clip(mask, 0, 1) * 255).astype(np.uint8), "L")
    return layer.filter(ImageFilter.MaxFilter(9)).filter(ImageFilter.GaussianBlur(3))


def cut_out_garment(garment: Image.Image) -> tuple[Image.Image, str]:
    """The garment on a transparent background, cropped to it; and how it was cut out."""
    rgba = garment.convert("RGBA")
    alpha = np.asarray(rgba.getchannel("A"))
    if (alpha < 128).mean() > 0.05:
        method = "alpha"
        mask = rgba.getchannel("A")
    else:
        method = "background-flood-fill"
        small = rgba.convert("RGB")
        small.thumbnail((MASK_EDGE, MASK_EDGE))
        sentinel = (1, 254, 3)
        filled = small.copy()
        width, height = filled.size
        step = max(1, min(width, height) // 25)
        seeds = [(x, 0) for x in range(0, width, step)] + [(x, height - 1) for x in range(0, width, step)]
        seeds += [(0, y) for y in range(0, height, step)] + [(width - 1, y) for y in range(0, height, step)]
        for seed in seeds:
            if filled.getpixel(seed) != sentinel:
                ImageDraw.floodfill(filled, seed, sentinel, thresh=BACKGROUND_TOLERANCE)
        background = np.all(np.asarray(filled) == np.array(sentinel, dtype=np.uint8), axis=-1)
        mask = Image.fromarray(np.where(background, 0, 255).astype(np.uint8), "L")
        mask = mask.filter(ImageFilter.MinFilter(3)).resize(rgba.size, Image.Resampling.BILINEAR)
        mask = mask.filter(ImageFilter.GaussianBlur(1))
    coverage = (np.asarray(mask) > 127).mean()
    if coverage < 0.03 or coverage > 0.995:
        # Nothing sensible separated from the background: use the photo as it is.
        return rgba, "none"
    rgba.putalpha(mask)
    box = mask.point(lambda value: 255 if value > 127 else 0).getbbox()
    return (rgba.crop(box) if box else rgba), method


def _perspective_coefficients(destination: list[Point], source: list[Point]) -> list[float]:
    """Coefficients for PIL's PERSPECTIVE transform mapping each destination corner to its source corner."""
    rows, values = [], []
    for dst, src in zip(destination, source, strict=True):
        rows.append([dst.x, dst.y, 1, 0, 0, 0, -src.x * dst.x, -src.x * dst.y])
        rows.append([0, 0, 0, dst.x, dst.y, 1, -src.y * dst.x, -src.y * dst.y])
        values += [src.x, src.y]
    return [float(v) for v in np.linalg.solve(np.array(rows, dtype=float), np.array(values, dtype=float))]


def _band(top_a: Point, top_b: Point, bottom_a: Point, bottom_b: Point, widen: float, lift: float) -> list[Point]:
    """A quad (top-left, top-right, bottom-right, bottom-left in image order) around two body lines."""
    if top_a.x > top_b.x:
        top_a, top_b = top_b, top_a
    if bottom_a.x > bottom_b.x:
        bottom_a, bottom_b = bottom_b, bottom_a
    width = (top_b - top_a).length()
    along = top_b - top_a
    unit = along.scaled(1 / max(width, 1.0))
    extra = unit.scaled(width * widen)
    up = Point(unit.y, -unit.x).scaled(width * lift)
    bottom_width = (bottom_b - bottom_a).length()
    bottom_extra = unit.scaled(max(bottom_width, width * 0.8) * widen + max(0.0, width * 0.8 - bottom_width) / 2)
    return [top_a - extra + up, top_b + extra + up, bottom_b + bottom_extra, bottom_a - bottom_extra]


def body_quad(landmarks: dict[int, Point], category: str, size: tuple[int, int]) -> list[Point] | None:
    """Where the garment goes, from the landmarks; None when the needed ones are not visible."""
    has = landmarks.__contains__
    if category in ("upper_body", "dresses"):
        if not (has(L_SHOULDER) and has(R_SHOULDER)):
            return None
        left, right = landmarks[L_SHOULDER], landmarks[R_SHOULDER]
        shoulder_width = (right - left).length()
        if shoulder_width < 10:
            return None
        down = Point(0, 1)
        if has(L_HIP) and has(R_HIP):
            hip_l, hip_r = landmarks[L_HIP], landmarks[R_HIP]
        else:  # hips out of frame: a typical torso is about 1.5 shoulder widths long
            hip_l = left + down.scaled(shoulder_width * 1.5)
            hip_r = right + down.scaled(shoulder_width * 1.5)
        if category == "dresses":
            knee_l = landmarks.get(L_KNEE, hip_l + down.scaled(shoulder_width * 1.3))
            knee_r = landmarks.get(R_KNEE, hip_r + down.scaled(shoulder_width * 1.3))
            return _band(left, right, knee_l, knee_r, widen=0.18, lift=0.22)
        return _band(left, right, hip_l, hip_r, widen=0.15, lift=0.22)
    if not (has(L_HIP) and has(R_HIP)):
        return None
    hip_l, hip_r = landmarks[L_HIP], landmarks[R_HIP]
    hip_width = (hip_r - hip_l).length()
    leg_l = landmarks.get(L_ANKLE) or landmarks.get(L_KNEE)
    leg_r = landmarks.get(R_ANKLE) or landmarks.get(R_KNEE)
    if leg_l is None or leg_r is None:
        leg_l = hip_l + Point(0, hip_width * 3.5)
        leg_r = hip_r + Point(0, hip_width * 3.5)
    return _band(hip_l, hip_r, leg_l, leg_r, widen=0.25, lift=0.15)


def centred_quad(garment_size: tuple[int, int], category: str, size: tuple[int, int]) -> list[Point]:
    """A centred placement keeping the garment's proportions, for photos where no body was found."""
    width, height = size
    top, bottom = {"upper_body": (0.22, 0.68), "lower_body": (0.45, 0.95), "dresses": (0.22, 0.92)}[category]
    box_height = (bottom - top) * height
    box_width = 0.6 * width
    scale = min(box_width / garment_size[0], box_height / garment_size[1])
    w, h = garment_size[0] * scale, garment_size[1] * scale
    x0, y0 = (width - w) / 2, top * height + (box_height - h) / 2
    return [Point(x0, y0), Point(x0 + w, y0), Point(x0 + w, y0 + h), Point(x0, y0 + h)]


class OfflineEngine:
    name = "offline"

    def run(
        self,
        *,
        person: bytes,
        garment: bytes,
        category: str,
        report_progress: ProgressCallback,
        resume_id: str | None = None,
        on_submitted: SubmissionCallback | None = None,
    ) -> EngineResult:
        try:
            person_image = Image.open(io.BytesIO(person)).convert("RGB")
            garment_image = Image.open(io.BytesIO(garment))
            garment_image.load()
        except OSError as exc:
            raise EngineError(messages.OFFLINE_UNREADABLE_INPUT(), code="BadInput") from exc
        report_progress(10)
        cutout, cutout_method = cut_out_garment(garment_image)
        report_progress(30)
        landmarks = detect_landmarks(person_image)
        quad = body_quad(landmarks, category, person_image.size)
        placement = "pose" if quad is not None else "centered"
        if quad is None:
            quad = centred_quad(cutout.size, category, person_image.size)
        report_progress(60)

        source = [Point(0, 0), Point(cutout.width, 0), Point(cutout.width, cutout.height), Point(0, cutout.height)]
        warped = cutout.transform(
            person_image.size,
            Image.Transform.PERSPECTIVE,
            _perspective_coefficients(quad, source),
            Image.Resampling.BICUBIC,
            fillcolor=(0, 0, 0, 0),
        )
        clipped = False
        if placement == "pose":
            silhouette = person_mask(person_image)
            if silhouette is not None:
                garment_alpha = warped.getchannel("A")
                clipped_alpha = Image.fromarray(
                    (np.asarray(garment_alpha, dtype=np.uint16) * np.asarray(silhouette) // 255).astype(np.uint8)
                )
                # Keep the clip only if it leaves most of the garment (a failed segmentation must not erase it).
                if np.asarray(clipped_alpha).sum() > 0.6 * np.asarray(garment_alpha).sum():
                    warped.putalpha(clipped_alpha)
                    clipped = True
        result = Image.alpha_composite(person_image.convert("RGBA"), warped)
        report_progress(90)
        metadata: dict[str, Any] = {
            "engine": self.name,
            "preview": True,
            "placement": placement,
            "poseDetected": bool(landmarks),
            "garmentCutout": cutout_method,
            "silhouetteClip": clipped,
            "quad": [[round(p.x, 1), round(p.y, 1)] for p in quad],
            "note": (messages.OFFLINE_NOTE_POSE if placement == "pose" else messages.OFFLINE_NOTE_CENTRED)(),
        }
        logger.info("offline try-on preview: placement=%s cutout=%s", placement, cutout_method)
        return EngineResult(image=encode_jpeg(result, quality=92), extension="jpg", metadata=metadata)
