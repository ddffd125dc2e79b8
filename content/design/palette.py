"""Colours: brand colour handling, contrast and the few fixed tones the designs share."""

from __future__ import annotations

import colorsys

RGB = tuple[int, int, int]

INK = (22, 22, 26)
PAPER = (251, 250, 247)
GOLD = (243, 201, 105)
GOLD_DEEP = (214, 158, 46)


def hex_to_rgb(value: str) -> RGB:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(a[i] + (b[i] - a[i]) * t) for i in range(3))  # type: ignore[return-value]


def luminance(color: RGB) -> float:
    def channel(c: int) -> float:
        value = c / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable_on(background: RGB, preferred: RGB, minimum: float = 3.0) -> RGB:
    """``preferred`` darkened or lightened until it reads on ``background``."""
    color = preferred
    target = (0, 0, 0) if luminance(background) > 0.35 else (255, 255, 255)
    step = 0
    while contrast(color, background) < minimum and step < 20:
        color = mix(color, target, 0.12)
        step += 1
    return color


def shift_hue(color: RGB, degrees: float, saturation: float = 1.0, value: float = 1.0) -> RGB:
    h, s, v = colorsys.rgb_to_hsv(*(c / 255 for c in color))
    h = (h + degrees / 360) % 1.0
    s = max(0.0, min(1.0, s * saturation))
    v = max(0.0, min(1.0, v * value))
    return tuple(round(c * 255) for c in colorsys.hsv_to_rgb(h, s, v))  # type: ignore[return-value]


def vivid(color: RGB) -> RGB:
    """The brand colour with enough saturation and brightness to carry a whole poster."""
    h, s, v = colorsys.rgb_to_hsv(*(c / 255 for c in color))
    if s < 0.15:  # greys and black stay as they are: the brand chose them
        return color
    return tuple(round(c * 255) for c in colorsys.hsv_to_rgb(h, max(s, 0.55), max(v, 0.55)))  # type: ignore[return-value]
