"""FANCY (화려한): rich colour and ornaments — jewel-toned gradient, gold frame, sparkles, a ribbon."""

from __future__ import annotations

from PIL import Image, ImageDraw

from content.constants import Style
from content.design.base import EventArt, Frame, Layout, seeded_random
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
from content.design.facts import FactsSkin, plan_facts
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


def render(event: EventArt, frame: Frame, artwork: Image.Image | None, layout: Layout) -> Image.Image:
    size = frame.size
    width, height = size
    unit = frame.unit
    brand = vivid(hex_to_rgb(event.brand_color))
    gold, gold_deep = GOLD, GOLD_DEEP
    if luminance(brand) > 0.35:
        # A light brand colour (yellow, mint, pink) becomes the ornament colour on a deep complementary ground.
        gold, gold_deep = brand, mix(brand, (0, 0, 0), 0.25)
        brand = shift_hue(brand, 180, 0.9, 0.7)
    if event.secondary_color:
        # The brand kit's second colour takes the place of the gold.
        gold = hex_to_rgb(event.secondary_color)
        gold_deep = mix(gold, (0, 0, 0), 0.25)
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

    safe = frame.safe
    region = (
        inner + 6 * unit,
        max(inner + 4 * unit, safe[1]),
        width - inner - 6 * unit,
        min(height - inner - 4 * unit, safe[3]),
    )
    # Gaps between the pieces of the stack: a banner is short, so they close up.
    gap = 0.6 if frame.wide else 1.0
    skin = FactsSkin(
        text=(255, 255, 255),
        muted=gold,
        button_fill=gold,
        button_text=deep,
        card_outline=gold,
        align="center",
    )
    facts = None
    if frame.wide and event.has_facts:
        # A banner sets its facts in a column on the right (QR code on top), the stack on the left.
        facts_width = round(width * 0.36)
        column_box = (region[2] - facts_width, region[1], region[2], region[3])
        region = (region[0], region[1], column_box[0] - 4 * unit, region[3])
        facts_box: tuple[float, float, float, float] | None = column_box
        facts = plan_facts(event, frame, facts_width, column=True, max_height=region[3] - region[1])
    column = region[2] - region[0]
    left = region[0]
    center = (region[0] + region[2]) / 2
    if facts is None:
        facts = plan_facts(event, frame, column * 0.9)
        facts_box = None
    logo_height = (8 if frame.wide else 10) * unit if event.logo is not None else 0
    label_font = korean_font(round(3.3 * unit), 700)
    gift_font_box = column * 0.78
    available = region[3] - region[1]
    # Shrink the headline (and close the gaps) until the stack fits between the frame's top and bottom.
    scale = 1.0
    while True:
        title = fit_text(
            event.title,
            max_width=column,
            max_height=available * 0.42 if frame.wide else height * 0.38,
            max_lines=4 if frame.tall else 3,
            max_size=max(frame.min_text, round((15 if frame.tall else 11.5) * unit * scale)),
            min_size=max(frame.min_text, round(5 * unit)),
            weight=900,
            line_spacing=1.2,
            family=event.font,
        )
        gift = fit_text(
            event.gift_name,
            max_width=gift_font_box - 6 * unit,
            max_height=14 * unit,
            max_lines=2,
            max_size=max(frame.min_text, round((6.5 if frame.tall else 5.6) * unit)),
            min_size=max(frame.min_text, round(3.4 * unit)),
            weight=800,
            line_spacing=1.2,
            family=event.font,
        )
        ribbon_height = gift.height + 4.4 * unit
        stack = (logo_height + (4 * unit * gap if logo_height else 0)) + 3.3 * unit + 4.5 * unit * gap + title.height
        stack += 6 * unit * gap + 3 * unit + 3 * unit * gap + ribbon_height
        if facts is not None and facts_box is None:
            stack += 5 * unit * gap + facts.height
        if stack <= available or scale < 0.5:
            break
        scale *= 0.9
        gap *= 0.85
    y = max(region[1], (region[1] + region[3] - stack) / 2)

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
        canvas.paste(pill, (round(center - pill.width / 2), round(y)), pill)
        y += logo_height + 4 * unit * gap

    label = "SPECIAL EVENT"
    spacing = 0.7 * unit
    label_width = spaced_width(label, label_font, spacing)
    label_x = center - label_width / 2
    label_mid = y + 3.3 * unit / 2
    draw_spaced(draw, (label_x, y - label_font.getbbox("S")[1]), label, label_font, gold, spacing)
    for side in (-1, 1):
        start = label_x - 2 * unit if side < 0 else label_x + label_width + 2 * unit
        draw.line((start, label_mid, start + side * 7 * unit, label_mid), fill=gold, width=max(1, round(0.25 * unit)))
        sparkle(draw, (start + side * 8.4 * unit, label_mid), 1.1 * unit, gold)
    y += 3.3 * unit + 4.5 * unit * gap

    title_box = draw_block(
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
    layout.place("title", title_box, title.size)
    y += title.height + 6 * unit * gap

    gift_label_font = korean_font(round(3 * unit), 700)
    gift_label = "GIFT"
    gl_width = spaced_width(gift_label, gift_label_font, 0.6 * unit)
    draw_spaced(
        draw,
        (center - gl_width / 2, y - gift_label_font.getbbox("G")[1]),
        gift_label,
        gift_label_font,
        gold,
        0.6 * unit,
    )
    y += 3 * unit + 3 * unit * gap

    ribbon_width = min(gift_font_box, gift.width + 10 * unit)
    ribbon = (center - ribbon_width / 2, y, center + ribbon_width / 2, y + ribbon_height)
    _ribbon(draw, ribbon, unit, gold, gold_deep)
    gift_box = draw_block(canvas, gift, x=ribbon[0], y=y + 2.2 * unit, width=ribbon_width, fill=deep, align="center")
    layout.place("gift", gift_box, gift.size)
    y += ribbon_height

    if facts is not None:
        if facts_box is not None:
            top = facts_box[1] + max(0.0, (facts_box[3] - facts_box[1] - facts.height) / 2)
            facts.draw(canvas, facts_box[0] + (facts_box[2] - facts_box[0] - facts.width) / 2, top, skin, layout)
        else:
            facts.draw(canvas, center - facts.width / 2, y + 5 * unit * gap, skin, layout)
    return canvas
