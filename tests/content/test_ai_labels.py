"""Every event image carries Content Credentials: template-only images make no AI claim, images on AI artwork
say they are composites with generative AI; the visible "AI 생성" mark appears only where the merchant turns it
on (content defaults). Read back with the c2pa library from the URLs the API hands out; the format stays PNG."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.test import Client
from PIL import Image

from common.provenance.identity import signing_identity
from content.models import ContentSettings
from tests.support.content import EVENT_INFO, fetch_bytes, run_job
from tests.support.credentials import IPTC, Manifest, read_manifest, xmp_source_type

pytestmark = pytest.mark.django_db


def manifests(job: dict) -> dict[tuple[str, str], tuple[bytes, Manifest]]:
    found = {}
    for image in job["images"]:
        assert image["url"].endswith(".png")
        data = fetch_bytes(image["url"])
        assert Image.open(io.BytesIO(data)).format == "PNG"
        found[(image["style"], image["platform"])] = (
            data,
            read_manifest(data, trust_anchor_pem=signing_identity().trust_anchor_pem),
        )
    return found


def test_template_images_make_no_ai_claim(merchant, jwt_client, django_capture_on_commit_callbacks):
    job = run_job(
        jwt_client, {"eventDraftId": "evt-template", "eventInfo": EVENT_INFO}, django_capture_on_commit_callbacks
    )
    found = manifests(job)
    assert len(found) == 3
    for (style, _), (data, manifest) in found.items():
        assert manifest.validation_state == "Trusted" and manifest.failures == []
        assert manifest.created["digitalSourceType"] == IPTC + "algorithmicMedia"
        assert manifest.generation["generator"] == {
            "provider": "Toile",
            "model": f"event-template-{style.lower()}",
            "version": "1",
        }
        assert manifest.generation["kind"] == "event-image" and manifest.generation["visibleMark"] is None
        assert manifest.generation["shop"]["name"] == merchant.name
        assert manifest.active["title"].startswith(EVENT_INFO["title"])
        assert xmp_source_type(data) == IPTC + "algorithmicMedia"


def test_ai_artwork_is_labelled_machine_readably_and_visibly_once_the_merchant_turns_it_on(
    merchant, jwt_client, fake_stability, django_capture_on_commit_callbacks
):
    body = {"eventInfo": EVENT_INFO, "styles": ["SIMPLE", "FANCY"], "platforms": ["INSTAGRAM"]}
    plain = manifests(run_job(jwt_client, {**body, "eventDraftId": "evt-ai-1"}, django_capture_on_commit_callbacks))
    for data, manifest in plain.values():
        assert manifest.created["digitalSourceType"] == IPTC + "compositeWithTrainedAlgorithmicMedia"
        assert manifest.created["softwareAgent"] == {"name": "Stability AI core", "version": "v2beta"}
        assert manifest.generation["visibleMark"] is None
        assert xmp_source_type(data) == IPTC + "compositeWithTrainedAlgorithmicMedia"

    client = Client()
    client.force_login(merchant.memberships.get().user)
    form = client.get("/admin/content/contentsettings/", follow=True)
    assert "AI 생성 표시 보이기" in form.content.decode()
    saved = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else "/admin/content/contentsettings/add/",
        {"font_family": "NOTO_SANS_KR", "ai_mark_visible": "on", "ai_mark_position": "top-right"},
    )
    assert saved.status_code == 302
    assert ContentSettings.objects.get(merchant=merchant).ai_mark_visible

    marked = manifests(run_job(jwt_client, {**body, "eventDraftId": "evt-ai-2"}, django_capture_on_commit_callbacks))
    for cell, (data, manifest) in marked.items():
        assert manifest.validation_state == "Trusted"
        assert manifest.generation["visibleMark"] == "AI 생성"
        # Same event, same artwork: the two images differ only where the mark went, the top-right corner.
        with_mark = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=int)
        without = np.asarray(Image.open(io.BytesIO(plain[cell][0])).convert("RGB"), dtype=int)
        changed = np.argwhere(np.abs(with_mark - without).sum(-1) > 30)
        assert len(changed) > 500, cell
        rows, cols = changed[:, 0], changed[:, 1]
        assert rows.max() < 1080 * 0.12 and cols.min() > 1080 * 0.6, cell
