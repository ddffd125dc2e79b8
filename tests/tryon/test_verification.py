"""The public Content Credentials check through HTTP: the page /verify and POST /api/verify, by upload and by
share link, in plain Korean; hostile uploads get clear errors; the share page links to it."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from common.provenance.signing import Generator, ImageClaims, SourceType, credential_image
from tests.support.credentials import write_ca_issued_chain
from tests.support.tryon import make_completed_job, run_try_on
from tryon import storage
from tryon.models import ShareLink, TryOnJob

pytestmark = pytest.mark.django_db

VISITOR = "550e8400-e29b-41d4-a716-446655440001"


@pytest.fixture
def shared_result(
    merchant, api_key_client, image_server, loopback_allowed, fashn_settings, fake_fashn,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    """A FASHN result as the pipeline stores it, shared: (share URL, the result's bytes)."""
    polled, data = run_try_on(
        api_key_client, image_server, django_capture_on_commit_callbacks, productTitle="블루 린넨 셔츠"
    )
    share = api_key_client.post(f"/api/tryon/{polled['jobId']}/share", {"visitorId": VISITOR}, format="json")
    return share.json()["data"]["shareUrl"], data


def verify_api(**fields):
    return Client().post("/api/verify", fields)


def png(size: tuple[int, int] = (64, 64)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 200, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_shared_result_is_told_in_plain_korean(merchant, shared_result):
    share_url, _ = shared_result
    views_before = ShareLink.objects.get().view_count
    page = Client().get("/verify", {"share": share_url})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-state="verified"' in html
    assert "이 서비스가 만들고 서명한 이미지이며, 서명 이후 바뀌지 않았습니다." in html
    for shown in (
        "<dt>무엇인가요</dt><dd>생성형 AI가 만든 이미지</dd>",
        "<dt>종류</dt><dd>가상 피팅 결과</dd>",
        "<dt>만든 도구</dt><dd>FASHN tryon-v1.6 (v1)</dd>",
        f"<dt>쇼핑몰</dt><dd>{merchant.name}</dd>",
        "<dt>파일 상태</dt><dd>서명 이후 바뀌지 않음</dd>",
        "<dt>서명한 곳</dt><dd>Toile (이 서비스)</dd>",
        "(한국 시간)</dd>",
    ):
        assert shown in html, shown
    job = TryOnJob.objects.get()
    made = timezone.localtime(job.finished_at)
    assert f"{made.year}년 {made.month}월 {made.day}일" in html
    assert page["Content-Security-Policy"].startswith("default-src 'none'")
    # Checking is not viewing: the share link's view count is the shoppers' alone.
    assert ShareLink.objects.get().view_count == views_before


def test_the_json_endpoint_says_the_same_for_an_upload_and_a_link(merchant, shared_result):
    share_url, data = shared_result
    by_upload = verify_api(image=SimpleUploadedFile("result.jpg", data, "image/jpeg"))
    by_link = Client().post("/api/verify", {"shareUrl": share_url}, content_type="application/json")
    assert by_upload.status_code == by_link.status_code == 200
    body = by_upload.json()["data"]
    assert body == by_link.json()["data"]
    assert body["state"] == "verified" and body["unaltered"] and body["signedByThisService"] and body["aiGenerated"]
    assert body["digitalSourceType"].endswith("/trainedAlgorithmicMedia") == body["xmpDigitalSourceType"].endswith(
        "/trainedAlgorithmicMedia"
    )
    assert body["generator"] == {"provider": "FASHN", "model": "tryon-v1.6", "version": "v1"}
    assert body["shop"] == {"id": str(merchant.pk), "name": merchant.name}
    assert body["kind"] == "tryon-result" and body["visibleMark"] == "AI 생성" and body["signer"] == "Toile"
    assert body["summary"].startswith("이 서비스가 만들고 서명한 이미지")
    assert {"name": "만든 도구", "value": "FASHN tryon-v1.6 (v1)"} in body["details"]


def test_an_edited_copy_reads_as_altered(shared_result):
    _, data = shared_result
    edited = bytearray(data)
    edited[-500] ^= 0x10
    body = verify_api(image=SimpleUploadedFile("edited.jpg", bytes(edited), "image/jpeg")).json()["data"]
    assert body["state"] == "altered" and not body["unaltered"] and body["aiGenerated"] is None
    assert "assertion.dataHash.mismatch" in body["validationFailures"]
    assert body["summary"].startswith("이 파일은 서명된 뒤에 바뀌었습니다.")
    assert {"name": "쇼핑몰", "value": f"{body['shop']['name']} (확인되지 않은 주장)"} in body["details"]

    # The same when the stored result itself is tampered with: its share link reads as altered too.
    job = TryOnJob.objects.get()
    storage.tryon_storage().delete(job.result_image)
    storage.tryon_storage().save(job.result_image, io.BytesIO(bytes(edited)))
    page = Client().get("/verify", {"share": ShareLink.objects.get().token}).content.decode()
    assert 'data-state="altered"' in page and "서명 이후 바뀜" in page


def test_another_signers_credentials_are_not_vouched_for(settings, tmp_path, shared_result):
    _, ours = shared_result
    # Someone else signs an image with claims that look like ours (their own CA-issued certificate).
    key_file, chain_file = write_ca_issued_chain(tmp_path, "Someone Else")
    settings.C2PA_SIGNING_KEY_FILE, settings.C2PA_CERTIFICATE_CHAIN_FILE = key_file, chain_file
    forged = credential_image(
        png((200, 200)),
        mime="image/png",
        claims=ImageClaims(
            kind="tryon-result",
            title="x",
            source_type=SourceType.ALGORITHMIC_MEDIA,
            generator=Generator("Toile", "offline-preview", "1"),
            shop_id="1",
            shop_name="진짜 상점",
            created_at=timezone.now(),
        ),
    )
    settings.C2PA_SIGNING_KEY_FILE = settings.C2PA_CERTIFICATE_CHAIN_FILE = ""
    body = verify_api(image=SimpleUploadedFile("forged.png", forged, "image/png")).json()["data"]
    assert body["state"] == "other_signer" and body["unaltered"] and not body["signedByThisService"]
    assert body["aiGenerated"] is None and body["signer"] == "Someone Else"
    assert {"name": "쇼핑몰", "value": "진짜 상점 (확인되지 않은 주장)"} in body["details"]
    assert body["summary"].startswith("다른 곳에서 서명한 콘텐츠 자격 증명")


def test_a_file_without_credentials_says_so():
    body = verify_api(image=SimpleUploadedFile("plain.png", png(), "image/png")).json()["data"]
    assert body["state"] == "absent" and body["details"] == [] and body["aiGenerated"] is None
    assert (
        body["summary"] == "이 파일에는 콘텐츠 자격 증명(C2PA)이 없습니다. 누가 어떻게 만들었는지 확인할 수 없습니다."
    )


def gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("P", (8, 8)).save(buffer, "GIF")
    return buffer.getvalue()


def bomb_png(width: int = 60_000, height: int = 60_000) -> bytes:
    """A tiny PNG whose header claims 3.6 gigapixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({}, 400, "확인할 이미지 파일이나 공유 링크를 보내 주세요."),
        ({"image": ("notes.txt", b"just some text", "text/plain")}, 400, "이미지 파일이 아니거나 손상된 파일입니다."),
        ({"image": ("bomb.png", bomb_png(), "image/png")}, 400, "압축 폭탄이 의심됩니다"),
        ({"image": ("cut.png", png()[:40], "image/png")}, 400, "이미지 파일이 아니거나 손상된 파일입니다."),
        ({"image": ("a.gif", gif(), "image/gif")}, 400, "지원하지 않는 이미지 형식"),
        ({"image": ("empty.png", b"", "image/png")}, 400, "이미지 파일을 올려 주세요."),
        ({"shareUrl": "https://example.com/not-a-share-link"}, 400, "공유 링크 주소가 올바르지 않습니다"),
        ({"shareUrl": "https://toile.example/share/NoSuchTokenAtAll0123"}, 404, "공유 링크를 찾을 수 없습니다."),
        (
            {"image": ("x.png", png(), "image/png"), "shareUrl": "https://toile.example/share/abcdefgh"},
            400,
            "하나만 보내 주세요",
        ),
    ],
)
def test_bad_and_hostile_input_gets_a_clear_error(fields, status, message):
    def form(share_field: str) -> dict:
        return {
            (share_field if name == "shareUrl" else name): SimpleUploadedFile(*value)
            if isinstance(value, tuple)
            else value
            for name, value in fields.items()
        }

    response = Client().post("/api/verify", form("shareUrl"))
    assert response.status_code == status
    body = response.json()
    assert body["statusCode"] == status and message in body["message"], body
    # The page says the same, in the page.
    page = Client().post("/verify", form("share"))
    assert page.status_code == status and message in page.content.decode()


def test_an_oversize_upload_is_refused_unread(settings):
    settings.VERIFY_MAX_UPLOAD_BYTES = 2048
    response = verify_api(image=SimpleUploadedFile("big.png", png((400, 400)) + b"\x00" * 4096, "image/png"))
    assert response.status_code == 413
    assert response.json()["message"] == "파일 크기는 2KB를 넘을 수 없습니다."
    page = Client().post("/verify", {"image": SimpleUploadedFile("big.png", b"\x89PNG" + b"\x00" * 4096, "image/png")})
    assert page.status_code == 413 and "파일 크기는 2KB를 넘을 수 없습니다." in page.content.decode()


def test_expired_links_and_lost_results_are_410(merchant):
    job = make_completed_job(merchant)
    link = ShareLink.objects.create(job=job, token="ExpiredToken0123456789", expires_at=timezone.now() - timedelta(1))
    response = Client().post("/api/verify", {"shareUrl": f"https://toile.example/share/{link.token}"})
    assert response.status_code == 410 and response.json()["error"] == "Gone"
    # A live link whose file the storage lost: a clear 410, not a server error.
    lost = make_completed_job(merchant)
    storage.delete_file(lost.result_image)
    ShareLink.objects.create(job=lost, token="LiveTokenLostFile012345", expires_at=timezone.now() + timedelta(1))
    response = Client().post("/api/verify", {"shareUrl": "LiveTokenLostFile012345"})
    assert response.status_code == 410 and "더 이상 존재하지 않습니다" in response.json()["message"]


def test_checks_are_limited_per_client_address(settings):
    settings.THROTTLE_RATE_VERIFY_PER_IP = "2/min"
    client = Client()
    for _ in range(2):
        assert client.post("/api/verify", {"image": SimpleUploadedFile("p.png", png(), "image/png")}).status_code == 200
    refused = client.post("/api/verify", {"image": SimpleUploadedFile("p.png", png(), "image/png")})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert client.get("/verify", {"share": "abcdefghijk"}).status_code == 429


def test_the_share_page_links_to_the_check_and_speaks_the_shoppers_language(
    merchant, api_key_client, image_server, loopback_allowed, fashn_settings, fake_fashn,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    polled, _ = run_try_on(api_key_client, image_server, django_capture_on_commit_callbacks, productTitle="Linen shirt")
    korean = api_key_client.post(f"/api/tryon/{polled['jobId']}/share", {"visitorId": VISITOR}, format="json")
    token = korean.json()["data"]["shareUrl"].rsplit("/", 1)[1]
    page = Client().get(f"/share/{token}").content.decode()
    assert '<html lang="ko">' in page and 'id="ai-badge">AI 생성 이미지</span>' in page
    assert f'href="/verify?share={token}"' in page
    assert "생성형 AI가 만든 가상 피팅 결과로, 실제로 입어 본 사진이 아닙니다." in page
    followed = Client().get("/verify", {"share": token}).content.decode()
    assert 'data-state="verified"' in followed

    polled, _ = run_try_on(api_key_client, image_server, django_capture_on_commit_callbacks, language="en")
    english = api_key_client.post(f"/api/tryon/{polled['jobId']}/share", {"visitorId": VISITOR}, format="json")
    token = english.json()["data"]["shareUrl"].rsplit("/", 1)[1]
    page = Client().get(f"/share/{token}").content.decode()
    assert '<html lang="en">' in page and 'id="ai-badge">AI-generated image</span>' in page
    assert "Virtual try-on result" in page and "not a photo of them wearing it" in page
