"""The shopper's body from MediaPipe Pose: landmarks, the person's outline, and what must stay in front.

``mediapipe==0.10.14`` ships the full pose model (``model_complexity=1``) and its segmentation head inside the
wheel; nothing is downloaded. One call gives both the 33 landmarks and the person mask.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

VISIBLE = 0.5
# MediaPipe Pose landmark indices.
NOSE, LEFT_EYE, RIGHT_EYE, LEFT_EAR, RIGHT_EAR, MOUTH_LEFT, MOUTH_RIGHT = 0, 2, 5, 7, 8, 9, 10
SHOULDERS, ELBOWS, WRISTS = (11, 12), (13, 14), (15, 16)
PINKIES, INDEXES, THUMBS = (17, 18), (19, 20), (21, 22)
HIPS, KNEES, ANKLES = (23, 24), (25, 26), (27, 28)
# Pose runs on a copy at most this large: its networks see 256 px crops anyway, and a smaller copy is cheaper
# to convert; the mask comes back at this size and is scaled up.
POSE_EDGE = 960

_model_lock = threading.Lock()
_model: Any = None


def _pose() -> Any:
    global _model
    import mediapipe as mp  # heavy (TensorFlow Lite): loaded by the first photo, not by every process

    if _model is None:
        _model = mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1, enable_segmentation=True)
    return _model


@dataclass(frozen=True)
class Body:
    points: np.ndarray  # 33 × 2, pixels (may lie outside the photo where MediaPipe extrapolates)
    visibility: np.ndarray  # 33
    mask: np.ndarray  # float32 H × W, 1 = person

    @property
    def size(self) -> tuple[int, int]:
        return self.mask.shape[1], self.mask.shape[0]

    def sees(self, *indices: int) -> bool:
        """Each landmark is visible and inside the photo (a little margin: a hand at the edge still counts)."""
        width, height = self.size
        for index in indices:
            x, y = self.points[index]
            if self.visibility[index] < VISIBLE or not (-0.02 * width <= x <= 1.02 * width):
                return False
            if not -0.02 * height <= y <= 1.02 * height:
                return False
        return True

    def pair(self, indices: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """A left/right landmark pair ordered as the photo shows them: image-left first."""
        first, second = self.points[indices[0]], self.points[indices[1]]
        return (first, second) if first[0] <= second[0] else (second, first)


def analyse_body(rgb: np.ndarray) -> Body | None:
    """Landmarks and person mask of the one person in ``rgb`` (H × W × 3 uint8), or None when nobody is found."""
    height, width = rgb.shape[:2]
    scale = min(1.0, POSE_EDGE / max(width, height))
    small = rgb if scale == 1.0 else cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    with _model_lock:
        result = _pose().process(np.ascontiguousarray(small))
    if not result.pose_landmarks or result.segmentation_mask is None:
        return None
    landmarks = result.pose_landmarks.landmark
    points = np.array([[mark.x * width, mark.y * height] for mark in landmarks], dtype=np.float64)
    visibility = np.array([mark.visibility for mark in landmarks], dtype=np.float64)
    mask = result.segmentation_mask.astype(np.float32)
    if scale != 1.0:
        mask = cv2.resize(mask, (width, height), interpolation=cv2.INTER_LINEAR)
    if float((mask > 0.5).mean()) < 0.01:
        return None
    return Body(points=points, visibility=visibility, mask=np.clip(mask, 0.0, 1.0))


def draw_capsule(canvas: np.ndarray, start: np.ndarray, end: np.ndarray, radius: float) -> None:
    """A segment ``radius`` thick with round ends, filled with 1 on a uint8 canvas."""
    thickness = max(1, int(round(2 * radius)))
    cv2.line(canvas, _pixel(start), _pixel(end), (1,), thickness=thickness, lineType=cv2.LINE_8)
    for point in (start, end):
        cv2.circle(canvas, _pixel(point), max(1, int(round(radius))), (1,), thickness=-1)


def _pixel(point: np.ndarray) -> tuple[int, int]:
    # Far outside points (extrapolated limbs) are clamped so that OpenCV's int conversion cannot overflow.
    return int(np.clip(point[0], -1e5, 1e5)), int(np.clip(point[1], -1e5, 1e5))


def edge_distance(inside: np.ndarray, origin: np.ndarray, direction: np.ndarray, limit: float) -> float | None:
    """How far from ``origin`` along ``direction`` the region ``inside`` (bool H × W) goes on; None when the
    origin itself is outside the photo or the region. Stops at ``limit``."""
    height, width = inside.shape
    x, y = int(round(origin[0])), int(round(origin[1]))
    if not (0 <= x < width and 0 <= y < height) or not inside[y, x]:
        return None
    unit = direction / max(float(np.hypot(*direction)), 1e-9)
    steps = np.arange(0.0, max(limit, 1.0), 1.0)
    xs = np.round(origin[0] + unit[0] * steps).astype(int)
    ys = np.round(origin[1] + unit[1] * steps).astype(int)
    within = (xs >= 0) & (xs < width) & (ys >= 0) & (ys < height)
    hits = np.zeros(len(steps), dtype=bool)
    hits[within] = inside[ys[within], xs[within]]
    gaps = np.flatnonzero(~hits)
    return float(steps[gaps[0]]) if len(gaps) else float(limit)


def limb_radius(inside: np.ndarray, start: np.ndarray, end: np.ndarray, low: float, high: float) -> float:
    """Half the limb's width across its middle, measured on the outline; ``low``–``high`` when unclear."""
    middle = (start + end) / 2
    along = end - start
    across = np.array([-along[1], along[0]])
    sides = [edge_distance(inside, middle, sign * across, high * 2) for sign in (1.0, -1.0)]
    measured = [side for side in sides if side is not None]
    if not measured:
        return (low + high) / 2
    return float(np.clip(min(measured), low, high))


