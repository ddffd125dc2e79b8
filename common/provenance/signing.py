"""Signing a generated image: its IPTC digital source type in XMP, then a C2PA manifest over the whole file.

The manifest says what the product made (``kind``, ``title``), how (``c2pa.created`` with the IPTC
``digitalSourceType`` and the generator as software agent), for which shop and when; the same facts in a
structured assertion (``GENERATION_ASSERTION``) for the verification page. Signed with the install's
identity (identity.py).

Cost (bench/content_credentials.py): the manifest's thumbnail is what made signing expensive — c2pa
decodes, scales and re-encodes the image for it (about 110 ms of a 3 MB PNG's 120 ms). The image is its own
preview, so no thumbnail is embedded; what remains is hashing the file once to sign and once more to check
the signature c2pa just wrote.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import c2pa

from common.provenance.identity import signing_identity
from common.provenance.xmp import with_xmp, xmp_packet

IPTC_DIGITAL_SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/"
# Our own assertion: the claims in a structured form the verification page reads (reverse-domain label).
GENERATION_ASSERTION = "kr.co.toile.generation"
CLAIM_GENERATOR = "Toile"
# c2pa settings of every signature: no thumbnail (see the module docstring).
BUILDER_SETTINGS: dict[str, Any] = {"builder": {"thumbnail": {"enabled": False}}}


class SourceType(StrEnum):
    """IPTC digital source types (https://cv.iptc.org/newscodes/digitalsourcetype/) of what we generate."""

    # Made by a generative model: FASHN's try-on, AI artwork on its own.
    TRAINED_ALGORITHMIC_MEDIA = "trainedAlgorithmicMedia"
    # Generative output combined with other material: AI artwork under our typography; the offline engine's
    # composite (a product photo warped onto the shopper's photo by pose and segmentation models).
    COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA = "compositeWithTrainedAlgorithmicMedia"
    # Drawn by a program without any trained model (our templates): no AI claim.
    ALGORITHMIC_MEDIA = "algorithmicMedia"

    @property
    def uri(self) -> str:
        return IPTC_DIGITAL_SOURCE_TYPE + self.value

    @property
    def is_generative_ai(self) -> bool:
        return self is not SourceType.ALGORITHMIC_MEDIA


@dataclass(frozen=True)
class Generator:
    provider: str  # who runs it: "FASHN", "Stability AI", "OpenAI", "Toile"
    model: str  # "tryon-v1.6", "core", "gpt-image-1", "offline-preview", "event-template"
    version: str  # the provider's API version, or the library version of a local model


@dataclass(frozen=True)
class ImageClaims:
    kind: str  # what the product made: "tryon-result", "event-image"
    title: str
    source_type: SourceType
    generator: Generator
    shop_id: str
    shop_name: str
    created_at: datetime.datetime
    visible_mark: str = ""  # the text of the visible mark drawn into the image; "" when there is none


def manifest_definition(claims: ImageClaims, mime: str) -> dict[str, Any]:
    when = claims.created_at.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    generator = claims.generator
    action = {
        "action": "c2pa.created",
        "digitalSourceType": claims.source_type.uri,
        "softwareAgent": {"name": f"{generator.provider} {generator.model}", "version": generator.version},
        "when": when,
    }
    generation = {
        "kind": claims.kind,
        "digitalSourceType": claims.source_type.uri,
        "generator": {"provider": generator.provider, "model": generator.model, "version": generator.version},
        "shop": {"id": claims.shop_id, "name": claims.shop_name},
        "createdAt": when,
        "visibleMark": claims.visible_mark or None,
    }
    return {
        "claim_generator_info": [{"name": CLAIM_GENERATOR}],
        "title": claims.title,
        "format": mime,
        "assertions": [
            {"label": "c2pa.actions.v2", "data": {"actions": [action]}},
            {"label": GENERATION_ASSERTION, "data": generation},
        ],
    }


def credential_image(
    data: bytes, *, mime: str, claims: ImageClaims, c2pa_settings: dict[str, Any] | None = None
) -> bytes:
    """``data`` (PNG or JPEG bytes) with XMP and a signed C2PA manifest; raises ``c2pa.C2paError`` when the
    signature cannot be made (a broken configured chain): an image must not be published unlabelled.
    ``c2pa_settings`` replaces ``BUILDER_SETTINGS`` (the bench compares c2pa's defaults)."""
    identity = signing_identity()
    tagged = with_xmp(data, mime, xmp_packet(claims.source_type.uri))
    signer_info = c2pa.C2paSignerInfo(
        alg=identity.algorithm, sign_cert=identity.chain_pem, private_key=identity.private_key_pem, ta_url=None
    )
    signed = io.BytesIO()
    with (
        c2pa.Signer.from_info(signer_info) as signer,
        c2pa.Context.from_dict(BUILDER_SETTINGS if c2pa_settings is None else c2pa_settings) as context,
        c2pa.Builder(manifest_definition(claims, mime), context) as builder,
    ):
        builder.sign(signer, mime, io.BytesIO(tagged), signed)
    return signed.getvalue()
