"""The built-in template renderer and compositor (Pillow).

Three designed styles — SIMPLE (clean, text-led), FANCY (rich colour, ornaments), TRENDY (bold, playful) —
laid out for each platform's exact size. With ``artwork`` (from an AI provider) the same design places the
artwork and sets our Korean text, brand colour and logo on top; without it the design stands alone. This
is the last link of the provider chain, so it needs nothing but Pillow and the bundled font.
"""

from __future__ import annotations

import colorsys
import io
import random
import zlib
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps

from content.constants import PLATFORM_SIZES, Style
from content.typography import TextBlock, drawable, fit_text, korean_font

RGB = tuple[int, int, int]

INK = (22, 22, 26)
PAPER = (251, 250, 247)
GOLD = (243, 201, 105)
GOLD_DEEP = (214, 158, 46)


@dataclass(frozen=True)
class EventArt:
    """What a designed image shows. ``logo`` is an already safely decoded image (or None)."""

    title: str
    gift_name: str
    brand_color: str
    logo: Image.Image | None = None


# --- colour helpers ------------------------------------------------------------------------------------


def hex_to_rgb(value: str) -> RGB:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(a[i] + (b[i] - a[i]) * t) for i in range(3))  # type: ignore[return-value]


def luminance(color: RGB) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

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


# --- drawing helpers -----------------------------------------------------------------------------------


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


def rounded_mask(size: tuple[int, int], radius: int) -> Image.Image:
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, size[0] - 1, size[1] - 1), radius=radius, fill=255)
    return mask


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


def _rng(event: EventArt, style: str) -> random.Random:
    return random.Random(zlib.crc32(f"{event.title}|{event.gift_name}|{style}".encode()))


# --- SIMPLE: clean, text-led ---------------------------------------------------------------------------


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


