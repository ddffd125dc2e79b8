"""What a shopper is told before using try-on (Korea's AI Basic Act, Art. 31: notice before use of a
generative-AI service), versioned so that every job can record which text the shopper saw.

The widget (widget/assets/toile.js) shows these texts in its consent step, before the photo leaves the
device, and sends the versions with the photo; ``GET /api/ai-notice`` serves them to merchants who
build their own UI. A changed text gets a new version here and in toile.js: a version is never reused
(tests/widget/test_ai_notice_browser.py checks that the widget shows exactly the text of its version).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

AI_NOTICE_VERSION = "ai-notice-2026-12"
CONSENT_VERSION = "photo-consent-2026-12"
LANGUAGES = ("ko", "en")
# A version names a text: the widget's, or a merchant's own for their own UI.
NOTICE_VERSION_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"
# How far a caller's noticeAcceptedAt may lie from our clock: the notice is accepted just before the upload.
NOTICE_MAX_AGE = timedelta(hours=24)
CLOCK_SKEW = timedelta(minutes=5)

# The visible mark on every result (tryon/labels.py), and what the offline engine's preview adds to it.
MARK_TEXT = {"ko": "AI 생성", "en": "AI-generated"}
PREVIEW_TEXT = {"ko": "미리보기", "en": "Preview"}

AI_NOTICE_TEXT = {
    "ko": (
        "이 가상 피팅은 생성형 AI로 이미지를 만듭니다. 결과는 실제로 입어 본 사진이 아니라 AI가 만든 "
        "이미지이며, 'AI 생성' 표시와 콘텐츠 자격 증명(C2PA)이 함께 붙습니다."
    ),
    "en": (
        "This virtual try-on uses generative AI to make the image. The result is a picture made by AI, not a "
        "photo of you wearing the item, and it carries an 'AI-generated' mark and Content Credentials (C2PA)."
    ),
}
CONSENT_TEXT = {
    "ko": (
        "사진을 가상 피팅 이미지를 만드는 데에만 사용하는 것에 동의합니다. 사진은 처리가 끝나면 바로 삭제되고, "
        "위치 정보(EXIF)는 업로드 전에 지워집니다. 결과 이미지는 쇼핑몰이 정한 기간이 지나면 삭제됩니다."
    ),
    "en": (
        "I agree that my photo is used only to make the try-on image. The photo is deleted as soon as it is "
        "processed, and its location data (EXIF) is removed before upload. The result is deleted after the "
        "period the shop has set."
    ),
}


@dataclass(frozen=True)
class NoticeTexts:
    version: str
    consent_version: str
    notice: dict[str, str]
    consent: dict[str, str]


CURRENT = NoticeTexts(
    version=AI_NOTICE_VERSION, consent_version=CONSENT_VERSION, notice=AI_NOTICE_TEXT, consent=CONSENT_TEXT
)


@dataclass(frozen=True)
class NoticeRecord:
    """What a job records: the versions of the texts shown and when the shopper accepted them."""

    version: str
    consent_version: str
    accepted_at: datetime


def notice_time_is_plausible(moment: datetime) -> bool:
    now = timezone.now()
    return now - NOTICE_MAX_AGE <= moment <= now + CLOCK_SKEW


def notice_record(*, version: str, consent_version: str, accepted_at: datetime | None) -> NoticeRecord | None:
    """The record of a request's notice fields; None when the caller sent no notice version."""
    if not version:
        return None
    return NoticeRecord(version=version, consent_version=consent_version, accepted_at=accepted_at or timezone.now())
