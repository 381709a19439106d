"""Online application (A3, 最多跑一次): the household's own data, the application and its consents in one
submission. Used by integrations through the API and by the citizen portal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from jiuzhu.cases.models import Case, Channel, SignatureKind
from jiuzhu.cases.services import intake
from jiuzhu.core import clock, idnumber
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.orgs.models import User
from jiuzhu.registry.identity import id_indexes_of
from jiuzhu.registry.models import Household, Member, Relation
from jiuzhu.registry.services.households import household_create
from jiuzhu.registry.services.member_input import MemberInput


@dataclass
class OnlineApplication:
    area_code: str
    address: str
    phone: str
    members: list[MemberInput]
    assistance_type: str
    reason: str
    requested_amount: object = None
    hukou_area_code: str = ""
    consent_verification: bool = False
    consent_commitment: bool = False
    applied_on: date | None = None
    extra: dict = field(default_factory=dict)


@transaction.atomic
def submit(*, by: User, data: OnlineApplication) -> Case:
    """Register (or find) the household by its head's ID number, open the application on the online channel
    and record the head's online consents. Forms filled in online need no paper (A3)."""
    if not (data.consent_verification and data.consent_commitment):
        raise ValidationFailed(
            "须同意家庭经济状况核对授权并签署承诺书，方可提交网上申请", field_errors={"consent": "必须同意"}
        )
    heads = [m for m in data.members if m.relation == Relation.HEAD]
    if len(heads) != 1:
        raise ValidationFailed("须填写且只填写一名户主", field_errors={"members": "户主"})
    head_number = idnumber.parse(heads[0].id_number).number
    existing = (
        Member.objects.filter(
            id_index__in=id_indexes_of(head_number),
            relation=Relation.HEAD,
            is_active=True,
            household__is_active=True,
            household__area_code=data.area_code,
        )
        .select_related("household")
        .first()
    )
    household: Household
    if existing is not None:
        household = existing.household
    else:
        household = household_create(
            by=by,
            area_code=data.area_code,
            address=data.address,
            members=data.members,
            phone=data.phone,
            hukou_area_code=data.hukou_area_code,
        )
    applicant = household.members.get(id_index__in=id_indexes_of(head_number))
    case = intake.case_create(
        by=by,
        household=household,
        channel=Channel.ONLINE,
        data=intake.CaseInput(
            assistance_type=data.assistance_type,
            applicant=applicant,
            applied_on=data.applied_on or clock.today(),
            reason=data.reason,
            requested_amount=data.requested_amount,
        ),
    )
    for kind in (SignatureKind.AUTHORISATION, SignatureKind.COMMITMENT):
        intake.signature_record(
            by=by, case=case, member=applicant, kind=kind, signed_on=case.applied_on, online=True
        )
    return case