def face_region(body: Body, canvas: np.ndarray) -> None:
    """Marks the face down to the chin (an ellipse from eyes, mouth and ears) with 1 on ``canvas``."""
    if body.visibility[NOSE] < VISIBLE or body.visibility[[MOUTH_LEFT, MOUTH_RIGHT]].min() < VISIBLE:
        return
    eyes = (body.points[LEFT_EYE] + body.points[RIGHT_EYE]) / 2
    mouth = (body.points[MOUTH_LEFT] + body.points[MOUTH_RIGHT]) / 2
    down = mouth - eyes
    if float(np.hypot(*down)) < 2:
        return
    chin, crown = mouth + 1.25 * down, eyes - 1.7 * down
    half_height = float(np.hypot(*(chin - crown))) / 2
    ears = float(np.hypot(*(body.points[LEFT_EAR] - body.points[RIGHT_EAR])))
    half_width = max(0.75 * half_height, 0.6 * ears)
    angle = float(np.degrees(np.arctan2(down[1], down[0]))) - 90
    centre = _pixel((chin + crown) / 2)
    cv2.ellipse(canvas, centre, (int(half_width), int(half_height)), angle, 0, 360, (1,), thickness=-1)


def forearms_and_hands(body: Body, canvas: np.ndarray, scale: float) -> None:
    """Marks each visible forearm and hand with 1 on ``canvas``: they stay in front of tops and dresses."""
    inside = body.mask > 0.5
    for side in (0, 1):
        elbow, wrist = ELBOWS[side], WRISTS[side]
        if not body.sees(wrist):
            continue
        hand = [body.points[i] for i in (PINKIES[side], INDEXES[side], THUMBS[side]) if body.sees(i)]
        wrist_point = body.points[wrist]
        knuckles = np.mean(hand, axis=0) if hand else wrist_point
        reach = max(float(np.hypot(*(knuckles - wrist_point))), 0.12 * scale)
        direction = (knuckles - wrist_point) if hand else np.array([0.0, 1.0])
        direction = direction / max(float(np.hypot(*direction)), 1e-9)
        # Fingertips lie about as far beyond the knuckles as the knuckles are from the wrist.
        draw_capsule(canvas, wrist_point, wrist_point + direction * reach * 1.9, max(0.09 * scale, 0.55 * reach))
        if body.sees(elbow):
            radius = limb_radius(inside, body.points[elbow], wrist_point, 0.05 * scale, 0.09 * scale)
            draw_capsule(canvas, body.points[elbow], wrist_point, radius * 1.15)
