"""Rebuilds the share page's fallback Korean web font (tryon/static/tryon/fonts/noto-sans-kr-{400,700}.woff).

Noto Sans KR (OFL, from the justmytype-intl-cjk wheel) cut down to ASCII, Hangul jamo and the 2,350 common
syllables of KS X 1001 (about 200 KB per weight). Phones with a Korean system font never download it.
Run: .venv/bin/python bench/tryon_build_share_font.py
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import justmytype_intl_cjk
from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer

SOURCE = Path(justmytype_intl_cjk.__file__).parent / "fonts/ofl/notosanskr/NotoSansKR[wght].ttf"
TARGET = Path(__file__).resolve().parents[1] / "tryon/static/tryon/fonts"


def characters() -> set[int]:
    chars = set(range(0x20, 0x7F)) | {0xB7, 0x2026, 0x2014, 0x2013, 0x2018, 0x2019, 0x201C, 0x201D, 0x20A9, 0xFF5E}
    for high in range(0xB0, 0xC9):
        for low in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):  # an unassigned code point of the table
                chars.add(ord(bytes([high, low]).decode("euc-kr")))
    return chars | set(range(0x3131, 0x3164))


def main() -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    for weight in (400, 700):
        font = instancer.instantiateVariableFont(TTFont(str(SOURCE)), {"wght": weight})
        options = subset.Options()
        options.flavor = "woff"
        options.layout_features = ["kern", "liga"]
        options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=characters())
        subsetter.subset(font)
        font.flavor = "woff"
        font.save(str(TARGET / f"noto-sans-kr-{weight}.woff"))
    (TARGET / "OFL.txt").write_text((SOURCE.parent / "OFL.txt").read_text())


if __name__ == "__main__":
    main()
