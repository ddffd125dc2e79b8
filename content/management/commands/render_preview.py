"""Writes the template images of a sample event (3 styles × the contract's 3 platforms, or all 6 with
``--platforms all``) to a folder, for people to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from PIL import Image, ImageDraw

from common.errors import InvalidInput
from common.images import open_untrusted_image
from content.constants import ALL_PLATFORMS, ALL_STYLES, CONTRACT_PLATFORMS, FontFamily
from content.providers.template import EventArt, render_event_image
from content.serializers import HEX_COLOR
from content.typography import korean_font


def sample_logo() -> Image.Image:
    """A stand-in shop logo: a round mark and a word, on transparency."""
    logo = Image.new("RGBA", (420, 140), (0, 0, 0, 0))
    draw = ImageDraw.Draw(logo)
    draw.ellipse((6, 6, 128, 128), fill=(35, 35, 40, 255))
    draw.ellipse((40, 40, 94, 94), fill=(255, 255, 255, 255))
    draw.text((150, 22), "카페 봄날", font=korean_font(72, 800), fill=(35, 35, 40, 255))
    return logo


def _platforms(value: str) -> list[str]:
    if value == "all":
        return list(ALL_PLATFORMS)
    if value == "contract":
        return list(CONTRACT_PLATFORMS)
    chosen = [name.strip().upper() for name in value.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in ALL_PLATFORMS]
    if unknown or not chosen:
        raise CommandError(f"--platforms: all, contract 또는 {', '.join(ALL_PLATFORMS)} 중에서 고르세요.")
    return chosen


class Command(BaseCommand):
    help = "샘플 이벤트의 템플릿 이미지 (3개 스타일 × 플랫폼)를 폴더에 저장합니다."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--out", required=True, help="PNG를 저장할 폴더")
        parser.add_argument("--title", default="봄맞이 커피 할인 이벤트")
        parser.add_argument("--gift", default="아메리카노 1+1")
        parser.add_argument("--color", default="#FF5733", help="브랜드 컬러 (#RRGGBB)")
        parser.add_argument("--secondary-color", default="", help="보조 브랜드 컬러 (#RRGGBB)")
        parser.add_argument("--font", default=FontFamily.NOTO_SANS_KR, choices=FontFamily.values)
        parser.add_argument("--period", default="", help='이벤트 기간 (예: "3.1 ~ 3.31")')
        parser.add_argument("--cta", default="", help='참여 문구 (예: "지금 참여하세요")')
        parser.add_argument("--url", default="", help="이벤트 링크 (QR 코드로 들어갑니다)")
        parser.add_argument("--store", default="", help="매장 이름")
        parser.add_argument(
            "--platforms", default="contract", help="contract (3개, 기본), all (6개) 또는 쉼표로 나눈 플랫폼 이름"
        )
        parser.add_argument("--logo", help="로고 이미지 파일 (없으면 예시 로고)")
        parser.add_argument("--no-logo", action="store_true", help="로고 없이 렌더링")
        parser.add_argument("--artwork", help="AI 아트워크 대신 쓸 배경 이미지 파일 (합성 미리보기)")
        parser.add_argument(
            "--sheet", action="store_true", help="모든 이미지를 한눈에 보는 contact sheet (sheet.png)도 저장"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for option in ("color", "secondary_color"):
            if options[option] and not HEX_COLOR.match(options[option]):
                raise CommandError(f"--{option.replace('_', '-')}는 #RRGGBB 형식이어야 합니다.")
        platforms = _platforms(options["platforms"])
        logo = None
        if not options["no_logo"]:
            logo = self._image(options["logo"]) if options["logo"] else sample_logo()
        artwork = self._image(options["artwork"]).convert("RGB") if options["artwork"] else None
        event = EventArt(
            title=options["title"],
            gift_name=options["gift"],
            brand_color=options["color"],
            logo=logo,
            period=options["period"],
            call_to_action=options["cta"],
            event_url=options["url"],
            store_name=options["store"],
            secondary_color=options["secondary_color"].upper(),
            font=options["font"],
        )
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        cell, gap = 360, 16
        sheet = Image.new(
            "RGB", (len(platforms) * cell + (len(platforms) + 1) * gap, 3 * cell + 4 * gap), (236, 236, 240)
        )
        for row, style in enumerate(ALL_STYLES):
            for column, platform in enumerate(platforms):
                path = out / f"{style.lower()}-{platform.lower()}.png"
                image = render_event_image(event, style=style, platform=platform, artwork=artwork)
                image.save(path)
                self.stdout.write(str(path))
                image.thumbnail((cell, cell))
                x = gap + column * (cell + gap) + (cell - image.width) // 2
                sheet.paste(image, (x, gap + row * (cell + gap) + (cell - image.height) // 2))
        if options["sheet"]:
            sheet.save(out / "sheet.png")
            self.stdout.write(str(out / "sheet.png"))

    def _image(self, path: str) -> Image.Image:
        try:
            return open_untrusted_image(Path(path).read_bytes()).image
        except (OSError, InvalidInput) as exc:
            raise CommandError(f"{path}: {exc}") from exc
