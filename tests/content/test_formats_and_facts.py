"""The platforms beyond the contract and the event's facts, as the renderer draws them: exact sizes, text inside
each platform's safe area, no piece over another, legible sizes, boxes that are where the ink is, QR codes
that decode back to the link, and Korean glyphs in every shipped typeface."""

from __future__ import annotations

import random
from dataclasses import replace
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zxingcpp
from django.core.management import call_command
from PIL import Image, ImageDraw

from content.constants import (
    ALL_PLATFORMS,
    ALL_STYLES,
    EXTENDED_PLATFORMS,
    MIN_TEXT_PX,
    PLATFORM_SIZES,
    SAFE_AREAS,
    FontFamily,
)
from content.design.facts import short_url
from content.management.commands.render_preview import sample_logo
from content.providers.template import EventArt, render_event_design, render_event_image
from content.typography import korean_font
from tests.content.render_reference import synthetic_artwork

QR_ONLY = zxingcpp.BarcodeFormats([zxingcpp.BarcodeFormat.QRCode])

CELLS = [(style, platform) for style in ALL_STYLES for platform in ALL_PLATFORMS]
TEXT_PIECES = ("title", "gift", "store", "period", "url", "cta")

# Every fact at its longest allowed length (the serializer's limits): the hardest case for each layout.
LONGEST = EventArt(
    title="신메뉴 출시 기념 전 메뉴 30% 할인과 함께하는 봄맞이 경품 추첨 대잔치 오픈 이벤트!!",
    gift_name="스타벅스 아메리카노 기프티콘 5000원권 두 장 증정!",
    brand_color="#FF5733",
    logo=sample_logo(),
    period="2026년 3월 1일 ~ 2026년 3월 31일 까지!",
    call_to_action="지금 바로 참여하고 경품 받아 가세요",
    event_url="https://www.cafe-bomnal.kr/events/2026/spring-coffee-festival?utm_source=instagram&utm_medium=social"
    "&utm_campaign=spring-2026-coffee-festival-launch&utm_content=story-and-feed-posts&ref=bomnal-seong-1",
    store_name="카페 봄날 성수 본점 로스터리 앤 베이커리 카페 2호점",
)
SAMPLE = EventArt(
    title="봄맞이 커피 할인 이벤트",
    gift_name="아메리카노 1+1",
    brand_color="#FF5733",
    logo=sample_logo(),
    period="3.1 ~ 3.31",
    call_to_action="지금 참여하세요",
    event_url="https://cafe-bomnal.kr/spring",
    store_name="카페 봄날",
)
PLAIN = EventArt("봄맞이 커피 할인 이벤트", "아메리카노 1+1", "#FF5733")
EVENTS = {"plain": PLAIN, "sample": SAMPLE, "longest": LONGEST, "serif": replace(SAMPLE, font=FontFamily.NOTO_SERIF_KR)}


def test_the_longest_event_is_as_long_as_a_request_may_be():
    from content import serializers

    assert len(LONGEST.title) == 50 and len(LONGEST.gift_name) == 30
    assert len(LONGEST.period) == serializers.PERIOD_MAX
    assert len(LONGEST.call_to_action) == serializers.CALL_TO_ACTION_MAX
    assert len(LONGEST.store_name) == serializers.STORE_NAME_MAX
    assert len(LONGEST.event_url) == serializers.EVENT_URL_MAX


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def inside(box, area) -> bool:
    return box[0] >= area[0] and box[1] >= area[1] and box[2] <= area[2] and box[3] <= area[3]


@pytest.mark.parametrize("platform", EXTENDED_PLATFORMS)
def test_every_style_renders_the_new_platforms_at_their_exact_size(platform):
    for style in ALL_STYLES:
        for artwork in (None, synthetic_artwork()):
            image = render_event_image(SAMPLE, style=style, platform=platform, artwork=artwork)
            assert image.size == PLATFORM_SIZES[platform] and image.mode == "RGB"
    assert (
        PLATFORM_SIZES[platform]
        == {
            "INSTAGRAM_PORTRAIT": (1080, 1350),
            "INSTAGRAM_STORY": (1080, 1920),
            "KAKAO_LINK": (800, 400),
        }[platform]
    )


