"""补发 (back pay): months of an enrolment that its own month's payroll did not pay, paid in a later payroll
once the bureau approves them — never silently, and never twice.

Three causes, one mechanism. Benefits tells payments (`benefits.hooks.notify`) when
- an enrolment starts in a month before the first month still to be paid ("enrolled": 起始月早于首次发放),
- a bank account is set while payments to the old one came back failed ("account_set": 发放失败重发),
- a suspension ends in the household's favour ("resumed": 暂停期间补发);
each missing month becomes one proposed `BackPay` row. The bureau approves or refuses an enrolment's
proposal (`back_pay_decide`); the next payroll gathers the approved rows of an enrolment into one 补发
ledger line with its months (`add_back_pay_lines`), which flows into the payment, the bank file and the
payment detail table. A month is back-paid at most once (a partial unique constraint), and the month's own
payroll never pays a month a 补发 covers (`payroll.LEDGER_SQL`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from jiuzhu.benefits.models import ChangeKind, Enrolment, EnrolmentChange
from jiuzhu.benefits.services import amount_for
from jiuzhu.core import audit, clock
from jiuzhu.core.dates import add_months, month_start
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm
from jiuzhu.payments.models import (
    BackPay,
    BackPayReason,
    BackPayStatus,
    EntryKind,
    LedgerEntry,
    Payment,
    PaymentStatus,
    PayrollRun,
    RunStatus,
)

MAX_NOTE = 1000


def months_label(months: Iterable[date]) -> str:
    return "、".join(f"{m:%Y-%m}" for m in sorted(months))


def first_unpaid_month(county_code: str) -> date:
    """The first month the county's regular payroll can still pay: this month, or the month after the
    latest one already generated."""
    this_month = month_start(clock.today())
    last = (
        PayrollRun.objects.filter(county_code=county_code, status=RunStatus.DONE)
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )
    return max(this_month, add_months(last, 1)) if last else this_month


def _months(start: date, until: date) -> list[date]:
    """First days of the months from `start` up to, not including, `until`."""
    out, m = [], month_start(start)
    while m < until:
        out.append(m)
        m = add_months(m, 1)
    return out


def _propose(
    enrolment: Enrolment,
    by: User | None,
    reason: str,
    months: dict[date, Decimal],
    sources: dict[date, Payment] | None = None,
) -> list[BackPay]:
    """Proposed rows for the months not yet paid nor already back-paid; one audit event."""
    if not months:
        return []
    taken = set(
        BackPay.objects.filter(enrolment=enrolment, for_month__in=list(months))
        .exclude(status=BackPayStatus.REJECTED)
        .values_list("for_month", flat=True)
    )
    paid = set(
        LedgerEntry.objects.filter(enrolment=enrolment, kind=EntryKind.REGULAR, month__in=list(months))
        .exclude(payment__status=PaymentStatus.FAILED)
        .values_list("month", flat=True)
    )
    sources = sources or {}
    now = clock.now()
    rows = [
        BackPay(
            enrolment=enrolment,
            household_id=enrolment.household_id,
            county_code=enrolment.county_code,
            township_code=enrolment.township_code,
            area_code=enrolment.area_code,
            reason=reason,
            for_month=month,
            amount=amount,
            source_payment=sources.get(month),
            proposed_at=now,
        )
        for month, amount in sorted(months.items())
        if month not in taken and month not in paid and amount > 0
    ]
    if not rows:
        return []
    BackPay.objects.bulk_create(rows)
    audit.record(
        actor=by,
        membership=authz.membership_for(by, Perm.BENEFIT_MANAGE, enrolment.area_code) if by else None,
        action="payroll.back_pay_propose",
        obj=enrolment,
        after={
            "reason": reason,
            "months": [r.for_month for r in rows],
            "total": sum((r.amount for r in rows), Decimal("0")),
        },
    )
    return rows


def on_enrolment_event(event: str, enrolment: Enrolment, by: User | None, details: dict[str, Any]) -> None:
    """Benefits' hook (inside the change's transaction): propose what the event leaves unpaid."""
    if event == "enrolled":
        until = first_unpaid_month(enrolment.county_code)
        months = _months(enrolment.start_month, until)
        _propose(enrolment, by, BackPayReason.LATE_START, {m: amount_for(enrolment, m) for m in months})
    elif event == "resumed":
        # Months from now on are paid by the regular payroll again; those already generated were missed.
        months = _months(details["months_from"], first_unpaid_month(enrolment.county_code))
        _propose(enrolment, by, BackPayReason.SUSPENSION, {m: amount_for(enrolment, m) for m in months})
    elif event == "account_set":
        _reissue_failed(enrolment, by)


def _reissue_failed(enrolment: Enrolment, by: User | None) -> None:
    """The account is corrected: payments the bank returned as failed are paid again as 补发. A failed 补发
    line puts its months back in the queue (they stay approved: the bureau already decided them)."""
    failed = list(
        Payment.objects.filter(
            entry__enrolment=enrolment, status=PaymentStatus.FAILED, entry__kind=EntryKind.REGULAR
        ).select_related("entry")
    )
    _propose(
        enrolment,
        by,
        BackPayReason.FAILED,
        {p.month: p.amount for p in failed},
        sources={p.month: p for p in failed},
    )
    BackPay.objects.filter(
        enrolment=enrolment, status=BackPayStatus.APPROVED, entry__payment__status=PaymentStatus.FAILED
    ).update(entry=None)


def back_pay_decide(*, by: User, enrolment: Enrolment, approve: bool, note: str = "") -> list[BackPay]:
    """The bureau approves or refuses an enrolment's proposed 补发 (all its proposed months at once).
    Approved months are paid by the next payroll; the decision is in the enrolment's history (and so in
    the household file)."""
    membership = authz.require(by, Perm.CYCLE_MANAGE, enrolment.area_code)
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed(f"审批意见不超过 {MAX_NOTE} 字", field_errors={"note": "过长"})
    if not approve and not note:
        raise ValidationFailed("不予补发须写明理由", field_errors={"note": "必填"})
    with transaction.atomic():
        rows = list(
            BackPay.objects.select_for_update()
            .filter(enrolment=enrolment, status=BackPayStatus.PROPOSED)
            .order_by("for_month")
        )
        if not rows:
            raise ValidationFailed("该对象没有待审批的补发")
        now = clock.now()
        status = BackPayStatus.APPROVED if approve else BackPayStatus.REJECTED
        BackPay.objects.filter(pk__in=[r.pk for r in rows]).update(
            status=status, note=note, decided_by=by, decided_at=now
        )
        total = sum((r.amount for r in rows), Decimal("0"))
        months = months_label(r.for_month for r in rows)
        reasons = "；".join(sorted({r.get_reason_display() for r in rows}))
        if approve:
            EnrolmentChange.objects.create(
                enrolment=enrolment,
                kind=ChangeKind.BACK_PAY,
                effective_month=first_unpaid_month(enrolment.county_code),
                amount_after=total,
                reason=f"补发 {months}，共 {total} 元（{reasons}）" + (f"：{note}" if note else ""),
                by=by,
                created_at=now,
            )
        audit.record(
            actor=by,
            membership=membership,
            action="payroll.back_pay_approve" if approve else "payroll.back_pay_reject",
            obj=enrolment,
            after={"months": [r.for_month for r in rows], "total": total},
            reason=note,
        )
    for r in rows:
        r.status, r.note, r.decided_by, r.decided_at = status, note, by, now
    return rows


def add_back_pay_lines(*, month: date, county_code: str, township_code: str, run_id: int) -> int:
    """Inside a payroll run's township transaction: one 补发 ledger line per enrolment gathering its approved,
    unpaid months (only enrolments with a bank account; the others wait). Returns the number of lines."""
    rows = list(
        BackPay.objects.select_for_update()
        .filter(
            county_code=county_code,
            township_code=township_code,
            status=BackPayStatus.APPROVED,
            entry__isnull=True,
        )
        .exclude(enrolment__account_cipher="")
        .select_related("enrolment__household")
        .order_by("enrolment_id", "for_month")
    )
    by_enrolment: dict[int, list[BackPay]] = defaultdict(list)
    for r in rows:
        by_enrolment[r.enrolment_id].append(r)
    # A re-run of a month whose 补发 line exists already: the rest waits for the next month.
    done = set(
        LedgerEntry.objects.filter(
            month=month, kind=EntryKind.BACK_PAY, enrolment_id__in=list(by_enrolment)
        ).values_list("enrolment_id", flat=True)
    )
    now = clock.now()
    made = 0
    for enrolment_id, group in by_enrolment.items():
        if enrolment_id in done:
            continue
        e = group[0].enrolment
        months = months_label(r.for_month for r in group)
        reasons = "；".join(sorted({r.get_reason_display() for r in group}))
        line = LedgerEntry.objects.create(
            month=month,
            kind=EntryKind.BACK_PAY,
            covers=months[:200],
            county_code=e.county_code,
            township_code=e.township_code,
            area_code=e.area_code,
            enrolment=e,
            household_id=e.household_id,
            assistance_type=e.assistance_type,
            amount=sum((r.amount for r in group), Decimal("0")),
            covered_members=e.covered_members,
            recipient_name=e.household.head_name,
            id_masked=e.household.head_id_masked,
            bank_name=e.bank_name,
            account_cipher=e.account_cipher,
            account_masked=e.account_masked,
            basis=f"补发 {months}（{reasons}）",
            run_id=run_id,
            created_at=now,
        )
        BackPay.objects.filter(pk__in=[r.pk for r in group]).update(entry=line)
        made += 1
    return made
