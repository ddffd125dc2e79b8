"""Webhook signing secrets: generation, encryption at rest, and Standard Webhooks signatures.

Secrets are ``whsec_`` + base64 of 32 random bytes. At rest they are Fernet tokens under
``FIELD_ENCRYPTION_KEY`` (comma-separated keys rotate: the first encrypts, all decrypt); without that
variable a key is derived from ``SECRET_KEY`` with HKDF, which is acceptable for development only
(production refuses to start without ``FIELD_ENCRYPTION_KEY``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

SECRET_PREFIX = "whsec_"  # noqa: S105 - the secret's public prefix
SECRET_BYTES = 32


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def _derive_fernet_key(material: str) -> bytes:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"toile-webhooks", info=b"field-encryption").derive(
        material.encode("utf-8")
    )
    return base64.urlsafe_b64encode(derived)


def _fernet_key(material: str) -> bytes:
    """A proper Fernet key is used as is; any other string is stretched into one with HKDF."""
    try:
        if len(base64.urlsafe_b64decode(material.encode("ascii"))) == 32:
            return material.encode("ascii")
    except (binascii.Error, ValueError, UnicodeEncodeError):
        pass
    return _derive_fernet_key(material)


@lru_cache(maxsize=4)
def _cipher(configured: str, secret_key: str) -> MultiFernet:
    materials = [part.strip() for part in configured.split(",") if part.strip()] or [secret_key]
    return MultiFernet([Fernet(_fernet_key(material)) for material in materials])


def _current_cipher() -> MultiFernet:
    return _cipher(settings.FIELD_ENCRYPTION_KEY or "", settings.SECRET_KEY)


def encrypt_secret(secret: str) -> str:
    return _current_cipher().encrypt(secret.encode("utf-8")).decode("ascii")


def decrypt_secret(token: str) -> str:
    try:
        return _current_cipher().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise RuntimeError("웹훅 시크릿을 복호화할 수 없습니다: FIELD_ENCRYPTION_KEY가 바뀌었나요?") from exc


def secret_fingerprint(secret: str) -> str:
    """A short non-reversible hint that lets a merchant tell secrets apart in the dashboard."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:8]


def sign(*, secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value per the Standard Webhooks specification."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed_content = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed_content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")
