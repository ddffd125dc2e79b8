"""Drawing tools the designs share: gradients, glows, text blocks, logos, ornaments."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps

from content.design.palette import RGB
from content.typography import TextBlock


def linear_gradient(size: tuple[int, int], stops: list[RGB], angle_deg: float = 45) -> Image.Image:
    width, height = size
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = np.deg2rad(angle_deg)
    t = x * np.cos(angle) + y * np.sin(angle)
    t = (t - t.min()) / max(1e-6, float(t.max() - t.min()))
    positions = np.linspace(0, 1, len(stops))
    channels = [np.interp(t, positions, [stop[i] for stop in stops]) for i in range(3)]
    return Image.fromarray(np.dstack(channels).astype(np.uint8), "RGB")


def radial_glow(size: tuple[int, int], center: tuple[float, float], radius: float, color: RGB, strength: float):
    width, height = size
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    distance = np.sqrt((x - center[0]) ** 2 + (y - center[1]) ** 2) / radius
    alpha = np.clip(1 - distance, 0, 1) ** 2 * 255 * strength
    layer = Image.new("RGBA", size, color + (0,))
    layer.putalpha(Image.fromarray(alpha.astype(np.uint8), "L"))
    return layer


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
) -> None:
    """Draws the lines of ``block`` with their top at ``y`` (glyph tops, not the font's ascent box)."""
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
        layer = Image.new("RGBA", canvas.size, shadow + (0,))
        shadow_draw = ImageDraw.Draw(layer)
        for line_x, line_y, line in positions:
            shadow_draw.text(
                (line_x + shadow_offset[0], line_y + shadow_offset[1]), line, font=block.font, fill=shadow + (255,)
            )
        if shadow_blur:
            alpha = layer.getchannel("A").filter(ImageFilter.GaussianBlur(shadow_blur))
            layer.putalpha(alpha.point(lambda a: int(a * 0.55)))
        canvas.alpha_composite(layer) if canvas.mode == "RGBA" else canvas.paste(layer, (0, 0), layer)
    draw = ImageDraw.Draw(canvas)
    for line_x, line_y, line in positions:
        draw.text((line_x, line_y), line, font=block.font, fill=fill)


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


def sunburst(size: tuple[int, int], center: tuple[float, float], *, rays: int, alpha: int) -> Image.Image:
    """Soft light rays from ``center``, fading towards the edges."""
    width, height = size
    layer = Image.new("RGBA", size, (255, 255, 255, 0))
    draw = ImageDraw.Draw(layer)
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
            fill=(255, 255, 255, alpha),
        )
    fade = radial_glow(size, center, max(width, height) * 0.75, (0, 0, 0), 1.0).getchannel("A")
    layer.putalpha(ImageChops.multiply(layer.getchannel("A"), fade.point(lambda a: min(255, a * 2))))
    return layer


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