def _render_simple(event: EventArt, size: tuple[int, int], artwork: Image.Image | None) -> Image.Image:
    width, height = size
    unit = min(width, height) / 100
    brand = hex_to_rgb(event.brand_color)
    canvas = Image.new("RGB", size, PAPER)
    draw = ImageDraw.Draw(canvas)
    accent = readable_on(PAPER, brand, 3.0)
    tint = mix(PAPER, brand, 0.1)
    margin = round(9 * unit)
    landscape = width > height * 1.15

    text_box = (margin, margin, width - margin, height - margin)
    if artwork is not None:
        if landscape:
            panel = (round(width * 0.5), 0, width, height)
            text_box = (margin, margin, round(width * 0.5) - round(6 * unit), height - margin)
        else:
            panel = (0, 0, width, round(height * 0.42))
            text_box = (margin, round(height * 0.42) + round(6 * unit), width - margin, height - margin)
        panel_size = (panel[2] - panel[0], panel[3] - panel[1])
        canvas.paste(cover(artwork, panel_size), panel[:2])
        # A brand-coloured seam where the picture meets the paper.
        if landscape:
            draw.rectangle((panel[0], 0, panel[0] + round(0.8 * unit), height), fill=brand)
        else:
            draw.rectangle((0, panel[3], width, panel[3] + round(0.8 * unit)), fill=brand)
    else:
        # One soft tinted disc behind the headline and a hairline frame: colour and structure without noise.
        draw.ellipse((-30 * unit, -34 * unit, 52 * unit, 48 * unit), fill=tint)
        inset = round(4 * unit)
        draw.rectangle(
            (inset, inset, width - inset, height - inset),
            outline=mix(PAPER, brand, 0.45),
            width=max(1, round(0.3 * unit)),
        )
        if landscape:
            # Wide canvases give the right third to one emblem: the gift, in a brand-coloured medallion.
            r = min(height * 0.2, width * 0.17 - 3 * unit)
            ring = r + 2.4 * unit
            cx, cy = width - inset - ring - 4 * unit, height * 0.5
            text_box = (margin, margin, round(cx - ring - 4 * unit), height - margin)
            draw.ellipse((cx - ring, cy - ring, cx + ring, cy + ring), outline=brand, width=max(1, round(0.4 * unit)))
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=brand)
            emblem_color = (255, 255, 255) if luminance(brand) < 0.5 else INK
            emblem = gift_icon(round(r * 1.05), emblem_color, brand)
            canvas.paste(emblem, (round(cx - emblem.width / 2), round(cy - emblem.height * 0.55)), emblem)
        else:
            # A small brand "stamp" in the opposite corner balances the disc.
            cx, cy, r = width - inset - 9 * unit, height - inset - 9 * unit, 4.2 * unit
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=brand)
            ring = r + 2.2 * unit
            draw.ellipse((cx - ring, cy - ring, cx + ring, cy + ring), outline=brand, width=max(1, round(0.35 * unit)))

    box_width = text_box[2] - text_box[0]
    box_height = text_box[3] - text_box[1]
    footer = 12 * unit if event.logo is not None else 0

    label_font = korean_font(round(3.4 * unit), 700)
    label_gap = 4.5 * unit
    icon_size = round(6.2 * unit)
    gift_label_font = korean_font(round(2.9 * unit), 500)
    title_gap = 6.5 * unit
    available = box_height - footer
    # Shrink the whole stack until it fits the box (short boxes: landscape, or under an artwork panel).
    scale = 1.0
    while True:
        title = fit_text(
            event.title,
            max_width=box_width,
            max_height=available * 0.55,
            max_lines=3,
            max_size=round(12 * unit * scale),
            min_size=round(4.6 * unit),
            weight=800,
            line_spacing=1.2,
        )
        gift = fit_text(
            event.gift_name,
            max_width=box_width - icon_size - 9 * unit,
            max_height=available * 0.22,
            max_lines=2,
            max_size=round(5.6 * unit * scale),
            min_size=round(3.2 * unit),
            weight=700,
            line_spacing=1.22,
        )
        gift_inner = 2.9 * unit + 1.6 * unit + gift.height
        pill_height = max(icon_size, gift_inner) + 5 * unit
        stack = 3.4 * unit + label_gap + title.height + title_gap + pill_height
        if stack <= available or scale < 0.5:
            break
        scale *= 0.9
        title_gap = max(3.5 * unit, title_gap * 0.85)
    y = text_box[1] + max(0.0, (box_height - footer - stack) / 2)
    x = text_box[0]

    dot = 1.1 * unit
    label_mid = y + 3.4 * unit / 2
    draw.ellipse((x, label_mid - dot, x + 2 * dot, label_mid + dot), fill=brand)
    draw_spaced(draw, (x + 3.4 * unit, y - label_font.getbbox("E")[1]), "EVENT", label_font, accent, 0.55 * unit)
    y += 3.4 * unit + label_gap
    draw_block(canvas, title, x=x, y=y, width=box_width, fill=INK)
    y += title.height + title_gap

    pill_width = min(box_width, icon_size + 9 * unit + max(gift.width, gift_label_font.getlength("경품")))
    draw.rounded_rectangle(
        (x, y, x + pill_width, y + pill_height), radius=round(2.2 * unit), fill=mix(PAPER, brand, 0.09)
    )
    icon = gift_icon(icon_size, accent, mix(PAPER, brand, 0.09))
    canvas.paste(icon, (round(x + 3 * unit), round(y + (pill_height - icon_size) / 2)), icon)
    text_x = x + icon_size + 6 * unit
    text_y = y + (pill_height - gift_inner) / 2
    draw.text((text_x, text_y - gift_label_font.getbbox("경")[1]), "경품", font=gift_label_font, fill=(110, 110, 116))
    draw_block(canvas, gift, x=text_x, y=text_y + 2.9 * unit + 1.6 * unit, width=gift.width, fill=accent)

    if event.logo is not None:
        logo = fitted_logo(event.logo, (round(26 * unit), round(7.5 * unit)))
        canvas.paste(logo, (round(x), round(text_box[3] - logo.height)), logo)
    return canvas


# --- FANCY: rich colour, ornaments ---------------------------------------------------------------------


