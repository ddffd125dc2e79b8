"""Safe defaults: a key of its own per install, refusals at start-up, production hardening, forged tokens."""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile

from config.keys import LEGACY_DEVELOPMENT_SECRET_KEY
from tests.support.processes import ROOT, stop_process_group, wait_until
from tryon.storage import signed_file_url, tryon_storage

PRINT_KEY = "from django.conf import settings; print(settings.SECRET_KEY)"
STRONG_KEY = "k" * 20 + uuid.uuid4().hex + uuid.uuid4().hex


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {key: value for key, value in os.environ.items() if key not in ("SECRET_KEY", "DEBUG", "DJANGO_ENV")}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60
    )


def test_each_install_generates_its_own_key_and_keeps_it(tmp_path):
    first = manage("shell", "-c", PRINT_KEY, VAR_DIR=str(tmp_path / "a"))
    again = manage("shell", "-c", PRINT_KEY, VAR_DIR=str(tmp_path / "a"))
    other = manage("shell", "-c", PRINT_KEY, VAR_DIR=str(tmp_path / "b"))
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 50 and key != LEGACY_DEVELOPMENT_SECRET_KEY
    assert again.stdout.strip() == key  # web, worker and beat of one install agree
    assert other.stdout.strip() not in ("", key)  # no two installs share one
    assert stat.S_IMODE((tmp_path / "a" / "secret_key").stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("key", "reason"),
    [(LEGACY_DEVELOPMENT_SECRET_KEY, "old built-in"), ("short-key", "shorter than 50"), (" ", "empty")],
)
def test_a_weak_configured_key_refuses_to_start_with_debug_off(tmp_path, key, reason):
    result = manage("check", SECRET_KEY=key.strip(), VAR_DIR=str(tmp_path)) if key.strip() else None
    if result is None:  # an empty SECRET_KEY means "generate one", which is fine
        assert manage("check", SECRET_KEY="", VAR_DIR=str(tmp_path)).returncode == 0
        return
    assert result.returncode != 0 and reason in result.stderr
    assert manage("check", SECRET_KEY=key, DEBUG="true", VAR_DIR=str(tmp_path)).returncode == 0


def _production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    return {
        "DJANGO_ENV": "production",
        "SECRET_KEY": STRONG_KEY,
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
        "FIELD_ENCRYPTION_KEY": uuid.uuid4().hex,
        "ALLOWED_HOSTS": "toile.example.com",
        "VAR_DIR": str(tmp_path),
        **overrides,
    }


def test_production_passes_check_deploy_without_a_single_warning(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", **_production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"), ({"DEBUG": "true"}, "DEBUG"), ({"SECRET_KEY": ""}, "SECRET_KEY")],
)
def test_production_refuses_unsafe_settings(tmp_path, overrides, reason):
    result = manage("check", **_production_env(tmp_path, **overrides))
    assert result.returncode != 0 and reason in result.stderr
    assert not (tmp_path / "secret_key").exists()  # production never falls back to a generated key


def _forged_access_token(key: str, user_id: int) -> str:
    now = datetime.now(UTC)
    claims = {"token_type": "access", "user_id": str(user_id), "jti": uuid.uuid4().hex, "iat": now}
    return jwt.encode({**claims, "exp": now + timedelta(minutes=5)}, key, algorithm="HS256")


@pytest.mark.django_db
def test_a_jwt_signed_with_the_old_default_key_or_with_secret_key_itself_is_refused(merchant_user, client):
    for key in (LEGACY_DEVELOPMENT_SECRET_KEY, settings.SECRET_KEY):
        token = _forged_access_token(key, merchant_user.pk)
        response = client.get("/api/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 401, key
    genuine = _forged_access_token(str(settings.SIMPLE_JWT["SIGNING_KEY"]), merchant_user.pk)
    assert client.get("/api/auth/me", HTTP_AUTHORIZATION=f"Bearer {genuine}").status_code == 200


@pytest.mark.django_db
def test_a_file_url_signed_with_the_old_default_key_or_with_secret_key_itself_is_refused(client):
    name = tryon_storage().save(f"results/1/{uuid.uuid4()}.png", ContentFile(b"\x89PNG private photo"))
    for key in (LEGACY_DEVELOPMENT_SECRET_KEY, settings.SECRET_KEY):
        token = signing.TimestampSigner(key=key, salt="tryon.file-url").sign_object({"n": name}, compress=True)
        assert client.get(f"/media/tryon/{token}").status_code == 403
    genuine = signed_file_url(name, absolute=False)
    assert client.get(genuine).status_code == 200


@pytest.mark.django_db
def test_admin_and_share_pages_carry_a_content_security_policy(client):
    policy = client.get("/admin/login/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "object-src 'none'" in policy
    gone = client.get("/share/no-such-token")
    assert gone.status_code == 404 and "default-src 'none'" in gone["Content-Security-Policy"]
    assert "Content-Security-Policy" not in client.get("/healthz")


def test_the_procfile_beat_starts_on_a_fresh_deploy(tmp_path):
    """No var/ folder exists on a fresh deploy; beat must create what it writes."""
    command = next(
        line.split(":", 1)[1] for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("beat:")
    )
    deploy = tmp_path / "fresh"  # the working directory of a new deploy: nothing in it yet
    deploy.mkdir()
    var_dir = deploy / "var"
    env = {**os.environ, "VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    log = tmp_path / "beat.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            shlex.split(command), cwd=deploy, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_until(lambda: any(var_dir.glob("celerybeat-schedule*")) or process.poll() is not None, timeout=60)
        time.sleep(0.5)
        assert process.poll() is None, log.read_text()
        assert "beat: Starting" in log.read_text()
    finally:
        stop_process_group(process)
