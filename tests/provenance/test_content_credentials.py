"""Content Credentials as any C2PA reader sees them: the install's signing identity, the manifest and XMP of a
signed PNG and JPEG, tampering, an operator's CA-issued chain, and remote manifests that are never fetched."""

from __future__ import annotations

import datetime
import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import c2pa
import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from PIL import Image

from common.images import encode_png
from common.provenance.identity import signing_identity
from common.provenance.reading import CredentialState, read_credentials
from common.provenance.signing import BUILDER_SETTINGS, Generator, ImageClaims, SourceType, credential_image
from tests.support.credentials import IPTC, read_manifest, write_ca_issued_chain, xmp_source_type
from tests.support.http import LocalServer, QuietHandler

ROOT = Path(__file__).resolve().parents[2]
CLAIMS = ImageClaims(
    kind="tryon-result",
    title="블루 린넨 셔츠 · 가상 피팅 결과",
    source_type=SourceType.TRAINED_ALGORITHMIC_MEDIA,
    generator=Generator("FASHN", "tryon-v1.6", "v1"),
    shop_id="42",
    shop_name="카페 봄날",
    created_at=datetime.datetime(2026, 12, 7, 6, 30, tzinfo=datetime.UTC),
    visible_mark="AI 생성",
)


def picture(encoding: str) -> bytes:
    image = Image.new("RGB", (640, 480), (200, 120, 60))
    for x in range(0, 640, 40):
        image.paste((30, 60, 90), (x, 0, x + 20, 480))
    if encoding == "png":
        return encode_png(image)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def settings_process(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Runs ``code`` after django.setup() in a fresh interpreter with the project's settings and ``env``."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_install_signs_with_a_certificate_its_own_ca_issued_the_same_in_every_process(settings):
    identity = signing_identity()
    leaf, ca = x509.load_pem_x509_certificates(identity.chain_pem)
    assert leaf.issuer == ca.subject and leaf.issuer != leaf.subject  # C2PA refuses self-signed signers
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert ca.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    usage = leaf.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    leaf.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
    assert identity.trust_anchor_pem == identity.chain_pem[len(identity.chain_pem) - len(identity.trust_anchor_pem) :]

    # Another process of the same install (same SECRET_KEY) derives byte-identical certificates and key ...
    other = settings_process(
        "import hashlib; from common.provenance.identity import signing_identity as s; i = s(); "
        "print(hashlib.sha256(i.chain_pem + i.private_key_pem).hexdigest())",
        SECRET_KEY=settings.SECRET_KEY,
    )
    assert other.returncode == 0, other.stderr[-2000:]
    assert other.stdout.strip() == hashlib.sha256(identity.chain_pem + identity.private_key_pem).hexdigest()
    # ... and another install (another SECRET_KEY) has its own.
    settings.C2PA_KEY_SEED = "another install's seed"
    assert signing_identity().chain_pem != identity.chain_pem


@pytest.mark.parametrize(("encoding", "mime"), [("png", "image/png"), ("jpeg", "image/jpeg")])
def test_a_signed_image_carries_its_claims_for_any_c2pa_reader_and_in_xmp(encoding, mime):
    original = picture(encoding)
    signed = credential_image(original, mime=mime, claims=CLAIMS)
    decoded = Image.open(io.BytesIO(signed))
    assert decoded.format == ("PNG" if encoding == "png" else "JPEG") and decoded.size == (640, 480)

    manifest = read_manifest(signed, trust_anchor_pem=signing_identity().trust_anchor_pem)
    assert manifest.validation_state == "Trusted" and manifest.failures == []
    assert manifest.active["title"] == "블루 린넨 셔츠 · 가상 피팅 결과"
    created = manifest.created
    assert created["digitalSourceType"] == IPTC + "trainedAlgorithmicMedia"
    assert created["softwareAgent"] == {"name": "FASHN tryon-v1.6", "version": "v1"}
    assert created["when"] == "2026-12-07T06:30:00Z"
    assert manifest.generation == {
        "kind": "tryon-result",
        "digitalSourceType": IPTC + "trainedAlgorithmicMedia",
        "generator": {"provider": "FASHN", "model": "tryon-v1.6", "version": "v1"},
        "shop": {"id": "42", "name": "카페 봄날"},
        "createdAt": "2026-12-07T06:30:00Z",
        "visibleMark": "AI 생성",
    }
    assert manifest.active["signature_info"]["issuer"] == "Toile"
    # No thumbnail: the manifest costs a few kilobytes, not a second copy of the image.
    assert "thumbnail" not in manifest.active and len(signed) - len(original) < 16 * 1024
    # Readers that ignore C2PA find the same digital source type in XMP.
    assert xmp_source_type(signed) == IPTC + "trainedAlgorithmicMedia"
    # A reader that does not know this install's CA: intact, signer untrusted (not on the C2PA trust list).
    stranger = read_manifest(signed)
    assert stranger.validation_state == "Valid" and stranger.failures == ["signingCredential.untrusted"]


@pytest.mark.parametrize(("encoding", "mime"), [("png", "image/png"), ("jpeg", "image/jpeg")])
def test_a_changed_byte_makes_the_file_read_as_invalid(encoding, mime):
    signed = bytearray(credential_image(picture(encoding), mime=mime, claims=CLAIMS))
    signed[-400] ^= 0x01  # inside the image data, after the manifest
    manifest = read_manifest(bytes(signed), trust_anchor_pem=signing_identity().trust_anchor_pem)
    assert manifest.validation_state == "Invalid"
    assert "assertion.dataHash.mismatch" in manifest.failures
    assert read_credentials(bytes(signed), mime=mime).state is CredentialState.ALTERED


def test_an_operators_ca_issued_chain_signs_instead(settings, tmp_path):
    key_file, chain_file = write_ca_issued_chain(tmp_path, "Example Shop Platform")
    settings.C2PA_SIGNING_KEY_FILE, settings.C2PA_CERTIFICATE_CHAIN_FILE = key_file, chain_file
    signed = credential_image(picture("png"), mime="image/png", claims=CLAIMS)
    identity = signing_identity()
    assert identity.configured and identity.signer_name == "Example Shop Platform"
    manifest = read_manifest(signed, trust_anchor_pem=identity.trust_anchor_pem)
    assert manifest.validation_state == "Trusted"
    assert manifest.active["signature_info"]["issuer"] == "Example Shop Platform"  # the signer's organisation
    assert read_credentials(signed, mime="image/png").state is CredentialState.VERIFIED


def test_a_broken_operator_configuration_stops_the_start(tmp_path):
    key_file, chain_file = write_ca_issued_chain(tmp_path, "Self Signed", self_signed=True)
    refused = settings_process("", C2PA_SIGNING_KEY_FILE=key_file, C2PA_CERTIFICATE_CHAIN_FILE=chain_file)
    assert refused.returncode != 0 and "refuses self-signed signing certificates" in refused.stderr
    _, other_chain = write_ca_issued_chain(tmp_path, "Other")
    mismatched = settings_process("", C2PA_SIGNING_KEY_FILE=key_file, C2PA_CERTIFICATE_CHAIN_FILE=other_chain)
    assert mismatched.returncode != 0 and "must start with the certificate" in mismatched.stderr
    half = settings_process("", C2PA_SIGNING_KEY_FILE=key_file)
    assert half.returncode != 0 and "Set both C2PA_SIGNING_KEY_FILE and C2PA_CERTIFICATE_CHAIN_FILE" in half.stderr


def test_a_manifest_kept_at_a_remote_url_is_reported_and_never_fetched():
    requests: list[str] = []

    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802
            requests.append(self.path)
            self.send_response(404)
            self.end_headers()

    server = LocalServer(Handler)
    try:
        identity = signing_identity()
        info = c2pa.C2paSignerInfo(
            alg=identity.algorithm, sign_cert=identity.chain_pem, private_key=identity.private_key_pem, ta_url=None
        )
        builder_manifest = {
            "claim_generator_info": [{"name": "elsewhere"}],
            "assertions": [
                {
                    "label": "c2pa.actions.v2",
                    "data": {"actions": [{"action": "c2pa.created", "digitalSourceType": IPTC + "digitalCapture"}]},
                }
            ],
        }
        signed = io.BytesIO()
        with (
            c2pa.Signer.from_info(info) as signer,
            c2pa.Context.from_dict(BUILDER_SETTINGS) as context,
            c2pa.Builder(builder_manifest, context) as builder,
        ):
            builder.set_no_embed()
            builder.set_remote_url(server.base_url + "/manifest.c2pa")
            builder.sign(signer, "image/jpeg", io.BytesIO(picture("jpeg")), signed)
        report = read_credentials(signed.getvalue(), mime="image/jpeg")
    finally:
        server.close()
    assert report.state is CredentialState.REMOTE
    assert requests == []
