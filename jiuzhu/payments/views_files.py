"""Downloads of stored bank files (PI1): decrypted for the download only, logged, never cached."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest
from django.views.decorators.http import require_GET

from jiuzhu.payments import bankfiles


@login_required
@require_GET
def bank_file_download(request: HttpRequest, pk: int) -> FileResponse:
    bank_file = bankfiles.get_bank_file(request.user, pk)
    handle = bankfiles.bank_file_open(by=request.user, bank_file=bank_file)
    response = FileResponse(
        handle, content_type=bankfiles.CONTENT_TYPES.get(bank_file.file_type, "application/octet-stream")
    )
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(bankfiles.download_name(bank_file))}"
    )
    return response
