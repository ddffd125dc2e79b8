"""The styles and platforms of the Content Service, with each platform's exact pixel size and the part of it
text must keep to."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Style(models.TextChoices):
    SIMPLE = "SIMPLE", _("심플")
    FANCY = "FANCY", _("화려한")
    TRENDY = "TRENDY", _("트렌디")


class Platform(models.TextChoices):
    INSTAGRAM = "INSTAGRAM", _("Instagram")
    NAVER_BLOG = "NAVER_BLOG", _("네이버 블로그")
    KAKAO_CHANNEL = "KAKAO_CHANNEL", _("카카오 채널")
    # Beyond the contract (a superset: the three above keep their names and sizes).
    INSTAGRAM_PORTRAIT = "INSTAGRAM_PORTRAIT", _("Instagram 세로 (4:5)")
    INSTAGRAM_STORY = "INSTAGRAM_STORY", _("Instagram 스토리 (9:16)")
    KAKAO_LINK = "KAKAO_LINK", _("카카오톡 링크 (2:1)")


PLATFORM_SIZES: dict[str, tuple[int, int]] = {
    Platform.INSTAGRAM: (1080, 1080),
    Platform.NAVER_BLOG: (800, 600),
    Platform.KAKAO_CHANNEL: (800, 800),
    Platform.INSTAGRAM_PORTRAIT: (1080, 1350),
    Platform.INSTAGRAM_STORY: (1080, 1920),
    Platform.KAKAO_LINK: (800, 400),
}

# Where text may go, as (left, top, right, bottom) in pixels. Stories: Instagram's profile row and reply bar
# cover the top and bottom 250 px (Meta's guidance for 1080×1920). Portrait posts: the profile grid shows a
# centred 3:4 crop, 34 px narrower on each side. Elsewhere a thin rim that cropping previews may eat.
SAFE_AREAS: dict[str, tuple[int, int, int, int]] = {
    Platform.INSTAGRAM: (24, 24, 1056, 1056),
    Platform.NAVER_BLOG: (18, 18, 782, 582),
    Platform.KAKAO_CHANNEL: (18, 18, 782, 782),
    Platform.INSTAGRAM_PORTRAIT: (60, 40, 1020, 1310),
    Platform.INSTAGRAM_STORY: (64, 250, 1016, 1670),
    Platform.KAKAO_LINK: (20, 20, 780, 380),
}

# The smallest text (font size in px) of the event's facts: 8 pt at the width the platform shows the image on
# a phone (Instagram and blogs about 390 / 360 pt wide, a KakaoTalk link preview about 250 pt in its bubble).
MIN_TEXT_PX: dict[str, int] = {
    Platform.INSTAGRAM: 22,
    Platform.NAVER_BLOG: 18,
    Platform.KAKAO_CHANNEL: 18,
    Platform.INSTAGRAM_PORTRAIT: 22,
    Platform.INSTAGRAM_STORY: 22,
    Platform.KAKAO_LINK: 26,
}

ALL_STYLES: list[str] = [Style.SIMPLE, Style.FANCY, Style.TRENDY]
# The contract's platforms: what "9장 모두" means and what clients of the contract know.
CONTRACT_PLATFORMS: list[str] = [Platform.INSTAGRAM, Platform.NAVER_BLOG, Platform.KAKAO_CHANNEL]
EXTENDED_PLATFORMS: list[str] = [Platform.INSTAGRAM_PORTRAIT, Platform.INSTAGRAM_STORY, Platform.KAKAO_LINK]
ALL_PLATFORMS: list[str] = [*CONTRACT_PLATFORMS, *EXTENDED_PLATFORMS]
DEFAULT_PLATFORMS: list[str] = [Platform.INSTAGRAM]
DEFAULT_BRAND_COLOR = "#3D5AFE"
DEFAULT_PRIORITY = 5


def celery_priority(priority: int) -> int:
    """The spec's 1 (low) … 10 (high) onto the Redis transport's 9 (lowest) … 0 (highest)."""
    return max(0, min(9, 10 - priority))


class FontFamily(models.TextChoices):
    """The Korean typefaces shipped with the app (OFL, from PyPI wheels: never the OS's fonts)."""

    NOTO_SANS_KR = "NOTO_SANS_KR", _("Noto Sans KR (고딕)")
    NOTO_SERIF_KR = "NOTO_SERIF_KR", _("Noto Serif KR (명조)")


DEFAULT_FONT = FontFamily.NOTO_SANS_KR
