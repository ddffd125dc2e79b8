"""CPU time of the 9 template images of one event (3 styles × the contract's 3 platforms, rendered and
PNG-encoded as the job pipeline does) beside the floor: Pillow encoding 9 blank images of the same sizes with
its defaults. Then the same for all 18 images (3 styles × 6 platforms), without and with the event's facts
(store, period, call to action, a link and its QR code).

Run: .venv/bin/python bench/render_event_images.py [repetitions] [--encodings]

Process CPU time (time.process_time), median of the repetitions; every set and its floor are measured in
alternating rounds of the same run. ``--encodings`` adds the measurement the PNG settings were chosen by.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
import zlib
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from common.images import encode_png  # noqa: E402
from content.constants import ALL_PLATFORMS, ALL_STYLES, CONTRACT_PLATFORMS, PLATFORM_SIZES, Style  # noqa: E402
from content.management.commands.render_preview import sample_logo  # noqa: E402
from content.providers.template import EventArt, render_event_image  # noqa: E402

TARGET_MS = 300
EVENT = EventArt("봄맞이 커피 할인 이벤트", "아메리카노 1+1", "#FF5733", sample_logo())
WITH_FACTS = replace(
    EVENT,
    period="3.1 ~ 3.31",
    call_to_action="지금 참여하세요",
    event_url="https://cafe-bomnal.kr/events/spring",
    store_name="카페 봄날 성수점",
)
CELLS = [(style, platform) for style in ALL_STYLES for platform in CONTRACT_PLATFORMS]
ALL_CELLS = [(style, platform) for style in ALL_STYLES for platform in ALL_PLATFORMS]


Result = TypeVar("Result")


def cpu_ms(function: Callable[[], Result]) -> tuple[float, Result]:
    start = time.process_time()
    result = function()
    return (time.process_time() - start) * 1000, result


def images(
    cells: list[tuple[str, str]] = CELLS, event: EventArt = EVENT
) -> dict[tuple[str, str], tuple[float, float, int]]:
    """(render ms, encode ms, bytes) of each image."""
    measured = {}
    for style, platform in cells:
        render_ms, image = cpu_ms(partial(render_event_image, event, style=style, platform=platform))
        encode_ms, data = cpu_ms(partial(encode_png, image))
        measured[(style, platform)] = (render_ms, encode_ms, len(data))
    return measured


def blank_floor(cells: list[tuple[str, str]] = CELLS) -> None:
    for _, platform in cells:
        Image.new("RGB", PLATFORM_SIZES[platform], (255, 255, 255)).save(io.BytesIO(), format="PNG")


def pillow_png(image: Image.Image, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **options)
    return buffer.getvalue()


def palette_for_flat_styles(image: Image.Image, style: str) -> bytes:
    if style == Style.FANCY:  # gradients band visibly with 256 colours
        return pillow_png(image, compress_type=zlib.Z_RLE)
    quantized = image.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    return pillow_png(quantized, compress_level=3)


ENCODINGS: dict[str, Callable[[Image.Image, str], bytes]] = {
    "Pillow, zlib 6 (before)": lambda image, style: pillow_png(image, compress_level=6),
    "Pillow, zlib 1": lambda image, style: pillow_png(image, compress_level=1),
    "Pillow, zlib RLE strategy": lambda image, style: pillow_png(image, compress_type=zlib.Z_RLE),
    "Pillow, 256-colour palette (flat styles)": palette_for_flat_styles,
    "Pillow, optimize=True": lambda image, style: pillow_png(image, optimize=True),
    "Up filter, zlib 1 (chosen)": lambda image, style: encode_png(image, compress_level=1),
    "Up filter, zlib 3": lambda image, style: encode_png(image, compress_level=3),
    "Up filter, zlib 6": lambda image, style: encode_png(image, compress_level=6),
}


def compare_encodings(repetitions: int) -> None:
    images = {cell: render_event_image(EVENT, style=cell[0], platform=cell[1]) for cell in CELLS}
    print(f"\nPNG settings on the same 9 images (median of {repetitions}):")
    print(f"  {'encoder':42s} {'9 images':>9s} {'KB total':>9s} {'largest':>8s} {'max error':>10s}")
    for name, encode in ENCODINGS.items():

        def encode_all(encode: Callable[[Image.Image, str], bytes] = encode) -> dict[tuple[str, str], bytes]:
            return {cell: encode(image, cell[0]) for cell, image in images.items()}

        timings: list[float] = []
        outputs: dict[tuple[str, str], bytes] = {}
        for _ in range(repetitions):
            elapsed, outputs = cpu_ms(encode_all)
            timings.append(elapsed)
        error = 0
        for cell, data in outputs.items():
            back = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.int16)
            error = max(error, int(np.abs(back - np.asarray(images[cell], dtype=np.int16)).max()))
        sizes = [len(data) / 1024 for data in outputs.values()]
        print(
            f"  {name:42s} {statistics.median(timings):6.0f} ms {sum(sizes):6.0f} KB {max(sizes):5.0f} KB {error:10d}"
        )


def main(repetitions: int, encodings: bool) -> None:
    first_ms, _ = cpu_ms(lambda: (images(ALL_CELLS), images(ALL_CELLS, WITH_FACTS)))  # fonts, masks, QR codes
    rounds: list[dict[tuple[str, str], tuple[float, float, int]]] = []
    totals, floors, all_totals, all_floors, facts_totals = [], [], [], [], []
    for _ in range(repetitions):
        elapsed, measured = cpu_ms(images)
        rounds.append(measured)
        totals.append(elapsed)
        floors.append(cpu_ms(blank_floor)[0])
        all_totals.append(cpu_ms(lambda: images(ALL_CELLS))[0])
        all_floors.append(cpu_ms(lambda: blank_floor(ALL_CELLS))[0])
        facts_totals.append(cpu_ms(lambda: images(ALL_CELLS, WITH_FACTS))[0])
    print(f"event: {EVENT.title} / {EVENT.gift_name} / {EVENT.brand_color}, with logo")
    print(f"process CPU time, median of {repetitions} repetitions\n")
    print(f"  {'style':7s} {'platform':14s} {'render':>9s} {'encode':>9s} {'PNG':>8s}")
    for cell in CELLS:
        render_ms = statistics.median(r[cell][0] for r in rounds)
        encode_ms = statistics.median(r[cell][1] for r in rounds)
        kilobytes = rounds[-1][cell][2] / 1024
        print(f"  {cell[0]:7s} {cell[1]:14s} {render_ms:6.1f} ms {encode_ms:6.1f} ms {kilobytes:5.0f} KB")
    total, floor = statistics.median(totals), statistics.median(floors)
    verdict = "met" if total <= TARGET_MS else "MISSED"
    print(f"\n  9 images, rendered + encoded:        {total:6.1f} ms   (target <= {TARGET_MS} ms: {verdict})")
    print(f"  floor, Pillow encoding 9 blank PNGs: {floor:6.1f} ms")
    print(f"  ratio to the floor:                  {total / floor:6.2f} x")
    all_total, all_floor = statistics.median(all_totals), statistics.median(all_floors)
    facts_total = statistics.median(facts_totals)
    print(f"\n  18 images (6 platforms), rendered + encoded:      {all_total:6.1f} ms")
    print(f"  18 images with the facts and QR code:             {facts_total:6.1f} ms")
    print(f"  floor, Pillow encoding 18 blank PNGs:             {all_floor:6.1f} ms")
    print(
        f"  ratios to the floor:                              {all_total / all_floor:6.2f} x, {facts_total / all_floor:.2f} x"
    )
    print(f"\n  first 9 + 18 + 18 in this process (fonts, masks, QR): {first_ms:6.1f} ms")
    if encodings:
        compare_encodings(max(3, repetitions // 3))


if __name__ == "__main__":
    arguments = [argument for argument in sys.argv[1:] if not argument.startswith("--")]
    main(int(arguments[0]) if arguments else 15, "--encodings" in sys.argv)
