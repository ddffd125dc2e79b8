"""Drawing tools the designs share: gradients, glows, text blocks, logos, ornaments."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps

from content.design.palette import RGB
from content.typography import TextBlock

# Gradients are drawn at a quarter of the size and enlarged: a linear ramp survives bilinear enlargement
# exactly, except for a softening of the kinks at colour stops over a few pixels, invisible at these slopes.
_GRADIENT_REDUCTION = 4


def linear_gradient(size: tuple[int, int], stops: list[RGB], angle_deg: float = 45) -> Image.Image:
    """Evenly spaced colour ``stops`` along the direction ``angle_deg`` (0° left to right, 90° top to bottom).

    The colours are interpolated once along a strip of one sample per pixel of the gradient's length;
    Pillow's affine transform then stretches the strip over a reduced canvas and its resize enlarges that:
    both in C, at a fraction of the cost of interpolating every pixel in numpy.
    """
    width, height = size
    angle = np.deg2rad(angle_deg)
    cos, sin = float(np.cos(angle)), float(np.sin(angle))
    # t = x·cos + y·sin over the pixel grid, normalised to 0–1; being linear, its extremes are at the corners.
    corners = [x * cos + y * sin for x in (0, width - 1) for y in (0, height - 1)]
    t_min, t_range = min(corners), max(1e-6, max(corners) - min(corners))
    samples = int(np.ceil(t_range)) + 1
    positions = np.linspace(0, 1, len(stops))
    t = np.linspace(0, 1, samples)
    strip = np.dstack([np.interp(t, positions, [stop[i] for stop in stops]) for i in range(3)])
    # Two identical rows (and one repeated end column each side): bilinear sampling never leaves the strip.
    strip = np.concatenate([strip[:, :1], strip, strip[:, -1:]], axis=1).repeat(2, axis=0)
    strip_image = Image.fromarray(strip.astype(np.uint8), "RGB")  # truncated, as the shipped design was

    reduced = (max(2, -(-width // _GRADIENT_REDUCTION)), max(2, -(-height // _GRADIENT_REDUCTION)))
    step_x, step_y = width / reduced[0], height / reduced[1]
    scale = (samples - 1) / t_range
    # Pillow samples at pixel centres: reduced pixel centre X stands for full-size pixel X·step − 0.5 (as its
    # resize maps them back), and strip sample k has its centre at k + 1.5.
    offset = (-0.5 * cos - 0.5 * sin - t_min) * scale + 1.5
    small = strip_image.transform(
        reduced,
        Image.Transform.AFFINE,
        (cos * scale * step_x, sin * scale * step_y, offset, 0, 0, 1.0),
        resample=Image.Resampling.BILINEAR,
    )
    return small.resize(size, Image.Resampling.BILINEAR)


_FALLOFF_SIZE = 512


@lru_cache(maxsize=1)
def _unit_falloff() -> Image.Image:
    """(1 − d)² for the distance d from the centre of a unit disc, 0 outside it, at 512 × 512 (0–255)."""
    axis = (np.arange(_FALLOFF_SIZE, dtype=np.float32) + 0.5) / _FALLOFF_SIZE * 2 - 1
    distance = np.sqrt(axis[None, :] ** 2 + axis[:, None] ** 2)
    return Image.fromarray(np.rint(np.clip(1 - distance, 0, 1) ** 2 * 255).astype(np.uint8), "L")


@lru_cache(maxsize=8)
def radial_falloff(size: tuple[int, int], center: tuple[float, float], radius: float) -> Image.Image:
    """An "L" mask: 255·(1 − d/radius)² around ``center``, 0 beyond ``radius``. Callers must not mutate it.

    The disc is scaled from one small precomputed falloff with Pillow's bilinear resampling, and cached per
    geometry: the designs ask for the same few per canvas size, whatever the event's colours.
    """
    mask = Image.new("L", size, 0)
    left, top = center[0] - radius, center[1] - radius
    # The disc's box in canvas pixels, clipped to the canvas, and the part of the unit falloff it shows.
    box = (
        max(0, int(left)),
        max(0, int(top)),
        min(size[0], int(np.ceil(left + 2 * radius))),
        min(size[1], int(np.ceil(top + 2 * radius))),
    )
    if box[0] >= box[2] or box[1] >= box[3]:
        return mask
    per_pixel = _FALLOFF_SIZE / (2 * radius)
    source = (
        (box[0] - left) * per_pixel,
        (box[1] - top) * per_pixel,
        (box[2] - left) * per_pixel,
        (box[3] - top) * per_pixel,
    )
    disc = _unit_falloff().resize((box[2] - box[0], box[3] - box[1]), Image.Resampling.BILINEAR, box=source)
    mask.paste(disc, box[:2])
    return mask


def radial_glow(canvas: Image.Image, center: tuple[float, float], radius: float, color: RGB, strength: float) -> None:
    """Lights ``canvas`` (RGB) with ``color`` fading out quadratically from ``center`` to ``radius``."""
    mask = radial_falloff(canvas.size, center, radius)
    canvas.paste(color, (0, 0), mask.point(lambda value: int(value * strength)))


def cover(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    return ImageOps.fit(image.convert("RGB"), size, Image.Resampling.LANCZOS, centering=(0.5, 0.45))


def draw_spaced(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, font, fill, spacing: float) -> float:
    """Latin labels with letter spacing; returns the drawn width."""
    x, y = xy
    for char in text:
        draw.text((x, y), char, font=font, fill=fill)
        x += font.getlength(char) + spacing
    return x - xy[0] - spacing


def spaced_width(text: str, font, spacing: float) -> float:
    return sum(font.getlength(c) for c in text) + spacing * (len(text) - 1)


def draw_block(
    canvas: Image.Image,
    block: TextBlock,
    *,
    x: float,
    y: float,
    width: float,
    fill: RGB,
    align: str = "left",
    shadow: RGB | None = None,
    shadow_offset: tuple[int, int] = (0, 0),
    shadow_blur: float = 0,
) -> tuple[float, float, float, float]:
    """Draws the lines of ``block`` with their top at ``y`` (glyph tops, not the font's ascent box); returns
    the box of the drawn glyphs (the shadow not included)."""
    ascent_gap = block.font.getbbox("가")[1]
    positions = []
    for index, line in enumerate(block.lines):
        line_width = block.font.getlength(line)
        if align == "center":
            line_x = x + (width - line_width) / 2
        elif align == "right":
            line_x = x + width - line_width
        else:
            line_x = x
        positions.append((line_x, y - ascent_gap + index * block.line_height, line))
    if shadow is not None:
        _draw_shadow(canvas, block, positions, shadow, shadow_offset, shadow_blur)
    draw = ImageDraw.Draw(canvas)
    for line_x, line_y, line in positions:
        draw.text((line_x, line_y), line, font=block.font, fill=fill)
    return ink_box(block.font, positions)


def ink_box(font, positions: list[tuple[float, float, str]]) -> tuple[float, float, float, float]:
    """The union of the glyph boxes of lines drawn at ``positions`` (x, y, text)."""
    boxes = [
        (x + box[0], y + box[1], x + box[2], y + box[3])
        for x, y, line in positions
        if line
        for box in [font.getbbox(line)]
    ]
    if not boxes:
        return (0.0, 0.0, 0.0, 0.0)
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _draw_shadow(
    canvas: Image.Image,
    block: TextBlock,
    positions: list[tuple[float, float, str]],
    color: RGB,
    offset: tuple[int, int],
    blur: float,
) -> None:
    """The lines' shadow, drawn and blurred only over the text's box (plus the blur's reach), not the canvas."""
    if not positions:
        return
    # Glyphs drawn at fractional positions can reach a pixel or two past getbbox(): a few pixels to spare.
    reach = int(np.ceil(3 * blur)) + 4
    boxes = []
    for line_x, line_y, line in positions:
        box = block.font.getbbox(line)
        x, y = line_x + offset[0], line_y + offset[1]
        boxes.append((x + box[0], y + box[1], x + box[2], y + box[3]))
    left = max(0, int(min(box[0] for box in boxes)) - reach)
    top = max(0, int(min(box[1] for box in boxes)) - reach)
    right = min(canvas.width, int(max(box[2] for box in boxes)) + reach)
    bottom = min(canvas.height, int(max(box[3] for box in boxes)) + reach)
    if left >= right or top >= bottom:
        return
    alpha = Image.new("L", (right - left, bottom - top), 0)
    alpha_draw = ImageDraw.Draw(alpha)
    for line_x, line_y, line in positions:
        alpha_draw.text((line_x + offset[0] - left, line_y + offset[1] - top), line, font=block.font, fill=255)
    if blur:
        alpha = alpha.filter(ImageFilter.GaussianBlur(blur)).point(lambda a: int(a * 0.55))
    if canvas.mode == "RGBA":
        layer = Image.new("RGBA", alpha.size, color + (0,))
        layer.putalpha(alpha)
        canvas.alpha_composite(layer, (left, top))
    else:
        canvas.paste(color, (left, top, right, bottom), alpha)


def fitted_logo(logo: Image.Image, box: tuple[int, int]) -> Image.Image:
    logo = logo.convert("RGBA")
    logo.thumbnail(box, Image.Resampling.LANCZOS)
    return logo


def sparkle(draw: ImageDraw.ImageDraw, center: tuple[float, float], radius: float, fill) -> None:
    """A four-pointed star."""
    cx, cy = center
    waist = radius * 0.22
    points = [
        (cx, cy - radius),
        (cx + waist, cy - waist),
        (cx + radius, cy),
        (cx + waist, cy + waist),
        (cx, cy + radius),
        (cx - waist, cy + waist),
        (cx - radius, cy),
        (cx - waist, cy - waist),
    ]
    draw.polygon(points, fill=fill)


@lru_cache(maxsize=8)
def sunburst_mask(size: tuple[int, int], center: tuple[float, float], *, rays: int, alpha: int) -> Image.Image:
    """Soft light rays from ``center``, fading towards the edges, as an "L" mask (cached per geometry)."""
    width, height = size
    mask = Image.new("L", size, 0)
    draw = ImageDraw.Draw(mask)
    reach = max(width, height) * 1.2
    for index in range(rays):
        start = 2 * np.pi * index / rays
        end = start + np.pi / rays
        draw.polygon(
            [
                center,
                (center[0] + reach * np.cos(start), center[1] + reach * np.sin(start)),
                (center[0] + reach * np.cos(end), center[1] + reach * np.sin(end)),
            ],
            fill=alpha,
        )
    fade = radial_falloff(size, center, max(width, height) * 0.75).point(lambda a: min(255, a * 2))
    return ImageChops.multiply(mask, fade)


def sunburst(canvas: Image.Image, center: tuple[float, float], *, rays: int, alpha: int) -> None:
    """Lights ``canvas`` (RGB) with white rays from ``center``."""
    canvas.paste((255, 255, 255), (0, 0), sunburst_mask(canvas.size, center, rays=rays, alpha=alpha))


def gift_icon(size: int, color: RGB, background: RGB) -> Image.Image:
    """A small gift box drawn with shapes (no emoji font needed)."""
    icon = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(icon)
    s = size
    draw.rounded_rectangle((0.12 * s, 0.42 * s, 0.88 * s, 0.96 * s), radius=round(0.06 * s), fill=color)
    draw.rounded_rectangle((0.04 * s, 0.28 * s, 0.96 * s, 0.46 * s), radius=round(0.05 * s), fill=color)
    draw.rectangle((0.45 * s, 0.28 * s, 0.55 * s, 0.96 * s), fill=background)
    draw.rectangle((0.04 * s, 0.46 * s, 0.96 * s, 0.51 * s), fill=background)
    width = max(2, round(0.08 * s))
    draw.ellipse((0.2 * s, 0.04 * s, 0.5 * s, 0.3 * s), outline=color, width=width)
    draw.ellipse((0.5 * s, 0.04 * s, 0.8 * s, 0.3 * s), outline=color, width=width)
    return icon
