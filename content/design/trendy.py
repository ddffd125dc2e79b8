"""TRENDY (트렌디): bold and playful — colour blocking, stickers, halftone, heavy type with hard shadows."""

from __future__ import annotations

import colorsys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from content.design.base import EventArt, Frame, Layout
from content.design.drawing import cover, draw_block, fitted_logo
from content.design.facts import FactsSkin, plan_facts
from content.design.palette import INK, RGB, hex_to_rgb, luminance, mix, vivid
from content.typography import fit_text, korean_font


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


def _turned_box(
    box: tuple[float, float, float, float],
    size: tuple[int, int],
    turned_size: tuple[int, int],
    degrees: float,
    origin: tuple[int, int],
) -> tuple[float, float, float, float]:
    """Where ``box`` of a layer of ``size`` lands once the layer is turned by ``degrees`` about its centre
    (Pillow's rotate with expand: counter-clockwise, the result ``turned_size``) and pasted at ``origin``."""
    theta = np.deg2rad(degrees)
    cos, sin = float(np.cos(theta)), float(np.sin(theta))
    cx, cy = size[0] / 2, size[1] / 2
    nx, ny = turned_size[0] / 2, turned_size[1] / 2
    corners = [(x, y) for x in (box[0], box[2]) for y in (box[1], box[3])]
    moved = [(nx + cos * (x - cx) + sin * (y - cy), ny - sin * (x - cx) + cos * (y - cy)) for x, y in corners]
    return (
        origin[0] + min(x for x, _ in moved) - 1,
        origin[1] + min(y for _, y in moved) - 1,
        origin[0] + max(x for x, _ in moved) + 1,
        origin[1] + max(y for _, y in moved) + 1,
    )


