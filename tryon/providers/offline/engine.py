"""The offline engine: a classical try-on *preview* that needs no API key and no network.

1. Cut the garment out of the product photo (``garment.py``) and read its shape: torso and sleeves, or legs.
2. Find the body with MediaPipe Pose: landmarks and the person's outline (``body.py``; models inside the
   ``mediapipe==0.10.14`` wheel, CPU only).
3. Match named garment points to points on the body's outline (``frame.py``, ``tops.py``, ``legs.py``) and
   warp each part with a thin-plate spline (``warp.py``).
4. Light the garment with the photo's own luminance, feather its edges, keep face, forearms and hands in
   front (``render.py``).

A category the photo cannot carry (trousers without hips in view, a dress without knees) fails with a message
telling the shopper which photo works, rather than a wrong picture. When no person is found at all the
garment is centred, and the metadata says so. The result is a preview (``preview`` in the metadata): when it is
stored, tryon/labels.py draws "AI 생성 · 미리보기" on it with the AI mark of every try-on result.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from tryon.images import encode_jpeg
from tryon.providers import messages
from tryon.providers.base import EngineError, EngineResult, ProgressCallback, SubmissionCallback
from tryon.providers.offline.body import analyse_body
from tryon.providers.offline.fit import fit_garment
from tryon.providers.offline.frame import CannotPlace
from tryon.providers.offline.garment import NoGarmentFound, cut_out_garment, shape_of
from tryon.providers.offline.render import centred, compose, warp_garment

logger = logging.getLogger(__name__)

NEEDS = {
    "shoulders": messages.OFFLINE_NEEDS_SHOULDERS,
    "hips": messages.OFFLINE_NEEDS_HIPS,
    "knees": messages.OFFLINE_NEEDS_KNEES,
}


@dataclass(frozen=True)
class Preview:
    image: Image.Image  # unlabelled: the stored result gets its AI mark and PREVIEW label (tryon/labels.py)
    garment_alpha: np.ndarray  # float32 H × W: how opaque the garment is in each pixel
    metadata: dict[str, Any]


def render_preview(
    person: Image.Image, garment: Image.Image, category: str, report_progress: ProgressCallback | None = None
) -> Preview:
    """The preview of ``garment`` worn by the person in ``person``; raises :class:`EngineError`."""
    progress = report_progress or (lambda percent: None)
    photo = np.asarray(person.convert("RGB"))
    try:
        cutout = cut_out_garment(garment)
    except NoGarmentFound as exc:
        raise EngineError(messages.OFFLINE_NO_GARMENT(), code="NoGarment") from exc
    progress(30)
    body = analyse_body(photo)
    progress(60)
    metadata: dict[str, Any] = {"preview": True, "poseDetected": body is not None, "garmentCutout": cutout.method}
    if body is None:
        result, alpha = centred(photo, cutout, category), np.zeros(photo.shape[:2], np.float32)
        metadata.update(placement="centered", silhouetteClip=False, note=messages.OFFLINE_NOTE_CENTRED())
    else:
        try:
            fit = fit_garment(body, shape_of(cutout), category)
        except CannotPlace as exc:
            raise EngineError(NEEDS[exc.missing](), code="PhotoNotSuitable", metadata={"missing": exc.missing}) from exc
        layer = warp_garment(cutout, fit, (photo.shape[1], photo.shape[0]))
        result, alpha = compose(photo, layer, fit)
        metadata.update(
            placement="pose",
            silhouetteClip=True,
            parts=[part.name for part in fit.parts],
            note=messages.OFFLINE_NOTE_POSE(),
        )
    image = Image.fromarray(result)
    progress(90)
    return Preview(image=image, garment_alpha=alpha, metadata=metadata)


class OfflineEngine:
    name = "offline"

    def run(
        self,
        *,
        person: bytes,
        garment: bytes,
        category: str,
        report_progress: ProgressCallback,
        resume_id: str | None = None,
        on_submitted: SubmissionCallback | None = None,
    ) -> EngineResult:
        try:
            person_image = Image.open(io.BytesIO(person)).convert("RGB")
            garment_image = Image.open(io.BytesIO(garment))
            garment_image.load()
        except OSError as exc:
            raise EngineError(messages.OFFLINE_UNREADABLE_INPUT(), code="BadInput") from exc
        report_progress(10)
        preview = render_preview(person_image, garment_image, category, report_progress)
        metadata = {"engine": self.name, **preview.metadata}
        logger.info("offline try-on preview: placement=%s cutout=%s", metadata["placement"], metadata["garmentCutout"])
        return EngineResult(image=encode_jpeg(preview.image, quality=92), extension="jpg", metadata=metadata)
