"""Blurs sized to the photo."""

from __future__ import annotations

import cv2
import numpy as np


def smooth(image: np.ndarray, sigma: float) -> np.ndarray:
    """A Gaussian blur; wide ones are taken on a smaller copy (they only carry slow variation), which keeps a
    1 500 px photo within the CPU budget."""
    if sigma <= 3:
        return cv2.GaussianBlur(image, (0, 0), sigma)
    factor = sigma / 2
    height, width = image.shape[:2]
    small = cv2.resize(
        image, (max(1, round(width / factor)), max(1, round(height / factor))), interpolation=cv2.INTER_AREA
    )
    return cv2.resize(cv2.GaussianBlur(small, (0, 0), 2.0), (width, height), interpolation=cv2.INTER_LINEAR)
