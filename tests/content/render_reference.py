"""Reference renderings of the three template designs, and how a new rendering is compared with them.

The PNGs in ``reference_renders/`` are contact sheets (styles in rows, platforms in columns, each image at a
quarter of its size). The contract's three platforms (left, rows 270 px apart) were drawn by the renderer as it
was before its drawing and encoding were optimised (issue 11); the platforms added later (right, rows 480 px
apart) when they were added (issue 14). ``test_template_look.py`` compares today's renderings with them and
writes old | new | difference images.

Rewrite the sheets only when a change of look is intended and has been looked at side by side. ``--write``
redraws the added platforms' cells and keeps the contract platforms' cells as they are; ``--write-all``
redraws every cell::

    .venv/bin/python -m tests.content.render_reference --write
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from content.constants import ALL_PLATFORMS, ALL_STYLES, CONTRACT_PLATFORMS, EXTENDED_PLATFORMS, PLATFORM_SIZES

REFERENCE_DIR = Path(__file__).resolve().parent / "reference_renders"
# Compared at a quarter of the size in each direction: the look (gradients, glows, layout, colours) without
# the pixel-exact anti-aliasing of glyph edges.
SCALE = 4
GAP = 8


@dataclass(frozen=True)
class Case:
    name: str
    title: str
    gift: str
    color: str
    logo: bool = False
    artwork: bool = False


CASES = [
    Case("sample", "봄맞이 커피 할인 이벤트", "아메리카노 1+1", "#FF5733", logo=True),
    # A light brand colour: FANCY turns it into the ornament colour on a complementary ground.
    Case(
        "light-long",
        "신메뉴 출시 기념 전 메뉴 30% 할인과 함께하는 봄맞이 경품 추첨 대잔치",
        "스타벅스 기프티콘 5000원권",
        "#FFD54F",
    ),
    Case("artwork", "가을 맞이 세일", "쿠폰 10% 할인", "#1E88E5", logo=True, artwork=True),
]


def synthetic_artwork() -> Image.Image:
    """Stands in for AI artwork: smooth colour and a few shapes, the same in every process."""
    x = np.linspace(0, 1, 1024, dtype=np.float32)[None, :]
    y = np.linspace(0, 1, 1024, dtype=np.float32)[:, None]
    pixels = np.dstack([120 + 110 * x * (1 - y), 60 + 150 * y + 0 * x, 200 - 140 * x * y]).astype(np.uint8)
    image = Image.fromarray(pixels, "RGB")
    draw = ImageDraw.Draw(image)
    draw.ellipse((180, 220, 560, 600), fill=(250, 210, 120))
    draw.rectangle((600, 560, 900, 940), fill=(40, 70, 110))
    return image


def event_for(case: Case):
    from content.management.commands.render_preview import sample_logo
    from content.providers.template import EventArt

    return EventArt(case.title, case.gift, case.color, sample_logo() if case.logo else None)


def scaled(pixels: int) -> int:
    """A length at 1/SCALE, rounded up as Pillow's reduce() rounds it."""
    return -(-pixels // SCALE)


def _row_height(platforms: list[str]) -> int:
    return max(scaled(PLATFORM_SIZES[p][1]) for p in platforms)


def cell_origin(style: str, platform: str) -> tuple[int, int]:
    """Where an image of ``style`` and ``platform`` sits in a sheet (at 1/SCALE). The contract's platforms keep
    the places they had before platforms were added; the added ones sit to their right, in taller rows."""
    group = CONTRACT_PLATFORMS if platform in CONTRACT_PLATFORMS else EXTENDED_PLATFORMS
    before = ALL_PLATFORMS[: ALL_PLATFORMS.index(platform)]
    x = GAP + sum(scaled(PLATFORM_SIZES[p][0]) + GAP for p in before)
    return x, GAP + ALL_STYLES.index(style) * (_row_height(group) + GAP)


def sheet_size() -> tuple[int, int]:
    width = GAP + sum(scaled(PLATFORM_SIZES[p][0]) + GAP for p in ALL_PLATFORMS)
    row_height = max(_row_height(CONTRACT_PLATFORMS), _row_height(EXTENDED_PLATFORMS))
    return width, GAP + len(ALL_STYLES) * (row_height + GAP)


def reduced(image: Image.Image) -> Image.Image:
    return image.convert("RGB").reduce(SCALE)


def render_case(case: Case) -> dict[tuple[str, str], Image.Image]:
    from content.providers.template import render_event_image

    event = event_for(case)
    artwork = synthetic_artwork() if case.artwork else None
    return {
        (style, platform): render_event_image(event, style=style, platform=platform, artwork=artwork)
        for style in ALL_STYLES
        for platform in ALL_PLATFORMS
    }


def reference_cell(sheet: Image.Image, style: str, platform: str) -> Image.Image:
    x, y = cell_origin(style, platform)
    width, height = PLATFORM_SIZES[platform]
    return sheet.crop((x, y, x + scaled(width), y + scaled(height)))


@dataclass(frozen=True)
class Difference:
    """How far a rendering is from its reference, in 0–255 units per colour channel, both at 1/SCALE."""

    mean: float  # over the whole image: overall colour and tone
    worst_block: float  # the largest mean over one block of BLOCK px: a lost gradient, glow, ornament or text

    def within(self) -> bool:
        return self.mean <= MEAN_LIMIT and self.worst_block <= BLOCK_LIMIT


BLOCK = 8  # px at 1/SCALE: 32 px squares of the full image
# Measured when the references were made: the optimised renderer stays under 0.15 / 0.7; leaving out FANCY's
# sunburst (the subtlest layer) gives 1.6 / 6.5, its glow 6.5 / 44, a flat ground instead of its gradient
# 8.4 / 33, another shade of the brand colour 0.5–22 / 10–72 depending on the style.
MEAN_LIMIT = 1.0
BLOCK_LIMIT = 6.0


def difference(reference: Image.Image, image: Image.Image) -> Difference:
    """``image`` (full size) against ``reference`` (one sheet cell, at 1/SCALE)."""
    new = np.asarray(reduced(image), dtype=np.float32)
    old = np.asarray(reference.convert("RGB"), dtype=np.float32)
    delta = np.abs(new - old)
    height, width = delta.shape[0] // BLOCK * BLOCK, delta.shape[1] // BLOCK * BLOCK
    blocks = delta[:height, :width].reshape(height // BLOCK, BLOCK, width // BLOCK, BLOCK, 3).mean(axis=(1, 3))
    return Difference(mean=float(delta.mean()), worst_block=float(blocks.max()))


def comparison_sheet(reference: Image.Image, rendered: Image.Image) -> Image.Image:
    """Reference | new | difference (×8) side by side, with captions: the artifact a person looks at."""
    from content.typography import korean_font

    caption = 28
    width, height = reference.size
    sheet = Image.new("RGB", (3 * width + 2 * GAP, height + caption), (255, 255, 255))
    delta = np.abs(np.asarray(reference, dtype=np.int16) - np.asarray(rendered, dtype=np.int16))
    amplified = Image.fromarray(np.clip(delta * 8, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(sheet)
    font = korean_font(18, 600)
    for index, (label, panel) in enumerate(
        (("before (reference)", reference), ("after (this code)", rendered), ("difference × 8", amplified))
    ):
        x = index * (width + GAP)
        draw.text((x + GAP, 4), label, font=font, fill=(30, 30, 30))
        sheet.paste(panel, (x, caption))
    return sheet


def rendered_sheet(images: dict[tuple[str, str], Image.Image]) -> Image.Image:
    sheet = Image.new("RGB", sheet_size(), (236, 236, 240))
    for (style, platform), image in images.items():
        sheet.paste(reduced(image), cell_origin(style, platform))
    return sheet


def write_references(*, keep_contract_cells: bool) -> None:
    REFERENCE_DIR.mkdir(exist_ok=True)
    for case in CASES:
        sheet = rendered_sheet(render_case(case))
        path = REFERENCE_DIR / f"{case.name}.png"
        if keep_contract_cells:
            with Image.open(path) as previous:
                old = previous.convert("RGB")
            for style in ALL_STYLES:
                for platform in CONTRACT_PLATFORMS:
                    sheet.paste(reference_cell(old, style, platform), cell_origin(style, platform))
        sheet.save(path, optimize=True)
        print(path, f"{path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    if sys.argv[1:] not in (["--write"], ["--write-all"]):
        sys.exit(__doc__)
    import os

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    write_references(keep_contract_cells=sys.argv[1] == "--write")
