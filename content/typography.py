"""Korean text on images: the bundled Korean fonts and a keep-all, shrink-to-fit, balanced line breaker.

Korean readers expect CSS ``word-break: keep-all``: lines break only at the spaces between words (어절),
never inside one. :func:`fit_text` tries the largest size first; at each size it looks for the fewest lines
(up to ``max_lines``) whose longest line fits, with the words distributed so the lines are as even as
possible. Only when nothing fits at ``min_size`` does it cut the text, at a word boundary, with an ellipsis.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from PIL import ImageFont

from content.constants import DEFAULT_FONT, FontFamily

ELLIPSIS = "…"

# Each family's file in its wheel (both SIL Open Font License 1.1): Noto Sans KR is a variable font (weight
# axis 100–900); the Noto Serif KR of pylopdf-fonts-ko has its Regular weight only, used at every weight.
_FONT_FILES = {
    FontFamily.NOTO_SANS_KR: ("justmytype_intl_cjk", ("fonts", "ofl", "notosanskr", "NotoSansKR[wght].ttf")),
    FontFamily.NOTO_SERIF_KR: ("pylopdf_fonts_ko", ("NotoSerifKR-Regular.otf",)),
}
_VARIABLE_WEIGHT = {FontFamily.NOTO_SANS_KR}


def font_path(family: str = DEFAULT_FONT) -> str:
    package, parts = _FONT_FILES[FontFamily(family)]
    return str(resources.files(package).joinpath(*parts))


@lru_cache(maxsize=256)
def korean_font(size: int, weight: int = 400, family: str = DEFAULT_FONT) -> ImageFont.FreeTypeFont:
    """``family`` (Noto Sans KR unless told) at ``size`` px and ``weight`` (100–900, where the font has a weight
    axis). Callers must not mutate it."""
    font = ImageFont.truetype(font_path(family), size)
    if family in _VARIABLE_WEIGHT:
        font.set_variation_by_axes([max(100, min(900, weight))])
    return font


def _glyph_bitmap(char: str, family: str) -> bytes:
    font = korean_font(40, 400, family)
    return bytes(font.getmask(char)) + repr(font.getbbox(char)).encode()


@lru_cache(maxsize=4)
def _missing_glyph_bitmap(family: str) -> bytes:
    return _glyph_bitmap("\U0010fffd", family)  # a private-use code point no font here covers: the .notdef box


@lru_cache(maxsize=16384)
def has_glyph(char: str, family: str = DEFAULT_FONT) -> bool:
    return char.isspace() or _glyph_bitmap(char, family) != _missing_glyph_bitmap(family)


def drawable(text: str, family: str = DEFAULT_FONT) -> str:
    """``text`` without the characters the font cannot draw (emoji, rare symbols): no tofu boxes on a poster."""
    return " ".join("".join(char for char in text if has_glyph(char, family)).split())


@dataclass(frozen=True)
class TextBlock:
    lines: list[str]
    font: ImageFont.FreeTypeFont
    size: int
    line_height: int
    width: int
    height: int
    truncated: bool = False


def text_width(font: ImageFont.FreeTypeFont, text: str) -> float:
    return font.getlength(text)


def _balanced_partition(
    line_width: Callable[[int, int], float], count: int, lines: int
) -> tuple[float, list[int]] | None:
    """Splits ``count`` words into exactly ``lines`` consecutive groups minimising the longest line.

    ``line_width(start, end)`` measures words[start:end] set as one line (kerning included).

    Returns (longest line width, indices where each line starts) or None if there are fewer words than lines.
    """
    if lines > count:
        return None
    infinity = float("inf")
    # best[k][i]: the smallest possible longest line when the first i words fill k lines.
    best = [[infinity] * (count + 1) for _ in range(lines + 1)]
    cut = [[0] * (count + 1) for _ in range(lines + 1)]
    best[0][0] = 0.0
    for k in range(1, lines + 1):
        for i in range(k, count + 1):
            for j in range(k - 1, i):
                if best[k - 1][j] == infinity:
                    continue
                candidate = max(best[k - 1][j], line_width(j, i))
                if candidate < best[k][i]:
                    best[k][i] = candidate
                    cut[k][i] = j
    starts: list[int] = []
    i = count
    for k in range(lines, 0, -1):
        j = cut[k][i]
        starts.append(j)
        i = j
    return best[lines][count], list(reversed(starts))


def _line_measurer(font: ImageFont.FreeTypeFont, words: list[str]) -> Callable[[int, int], float]:
    measured: dict[tuple[int, int], float] = {}

    def line_width(start: int, end: int) -> float:
        if (start, end) not in measured:
            measured[(start, end)] = text_width(font, " ".join(words[start:end]))
        return measured[(start, end)]

    return line_width


def _lines_from_starts(words: list[str], starts: list[int]) -> list[str]:
    bounds = [*starts, len(words)]
    return [" ".join(words[bounds[n] : bounds[n + 1]]) for n in range(len(starts))]


def _truncate_to_width(font: ImageFont.FreeTypeFont, text: str, max_width: float) -> str:
    """``text`` cut so that it plus an ellipsis fits: at a word boundary when one exists, else by character."""
    if text_width(font, text) <= max_width:
        return text
    words = text.split(" ")
    while len(words) > 1:
        words.pop()
        candidate = " ".join(words) + ELLIPSIS
        if text_width(font, candidate) <= max_width:
            return candidate
    single = words[0]
    while single and text_width(font, single + ELLIPSIS) > max_width:
        single = single[:-1]
    return single + ELLIPSIS


def fit_text(
    text: str,
    *,
    max_width: float,
    max_height: float,
    max_lines: int,
    max_size: int,
    min_size: int,
    weight: int = 700,
    line_spacing: float = 1.25,
    family: str = DEFAULT_FONT,
) -> TextBlock:
    words = text.split()
    if not words:
        font = korean_font(min_size, weight, family)
        return TextBlock([], font, min_size, round(min_size * line_spacing), 0, 0)
    size = max_size
    while size >= min_size:
        font = korean_font(size, weight, family)
        line_height = round(size * line_spacing)
        line_width = _line_measurer(font, words)
        for lines in range(1, min(max_lines, len(words)) + 1):
            if size + line_height * (lines - 1) > max_height:
                break
            partition = _balanced_partition(line_width, len(words), lines)
            if partition is not None and partition[0] <= max_width:
                chosen = _lines_from_starts(words, partition[1])
                return TextBlock(
                    chosen,
                    font,
                    size,
                    line_height,
                    round(partition[0]),
                    size + line_height * (len(chosen) - 1),
                )
        size -= max(1, round(size * 0.04))
    return _last_resort(words, max_width, max_height, max_lines, min_size, weight, line_spacing, family)


def _last_resort(
    words: list[str],
    max_width: float,
    max_height: float,
    max_lines: int,
    size: int,
    weight: int,
    spacing: float,
    family: str,
) -> TextBlock:
    """Greedy keep-all filling at the smallest size; what does not fit ends in an ellipsis."""
    font = korean_font(size, weight, family)
    line_height = round(size * spacing)
    room = max(1, min(max_lines, 1 + int((max_height - size) // line_height)))
    lines: list[str] = []
    current = ""
    remaining = list(words)
    while remaining and len(lines) < room:
        word = remaining[0]
        candidate = f"{current} {word}".strip()
        if text_width(font, candidate) <= max_width:
            current = candidate
            remaining.pop(0)
            continue
        if not current:  # a single word wider than the line: it must be cut
            lines.append(_truncate_to_width(font, word, max_width))
            remaining.pop(0)
            break
        lines.append(current)
        current = ""
    if current and len(lines) < room:
        lines.append(current)
        current = ""
    truncated = bool(remaining) or any(line.endswith(ELLIPSIS) for line in lines)
    if remaining and lines:
        # The next word did not fit, so the joined text is too wide and comes back cut with an ellipsis.
        lines[-1] = _truncate_to_width(font, f"{lines[-1]} {' '.join(remaining)}", max_width)
    width = max((text_width(font, line) for line in lines), default=0)
    return TextBlock(lines, font, size, line_height, round(width), size + line_height * (len(lines) - 1), truncated)
