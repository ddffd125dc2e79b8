"""Times the offline try-on engine (MediaPipe on CPU) on the bundled portrait and a body-less photo.

Run: .venv/bin/python bench/tryon_offline_engine.py [runs]
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from PIL import Image, ImageDraw  # noqa: E402

from common.images import encode_png  # noqa: E402
from tryon.images import prepare_person_photo  # noqa: E402
from tryon.providers.offline import OfflineEngine  # noqa: E402


def garment() -> bytes:
    image = Image.new("RGB", (600, 750), (255, 255, 255))
    ImageDraw.Draw(image).polygon(
        [(150, 60), (450, 60), (570, 210), (490, 255), (480, 720), (120, 720), (110, 255), (30, 210)],
        fill=(40, 90, 170),
    )
    return encode_png(image)


def main(runs: int) -> None:
    import matplotlib

    portrait = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    large = io.BytesIO()
    Image.open(portrait).resize((1500, 1758)).save(large, "JPEG", quality=92)
    plain = io.BytesIO()
    Image.new("RGB", (1200, 1600), (120, 160, 200)).save(plain, "JPEG")
    cases = {
        "portrait 512x600": prepare_person_photo(portrait.read_bytes()),
        "portrait 1500x1758": prepare_person_photo(large.getvalue()),
        "no body 1200x1600": prepare_person_photo(plain.getvalue()),
    }
    engine = OfflineEngine()
    cloth = garment()
    engine.run(person=cases["portrait 512x600"], garment=cloth, category="upper_body", report_progress=lambda p: None)
    for name, person in cases.items():
        timings = []
        for _ in range(runs):
            start = time.perf_counter()
            result = engine.run(person=person, garment=cloth, category="upper_body", report_progress=lambda p: None)
            timings.append(time.perf_counter() - start)
        print(
            f"{name:20s} median {statistics.median(timings) * 1000:7.1f} ms  "
            f"max {max(timings) * 1000:7.1f} ms  placement={result.metadata['placement']}"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