def render(event: EventArt, frame: Frame, artwork: Image.Image | None, layout: Layout) -> Image.Image:
    size = frame.size
    width, height = size
    unit = frame.unit
    safe = frame.safe
    brand = vivid(hex_to_rgb(event.brand_color))
    accent = hex_to_rgb(event.secondary_color) if event.secondary_color else _accent_for(brand)
    light_bg = luminance(brand) > 0.45
    ink = INK if light_bg else (255, 255, 255)
    shadow_ink = (0, 0, 0) if not light_bg else mix(brand, (0, 0, 0), 0.55)
    # An opaque RGB canvas: the small layers (card, pill, sticker, chip) are pasted through their own alpha.
    canvas = Image.new("RGB", size, brand)
    draw = ImageDraw.Draw(canvas)
    landscape = width > height * 1.15

    # Big playful shapes: a ring, a blob of accent, a halftone field.
    darker = mix(brand, (0, 0, 0), 0.22)
    draw.ellipse((width * 0.6, -height * 0.36, width * 1.22, height * 0.25), fill=accent)
    ring = 7 * unit
    draw.ellipse((-width * 0.2, height * 0.68, width * 0.28, height * 1.16), outline=darker, width=round(ring))
    step = 3.2 * unit
    for row in range(int(height * 0.4 / step)):
        for col in range(int(width * 0.45 / step)):
            cx = width * 0.55 + col * step
            cy = height * 0.62 + row * step
            r = 0.55 * unit * (1 - row / (height * 0.4 / step) * 0.6)
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=darker)
    # A squiggle.
    wave = [(width * 0.08 + i * unit * 1.5, height * 0.12 + np.sin(i / 2.2) * 1.6 * unit) for i in range(14)]
    draw.line(wave, fill=accent, width=round(1.1 * unit), joint="curve")

    margin = 8 * unit
    text_right = width - margin
    # Below the sticker (top right; in a story, below the profile row) or the tilted artwork card.
    sticker_top = max(6 * unit, safe[1])
    top = max(27 * unit, sticker_top + 21 * unit)
    bottom = min(height - margin, safe[3])
    # A banner with facts gives its right third to them (QR code on top) and has no room for the sticker.
    facts_box = None
    if frame.wide and event.has_facts:
        facts_width = round(width * 0.36)
        facts_box = (width - margin - facts_width, max(margin, safe[1]), width - margin, bottom)
        text_right = facts_box[0] - 4 * unit
        top = max(margin, safe[1])
    elif frame.wide:
        # No room below the sticker: the stack starts at the top, beside it.
        top = max(margin, safe[1])
        text_right = width - margin - 24 * unit
    if artwork is not None:
        top = margin + 6 * unit
        card_w = round((width * 0.4) if landscape else width * (0.26 if event.has_facts else 0.36))
        card_h = round(card_w * 1.1)
        card = Image.new("RGBA", (card_w + round(3 * unit), card_h + round(10 * unit)), (255, 255, 255, 255))
        card.paste(cover(artwork, (card_w, card_h)), (round(1.5 * unit), round(1.5 * unit)))
        card = card.rotate(-5, resample=Image.Resampling.BICUBIC, expand=True)
        if facts_box is not None:
            # The facts column covers the right: the photo card leans behind the stack's top left instead.
            position = (round(-card.width * 0.35), round(-card.height * 0.35))
        elif landscape:
            position = (round(width - card.width - 3 * unit), round((height - card.height) / 2))
            text_right = position[0] - 2 * unit
        else:
            position = (round(width - card.width - 4 * unit), round(3 * unit))
            top = max(top, position[1] + card.height + unit)
        shadow = card.getchannel("A").point(lambda a: int(a * 0.35)).filter(ImageFilter.GaussianBlur(unit))
        canvas.paste((0, 0, 0), (position[0] + round(unit), position[1] + round(1.5 * unit)), shadow)
        canvas.paste(card, position, card)

    column = text_right - margin
    # The logo chip sits in the bottom-right corner: keep the text stack above it.
    # Under the photo card, with facts to set, the chip moves to the top left corner to leave room.
    chip_on_top = artwork is not None and event.has_facts and facts_box is None
    footer = 9 * unit if event.logo is not None and not chip_on_top else 0
    skin = FactsSkin(
        text=ink,
        muted=ink,
        button_fill=INK,
        button_text=accent,
        card_outline=INK,
        button_round=0.5,
    )
    if facts_box is not None:
        facts = plan_facts(
            event, frame, facts_box[2] - facts_box[0], column=True, max_height=facts_box[3] - facts_box[1]
        )
        band = 0.0
    else:
        facts = plan_facts(event, frame, column)
        band = facts.height + 5 * unit if facts is not None else 0.0
    available = bottom - footer - band - top
    # With facts to fit too, the headline may get smaller than a lone headline would.
    title_floor = max(frame.min_text, round((4 if facts is not None else 5.5) * unit))
    share, title_gap = 0.62, 7 * unit
    while True:
        title = fit_text(
            event.title,
            max_width=column,
            max_height=available * share,
            max_lines=4 if frame.tall else 3,
            max_size=round((17 if frame.tall else 13.5) * unit),
            min_size=title_floor,
            weight=900,
            line_spacing=1.12,
            family=event.font,
        )
        gift = fit_text(
            event.gift_name,
            max_width=min(column, width * 0.78) - 16 * unit,
            max_height=12 * unit,
            max_lines=2,
            max_size=max(frame.min_text, round(5.2 * unit)),
            min_size=max(frame.min_text, round(3.2 * unit)),
            weight=800,
            line_spacing=1.18,
            family=event.font,
        )
        pill_height = gift.height + 4.6 * unit
        stack = title.height + title_gap + pill_height
        # Without facts the stack is set as it always was (the contract platforms keep their look).
        if stack <= available or share < 0.2 or facts is None:
            break
        share -= 0.08
        title_gap = max(3 * unit, title_gap * 0.8)
    y = top + max(0.0, (available - stack) * 0.55)

    offset = round(0.9 * unit)
    title_box = draw_block(
        canvas, title, x=margin, y=y, width=column, fill=ink, shadow=shadow_ink, shadow_offset=(offset, offset)
    )
    layout.place("title", title_box, title.size)
    y += title.height + title_gap

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
    gift_x, gift_y = tag_box[2] + 2.2 * unit, unit + 2.3 * unit
    gift_box = draw_block(pill, gift, x=gift_x, y=gift_y, width=gift.width, fill=(255, 255, 255))
    unrotated = pill.size
    pill = pill.rotate(2.5, resample=Image.Resampling.BICUBIC, expand=True)
    pill_x, pill_y = round(margin - unit), round(y - unit)
    canvas.paste(pill, (pill_x, pill_y), pill)
    layout.place("gift", _turned_box(gift_box, unrotated, pill.size, 2.5, (pill_x, pill_y)), gift.size)
    if facts is not None:
        if facts_box is not None:
            facts_top = facts_box[1] + max(0.0, (facts_box[3] - facts_box[1] - facts.height) / 2)
            facts.draw(canvas, facts_box[0], facts_top, skin, layout)
        else:
            facts.draw(canvas, margin, bottom - footer - facts.height, skin, layout)

    sticker = _sticker("EVENT!", round(19 * unit), accent if artwork is not None else (255, 255, 255), INK, 14)
    if facts_box is None:  # the facts take the sticker's place
        if artwork is not None:
            # Slapped on the corner of the photo card.
            sticker_pos = (
                round(max(0, position[0] - sticker.width * 0.3)),
                round(max(0, position[1] - sticker.height * 0.2)),
            )
        else:
            sticker_pos = (round(width - sticker.width - 7 * unit), round(sticker_top))
        canvas.paste(sticker, sticker_pos, sticker)

    if event.logo is not None:
        logo = fitted_logo(event.logo, (round(22 * unit), round(7 * unit)))
        chip = Image.new("RGBA", (logo.width + round(4 * unit), logo.height + round(3 * unit)), (0, 0, 0, 0))
        ImageDraw.Draw(chip).rounded_rectangle(
            (0, 0, chip.width - 1, chip.height - 1), radius=round(1.5 * unit), fill=(255, 255, 255, 255)
        )
        chip.alpha_composite(logo, (round(2 * unit), round(1.5 * unit)))
        if chip_on_top:
            canvas.paste(chip, (round(margin), round(max(3 * unit, safe[1]))), chip)
        else:
            chip_x = margin if facts_box is not None else width - margin - chip.width
            canvas.paste(chip, (round(chip_x), round(min(bottom + 3 * unit, safe[3]) - chip.height)), chip)
    return canvas
