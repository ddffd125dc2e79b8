"""Anyone can check an image (Korea's AI Basic Act: labels people can verify): an uploaded file, or the
result behind a share link, read with c2pa and told in plain Korean — what made it, when, for which shop,
and whether the file is unaltered since this service signed it.

Uploads are hostile until proven otherwise: size first (the upload handler stops reading past the limit),
then a full decode (common.images: real format sniffing, pixel limit against decompression bombs), then
c2pa reading with its network features off. A share link's result is our own stored file; checking it does
not count as a view.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings

from common.errors import Gone, InvalidInput, PayloadTooLarge, TooManyRequests
from common.images import open_untrusted_image
from common.provenance.reading import CredentialReport, CredentialState, read_credentials
from common.provenance.signing import IPTC_DIGITAL_SOURCE_TYPE, SourceType
from common.throttling import hit
from tryon import storage
from tryon.services import live_share_link

MIMES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_SHARE_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
KST = ZoneInfo("Asia/Seoul")

HEADLINES = {
    CredentialState.VERIFIED: "이 서비스가 만들고 서명한 이미지이며, 서명 이후 바뀌지 않았습니다.",
    CredentialState.OTHER_SIGNER: (
        "다른 곳에서 서명한 콘텐츠 자격 증명이 들어 있습니다. 이 서비스가 만든 이미지인지는 확인할 수 없습니다."
    ),
    CredentialState.ALTERED: (
        "이 파일은 서명된 뒤에 바뀌었습니다. 편집되었거나 위조되었을 수 있어, 담긴 정보를 믿을 수 없습니다."
    ),
    CredentialState.ABSENT: (
        "이 파일에는 콘텐츠 자격 증명(C2PA)이 없습니다. 누가 어떻게 만들었는지 확인할 수 없습니다."
    ),
    CredentialState.REMOTE: (
        "이 파일의 콘텐츠 자격 증명은 다른 주소에 보관되어 있어 확인하지 않았습니다. 이 서비스가 만든 이미지는 "
        "자격 증명을 파일 안에 담습니다."
    ),
    CredentialState.UNREADABLE: "이 파일의 콘텐츠 자격 증명을 읽을 수 없습니다. 손상되었을 수 있습니다.",
}
SOURCE_TYPE_TEXT = {
    SourceType.TRAINED_ALGORITHMIC_MEDIA.uri: "생성형 AI가 만든 이미지",
    SourceType.COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA.uri: "생성형 AI 결과를 합성해 만든 이미지",
    SourceType.ALGORITHMIC_MEDIA.uri: "AI 없이 프로그램(템플릿)이 그린 이미지",
}
KIND_TEXT = {"tryon-result": "가상 피팅 결과", "event-image": "SNS 이벤트 이미지"}
FILE_STATE_TEXT = {
    CredentialState.VERIFIED: "서명 이후 바뀌지 않음",
    CredentialState.OTHER_SIGNER: "서명 이후 바뀌지 않음 (다른 서명자)",
    CredentialState.ALTERED: "서명 이후 바뀜",
}


@dataclass(frozen=True)
class Verification:
    report: CredentialReport
    headline: str
    details: list[tuple[str, str]] = field(default_factory=list)  # (what, answer) in plain Korean

    @property
    def ai_generated(self) -> bool | None:
        """True/False when this service vouches for the answer; None when the file cannot tell."""
        if self.report.state is not CredentialState.VERIFIED or not self.report.source_type:
            return None
        return self.report.source_type != SourceType.ALGORITHMIC_MEDIA.uri


def check_rate(client_address: str) -> None:
    wait = hit(f"verify:{client_address}", settings.THROTTLE_RATE_VERIFY_PER_IP)
    if wait is not None:
        raise TooManyRequests(f"확인 요청이 너무 많습니다. {wait}초 후 다시 시도하세요.", retry_after=wait)


def verify_upload(data: bytes) -> Verification:
    if len(data) > settings.VERIFY_MAX_UPLOAD_BYTES:
        raise PayloadTooLarge(upload_too_large_message())
    if not data:
        raise InvalidInput("이미지 파일을 올려 주세요.")
    decoded = open_untrusted_image(data, allowed_formats=tuple(MIMES))
    return explain(read_credentials(data, mime=MIMES[decoded.format]))


def upload_too_large_message() -> str:
    return f"파일 크기는 {size_text(settings.VERIFY_MAX_UPLOAD_BYTES)}를 넘을 수 없습니다."


def size_text(size: int) -> str:
    return f"{size // (1024 * 1024)}MB" if size >= 1024 * 1024 else f"{size // 1024}KB"


def share_token_from(value: str) -> str:
    """The token of a share link given as its URL (``…/share/<token>``) or as the bare token."""
    value = value.strip()
    token = value
    if "/" in value:  # a URL or a path: only a share page's
        path = urlsplit(value).path
        token = path.split("/share/", 1)[1].strip("/") if "/share/" in path else ""
    if not _SHARE_TOKEN.match(token):
        raise InvalidInput("공유 링크 주소가 올바르지 않습니다. 공유받은 링크 전체를 붙여 넣어 주세요.")
    return token


def verify_share_link(value: str) -> Verification:
    link = live_share_link(share_token_from(value))
    try:
        data = storage.read_file(link.job.result_image)
    except OSError as exc:  # the storage lost the file the job still names
        raise Gone("공유된 피팅 결과가 더 이상 존재하지 않습니다.") from exc
    mime = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return explain(read_credentials(data, mime=mime))


def explain(report: CredentialReport) -> Verification:
    details: list[tuple[str, str]] = []
    if report.state in FILE_STATE_TEXT:
        details.append(("파일 상태", FILE_STATE_TEXT[report.state]))
    if report.state in (CredentialState.VERIFIED, CredentialState.OTHER_SIGNER, CredentialState.ALTERED):
        details += _claims(report)
    if report.xmp_source_type and report.state is not CredentialState.VERIFIED:
        details.append(("파일 메타데이터(XMP)의 표기", _source_type_text(report.xmp_source_type) + " (서명 없음)"))
    return Verification(report=report, headline=HEADLINES[report.state], details=details)


def _claims(report: CredentialReport) -> list[tuple[str, str]]:
    # Claims of a file this service did not sign, or that changed since, are shown as claims, not facts.
    hedge = "" if report.state is CredentialState.VERIFIED else " (확인되지 않은 주장)"
    generation = report.generation
    generator = _mapping(generation.get("generator"))
    shop = _mapping(generation.get("shop"))
    lines: list[tuple[str, str]] = []
    if report.source_type:
        lines.append(("무엇인가요", _source_type_text(report.source_type) + hedge))
    if generation.get("kind") in KIND_TEXT:
        lines.append(("종류", KIND_TEXT[str(generation["kind"])] + hedge))
    if generator:
        made_by = " ".join(str(generator.get(part) or "") for part in ("provider", "model")).strip()
        version = str(generator.get("version") or "")
        lines.append(("만든 도구", f"{made_by} ({version}){hedge}" if version else made_by + hedge))
    elif report.software_agent:
        lines.append(("만든 도구", report.software_agent + hedge))
    if report.created_at:
        lines.append(("만든 때", _when(report.created_at) + hedge))
    if shop.get("name"):
        lines.append(("쇼핑몰", str(shop["name"]) + hedge))
    if generation.get("visibleMark"):
        lines.append(("이미지에 보이는 표시", f"‘{generation['visibleMark']}’"))
    if report.signer:
        signer = f"{report.signer} (이 서비스)" if report.state is CredentialState.VERIFIED else report.signer
        lines.append(("서명한 곳", signer))
    return lines


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _source_type_text(uri: str) -> str:
    if uri in SOURCE_TYPE_TEXT:
        return SOURCE_TYPE_TEXT[uri]
    return uri.removeprefix(IPTC_DIGITAL_SOURCE_TYPE)


def _when(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(KST)
    except ValueError:
        return value
    return f"{moment.year}년 {moment.month}월 {moment.day}일 {moment:%H:%M} (한국 시간)"
