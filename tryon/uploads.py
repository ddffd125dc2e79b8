"""Upload limits (try-on photos, images to verify), enforced while the body streams in (chunked bodies have no Content-Length)."""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler

from common.errors import PayloadTooLarge

UPLOAD_TOO_LARGE_MESSAGE = "파일 크기는 10MB를 초과할 수 없습니다."


class UploadLimitHandler(FileUploadHandler):
    """Placed first among the upload handlers: aborts the parse as soon as a file passes ``limit`` bytes."""

    def __init__(self, request=None, *, limit: int, message: str = UPLOAD_TOO_LARGE_MESSAGE) -> None:
        super().__init__(request)
        self.limit = limit
        self.message = message

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            raise PayloadTooLarge(self.message)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
