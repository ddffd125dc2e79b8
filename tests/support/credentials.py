"""Reading Content Credentials back in tests with the c2pa library's own reader (not our reading module), and
the XMP with Pillow, so that what a test checks is what any C2PA reader or photo app would see."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from typing import Any

import c2pa
import numpy as np
from PIL import Image

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"


@dataclass(frozen=True)
class Manifest:
    validation_state: str  # "Valid", "Trusted", "Invalid"
    failures: list[str]
    successes: list[str]
    active: dict[str, Any]

    def assertion(self, label: str) -> dict[str, Any]:
        found = [a["data"] for a in self.active.get("assertions", []) if a.get("label") == label]
        assert found, (label, [a.get("label") for a in self.active.get("assertions", [])])
        return found[0]

    @property
    def created(self) -> dict[str, Any]:
        (action,) = [a for a in self.assertion("c2pa.actions.v2")["actions"] if a["action"] == "c2pa.created"]
        return action

    @property
    def generation(self) -> dict[str, Any]:
        return self.assertion("kr.co.toile.generation")


def read_manifest(data: bytes, *, trust_anchor_pem: bytes | None = None) -> Manifest:
    """The active manifest as c2pa reads it, verified (with ``trust_anchor_pem`` as a trusted root if given)."""
    mime = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    settings: dict[str, Any] = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
    if trust_anchor_pem:
        settings["trust"] = {"user_anchors": trust_anchor_pem.decode()}
    with c2pa.Context.from_dict(settings) as context, c2pa.Reader(mime, io.BytesIO(data), None, context) as reader:
        store = json.loads(reader.json())
    results = (store.get("validation_results") or {}).get("activeManifest") or {}
    return Manifest(
        validation_state=store.get("validation_state", ""),
        failures=[item["code"] for item in results.get("failure", [])],
        successes=[item["code"] for item in results.get("success", [])],
        active=store["manifests"][store["active_manifest"]],
    )


def xmp_source_type(data: bytes) -> str | None:
    """The XMP DigitalSourceType as Pillow hands out the file's XMP packet."""
    image = Image.open(io.BytesIO(data))
    packet = image.info.get("XML:com.adobe.xmp") or image.info.get("xmp") or b""
    text = packet.decode() if isinstance(packet, bytes) else str(packet)
    match = re.search(r"DigitalSourceType>([^<]+)<", text)
    return match.group(1) if match else None


def corner_share(image: Image.Image, corner: str, predicate: str) -> float:
    """Share of pixels in a corner box (a third of the width, a tenth of the height) that are "dark" (sum of
    channels below 150) or "light" (above 690) — where a corner mark's label shows."""
    pixels = np.asarray(image.convert("RGB"), dtype=int)
    height, width = pixels.shape[:2]
    box_w, box_h = width // 3, max(1, height // 10)
    rows = slice(0, box_h) if corner.startswith("top") else slice(height - box_h, height)
    cols = slice(0, box_w) if corner.endswith("left") else slice(width - box_w, width)
    sums = pixels[rows, cols].sum(-1)
    return float((sums < 150).mean() if predicate == "dark" else (sums > 690).mean())


def write_ca_issued_chain(folder: Any, organisation: str, *, self_signed: bool = False) -> tuple[str, str]:
    """An operator's key and chain as a CA would issue them (P-256 leaf + CA), written to ``folder``:
    (key file, chain file). ``self_signed`` writes a lone self-signed certificate instead."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"{organisation} Root CA")])
    leaf_name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation} signing"),
        ]
    )
    usage = {
        "content_commitment": False,
        "key_encipherment": False,
        "data_encipherment": False,
        "key_agreement": False,
        "encipher_only": False,
        "decipher_only": False,
    }
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=False, key_cert_sign=True, crl_sign=True, **usage), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    issuer_key, issuer_name = (leaf_key, leaf_name) if self_signed else (ca_key, ca_name)
    leaf = (
        x509.CertificateBuilder()
        .subject_name(leaf_name)
        .issuer_name(issuer_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=False, crl_sign=False, **usage), critical=True
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
        .sign(issuer_key, hashes.SHA256())
    )
    key_file, chain_file = folder / f"{organisation}-key.pem", folder / f"{organisation}-chain.pem"
    key_file.write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    chain = leaf.public_bytes(serialization.Encoding.PEM)
    if not self_signed:
        chain += ca.public_bytes(serialization.Encoding.PEM)
    chain_file.write_bytes(chain)
    return str(key_file), str(chain_file)
