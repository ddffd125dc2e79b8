"""Writes the 9 template images (3 styles × 3 platforms) of a sample event to a folder, for people to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from PIL import Image, ImageDraw

from common.errors import InvalidInput
from common.images import open_untrusted_image
from content.constants import ALL_PLATFORMS, ALL_STYLES
from content.providers.template import EventArt, render_event_image
from content.serializers import HEX_COLOR


def sample_logo() -> Image.Image:
    """A stand-in shop logo: a round mark and a word, on transparency."""
    logo = Image.new("RGBA", (420, 140), (0, 0, 0, 0))
    draw = ImageDraw.Draw(logo)
    draw.ellipse((6, 6, 128, 128), fill=(35, 35, 40, 255))
    draw.ellipse((40, 40, 94, 94), fill=(255, 255, 255, 255))
    from content.typography import korean_font

    draw.text((150, 22), "카페 봄날", font=korean_font(72, 800), fill=(35, 35, 40, 255))
    return logo


class Command(BaseCommand):
    help = "3개 스타일 × 3개 플랫폼 = 9장의 템플릿 이미지를 폴더에 저장합니다."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--out", required=True, help="PNG를 저장할 폴더")
        parser.add_argument("--title", default="봄맞이 커피 할인 이벤트")
        parser.add_argument("--gift", default="아메리카노 1+1")
        parser.add_argument("--color", default="#FF5733", help="브랜드 컬러 (#RRGGBB)")
        parser.add_argument("--logo", help="로고 이미지 파일 (없으면 예시 로고)")
        parser.add_argument("--no-logo", action="store_true", help="로고 없이 렌더링")
        parser.add_argument("--artwork", help="AI 아트워크 대신 쓸 배경 이미지 파일 (합성 미리보기)")
        parser.add_argument("--sheet", action="store_true", help="9장을 한눈에 보는 contact sheet (sheet.png)도 저장")

    def handle(self, *args: Any, **options: Any) -> None:
        if not HEX_COLOR.match(options["color"]):
            raise CommandError("--color는 #RRGGBB 형식이어야 합니다.")
        logo = None
        if not options["no_logo"]:
            logo = self._image(options["logo"]) if options["logo"] else sample_logo()
        artwork = self._image(options["artwork"]).convert("RGB") if options["artwork"] else None
        event = EventArt(title=options["title"], gift_name=options["gift"], brand_color=options["color"], logo=logo)
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        cell, gap = 360, 16
        sheet = Image.new("RGB", (3 * cell + 4 * gap, 3 * cell + 4 * gap), (236, 236, 240))
        for row, style in enumerate(ALL_STYLES):
            for column, platform in enumerate(ALL_PLATFORMS):
                path = out / f"{style.lower()}-{platform.lower()}.png"
                image = render_event_image(event, style=style, platform=platform, artwork=artwork)
                image.save(path)
                self.stdout.write(str(path))
                image.thumbnail((cell, cell))
                sheet.paste(image, (gap + column * (cell + gap), gap + row * (cell + gap)))
        if options["sheet"]:
            sheet.save(out / "sheet.png")
            self.stdout.write(str(out / "sheet.png"))

    def _image(self, path: str) -> Image.Image:
        try:
            return open_untrusted_image(Path(path).read_bytes()).image
        except (OSError, InvalidInput) as exc:
            raise CommandError(f"{path}: {exc}") from exc
