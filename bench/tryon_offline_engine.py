"""The offline try-on engine beside the one it replaced (issue 29): CPU time at 1 500 px, and the issue's figures.

The baseline is the engine as it was at revision ``BASELINE_REVISION`` (tryon/providers/offline.py), loaded
from git in this same run. CPU time is the process's (all threads: MediaPipe's included), median of the runs.

Run:
  .venv/bin/python bench/tryon_offline_engine.py [runs]            CPU time per photo and garment
  .venv/bin/python bench/tryon_offline_engine.py --figures         the issue's figures, before and after
  .venv/bin/python bench/tryon_offline_engine.py --sheet PATH.jpg  the before/after contact sheet (docs/img)
"""

from __future__ import annotations

import io
import logging
import os
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from tests.support import tryon_photos  # noqa: E402
from tests.support.garments import all_garments  # noqa: E402
from tryon.images import prepare_person_photo  # noqa: E402
from tryon.providers.base import EngineError  # noqa: E402
from tryon.providers.offline import OfflineEngine  # noqa: E402

BASELINE_REVISION = "5175760"  # the last commit with the perspective-quad engine
TIMED_EDGE = 1500
SHEET_PHOTOS = ["portrait", "standing", "walking"]


def baseline_engine() -> Any:
    source = subprocess.run(
        ["git", "show", f"{BASELINE_REVISION}:tryon/providers/offline.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    module = types.ModuleType("tryon_offline_baseline")
    sys.modules[module.__name__] = module  # its dataclasses look their module up
    exec(compile(source, f"offline.py@{BASELINE_REVISION}", "exec"), module.__dict__)  # noqa: S102
    return module.OfflineEngine()


def photo_bytes(name: str, long_edge: int | None = None) -> bytes:
    image = tryon_photos.PHOTOS[name].image()
    if long_edge:
        factor = long_edge / max(image.size)
        image = image.resize((round(image.width * factor), round(image.height * factor)), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92)
    return prepare_person_photo(buffer.getvalue())


def run(engine: Any, person: bytes, garment: bytes, category: str) -> Image.Image | None:
    try:
        result = engine.run(person=person, garment=garment, category=category, report_progress=lambda p: None)
    except EngineError:
        return None
    return Image.open(io.BytesIO(result.image)).convert("RGB")


def cpu_times(runs: int) -> None:
    engines = {"before": baseline_engine(), "after": OfflineEngine()}
    garments = {g.name: g for g in all_garments()}
    cases = [
        ("standing", "demo shirt"),
        ("standing", "demo slacks"),
        ("walking", "demo dress"),
        ("portrait", "white tee"),
    ]
    warm = photo_bytes("standing")
    for engine in engines.values():
        run(engine, warm, garments["demo shirt"].png, "upper_body")
    print(f"CPU time per try-on at {TIMED_EDGE} px (median of {runs}), baseline = revision {BASELINE_REVISION}")
    for photo, garment_name in cases:
        person = photo_bytes(photo, TIMED_EDGE)
        garment = garments[garment_name]
        medians = {}
        for label, engine in engines.items():
            timings = []
            for _ in range(runs):
                start = time.process_time()
                run(engine, person, garment.png, garment.category)
                timings.append(time.process_time() - start)
            medians[label] = statistics.median(timings)
        size = "x".join(map(str, Image.open(io.BytesIO(person)).size))
        print(
            f"  {photo:9s} {size:9s} {garment_name:12s} before {medians['before'] * 1000:6.0f} ms  "
            f"after {medians['after'] * 1000:6.0f} ms  after/before {medians['after'] / medians['before']:.2f}"
        )


def figures() -> None:
    """The issue's figures for both engines. The garment is what changed (both engines measured alike)."""
    engines = {"before": baseline_engine(), "after": OfflineEngine()}
    print("photo     garment      engine  inside face  arms  width  corr spread edge")
    for photo_name, photo in tryon_photos.PHOTOS.items():
        before_image = photo.image()
        person = tryon_photos.person_mask(before_image)
        face = np.zeros(person.shape, bool)
        x0, y0, x1, y1 = photo.face
        face[y0:y1, x0:x1] = True
        arms = tryon_photos.region_mask(before_image.size, photo.arms)
        for garment in all_garments():
            for label, engine in engines.items():
                result = run(engine, photo_bytes(photo_name), garment.png, garment.category)
                if result is None:
                    print(f"{photo_name:9s} {garment.name:12s} {label:7s} FAILED (photo cannot carry it)")
                    continue
                changed = tryon_photos.changed(before_image, result)
                changed[-60:, :] = False  # the preview badge
                line = photo.chest if garment.category == "upper_body" else photo.hips
                width = tryon_photos.row_width(changed, line[0]) / (line[2] - line[1] + 1) if line else float("nan")
                correlation, spread = tryon_photos.brightness_figures(before_image, result, changed)
                print(
                    f"{photo_name:9s} {garment.name:12s} {label:7s} "
                    f"{tryon_photos.inside_share(changed, person):5.2f} "
                    f"{tryon_photos.share_changed(before_image, result, face):5.2f} "
                    f"{tryon_photos.share_changed(before_image, result, arms) if photo.arms else float('nan'):5.2f} "
                    f"{width:5.2f} {correlation:5.2f} {spread:5.2f} "
                    f"{tryon_photos.edge_contrast_ratio(result, changed, person):5.1f}"
                )


def sheet(path: Path) -> None:
    """Rows: photos; columns: the photo, then each garment before | after."""
    engines = {"before": baseline_engine(), "after": OfflineEngine()}
    height = 220
    rows = []
    for photo_name in SHEET_PHOTOS:
        person = photo_bytes(photo_name)
        tiles = [Image.open(io.BytesIO(person)).convert("RGB")]
        for garment in all_garments():
            for label, engine in engines.items():
                result = run(engine, person, garment.png, garment.category)
                if result is None:
                    result = Image.new("RGB", tiles[0].size, (70, 70, 70))
                    ImageDraw.Draw(result).text((10, 10), "FAILED:\nphoto cannot\ncarry it", fill=(255, 255, 255))
                draw = ImageDraw.Draw(result)
                draw.rectangle(
                    (0, 0, result.width - 1, result.height - 1),
                    outline=(0, 0, 0) if label == "before" else (20, 160, 60),
                    width=4,
                )
                tiles.append(result)
        scaled = [tile.resize((round(tile.width * height / tile.height), height)) for tile in tiles]
        row = Image.new("RGB", (sum(t.width for t in scaled) + 4 * len(scaled), height), "white")
        x = 0
        for tile in scaled:
            row.paste(tile, (x, 0))
            x += tile.width + 4
        rows.append(row)
    canvas = Image.new("RGB", (max(r.width for r in rows), (height + 6) * len(rows)), "white")
    for index, row in enumerate(rows):
        canvas.paste(row, (0, index * (height + 6)))
    canvas.save(path, quality=85, optimize=True) if path.suffix == ".jpg" else canvas.save(path, optimize=True)
    print(f"wrote {path} ({canvas.width}x{canvas.height})")


if __name__ == "__main__":
    logging.disable(logging.INFO)  # the engines log each run
    if "--figures" in sys.argv:
        figures()
    elif "--sheet" in sys.argv:
        sheet(Path(sys.argv[sys.argv.index("--sheet") + 1]))
    else:
        cpu_times(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
