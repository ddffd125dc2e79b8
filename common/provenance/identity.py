"""The key and certificate chain that sign this install's Content Credentials.

Unless an operator configures a CA-issued chain (``C2PA_SIGNING_KEY_FILE`` + ``C2PA_CERTIFICATE_CHAIN_FILE``),
each install has its own: a local CA and an ES256 signing certificate it issued, both derived from
``C2PA_KEY_SEED`` (which settings derive from ``SECRET_KEY``, like the JWT and file-URL keys). So the identity
is created on first use, every web and worker process of the install (on any machine sharing SECRET_KEY)
signs with the same one, nothing extra has to be stored, and rotating SECRET_KEY rotates it too.

C2PA refuses self-signed signing certificates: the leaf is issued by the CA, with keyUsage digitalSignature
(critical), extendedKeyUsage emailProtection and both key identifiers; the chain handed to the signer is
leaf + CA. The certificates are byte-identical wherever they are made (fixed validity, serials from the seed,
deterministic ECDSA), so any process can publish the CA certificate readers should trust.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Order of the P-256 group: a derived private scalar must lie in [1, n - 1].
_P256_ORDER = int("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16)
# Fixed, so that every process derives the same certificates. Ten years: without a timestamp authority a
# reader checks the certificate at reading time, so it must outlive the images it signed.
_VALID_FROM = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
_VALID_UNTIL = datetime.datetime(2036, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class SigningIdentity:
    private_key_pem: bytes
    chain_pem: bytes  # signing certificate first, then its issuers
    trust_anchor_pem: bytes  # the root of the chain: what readers add to their trust list for this install
    algorithm: str  # c2pa's name: es256, es384, es512, ps256, ed25519
    signer_name: str  # the signing certificate's organisation (or common name)
    configured: bool  # True for an operator's CA-issued chain, False for the install's own


def signing_identity() -> SigningIdentity:
    """The identity of this process's settings (cached per configuration)."""
    if settings.C2PA_SIGNING_KEY_FILE:
        return load_configured_identity(settings.C2PA_SIGNING_KEY_FILE, settings.C2PA_CERTIFICATE_CHAIN_FILE)
    return _install_identity(settings.C2PA_KEY_SEED, settings.C2PA_SIGNER_NAME)


def _derived_key(seed: str, purpose: str) -> ec.EllipticCurvePrivateKey:
    material = HKDF(algorithm=hashes.SHA256(), length=48, salt=b"toile-c2pa", info=purpose.encode()).derive(
        seed.encode("utf-8")
    )
    # 384 bits reduced modulo a 256-bit order: the bias is below 2^-128.
    scalar = int.from_bytes(material, "big") % (_P256_ORDER - 1) + 1
    return ec.derive_private_key(scalar, ec.SECP256R1())


def _serial(seed: str, purpose: str) -> int:
    # A positive 128-bit serial, distinct per install.
    return int.from_bytes(hashlib.sha256(f"{seed}:{purpose}".encode()).digest()[:16], "big") | 1


@functools.lru_cache(maxsize=4)
def _install_identity(seed: str, organisation: str) -> SigningIdentity:
    ca_key, leaf_key = _derived_key(seed, "ca"), _derived_key(seed, "signing")
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation} Content Credentials CA"),
        ]
    )
    leaf_name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation} Content Credentials"),
        ]
    )
    ca_certificate = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(_serial(seed, "ca"))
        .not_valid_before(_VALID_FROM)
        .not_valid_after(_VALID_UNTIL)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256(), ecdsa_deterministic=True)
    )
    leaf_certificate = (
        x509.CertificateBuilder()
        .subject_name(leaf_name)
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(_serial(seed, "signing"))
        .not_valid_before(_VALID_FROM)
        .not_valid_after(_VALID_UNTIL)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256(), ecdsa_deterministic=True)
    )
    ca_pem = ca_certificate.public_bytes(serialization.Encoding.PEM)
    return SigningIdentity(
        private_key_pem=leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        chain_pem=leaf_certificate.public_bytes(serialization.Encoding.PEM) + ca_pem,
        trust_anchor_pem=ca_pem,
        algorithm="es256",
        signer_name=organisation,
        configured=False,
    )


def _key_usage(*, digital_signature: bool = False, key_cert_sign: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=key_cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


@functools.lru_cache(maxsize=4)
def load_configured_identity(key_file: str, chain_file: str) -> SigningIdentity:
    """An operator's key and CA-issued chain, checked so that a mistake stops the first signing loudly."""
    try:
        key_pem = Path(key_file).read_bytes()
        chain_pem = Path(chain_file).read_bytes()
    except OSError as exc:
        raise ImproperlyConfigured(f"C2PA signing key or certificate chain unreadable: {exc}") from exc
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
        certificates = x509.load_pem_x509_certificates(chain_pem)
    except ValueError as exc:
        raise ImproperlyConfigured(f"C2PA_SIGNING_KEY_FILE / C2PA_CERTIFICATE_CHAIN_FILE: {exc}") from exc
    leaf = certificates[0]
    if leaf.public_key() != key.public_key():
        raise ImproperlyConfigured(
            "C2PA_CERTIFICATE_CHAIN_FILE must start with the certificate of C2PA_SIGNING_KEY_FILE"
        )
    if len(certificates) < 2 or leaf.issuer == leaf.subject:
        raise ImproperlyConfigured(
            "C2PA_CERTIFICATE_CHAIN_FILE needs the signing certificate and its issuer: C2PA refuses self-signed "
            "signing certificates"
        )
    names = leaf.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME) or leaf.subject.get_attributes_for_oid(
        NameOID.COMMON_NAME
    )
    return SigningIdentity(
        private_key_pem=key_pem,
        chain_pem=chain_pem,
        trust_anchor_pem=certificates[-1].public_bytes(serialization.Encoding.PEM),
        algorithm=_algorithm_of(key),
        signer_name=str(names[0].value) if names else "",
        configured=True,
    )


def _algorithm_of(key: object) -> str:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        algorithms = {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}
        if key.curve.name in algorithms:
            return algorithms[key.curve.name]
    if isinstance(key, rsa.RSAPrivateKey):
        return "ps256"
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    raise ImproperlyConfigured("C2PA_SIGNING_KEY_FILE: use an EC P-256/P-384/P-521, RSA or Ed25519 key")