def _ribbon(draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float], unit: float, fill, fold) -> None:
    left, top, right, bottom = box
    notch = (bottom - top) * 0.5
    tail = 5 * unit
    for side in (-1, 1):
        if side < 0:
            x_outer, x_inner = left - tail, left + 1.5 * unit
        else:
            x_outer, x_inner = right + tail, right - 1.5 * unit
        drop = 1.8 * unit
        draw.polygon(
            [
                (x_inner, top + drop),
                (x_outer, top + drop),
                (x_outer + side * -notch * 0.6, top + drop + notch),
                (x_outer, bottom + drop),
                (x_inner, bottom + drop),
            ],
            fill=fold,
        )
    draw.rounded_rectangle(box, radius=round(1.2 * unit), fill=fill)


def _render_fancy(event: EventArt, size: tuple[int, int], artwork: Image.Image | None) -> Image.Image:
    width, height = size
    unit = min(width, height) / 100
    brand = vivid(hex_to_rgb(event.brand_color))
    gold, gold_deep = GOLD, GOLD_DEEP
    if luminance(brand) > 0.35:
        # A light brand colour (yellow, mint, pink) becomes the ornament colour on a deep complementary ground.
        gold, gold_deep = brand, mix(brand, (0, 0, 0), 0.25)
        brand = shift_hue(brand, 180, 0.9, 0.7)
    # Jewel tones: the white headline must read on the ground.
    while luminance(brand) > 0.2:
        brand = mix(brand, (0, 0, 0), 0.12)
    deep = shift_hue(brand, -8, 1.1, 0.38)
    rich = shift_hue(brand, 28, 1.05, 0.8)
    rng = _rng(event, Style.FANCY)

    if artwork is not None:
        canvas = cover(artwork, size).convert("RGBA")
        veil = linear_gradient(size, [deep, brand, deep], 90).convert("RGBA")
        veil.putalpha(150)
        canvas.alpha_composite(veil)
    else:
        canvas = linear_gradient(size, [deep, brand, rich], 60).convert("RGBA")
    canvas.alpha_composite(
        radial_glow(size, (width / 2, height * 0.42), max(width, height) * 0.62, (255, 240, 210), 0.38)
    )
    canvas.alpha_composite(sunburst(size, (width / 2, height * 0.45), rays=28, alpha=16))

    # Confetti and sparkles, scattered away from the text column.
    ornaments = Image.new("RGBA", size, (0, 0, 0, 0))
    odraw = ImageDraw.Draw(ornaments)
    for _ in range(46):
        cx = rng.uniform(0, width)
        cy = rng.uniform(0, height)
        if abs(cx - width / 2) < width * 0.3 and height * 0.16 < cy < height * 0.86:
            continue
        r = rng.uniform(0.4, 1.1) * unit
        color = rng.choice([gold + (230,), (255, 255, 255, 200), mix(rich, (255, 255, 255), 0.4) + (220,)])
        if rng.random() < 0.35:
            sparkle(odraw, (cx, cy), r * 2.6, color)
        else:
            odraw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=color)
    canvas.alpha_composite(ornaments)

    draw = ImageDraw.Draw(canvas)
    inset = 4 * unit
    draw.rectangle((inset, inset, width - inset, height - inset), outline=gold, width=max(2, round(0.45 * unit)))
    inner = inset + 1.4 * unit
    draw.rectangle(
        (inner, inner, width - inner, height - inner), outline=gold + (150,), width=max(1, round(0.18 * unit))
    )
    for cx, cy in ((inset, inset), (width - inset, inset), (inset, height - inset), (width - inset, height - inset)):
        d = 2.2 * unit
        draw.polygon([(cx, cy - d), (cx + d, cy), (cx, cy + d), (cx - d, cy)], fill=gold)
        draw.polygon([(cx, cy - d * 0.45), (cx + d * 0.45, cy), (cx, cy + d * 0.45), (cx - d * 0.45, cy)], fill=deep)

    column = width - 2 * (inner + 6 * unit)
    left = (width - column) / 2
    logo_height = 10 * unit if event.logo is not None else 0
    label_font = korean_font(round(3.3 * unit), 700)
    title = fit_text(
        event.title,
        max_width=column,
        max_height=height * 0.38,
        max_lines=3,
        max_size=round(11.5 * unit),
        min_size=round(5 * unit),
        weight=900,
        line_spacing=1.2,
    )
    gift_font_box = column * 0.78
    gift = fit_text(
        event.gift_name,
        max_width=gift_font_box - 6 * unit,
        max_height=14 * unit,
        max_lines=2,
        max_size=round(5.6 * unit),
        min_size=round(3.4 * unit),
        weight=800,
        line_spacing=1.2,
    )
    ribbon_height = gift.height + 4.4 * unit
    stack = (logo_height + (4 * unit if logo_height else 0)) + 3.3 * unit + 4.5 * unit + title.height + 6 * unit
    stack += 3 * unit + 3 * unit + ribbon_height
    y = max(inner + 4 * unit, (height - stack) / 2)

    if event.logo is not None:
        logo = fitted_logo(event.logo, (round(30 * unit), round(logo_height - 4 * unit)))
        pill = Image.new("RGBA", (logo.width + round(6 * unit), round(logo_height)), (0, 0, 0, 0))
        ImageDraw.Draw(pill).rounded_rectangle(
            (0, 0, pill.width - 1, pill.height - 1),
            radius=pill.height // 2,
            fill=(255, 255, 255, 245),
            outline=gold,
            width=max(2, round(0.35 * unit)),
        )
        pill.alpha_composite(logo, ((pill.width - logo.width) // 2, (pill.height - logo.height) // 2))
        canvas.alpha_composite(pill, (round((width - pill.width) / 2), round(y)))
        y += logo_height + 4 * unit

    label = "SPECIAL EVENT"
    spacing = 0.7 * unit
    label_width = spaced_width(label, label_font, spacing)
    label_x = (width - label_width) / 2
    label_mid = y + 3.3 * unit / 2
    draw_spaced(draw, (label_x, y - label_font.getbbox("S")[1]), label, label_font, gold, spacing)
    for side in (-1, 1):
        start = label_x - 2 * unit if side < 0 else label_x + label_width + 2 * unit
        draw.line((start, label_mid, start + side * 7 * unit, label_mid), fill=gold, width=max(1, round(0.25 * unit)))
        sparkle(draw, (start + side * 8.4 * unit, label_mid), 1.1 * unit, gold)
    y += 3.3 * unit + 4.5 * unit

    draw_block(
        canvas,
        title,
        x=left,
        y=y,
        width=column,
        fill=(255, 255, 255),
        align="center",
        shadow=(0, 0, 0),
        shadow_offset=(0, round(0.6 * unit)),
        shadow_blur=1.2 * unit,
    )
    y += title.height + 6 * unit

    gift_label_font = korean_font(round(3 * unit), 700)
    gift_label = "GIFT"
    gl_width = spaced_width(gift_label, gift_label_font, 0.6 * unit)
    draw_spaced(
        draw,
        ((width - gl_width) / 2, y - gift_label_font.getbbox("G")[1]),
        gift_label,
        gift_label_font,
        gold,
        0.6 * unit,
    )
    y += 3 * unit + 3 * unit

    ribbon_width = min(gift_font_box, gift.width + 10 * unit)
    ribbon = ((width - ribbon_width) / 2, y, (width + ribbon_width) / 2, y + ribbon_height)
    _ribbon(draw, ribbon, unit, gold, gold_deep)
    draw_block(canvas, gift, x=ribbon[0], y=y + 2.2 * unit, width=ribbon_width, fill=deep, align="center")
    return canvas.convert("RGB")


# --- TRENDY: bold, playful -----------------------------------------------------------------------------


def _accent_for(brand: RGB) -> RGB:
    hue = colorsys.rgb_to_hsv(*(c / 255 for c in brand))[0] * 360
    # Neon lime pops on almost everything except greens and yellows, where hot pink takes over.
    return (255, 79, 163) if 45 <= hue <= 170 else (214, 255, 58)


def _sticker(text: str, diameter: int, fill: RGB, ink: RGB, angle: float) -> Image.Image:
    sticker = Image.new("RGBA", (diameter, diameter), (0, 0, 0, 0))
    sdraw = ImageDraw.Draw(sticker)
    points = []
    spikes = 18
    for index in range(spikes * 2):
        radius = diameter / 2 if index % 2 == 0 else diameter / 2 * 0.86
        theta = np.pi * index / spikes
        points.append((diameter / 2 + radius * np.cos(theta), diameter / 2 + radius * np.sin(theta)))
    sdraw.polygon(points, fill=fill, outline=ink)
    font = korean_font(round(diameter * 0.2), 900)
    text_width = font.getlength(text)
    bbox = font.getbbox(text)
    sdraw.text(((diameter - text_width) / 2, (diameter - (bbox[3] - bbox[1])) / 2 - bbox[1]), text, font=font, fill=ink)
    return sticker.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)


def _render_trendy(event: EventArt, size: tuple[int, int], artwork: Image.Image | None) -> Image.Image:
    width, height = size
    unit = min(width, height) / 100
    brand = vivid(hex_to_rgb(event.brand_color))
    accent = _accent_for(brand)
    light_bg = luminance(brand) > 0.45
    ink = INK if light_bg else (255, 255, 255)
    shadow_ink = (0, 0, 0) if not light_bg else mix(brand, (0, 0, 0), 0.55)
    canvas = Image.new("RGBA", size, brand + (255,))
    draw = ImageDraw.Draw(canvas)
    landscape = width > height * 1.15

    # Big playful shapes: a ring, a blob of accent, a halftone field.
    darker = mix(brand, (0, 0, 0), 0.22)
    draw.ellipse((width * 0.6, -height * 0.36, width * 1.22, height * 0.25), fill=accent)
    ring = 7 * unit
    draw.ellipse((-width * 0.2, height * 0.68, width * 0.28, height * 1.16), outline=darker, width=round(ring))
    step = 3.2 * unit
    dots = Image.new("RGBA", size, (0, 0, 0, 0))
    ddraw = ImageDraw.Draw(dots)
    for row in range(int(height * 0.4 / step)):
        for col in range(int(width * 0.45 / step)):
            cx = width * 0.55 + col * step
            cy = height * 0.62 + row * step
            r = 0.55 * unit * (1 - row / (height * 0.4 / step) * 0.6)
            ddraw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=darker + (255,))
    canvas.alpha_composite(dots)
    # A squiggle.
    wave = [(width * 0.08 + i * unit * 1.5, height * 0.12 + np.sin(i / 2.2) * 1.6 * unit) for i in range(14)]
    draw.line(wave, fill=accent, width=round(1.1 * unit), joint="curve")

    margin = 8 * unit
    text_right = width - margin
    # Below the sticker (top right) or the tilted artwork card.
    top = 27 * unit
    if artwork is not None:
        top = margin + 6 * unit
        card_w = round((width * 0.4) if landscape else width * 0.36)
        card_h = round(card_w * 1.1)
        card = Image.new("RGBA", (card_w + round(3 * unit), card_h + round(10 * unit)), (255, 255, 255, 255))
        card.paste(cover(artwork, (card_w, card_h)), (round(1.5 * unit), round(1.5 * unit)))
        card = card.rotate(-5, resample=Image.Resampling.BICUBIC, expand=True)
        if landscape:
            position = (round(width - card.width - 3 * unit), round((height - card.height) / 2))
            text_right = position[0] - 2 * unit
        else:
            position = (round(width - card.width - 4 * unit), round(3 * unit))
            top = max(top, position[1] + card.height + unit)
        shadow = Image.new("RGBA", card.size, (0, 0, 0, 0))
        shadow.putalpha(card.getchannel("A").point(lambda a: int(a * 0.35)))
        canvas.alpha_composite(
            shadow.filter(ImageFilter.GaussianBlur(unit)), (position[0] + round(unit), position[1] + round(1.5 * unit))
        )
        canvas.alpha_composite(card, position)

    column = text_right - margin
    # The logo chip sits in the bottom-right corner: keep the text stack above it.
    footer = 9 * unit if event.logo is not None else 0
    title = fit_text(
        event.title,
        max_width=column,
        max_height=(height - top - margin - footer) * 0.62,
        max_lines=3,
        max_size=round(13.5 * unit),
        min_size=round(5.5 * unit),
        weight=900,
        line_spacing=1.12,
    )
    gift = fit_text(
        event.gift_name,
        max_width=min(column, width * 0.78) - 16 * unit,
        max_height=12 * unit,
        max_lines=2,
        max_size=round(5.2 * unit),
        min_size=round(3.2 * unit),
        weight=800,
        line_spacing=1.18,
    )
    pill_height = gift.height + 4.6 * unit
    stack = title.height + 7 * unit + pill_height
    y = top + max(0.0, ((height - margin - footer) - top - stack) * 0.55)

    offset = round(0.9 * unit)
    draw_block(canvas, title, x=margin, y=y, width=column, fill=ink, shadow=shadow_ink, shadow_offset=(offset, offset))
    y += title.height + 7 * unit

    # The gift in a tilted pill: "경품" tag + name.
    tag_font = korean_font(round(3.2 * unit), 900)
    tag_text = "경품"
    tag_width = tag_font.getlength(tag_text) + 4 * unit
    pill_width = round(tag_width + gift.width + 7 * unit)
    pill = Image.new("RGBA", (pill_width + round(2 * unit), round(pill_height + 2 * unit)), (0, 0, 0, 0))
    pdraw = ImageDraw.Draw(pill)
    pdraw.rounded_rectangle(
        (round(unit), round(unit), pill_width + round(unit), pill_height + round(unit)),
        radius=round(pill_height / 2 if gift.height < 7 * unit else 3 * unit),
        fill=INK,
    )
    tag_box = (
        round(2.2 * unit),
        round(unit + (pill_height - 5.4 * unit) / 2),
        round(2.2 * unit + tag_width),
        round(unit + (pill_height + 5.4 * unit) / 2),
    )
    pdraw.rounded_rectangle(tag_box, radius=round(2.7 * unit), fill=accent)
    bbox = tag_font.getbbox(tag_text)
    pdraw.text(
        (tag_box[0] + 2 * unit, (tag_box[1] + tag_box[3]) / 2 - (bbox[1] + bbox[3]) / 2),
        tag_text,
        font=tag_font,
        fill=INK,
    )
    draw_block(pill, gift, x=tag_box[2] + 2.2 * unit, y=unit + 2.3 * unit, width=gift.width, fill=(255, 255, 255))
    pill = pill.rotate(2.5, resample=Image.Resampling.BICUBIC, expand=True)
    canvas.alpha_composite(pill, (round(margin - unit), round(y - unit)))

    sticker = _sticker("EVENT!", round(19 * unit), accent if artwork is not None else (255, 255, 255), INK, 14)
    if artwork is not None:
        # Slapped on the corner of the photo card.
        sticker_pos = (
            round(max(0, position[0] - sticker.width * 0.3)),
            round(max(0, position[1] - sticker.height * 0.2)),
        )
    else:
        sticker_pos = (round(width - sticker.width - 7 * unit), round(6 * unit))
    canvas.alpha_composite(sticker, sticker_pos)

    if event.logo is not None:
        logo = fitted_logo(event.logo, (round(22 * unit), round(7 * unit)))
        chip = Image.new("RGBA", (logo.width + round(4 * unit), logo.height + round(3 * unit)), (0, 0, 0, 0))
        ImageDraw.Draw(chip).rounded_rectangle(
            (0, 0, chip.width - 1, chip.height - 1), radius=round(1.5 * unit), fill=(255, 255, 255, 255)
        )
        chip.alpha_composite(logo, (round(2 * unit), round(1.5 * unit)))
        canvas.alpha_composite(
            chip, (round(width - margin - chip.width), round(height - margin - chip.height + 3 * unit))
        )
    return canvas.convert("RGB")


RENDERERS = {Style.SIMPLE: _render_simple, Style.FANCY: _render_fancy, Style.TRENDY: _render_trendy}


def render_event_image(
    event: EventArt, *, style: str, platform: str, artwork: Image.Image | None = None
) -> Image.Image:
    """The finished image for one style and platform, at the platform's exact size (RGB)."""
    size = PLATFORM_SIZES[platform]
    event = replace(event, title=drawable(event.title), gift_name=drawable(event.gift_name))
    image = RENDERERS[style](event, size, artwork)
    assert image.size == size
    return image


def encode_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()
