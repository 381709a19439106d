"""Temporary-aid fund allocations (S10) and training records (capacity norms of seed 004)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.db import transaction

from jiuzhu.core import audit, clock
from jiuzhu.core.dates import ensure_not_future
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.jurisdiction_codes import county_code as county_of
from jiuzhu.core.money import to_yuan
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Jurisdiction, Level, User
from jiuzhu.orgs.roles import Perm
from jiuzhu.supervision.models import FundAllocation, Training

MAX_ALLOCATION = Decimal("100000000")  # sanity bound against typing errors


def fund_allocate(
    *,
    by: User,
    township_code: str,
    year: int,
    amount,
    allocated_on: date,
    document_no: str = "",
    note: str = "",
) -> FundAllocation:
    """S10: money allocated to a township's temporary-aid fund for a year (one row per allocation)."""
    membership = authz.require(by, Perm.FUNDS_MANAGE, township_code)
    if not Jurisdiction.objects.filter(code=township_code, level=Level.TOWNSHIP).exists():
        raise ValidationFailed("请选择乡镇（街道）", field_errors={"township_code": "无效"})
    value = to_yuan(amount, label="拨付金额", maximum=MAX_ALLOCATION)
    if value <= 0:
        raise ValidationFailed("拨付金额应大于零", field_errors={"amount": "应大于零"})
    ensure_not_future(allocated_on, "拨付日期", field="allocated_on")
    if not (2000 <= int(year) <= allocated_on.year + 1):
        raise ValidationFailed("年度无效", field_errors={"year": "无效"})
    with transaction.atomic():
        row = FundAllocation.objects.create(
            county_code=county_of(township_code),
            township_code=township_code,
            year=int(year),
            amount=value,
            allocated_on=allocated_on,
            document_no=(document_no or "").strip()[:60],
            note=(note or "").strip()[:200],
            created_by=by,
            created_at=clock.now(),
        )
        audit.record(
            actor=by,
            membership=membership,
            action="funds.allocate",
            obj=row,
            after={"year": row.year, "amount": value, "document_no": row.document_no},
        )
    return row


def training_record(
    *,
    by: User,
    county_code: str,
    held_on: date,
    title: str,
    organiser: str,
    hours,
    content: str = "",
    attendees: Sequence[User] = (),
    other_attendees: int = 0,
) -> Training:
    membership = authz.require(by, Perm.TRAINING_MANAGE, county_code)
    if county_of(county_code) != county_code:
        raise ValidationFailed("培训按县（区）登记")
    if not (title or "").strip() or not (organiser or "").strip():
        raise ValidationFailed("请填写培训名称和主办单位", field_errors={"title": "必填"})
    ensure_not_future(held_on, "培训日期", field="held_on")
    try:
        value = Decimal(str(hours))
    except ArithmeticError:
        raise ValidationFailed("学时无效", field_errors={"hours": "无效"}) from None
    if not value.is_finite() or value <= 0 or value > 200:
        raise ValidationFailed("学时无效", field_errors={"hours": "应在 0–200 之间"})
    for person in attendees:
        home = authz.primary_membership(person)
        if not authz.in_scope(by, home.area_code if home else ""):
            raise ValidationFailed("参训人员不在本辖区")
    with transaction.atomic():
        row = Training.objects.create(
            county_code=county_code,
            held_on=held_on,
            title=title.strip()[:120],
            organiser=organiser.strip()[:120],
            hours=value,
            content=(content or "").strip(),
            other_attendees=max(0, int(other_attendees or 0)),
            created_by=by,
            created_at=clock.now(),
        )
        row.attendees.set(attendees)
        audit.record(
            actor=by,
            membership=membership,
            action="training.record",
            obj=row,
            after={"title": row.title, "held_on": held_on, "attendees": len(attendees) + row.other_attendees},
        )
    return row
