"""FANCY (화려한): rich colour and ornaments — jewel-toned gradient, gold frame, sparkles, a ribbon."""

from __future__ import annotations

from PIL import Image, ImageDraw

from content.constants import Style
from content.design.base import EventArt, seeded_random
from content.design.drawing import (
    cover,
    draw_block,
    draw_spaced,
    fitted_logo,
    linear_gradient,
    radial_glow,
    spaced_width,
    sparkle,
    sunburst,
)
from content.design.palette import GOLD, GOLD_DEEP, hex_to_rgb, luminance, mix, shift_hue, vivid
from content.typography import fit_text, korean_font


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


def render(event: EventArt, size: tuple[int, int], artwork: Image.Image | None) -> Image.Image:
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
    rng = seeded_random(event, Style.FANCY)

    # Everything is drawn on an opaque RGB canvas: light and ornaments are blended in place by masks and
    # "RGBA" drawing, never by compositing full-size RGBA layers.
    if artwork is not None:
        canvas = cover(artwork, size)
        canvas.paste(linear_gradient(size, [deep, brand, deep], 90), (0, 0), Image.new("L", size, 150))
    else:
        canvas = linear_gradient(size, [deep, brand, rich], 60)
    radial_glow(canvas, (width / 2, height * 0.42), max(width, height) * 0.62, (255, 240, 210), 0.38)
    sunburst(canvas, (width / 2, height * 0.45), rays=28, alpha=16)

    # Confetti and sparkles, scattered away from the text column.
    odraw = ImageDraw.Draw(canvas, "RGBA")
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

    draw = ImageDraw.Draw(canvas)
    inset = 4 * unit
    draw.rectangle((inset, inset, width - inset, height - inset), outline=gold, width=max(2, round(0.45 * unit)))
    inner = inset + 1.4 * unit
    draw.rectangle((inner, inner, width - inner, height - inner), outline=gold, width=max(1, round(0.18 * unit)))
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
        canvas.paste(pill, (round((width - pill.width) / 2), round(y)), pill)
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
    return canvas
