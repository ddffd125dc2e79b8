"""What the engines report: the messages of :class:`~tryon.providers.base.EngineError` (a failed job's
``error_message``) and the offline preview's note, as stored texts (common/stored_text.py).

They live apart from the engines, which are imported on first use, so that the dashboard, which never loads
an engine, knows them all and shows them in the merchant's language.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from common.stored_text import StoredText

UNKNOWN_ENGINE = StoredText(gettext_noop("알 수 없는 피팅 엔진입니다: TRYON_ENGINE=%(engine)s (fashn | offline)"))

# Any engine
INPUTS_GONE = StoredText(gettext_noop("입력 이미지가 더 이상 존재하지 않습니다."))

ENGINE_QUEUE_TOO_LONG = StoredText(
    gettext_noop("피팅 요청이 많아 대기 시간이 너무 길어졌습니다. 잠시 후 다시 시도해 주세요.")
)

# FASHN
FASHN_RATE_LIMITED = StoredText(gettext_noop("FASHN 요청 한도를 초과했습니다. 잠시 후 다시 시도해 주세요."))
FASHN_CONCURRENCY_LIMITED = StoredText(gettext_noop("FASHN 동시 처리 한도를 초과했습니다. 잠시 후 다시 시도해 주세요."))
FASHN_OUT_OF_CREDITS = StoredText(gettext_noop("FASHN 크레딧이 모두 소진되었습니다. 관리자에게 문의해 주세요."))
FASHN_TIMED_OUT = StoredText(gettext_noop("FASHN 응답 시간이 초과되었습니다."))
FASHN_UNREACHABLE = StoredText(gettext_noop("FASHN에 연결할 수 없습니다 (%(error)s)."))
FASHN_UNREADABLE = StoredText(gettext_noop("FASHN 응답을 해석할 수 없습니다."))
FASHN_NOT_CONFIGURED = StoredText(gettext_noop("FASHN API 키가 설정되지 않았습니다."))
FASHN_UNAUTHORIZED = StoredText(gettext_noop("FASHN 인증에 실패했습니다 (API 키 확인 필요)."))
FASHN_SERVER_ERROR = StoredText(gettext_noop("FASHN 서버 오류가 계속되었습니다 (HTTP %(status)s %(name)s)."))
FASHN_REQUEST_FAILED = StoredText(gettext_noop("FASHN 요청이 실패했습니다 (HTTP %(status)s %(name)s: %(message)s)"))
FASHN_NO_PREDICTION = StoredText(gettext_noop("FASHN 응답에 예측 ID가 없습니다."))
FASHN_PROCESSING_TIMED_OUT = StoredText(gettext_noop("FASHN 처리 시간이 초과되었습니다 (%(seconds)s초)."))
FASHN_NO_OUTPUT = StoredText(gettext_noop("FASHN 결과에 이미지가 없습니다."))
FASHN_PREDICTION_FAILED = StoredText(gettext_noop("피팅 생성에 실패했습니다 (%(name)s: %(message)s)"))
FASHN_RESULT_UNAVAILABLE = StoredText(gettext_noop("FASHN 결과 이미지를 받을 수 없습니다 (HTTP %(status)s)."))
FASHN_RESULT_TOO_LARGE = StoredText(gettext_noop("FASHN 결과 이미지가 너무 큽니다."))
FASHN_RESULT_NOT_IMAGE = StoredText(gettext_noop("FASHN 결과가 올바른 이미지가 아닙니다."))

# The offline preview engine
OFFLINE_UNREADABLE_INPUT = StoredText(gettext_noop("입력 이미지를 읽을 수 없습니다."))
OFFLINE_NO_GARMENT = StoredText(
    gettext_noop("상품 사진에서 옷을 찾지 못했습니다. 옷이 배경과 구분되는 상품 사진으로 다시 시도해 주세요.")
)
# A category the photo cannot carry: the shopper is told which photo works.
OFFLINE_NEEDS_SHOULDERS = StoredText(
    gettext_noop(
        "상의를 입혀 보려면 양쪽 어깨가 보이는 사진이 필요합니다. 어깨부터 허리까지 정면으로 나온 사진을 올려 주세요."
    )
)
OFFLINE_NEEDS_HIPS = StoredText(
    gettext_noop(
        "하의를 입혀 보려면 허리와 엉덩이가 보이는 사진이 필요합니다. 허리 아래까지, 되도록 발끝까지 나온 전신 사진을 올려 주세요."
    )
)
OFFLINE_NEEDS_KNEES = StoredText(
    gettext_noop(
        "원피스를 입혀 보려면 어깨부터 무릎까지 보이는 사진이 필요합니다. 무릎 아래까지 나온 전신 사진을 올려 주세요."
    )
)
OFFLINE_NOTE_POSE = StoredText(
    gettext_noop("오프라인 미리보기: 상품 사진에서 옷을 잘라 신체 랜드마크에 맞춰 합성한 이미지입니다 (AI 피팅 아님).")
)
OFFLINE_NOTE_CENTRED = StoredText(
    gettext_noop("오프라인 미리보기: 신체를 찾지 못해 옷을 가운데에 배치했습니다 (AI 피팅 아님).")
)