@pytest.mark.parametrize("event_name", list(EVENTS))
@pytest.mark.parametrize(("style", "platform"), CELLS, ids=[f"{s}-{p}" for s, p in CELLS])
def test_text_stays_in_the_safe_area_never_overlaps_and_stays_legible(style, platform, event_name):
    event = EVENTS[event_name]
    for artwork in (None, synthetic_artwork()):
        _, layout = render_event_design(event, style=style, platform=platform, artwork=artwork)
        placed = layout.placed
        expected = {"title", "gift"} | ({"store", "period", "url", "cta", "qr"} if event.has_facts else set())
        assert set(placed) == expected, (artwork is not None, set(placed))
        for name, piece in placed.items():
            assert inside(piece.box, SAFE_AREAS[platform]), (name, piece.box, SAFE_AREAS[platform])
            if name in TEXT_PIECES:
                assert piece.font_size >= MIN_TEXT_PX[platform], (name, piece.font_size)
        for (a_name, a), (b_name, b) in combinations(placed.items(), 2):
            assert not overlaps(a.box, b.box), (artwork is not None, a_name, a.box, b_name, b.box)


def test_the_story_keeps_its_top_and_bottom_250_px_free_of_text():
    for style in ALL_STYLES:
        _, layout = render_event_design(LONGEST, style=style, platform="INSTAGRAM_STORY")
        for name, piece in layout.placed.items():
            assert piece.box[1] >= 250 and piece.box[3] <= 1920 - 250, (style, name, piece.box)


# Same-width stand-ins (Hangul syllables share one advance): swapping them moves nothing else.
SWAPS: dict[str, tuple[str, Any]] = {
    "title": ("title", "겨울철 녹차 특가 행사다"),
    "gift": ("gift_name", "카라멜라떼 2+1"),
    "store": ("store_name", "빵집 여름"),
    "period": ("period", "4.1 ~ 4.30"),
    "cta": ("call_to_action", "오늘 신청하세요"),
}


@pytest.mark.parametrize(("style", "platform"), CELLS, ids=[f"{s}-{p}" for s, p in CELLS])
def test_each_recorded_box_is_where_that_text_is_drawn(monkeypatch, style, platform):
    """Control on the layout record itself: changing one text changes pixels only inside its recorded box
    (with room for a shadow), so the geometry checks above look at the real ink."""
    from content.design import fancy

    # FANCY scatters its confetti by the title and gift: held still here, so only the text can differ.
    monkeypatch.setattr(fancy, "seeded_random", lambda event, style: random.Random(0))
    base, layout = render_event_design(SAMPLE, style=style, platform=platform)
    reach = 3 * round(PLATFORM_SIZES[platform][0] / 100) + 6  # TRENDY's hard shadow, FANCY's blurred one
    for piece, (field, text) in SWAPS.items():
        swapped, swapped_layout = render_event_design(replace(SAMPLE, **{field: text}), style=style, platform=platform)
        # The layout did not move (glyph boxes differ by a pixel from text to text).
        assert np.allclose(swapped_layout.placed[piece].box, layout.placed[piece].box, atol=3), piece
        changed = np.argwhere(
            np.abs(np.asarray(base, dtype=np.int16) - np.asarray(swapped, dtype=np.int16)).max(axis=2) > 24
        )
        assert len(changed), piece  # the text is drawn at all
        box = layout.placed[piece].box
        top, left = changed.min(axis=0)
        bottom, right = changed.max(axis=0)
        assert left >= box[0] - reach and top >= box[1] - reach, (piece, box, (left, top))
        assert right <= box[2] + reach and bottom <= box[3] + reach, (piece, box, (right, bottom))


@pytest.mark.parametrize("event_name", ["sample", "longest"])
@pytest.mark.parametrize(("style", "platform"), CELLS, ids=[f"{s}-{p}" for s, p in CELLS])
def test_the_qr_code_decodes_back_to_the_event_link(style, platform, event_name):
    event = EVENTS[event_name]
    image, layout = render_event_design(event, style=style, platform=platform, artwork=synthetic_artwork())
    found = zxingcpp.read_barcodes(image, formats=QR_ONLY)
    assert [code.text for code in found] == [event.event_url]
    position = found[0].position
    corners = [position.top_left, position.top_right, position.bottom_left, position.bottom_right]
    card = layout.placed["qr"].box
    assert all(card[0] <= p.x <= card[2] and card[1] <= p.y <= card[3] for p in corners)


def test_without_a_link_there_is_no_qr_code():
    event = replace(SAMPLE, event_url="")
    for style, platform in CELLS:
        image, layout = render_event_design(event, style=style, platform=platform)
        assert "qr" not in layout.placed and "url" not in layout.placed
        assert zxingcpp.read_barcodes(image, formats=QR_ONLY) == []


