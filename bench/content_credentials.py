"""What Content Credentials cost on event images: the 9 images of one event (3 styles × the contract's 3
platforms), rendered and PNG-encoded as the pipeline did before (the baseline), then rendered, encoded and
signed as the pipeline does now (content/labels.py: XMP + a C2PA manifest, no thumbnail), in alternating
rounds of one run. Also: what c2pa's default settings would cost (a manifest thumbnail, the cost issue 28
measured), signing without the check c2pa runs after each signature, and the same renders as JPEG (cheaper,
but the Content Service contract's images are PNG). Then a 3 MB 1080×1080 PNG, the issue's worst case.

Run: .venv/bin/python bench/content_credentials.py [rounds]

Process CPU time (time.process_time), median of the rounds.
"""

from __future__ import annotations

import datetime
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from common.images import encode_png  # noqa: E402
from common.provenance.marks import MarkPosition  # noqa: E402
from common.provenance.signing import (  # noqa: E402
    BUILDER_SETTINGS,
    Generator,
    ImageClaims,
    SourceType,
    credential_image,
)
from content.constants import CONTRACT_PLATFORMS, Style  # noqa: E402
from content.labels import labelled_png  # noqa: E402
from content.management.commands.render_preview import sample_logo  # noqa: E402
from content.providers.template import EventArt, render_event_image  # noqa: E402

EVENT = EventArt("봄맞이 커피 할인 이벤트", "아메리카노 1+1", "#FF5733", sample_logo())
CELLS = [(style, platform) for style in Style.values for platform in CONTRACT_PLATFORMS]
CLAIMS = ImageClaims(
    kind="event-image",
    title="봄맞이 커피 할인 이벤트",
    source_type=SourceType.COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA,
    generator=Generator("Stability AI", "core", "v2beta"),
    shop_id="1",
    shop_name="카페 봄날",
    created_at=datetime.datetime(2026, 12, 7, tzinfo=datetime.UTC),
)
C2PA_DEFAULTS: dict = {}  # c2pa's own defaults: a JPEG thumbnail in the manifest, verification after signing
NO_VERIFY = {**BUILDER_SETTINGS, "verify": {"verify_after_sign": False}}


def cpu_ms(function: Callable[[], object]) -> float:
    start = time.process_time()
    function()
    return (time.process_time() - start) * 1000


def jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def render_all() -> list[Image.Image]:
    return [render_event_image(EVENT, style=style, platform=platform) for style, platform in CELLS]


VARIANTS: dict[str, Callable[[Image.Image], bytes]] = {
    "PNG, no credentials (baseline)": encode_png,
    "PNG + credentials, as shipped": lambda image: labelled_png(
        image, claims=CLAIMS, mark_position=MarkPosition.TOP_LEFT
    ),
    "PNG + credentials, c2pa defaults": lambda image: credential_image(
        encode_png(image), mime="image/png", claims=CLAIMS, c2pa_settings=C2PA_DEFAULTS
    ),
    "PNG + credentials, no check after signing": lambda image: credential_image(
        encode_png(image), mime="image/png", claims=CLAIMS, c2pa_settings=NO_VERIFY
    ),
    "JPEG, no credentials": jpeg,
    "JPEG + credentials, as shipped": lambda image: credential_image(jpeg(image), mime="image/jpeg", claims=CLAIMS),
}


def main(rounds: int) -> None:
    for variant in VARIANTS.values():  # warm up: fonts, masks, c2pa's library
        variant(render_all()[0])
    timings: dict[str, list[float]] = {name: [] for name in VARIANTS}
    sizes: dict[str, int] = {}
    for _ in range(rounds):
        for name, variant in VARIANTS.items():
            outputs: list[bytes] = []

            def run(variant: Callable[[Image.Image], bytes] = variant, outputs: list[bytes] = outputs) -> None:
                outputs.extend(variant(image) for image in render_all())

            timings[name].append(cpu_ms(run))
            sizes[name] = sum(map(len, outputs))
    baseline = statistics.median(timings["PNG, no credentials (baseline)"])
    print(
        f"event's 9 images (3 styles x 3 contract platforms), render + encode (+ sign), process CPU, median of {rounds}"
    )
    for name in VARIANTS:
        median = statistics.median(timings[name])
        print(
            f"  {name:44s} {median:7.1f} ms  {median / baseline:5.2f}x the baseline   "
            f"{sizes[name] / 1024:6.0f} KB for 9 files"
        )
    shipped = statistics.median(timings["PNG + credentials, as shipped"])
    defaults = statistics.median(timings["PNG + credentials, c2pa defaults"])
    print(
        f"  signing adds {(shipped - baseline) / 9:.1f} ms per image as shipped, {(defaults - baseline) / 9:.1f} ms with c2pa's defaults"
    )

    noise = Image.fromarray(np.random.default_rng(28).integers(0, 256, (1080, 1080, 3), dtype=np.uint8))
    big = encode_png(noise)
    print(f"\none {len(big) / 1e6:.1f} MB 1080x1080 PNG (noise, incompressible), sign only, median of {rounds}:")
    big_timings: dict[str, list[float]] = {"c2pa defaults": [], "as shipped": []}
    for _ in range(rounds):
        big_timings["c2pa defaults"].append(
            cpu_ms(lambda: credential_image(big, mime="image/png", claims=CLAIMS, c2pa_settings=C2PA_DEFAULTS))
        )
        big_timings["as shipped"].append(cpu_ms(lambda: credential_image(big, mime="image/png", claims=CLAIMS)))
    big_defaults = statistics.median(big_timings["c2pa defaults"])
    for name, values in big_timings.items():
        median = statistics.median(values)
        print(f"  {name:14s} {median:7.1f} ms  {median / big_defaults:5.2f}x c2pa's defaults")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
