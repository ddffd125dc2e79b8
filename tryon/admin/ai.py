"""What the dashboard shows of the AI labels (docs/ai-labels.md): the notice shoppers are shown, a job's
record of it, and a preview of the result's AI mark as the merchant styled it."""

from __future__ import annotations

import base64

from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from PIL import Image

from common.images import encode_png
from common.provenance.marks import MarkPosition, MarkSize, MarkStyle, MarkTheme, draw_mark
from tryon.ai_notice import CURRENT, LANGUAGES
from tryon.labels import mark_text
from tryon.models import TryOnJob, TryOnSettings

LANGUAGE_NAMES = {"ko": "한국어", "en": "English"}


def notice_texts_html() -> str:
    """The texts the widget shows before a photo is sent, with their versions."""
    # The texts exactly as shoppers read them, in their language: verbatim, whatever the dashboard's language.
    rows = format_html_join(
        "",
        '<dt translate="no" lang="{}">{}</dt><dd translate="no" lang="{}"><p>{}</p><p class="tl-card-note">{}</p></dd>',
        (
            (language, LANGUAGE_NAMES[language], language, CURRENT.notice[language], CURRENT.consent[language])
            for language in LANGUAGES
        ),
    )
    return format_html(
        '<div id="ai-notice-texts"><p>{}</p><dl class="tl-summary">{}</dl></div>',
        _(
            "위젯이 사진을 보내기 전에 보여 주는 문구입니다. 고지 버전 %(notice)s · 동의 버전 %(consent)s. 피팅 작업마다 "
            "사용자가 본 버전과 확인 시각이 기록됩니다 (개인정보는 방문자 ID 외에 기록하지 않음)."
        )
        % {"notice": CURRENT.version, "consent": CURRENT.consent_version},
        rows,
    )


def notice_record_html(job: TryOnJob) -> str:
    if not job.ai_notice_version:
        return _("기록 없음 (고지 버전 없이 요청됨)")
    accepted = (
        timezone.localtime(job.notice_accepted_at).strftime("%Y-%m-%d %H:%M:%S") if job.notice_accepted_at else "-"
    )
    return format_html(
        '<dl class="tl-summary" id="notice-record"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>'
        "<dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
        _("AI 고지 버전"),
        job.ai_notice_version,
        _("사진 동의 버전"),
        job.consent_version or "-",
        _("확인 시각"),
        accepted,
        _("언어"),
        format_html('<span translate="no">{}</span>', LANGUAGE_NAMES.get(job.language, job.language)),
    )


def mark_preview_html(limits: TryOnSettings) -> str:
    """A sample result with the mark where and as the merchant set it (their saved settings)."""
    sample = Image.new("RGB", (240, 320), (214, 206, 196))
    style = MarkStyle(
        position=MarkPosition(limits.ai_mark_position),
        theme=MarkTheme(limits.ai_mark_theme),
        size=MarkSize(limits.ai_mark_size),
    )
    data = base64.b64encode(encode_png(draw_mark(sample, mark_text(language="ko", preview=False), style))).decode()
    return format_html(
        '<img id="ai-mark-preview" src="data:image/png;base64,{}" width="240" height="320" alt="{}">'
        '<p class="tl-card-note">{}</p>',
        data,
        _("AI 생성 표시 미리보기"),
        _("모든 피팅 결과에 들어가는 표시입니다. 위치, 색, 크기는 바꿀 수 있지만 표시를 없앨 수는 없습니다."),
    )
