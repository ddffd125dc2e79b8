"""What labelling adds to a try-on result before it is stored (tryon/labels.py: the visible "AI 생성" mark, JPEG,
XMP and a signed C2PA manifest), beside the offline engine's own time on the same photos in the same run; also
for a FASHN-sized 864x1296 PNG result (FASHN's own wait is not measured here).

Run: .venv/bin/python bench/tryon_labels.py [runs]
"""

from __future__ import annotations

import datetime
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
from common.provenance.marks import MarkStyle  # noqa: E402
from common.provenance.signing import ImageClaims  # noqa: E402
from tryon.images import prepare_person_photo  # noqa: E402
from tryon.labels import generator_of, labelled_result, mark_text  # noqa: E402
from tryon.providers.base import EngineResult  # noqa: E402
from tryon.providers.offline import OfflineEngine  # noqa: E402


def garment() -> bytes:
    image = Image.new("RGB", (600, 750), (255, 255, 255))
    ImageDraw.Draw(image).polygon(
        [(150, 60), (450, 60), (570, 210), (490, 255), (480, 720), (120, 720), (110, 255), (30, 210)],
        fill=(40, 90, 170),
    )
    return encode_png(image)


def label(result: EngineResult) -> bytes:
    """What pipeline.finish adds to a result before storing it (tryon.labels.label_tryon_result, minus the
    two queries for the merchant's name and mark settings)."""
    generator, source_type = generator_of(result)
    text = mark_text(language="ko", preview=bool(result.metadata.get("preview")))
    claims = ImageClaims(
        kind="tryon-result",
        title="블루 린넨 셔츠 · 가상 피팅 결과",
        source_type=source_type,
        generator=generator,
        shop_id="1",
        shop_name="데모 상점",
        created_at=datetime.datetime.now(datetime.UTC),
        visible_mark=text,
    )
    return labelled_result(result.image, text=text, style=MarkStyle(), claims=claims)


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
    label(EngineResult(image=cases["portrait 512x600"], extension="jpg", metadata={"engine": "offline"}))
    print(f"wall time, median of {runs} runs; labelling = the AI mark + JPEG + XMP + C2PA signature")
    for name, person in cases.items():
        timings, labelling = [], []
        for _ in range(runs):
            start = time.perf_counter()
            result = engine.run(person=person, garment=cloth, category="upper_body", report_progress=lambda p: None)
            timings.append(time.perf_counter() - start)
            start = time.perf_counter()
            label(result)
            labelling.append(time.perf_counter() - start)
        engine_ms, label_ms = statistics.median(timings) * 1000, statistics.median(labelling) * 1000
        print(
            f"{name:20s} engine median {engine_ms:7.1f} ms  max {max(timings) * 1000:7.1f} ms  "
            f"placement={result.metadata['placement']:8s}  labelling +{label_ms:5.1f} ms "
            f"({label_ms / engine_ms:.2f}x the engine's time)"
        )
    fashn = EngineResult(
        image=encode_png(Image.open(portrait).convert("RGB").resize((864, 1296)), compress_level=6),
        extension="png",
        metadata={"engine": "fashn", "preview": False, "model": "tryon-v1.6"},
    )
    labelling = []
    for _ in range(runs):
        start = time.perf_counter()
        label(fashn)
        labelling.append(time.perf_counter() - start)
    print(f"{'FASHN 864x1296 PNG':20s} labelling +{statistics.median(labelling) * 1000:5.1f} ms (median)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