def test_the_link_is_printed_short():
    assert short_url("https://www.cafe-bomnal.kr/events/spring/?utm_source=insta#top") == "cafe-bomnal.kr/events/spring"
    assert short_url("http://shop.example.com") == "shop.example.com"
    long = short_url(LONGEST.event_url)
    assert len(long) == 32 and long.endswith("…") and long.startswith("cafe-bomnal.kr/events/2026/")


def test_facts_change_every_style_on_the_contract_platforms_too():
    for style in ALL_STYLES:
        for platform in ("INSTAGRAM", "NAVER_BLOG", "KAKAO_CHANNEL"):
            plain = np.asarray(render_event_image(PLAIN, style=style, platform=platform), dtype=np.int16)
            with_facts = np.asarray(
                render_event_image(replace(SAMPLE, logo=None), style=style, platform=platform), dtype=np.int16
            )
            assert np.abs(plain - with_facts).mean() > 1.0, (style, platform)


def test_the_second_brand_colour_shows_in_every_style():
    for style in ALL_STYLES:
        first = render_event_image(SAMPLE, style=style, platform="INSTAGRAM_PORTRAIT")
        second = render_event_image(
            replace(SAMPLE, secondary_color="#1E88E5"), style=style, platform="INSTAGRAM_PORTRAIT"
        )
        blue = np.asarray(second, dtype=np.int16)
        assert np.abs(np.asarray(first, dtype=np.int16) - blue).mean() > 0.5, style
        # Pixels of the second colour itself are there.
        assert (np.abs(blue - np.array([30, 136, 229])).max(axis=2) < 12).sum() > 500, style


HANGUL_SYLLABLES = [chr(code) for code in range(0xAC00, 0xD7A4)]
LABELS = "경품 기간 이벤트 참여"


@pytest.mark.parametrize("family", FontFamily.values)
def test_every_shipped_typeface_draws_every_hangul_syllable(family):
    """All 11,172 modern syllables, and the labels and samples we draw, have real glyphs (not the .notdef box)
    in each typeface a merchant can choose."""
    from content.typography import has_glyph

    missing = [char for char in HANGUL_SYLLABLES if not has_glyph(char, family)]
    assert missing == []
    for text in (LABELS, LONGEST.title, LONGEST.gift_name, LONGEST.period, LONGEST.call_to_action):
        assert all(has_glyph(char, family) for char in text), text
    assert not has_glyph("🎉", family)  # the control: a character the font lacks is told apart


def test_the_typefaces_look_different_and_are_used_for_the_headline():
    sans, serif = korean_font(80, 400, FontFamily.NOTO_SANS_KR), korean_font(80, 400, FontFamily.NOTO_SERIF_KR)
    for char in "봄맞이":
        bitmaps = []
        for font in (sans, serif):
            canvas = Image.new("L", (120, 120), 0)
            ImageDraw.Draw(canvas).text((10, 0), char, font=font, fill=255)
            bitmaps.append(np.asarray(canvas, dtype=np.int16))
        assert np.abs(bitmaps[0] - bitmaps[1]).mean() > 5
    for style in ALL_STYLES:
        as_sans, sans_layout = render_event_design(SAMPLE, style=style, platform="INSTAGRAM")
        as_serif, serif_layout = render_event_design(EVENTS["serif"], style=style, platform="INSTAGRAM")
        box = [round(v) for v in sans_layout.placed["title"].box]
        region = (slice(box[1], box[3]), slice(box[0], box[2]))
        difference = np.abs(np.asarray(as_sans, dtype=np.int16)[region] - np.asarray(as_serif, dtype=np.int16)[region])
        assert difference.mean() > 5, style


def test_render_preview_shows_all_eighteen_with_the_facts(tmp_path: Path):
    call_command(
        "render_preview",
        "--out",
        str(tmp_path),
        "--platforms",
        "all",
        "--period",
        "3.1 ~ 3.31",
        "--cta",
        "지금 참여하세요",
        "--url",
        "https://cafe-bomnal.kr/spring",
        "--store",
        "카페 봄날",
        "--sheet",
    )
    assert Image.open(tmp_path / "sheet.png").size == (6 * 360 + 7 * 16, 3 * 360 + 4 * 16)
    (tmp_path / "sheet.png").unlink()
    files = sorted(tmp_path.glob("*.png"))
    assert len(files) == 18
    for path in files:
        style, platform = path.stem.split("-")
        image = Image.open(path)
        assert image.size == PLATFORM_SIZES[platform.upper()]
        assert [code.text for code in zxingcpp.read_barcodes(image)] == ["https://cafe-bomnal.kr/spring"]
