"""The security administrator's page of keys and encryption (密评): what `manage.py crypto_status` prints."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jiuzhu.core import audit_checkpoints
from jiuzhu.core.crypto import keyrecords
from jiuzhu.core.crypto.local import split_ref
from jiuzhu.core.crypto.provider import provider
from jiuzhu.core.models import KeyRecord
from jiuzhu.orgs import authz
from jiuzhu.orgs.roles import Perm

SUITES = {
    "aes": "AES-256-GCM 加密，HMAC-SHA-256 索引与审计校验",
    "sm4": "SM4-GCM 加密，HMAC-SM3 索引与审计校验（国密）",
}


@login_required
@require_GET
def key_status(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, Perm.KEY_VIEW)
    p = provider()
    current = p.current_ref()
    checkpoints = sorted(audit_checkpoints.directory().glob(f"{audit_checkpoints.PREFIX}*.json"))
    return render(
        request,
        "orgs/key_status.html",
        {
            "page_title": "密钥与加密",
            "suite": SUITES[split_ref(current)[0]],
            "provider_name": f"{type(p).__module__}.{type(p).__name__}",
            "keysets": [(ref, p.fingerprint(ref), ref == current) for ref in p.refs()],
            "audit_key": (p.audit_ref(), p.audit_fingerprint(split_ref(p.audit_ref())[1])),
            "records": KeyRecord.objects.order_by("kind", "ref"),
            "columns": sorted(keyrecords.refs_by_column().items()),
            "current": current,
            "problems": keyrecords.problems(),
            "last_checkpoint": checkpoints[-1].name if checkpoints else "",
        },
    )
