"""Korean text drawn for real, keep-all line breaking, shrink-to-fit, and the three template designs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFont

from content.constants import ALL_PLATFORMS, ALL_STYLES, PLATFORM_SIZES
from content.providers.template import EventArt, render_event_image
from content.typography import ELLIPSIS, fit_text, korean_font

HANGUL = "봄맞이커피할인이벤트"


def ink_difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute per-pixel difference (0–255): how much two renderings differ."""
    return float(
        np.abs(np.asarray(a.convert("L"), dtype=np.float32) - np.asarray(b.convert("L"), dtype=np.float32)).mean()
    )


def glyph_bitmap(font: ImageFont.FreeTypeFont | ImageFont.ImageFont, char: str) -> bytes:
    image = Image.new("L", (120, 120), 0)
    from PIL import ImageDraw

    ImageDraw.Draw(image).text((10, 10), char, font=font, fill=255)
    return image.tobytes()


def test_hangul_glyphs_are_real_not_tofu():
    ours = korean_font(80, 700)
    bitmaps = [glyph_bitmap(ours, char) for char in HANGUL]
    assert all(any(bitmap) for bitmap in bitmaps)  # ink everywhere
    assert len(set(bitmaps)) == len(set(HANGUL))  # every syllable its own shape
    # The control: a font without Hangul draws the same box (or nothing) for every syllable.
    fallback = ImageFont.load_default(80)
    assert len({glyph_bitmap(fallback, char) for char in HANGUL}) == 1


@pytest.mark.parametrize("style", ALL_STYLES)
def test_changing_only_the_korean_title_changes_the_image(style):
    first = render_event_image(EventArt("가을 맞이 세일", "쿠폰", "#3366FF"), style=style, platform="INSTAGRAM")
    second = render_event_image(EventArt("겨울 특별 혜택", "쿠폰", "#3366FF"), style=style, platform="INSTAGRAM")
    assert ink_difference(first, second) > 0.5


def test_lines_break_at_spaces_and_are_balanced():
    font_size = 100
    width_of = korean_font(font_size, 800).getlength
    # Wide enough for "봄맞이 커피 할인" but not for the whole title: greedy filling would leave "이벤트" alone.
    max_width = width_of("봄맞이 커피 할인") + 2
    block = fit_text(
        "봄맞이 커피 할인 이벤트",
        max_width=max_width,
        max_height=1000,
        max_lines=3,
        max_size=font_size,
        min_size=font_size,
        weight=800,
    )
    assert block.lines == ["봄맞이 커피", "할인 이벤트"]


def test_text_shrinks_before_it_is_ever_cut():
    short = fit_text("할인", max_width=600, max_height=400, max_lines=3, max_size=120, min_size=40)
    long = fit_text(
        "신메뉴 출시 기념 전 메뉴 30% 할인과 함께하는 봄맞이 경품 추첨 대잔치",
        max_width=600,
        max_height=400,
        max_lines=3,
        max_size=120,
        min_size=40,
    )
    assert short.size == 120 and not short.truncated
    assert long.size < 120 and not long.truncated and len(long.lines) <= 3
    assert " ".join(long.lines) == "신메뉴 출시 기념 전 메뉴 30% 할인과 함께하는 봄맞이 경품 추첨 대잔치"
    assert not any(ELLIPSIS in line for line in long.lines)


def test_ellipsis_only_when_nothing_fits_at_the_smallest_size():
    block = fit_text("가" * 50, max_width=300, max_height=200, max_lines=2, max_size=60, min_size=30)
    assert block.truncated and block.lines[-1].endswith(ELLIPSIS)
    assert all(korean_font(30, 700).getlength(line) <= 300 for line in block.lines)


korean_word = st.text(alphabet=st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3), min_size=1, max_size=7)


@settings(max_examples=60, deadline=None)
@given(words=st.lists(korean_word, min_size=1, max_size=9), width=st.integers(min_value=250, max_value=900))
def test_keep_all_never_splits_a_word(words, width):
    text = " ".join(words)
    block = fit_text(text, max_width=width, max_height=500, max_lines=3, max_size=90, min_size=28)
    if not block.truncated:
        assert [word for line in block.lines for word in line.split(" ")] == words
        assert all(block.font.getlength(line) <= width + 0.5 for line in block.lines)
    else:
        # Even when cut, every complete word shown is one of ours, in order; only the last one may be cut.
        shown = [word for line in block.lines for word in line.split(" ")]
        assert shown[-1].endswith(ELLIPSIS)
        for index, word in enumerate(shown[:-1]):
            assert word == words[index]


def test_every_style_and_platform_has_its_exact_size_and_the_styles_differ():
    event = EventArt("신메뉴 출시 기념 경품 추첨", "스타벅스 기프티콘 5000원권", "#00704A")
    for platform in ALL_PLATFORMS:
        images = {style: render_event_image(event, style=style, platform=platform) for style in ALL_STYLES}
        for image in images.values():
            assert image.size == PLATFORM_SIZES[platform] and image.mode == "RGB"
        assert ink_difference(images["SIMPLE"], images["FANCY"]) > 40
        assert ink_difference(images["FANCY"], images["TRENDY"]) > 20
        assert ink_difference(images["SIMPLE"], images["TRENDY"]) > 40


def test_brand_colour_drives_the_palette():
    red = render_event_image(EventArt("이벤트", "선물", "#E53935"), style="TRENDY", platform="KAKAO_CHANNEL")
    blue = render_event_image(EventArt("이벤트", "선물", "#1E88E5"), style="TRENDY", platform="KAKAO_CHANNEL")
    red_mean = np.asarray(red, dtype=np.float32).mean(axis=(0, 1))
    blue_mean = np.asarray(blue, dtype=np.float32).mean(axis=(0, 1))
    assert red_mean[0] > red_mean[2] and blue_mean[2] > blue_mean[0]


def test_render_preview_writes_nine_pngs(tmp_path: Path):
    call_command("render_preview", "--out", str(tmp_path), "--sheet")
    assert Image.open(tmp_path / "sheet.png").size == (3 * 360 + 4 * 16, 3 * 360 + 4 * 16)
    (tmp_path / "sheet.png").unlink()
    files = sorted(tmp_path.glob("*.png"))
    assert len(files) == 9
    for path in files:
        style, platform = path.stem.split("-")
        assert Image.open(path).size == PLATFORM_SIZES[platform.upper()]


def test_characters_the_font_lacks_are_left_out_instead_of_drawn_as_boxes():
    from content.typography import drawable, has_glyph

    assert not has_glyph("🎉") and has_glyph("봄") and has_glyph("%") and has_glyph("+")
    assert drawable("🎉 봄맞이  이벤트 🎉") == "봄맞이 이벤트"
    with_emoji = render_event_image(
        EventArt("🎉 봄맞이 이벤트 🎉", "커피 ☕", "#3366FF"), style="SIMPLE", platform="INSTAGRAM"
    )
    plain = render_event_image(EventArt("봄맞이 이벤트", "커피", "#3366FF"), style="SIMPLE", platform="INSTAGRAM")
    assert ink_difference(with_emoji, plain) == 0
