"""SIMPLE (심플): clean and text-led — paper, one brand accent, strong type hierarchy."""

from __future__ import annotations

from PIL import Image, ImageDraw

from content.design.base import EventArt
from content.design.drawing import cover, draw_block, draw_spaced, fitted_logo, gift_icon
from content.design.palette import INK, PAPER, hex_to_rgb, luminance, mix, readable_on
from content.typography import fit_text, korean_font


def render(event: EventArt, size: tuple[int, int], artwork: Image.Image | None) -> Image.Image:
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
