"""Showcase data for the archive app (after `jiuzhu.cases.demo`): complaint hotlines of the demo counties,
where the paper files are kept — rural files at 安邦乡, urban files moved from the bureau to the street
offices as in seed 000 — one complete household file with its notice photo, and a printed notice board.

Hotline numbers are illustrative. Everything goes through the services, so the audit trail is real."""

from __future__ import annotations

import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from jiuzhu.archive import boards, custody, services
from jiuzhu.archive.models import FileCustody
from jiuzhu.cases import documents as case_documents
from jiuzhu.cases.models import Case
from jiuzhu.cases.states import State
from jiuzhu.core import clock
from jiuzhu.core.models import ParameterValue
from jiuzhu.core.services import param_set
from jiuzhu.documents import services as documents
from jiuzhu.orgs.models import Jurisdiction, Organisation, User
from jiuzhu.orgs.roles import OrgKind
from jiuzhu.registry.models import Household

HOTLINES = {"230502000000": "0469-4221234", "500110000000": "023-48661234", "610104000000": "029-87271234"}
OFFICERS = {"230502": "js_bureau", "500110": "qj_bureau", "610104": "lh_bureau"}


def _u(name: str) -> User:
    return User.objects.get(username=name)


def _photo() -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 420), (236, 240, 246))
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 40, 580, 380), outline=(180, 30, 30), width=6)
    for y in range(90, 360, 30):
        draw.line((100, y, 540, y), fill=(120, 120, 120), width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("公示栏张贴照片.png", buffer.getvalue(), content_type="image/png")


def load() -> None:
    if FileCustody.objects.exists():
        return
    today = clock.today()
    with transaction.atomic():
        for county, number in HOTLINES.items():
            if not ParameterValue.objects.filter(key=boards.HOTLINE, scope_code=county).exists():
                param_set(
                    by=_u(OFFICERS[county[:6]]),
                    key=boards.HOTLINE,
                    scope_code=county,
                    effective_from=today.replace(month=1, day=1),
                    value=number,
                    reason="演示数据：县（区）社会救助监督举报电话",
                    source="演示数据",
                )
    bureau = Organisation.objects.get(jurisdiction_id="230502000000", kind=OrgKind.BUREAU)
    accepted = Case.objects.filter(county_code="230502000000").exclude(
        status__in=[State.SUBMITTED, State.INCOMPLETE, State.NOT_ACCEPTED, State.WITHDRAWN]
    )
    households = list(Household.objects.filter(cases__in=accepted).distinct().order_by("id"))
    for i, household in enumerate(households):
        since = today - timedelta(days=60)
        if household.urban_rural == "urban":
            # Before delegation the bureau kept urban files (seed 000) …
            custody.custody_transfer(by=_u("js_bureau"), household=household, to=bureau, on=since, reason="")
        elif i % 5 != 4:  # … and one rural file is left unregistered, so a file shows what it lacks
            township = Organisation.objects.get(
                jurisdiction_id=household.township_code, kind=OrgKind.TOWNSHIP
            )
            custody.custody_transfer(
                by=_u("ab_caseworker"),
                household=household,
                to=township,
                on=since,
                reason="",
                location="乡档案室",
            )
    # … and moved them to the street offices when authority was delegated.
    custody.custody_bulk_transfer(
        by=_u("js_bureau"),
        county=Jurisdiction.objects.get(code="230502000000"),
        from_org=bureau,
        on=today - timedelta(days=30),
        basis="《尖山区社会救助事项审批（确认）权限下放乡（街道）工作实施方案》",
    )
    # One complete household file: approval notice issued and the notice photo filed.
    approved = (
        Case.objects.filter(
            township_code="230502200000", status=State.APPROVED, household__file_custody__isnull=False
        )
        .order_by("id")
        .first()
    )
    if approved is not None:
        case_documents.issue(by=_u("ab_caseworker"), case=approved, kind="approval_notice")
        notice = approved.public_notices.order_by("-start_on").first()
        if notice is not None:
            documents.attachment_store(
                by=_u("ab_caseworker"),
                upload=_photo(),
                kind="photo",
                area_code=approved.area_code,
                owner=notice,
                note="村公示栏张贴",
            )
        services.board_issue(
            by=_u("ab_caseworker"), village=Jurisdiction.objects.get(code=approved.household.area_code)
        )
