"""The styles and platforms of the Content Service, with each platform's exact pixel size."""

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


PLATFORM_SIZES: dict[str, tuple[int, int]] = {
    Platform.INSTAGRAM: (1080, 1080),
    Platform.NAVER_BLOG: (800, 600),
    Platform.KAKAO_CHANNEL: (800, 800),
}

ALL_STYLES: list[str] = [Style.SIMPLE, Style.FANCY, Style.TRENDY]
ALL_PLATFORMS: list[str] = [Platform.INSTAGRAM, Platform.NAVER_BLOG, Platform.KAKAO_CHANNEL]
DEFAULT_PLATFORMS: list[str] = [Platform.INSTAGRAM]
DEFAULT_BRAND_COLOR = "#3D5AFE"
DEFAULT_PRIORITY = 5
