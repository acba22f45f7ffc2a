"""Uploads that hold sensitive data: kept in memory, never spooled to a temporary file."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload
from django.http import HttpRequest


class InMemoryUpload(FileUploadHandler):
    """Keeps an uploaded file in memory only (never a temporary file on disk) and drops one
    larger than the limit, setting `too_large`. Set it on `request.upload_handlers` before the
    body is read: in a `csrf_exempt` view that checks the token itself (`csrf_protect` inside)."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.too_large = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > self.limit + 64 * 1024:  # the file plus the form around it
            self.too_large = True
            raise StopUpload(connection_reset=False)

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        if start + len(raw_data) > self.limit:
            self.too_large = True
            self.buffer = io.BytesIO()
            raise SkipFile
        self.buffer.write(raw_data)

    def file_complete(self, file_size: int) -> InMemoryUploadedFile | None:
        if self.too_large:
            return None
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            self.buffer,
            self.field_name,
            self.file_name,
            self.content_type,
            file_size,
            self.charset,
            self.content_type_extra,
        )
