"""Secret keys: one generated per install when none is configured, and separate keys derived per purpose.

An install without ``SECRET_KEY`` must not share a key with every other install (anyone could mint JWTs
and sign file URLs for it), so the first process to start writes a random key under ``VAR_DIR`` (mode 0600)
and every later process of that install (web, worker, beat) reads the same one. Production sets
``SECRET_KEY`` explicitly: several machines must agree on it.
"""

from __future__ import annotations

import base64
import os
import secrets
import time
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# What every install used before keys were generated per install: refused wherever it is configured.
LEGACY_DEVELOPMENT_SECRET_KEY = "dev-only-insecure-secret-key-change-me-in-production"  # noqa: S105 - refused
MIN_SECRET_KEY_LENGTH = 50
KEY_FILE_NAME = "secret_key"


def install_secret_key(var_dir: Path) -> str:
    """The install's generated key, creating it atomically on first use."""
    path = var_dir / KEY_FILE_NAME
    var_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    key = secrets.token_urlsafe(64)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def _read_key(path: Path) -> str:
    # A process that lost the creation race may read before the winner wrote: wait for the whole key.
    for _ in range(50):
        key = path.read_text().strip()
        if len(key) >= MIN_SECRET_KEY_LENGTH:
            return key
        time.sleep(0.05)
    raise RuntimeError(f"{path} holds no usable secret key: delete it to have a new one generated")


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` must not be used outside DEBUG, or None."""
    if not key:
        return "SECRET_KEY is empty"
    if key == LEGACY_DEVELOPMENT_SECRET_KEY:
        return "SECRET_KEY is the old built-in development key, which every install shared"
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters"
    return None


def derive_key(secret: str, purpose: str) -> str:
    """A key for one purpose (JWT signing, file-URL signing ...), so that none of them is SECRET_KEY itself."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"toile-key-derivation", info=purpose.encode()).derive(
        secret.encode("utf-8")
    )
    return base64.urlsafe_b64encode(derived).decode("ascii").rstrip("=")
