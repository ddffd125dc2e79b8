"""SIMPLE (심플): clean and text-led — paper, one brand accent, strong type hierarchy."""

from __future__ import annotations

from PIL import Image, ImageDraw

from content.design.base import EventArt, Frame, Layout
from content.design.drawing import cover, draw_block, draw_spaced, fitted_logo, gift_icon
from content.design.facts import FactsSkin, plan_facts
from content.design.palette import INK, PAPER, hex_to_rgb, luminance, mix, readable_on
from content.typography import fit_text, korean_font


def _within(
    box: tuple[float, float, float, float], safe: tuple[float, float, float, float]
) -> tuple[int, int, int, int]:
    return (
        round(max(box[0], safe[0])),
        round(max(box[1], safe[1])),
        round(min(box[2], safe[2])),
        round(min(box[3], safe[3])),
    )


def render(event: EventArt, frame: Frame, artwork: Image.Image | None, layout: Layout) -> Image.Image:
    size = frame.size
    width, height = size
    unit = frame.unit
    brand = hex_to_rgb(event.brand_color)
    second = hex_to_rgb(event.secondary_color) if event.secondary_color else brand
    canvas = Image.new("RGB", size, PAPER)
    draw = ImageDraw.Draw(canvas)
    accent = readable_on(PAPER, brand, 3.0)
    tint = mix(PAPER, brand, 0.1)
    # A banner is too short for the square's generous margins.
    margin = round((6 if frame.wide else 9) * unit)
    landscape = width > height * 1.15
    facts_column: tuple[float, float, float, float] | None = None

    text_box: tuple[float, float, float, float] = (margin, margin, width - margin, height - margin)
    if artwork is not None:
        # With facts to set, the picture gives up some of its share of the canvas.
        share = 0.3 if event.has_facts else 0.42
        if landscape:
            panel = (round(width * 0.5), 0, width, height)
            text_box = (margin, margin, round(width * 0.5) - round(6 * unit), height - margin)
            if event.has_facts:
                # The facts sit on a paper card over the picture's side.
                inner = round(3 * unit)
                facts_column = (
                    panel[0] + round(4 * unit) + inner,
                    max(round(4 * unit), frame.safe[1]) + inner,
                    min(width - round(4 * unit), frame.safe[2]) - inner,
                    min(height - round(4 * unit), frame.safe[3]) - inner,
                )
        else:
            panel = (0, 0, width, round(height * share))
            text_box = (margin, round(height * share) + round(6 * unit), width - margin, height - margin)
        panel_size = (panel[2] - panel[0], panel[3] - panel[1])
        canvas.paste(cover(artwork, panel_size), panel[:2])
        # A brand-coloured seam where the picture meets the paper.
        if landscape:
            draw.rectangle((panel[0], 0, panel[0] + round(0.8 * unit), height), fill=second)
        else:
            draw.rectangle((0, panel[3], width, panel[3] + round(0.8 * unit)), fill=second)
    else:
        # One soft tinted disc behind the headline and a hairline frame: colour and structure without noise.
        draw.ellipse((-30 * unit, -34 * unit, 52 * unit, 48 * unit), fill=tint)
        inset = round(4 * unit)
        draw.rectangle(
            (inset, inset, width - inset, height - inset),
            outline=mix(PAPER, second, 0.45),
            width=max(1, round(0.3 * unit)),
        )
        if landscape and event.has_facts:
            # Wide canvases give the right third to the facts (QR code on top) instead of the emblem.
            column_width = round(width * 0.34)
            right = min(width - inset - 4 * unit, frame.safe[2])
            facts_column = (
                right - column_width,
                max(margin, frame.safe[1]),
                right,
                min(height - margin, frame.safe[3]),
            )
            text_box = (margin, margin, round(facts_column[0] - 5 * unit), height - margin)
        elif landscape:
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
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=second)
            ring = r + 2.2 * unit
            draw.ellipse((cx - ring, cy - ring, cx + ring, cy + ring), outline=second, width=max(1, round(0.35 * unit)))

    text_box = _within(text_box, frame.safe)
    box_width = text_box[2] - text_box[0]
    box_height = text_box[3] - text_box[1]
    # Under a picture, with facts to set, the logo moves onto the picture (on a paper chip) to leave room.
    logo_on_picture = artwork is not None and event.has_facts and not landscape and event.logo is not None
    logo_footer = 12 * unit if event.logo is not None and not logo_on_picture else 0
    skin = FactsSkin(
        text=INK,
        muted=(110, 110, 116),
        button_fill=readable_on((255, 255, 255), second, 3.0),
        button_text=(255, 255, 255),
        card_outline=mix(PAPER, second, 0.45),
        button_round=0.28,
    )
    facts = None
    if facts_column is not None:
        facts = plan_facts(
            event, frame, facts_column[2] - facts_column[0], column=True, max_height=facts_column[3] - facts_column[1]
        )
        facts_gap = 0.0
    else:
        facts = plan_facts(event, frame, box_width)
        facts_gap = 5 * unit
    footer = logo_footer + (facts.height + facts_gap if facts is not None and facts_column is None else 0)
    title_size, title_lines = (16, 4) if frame.tall else (12, 3)
    # With facts to fit too, the headline may get smaller than a lone headline would.
    title_floor = max(frame.min_text, round((3.6 if facts is not None else 4.6) * unit))

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
            max_lines=title_lines,
            max_size=round(title_size * unit * scale),
            min_size=title_floor,
            weight=800,
            line_spacing=1.2,
            family=event.font,
        )
        gift = fit_text(
            event.gift_name,
            max_width=box_width - icon_size - 9 * unit,
            max_height=available * 0.22,
            max_lines=2,
            max_size=max(frame.min_text, round(5.6 * unit * scale)),
            min_size=max(frame.min_text, round(3.2 * unit)),
            weight=700,
            line_spacing=1.22,
            family=event.font,
        )
        gift_inner = 2.9 * unit + 1.6 * unit + gift.height
        pill_height = max(icon_size, gift_inner) + 5 * unit
        stack = 3.4 * unit + label_gap + title.height + title_gap + pill_height
        if stack <= available or scale < (0.3 if facts is not None else 0.5):
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
    layout.place("title", draw_block(canvas, title, x=x, y=y, width=box_width, fill=INK), title.size)
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
    gift_box = draw_block(canvas, gift, x=text_x, y=text_y + 2.9 * unit + 1.6 * unit, width=gift.width, fill=accent)
    layout.place("gift", gift_box, gift.size)

    if facts is not None:
        if facts_column is not None:
            top = facts_column[1] + max(0.0, (facts_column[3] - facts_column[1] - facts.height) / 2)
            if artwork is not None:
                pad = 3 * unit
                draw.rounded_rectangle(
                    (facts_column[0] - pad, top - pad, facts_column[2] + pad, top + facts.height + pad),
                    radius=round(2 * unit),
                    fill=PAPER,
                )
            facts.draw(canvas, facts_column[0], top, skin, layout)
        else:
            facts.draw(canvas, x, text_box[3] - logo_footer - facts.height, skin, layout)
    if event.logo is not None:
        logo = fitted_logo(event.logo, (round(26 * unit), round(7.5 * unit)))
        if logo_on_picture:
            pad = round(2 * unit)
            corner = (max(round(4 * unit), round(frame.safe[0])), max(round(4 * unit), round(frame.safe[1])))
            draw.rounded_rectangle(
                (corner[0], corner[1], corner[0] + logo.width + 2 * pad, corner[1] + logo.height + 2 * pad),
                radius=round(1.5 * unit),
                fill=PAPER,
            )
            canvas.paste(logo, (corner[0] + pad, corner[1] + pad), logo)
        else:
            canvas.paste(logo, (round(x), round(text_box[3] - logo.height)), logo)
    return canvas
