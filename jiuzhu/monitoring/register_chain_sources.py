"""The chain sources built from what the product already records (一户一条救助链): applications and decisions of
every type, enrolments and their changes, monthly payments collapsed into runs, temporary and emergency aid
paid, 主动发现 reports and periodic reviews. Each is one or two queries per household; registered at start-up
(`setup_register`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.urls import reverse

from jiuzhu.benefits.models import Enrolment, EnrolmentChange, PeriodicReview
from jiuzhu.cases.models import Case
from jiuzhu.cases.models_steps import Decision, EmergencyAid, Outcome
from jiuzhu.core.dates import add_months
from jiuzhu.core.types import AssistanceType
from jiuzhu.monitoring.chain_types import ChainEntry
from jiuzhu.payments.models import EntryKind, LedgerEntry
from jiuzhu.registry.models import DiscoveryReport, Household

CIVIL_AFFAIRS = "民政"
_TEMPORARY = (AssistanceType.LINSHI_EXPENSE, AssistanceType.LINSHI_EMERGENCY)


def need_of(assistance_type: str) -> str:
    """The layer an assistance type meets: 低保 and 特困 the basic living, temporary aid the 急难 layer; a
    低收入 recognition is a status, not aid."""
    if assistance_type in _TEMPORARY:
        return "emergency"
    if assistance_type == AssistanceType.LOW_INCOME:
        return ""
    return "basic"


def _yuan(amount: Decimal | None) -> str:
    return "" if amount is None else f"¥{amount:,.2f}"


def applications(household: Household) -> list[ChainEntry]:
    return [
        ChainEntry(
            on=c.applied_on,
            kind="application",
            title=f"申请{c.get_assistance_type_display()}（{c.number}）",
            need=need_of(c.assistance_type),
            department=CIVIL_AFFAIRS,
            detail=f"{c.get_channel_display()}；{c.status_label}",
            url=reverse("case_detail", args=[c.pk]),
        )
        for c in Case.objects.filter(household=household).order_by("applied_on", "id")
    ]


def decisions(household: Household) -> list[ChainEntry]:
    """Every decision; an approved temporary aid is the aid paid (an emergency aid's registration is not a
    second payment: the aid itself is its own entry)."""
    out = []
    rows = (
        Decision.objects.filter(case__household=household).select_related("case").order_by("decided_on", "id")
    )
    emergency_cases = set(
        EmergencyAid.objects.filter(case__household=household).values_list("case_id", flat=True)
    )
    for d in rows:
        case = d.case
        approved = d.outcome == Outcome.APPROVE
        paid_now = approved and case.assistance_type in _TEMPORARY and case.pk not in emergency_cases
        label = case.get_assistance_type_display()
        if case.assistance_type == AssistanceType.LOW_INCOME and d.low_income_category:
            label = f"{label}（{d.get_low_income_category_display()}）"
        out.append(
            ChainEntry(
                on=d.decided_on,
                kind="assistance" if paid_now else "decision",
                title=f"{'批准' if approved else '不予批准'}{label}",
                need=need_of(case.assistance_type),
                department=CIVIL_AFFAIRS,
                detail=d.authority_name + (f"；{d.reasons}" if d.reasons and not approved else ""),
                url=reverse("case_detail", args=[case.pk]),
                amount=_yuan(d.amount) if approved else "",
            )
        )
    return out


def emergency_aid(household: Household) -> list[ChainEntry]:
    return [
        ChainEntry(
            on=a.paid_at.date(),
            kind="assistance",
            title="急难型临时救助先行救助",
            need="emergency",
            department=CIVIL_AFFAIRS,
            detail="已补办登记" if a.registered_on else f"待补办登记（{a.register_due_on:%Y-%m-%d} 前）",
            url=reverse("case_detail", args=[a.case_id]),
            amount=_yuan(a.amount),
        )
        for a in EmergencyAid.objects.filter(case__household=household).order_by("paid_at")
    ]


def enrolment_changes(household: Household) -> list[ChainEntry]:
    return [
        _of_enrolment(
            ch.enrolment_id,
            on=ch.effective_month,
            kind="change",
            title=f"{ch.enrolment.get_assistance_type_display()}：{ch.get_kind_display()}",
            detail=ch.reason,
            amount=ch.amount_after,
        )
        for ch in EnrolmentChange.objects.filter(enrolment__household=household)
        .select_related("enrolment")
        .order_by("effective_month", "id")
    ]


def _of_enrolment(
    enrolment_id: int, *, on: date, kind: str, title: str, detail: str, amount: Decimal | None = None
) -> ChainEntry:
    """An entry about one enrolment (民政's basic living): a change, a periodic review, a payment."""
    return ChainEntry(
        on=on,
        kind=kind,
        title=title,
        need="basic",
        department=CIVIL_AFFAIRS,
        detail=detail,
        url=reverse("enrolment_detail", args=[enrolment_id]),
        amount=_yuan(amount),
    )


def _paid(row: dict, title: str, detail: str, amount: Decimal) -> ChainEntry:
    """A payroll entry (or a run of them) as assistance paid, from its first ledger row."""
    return _of_enrolment(
        row["enrolment_id"], on=row["month"], kind="assistance", title=title, detail=detail, amount=amount
    )


def payments(household: Household) -> list[ChainEntry]:
    """The payroll's monthly entries, one chain entry per run of consecutive months at one amount (a year of
    低保 is one line, not twelve); back pay stays one entry each."""
    # By enrolment: the ledger's (enrolment, month, kind) key is indexed, its household column is not.
    ledger = (
        LedgerEntry.objects.filter(enrolment__in=Enrolment.objects.filter(household=household).values("pk"))
        .order_by("enrolment_id", "kind", "month")
        .values("enrolment_id", "kind", "month", "amount", "assistance_type", "covers")
    )
    rows: list[dict] = [dict(r) for r in ledger]
    out: list[ChainEntry] = []
    run: list[dict] = []

    def close() -> None:
        if not run:
            return
        first, last = run[0], run[-1]
        total = sum((r["amount"] for r in run), Decimal(0))
        label = AssistanceType(first["assistance_type"]).label
        span = f"{first['month']:%Y-%m}" + (f" 至 {last['month']:%Y-%m}" if len(run) > 1 else "")
        out.append(
            _paid(first, f"{label}按月发放 {span}", f"{len(run)} 个月，每月 {_yuan(first['amount'])}", total)
        )
        run.clear()

    for r in rows:
        if r["kind"] == EntryKind.BACK_PAY:
            close()
            label = AssistanceType(r["assistance_type"]).label
            out.append(_paid(r, f"{label}补发", f"补发 {r['covers']}", r["amount"]))
            continue
        prev = run[-1] if run else None
        if prev is not None and (
            prev["enrolment_id"] != r["enrolment_id"]
            or prev["amount"] != r["amount"]
            or add_months(prev["month"], 1) != r["month"]
        ):
            close()
        run.append(r)
    close()
    return out


def discoveries(household: Household) -> list[ChainEntry]:
    return [
        ChainEntry(
            on=r.reported_on,
            kind="discovery",
            title="主动发现报告",
            department=CIVIL_AFFAIRS,
            detail=f"{r.get_status_display()}；{r.situation[:80]}",
        )
        for r in DiscoveryReport.objects.filter(household=household).order_by("reported_on", "id")
    ]


def reviews(household: Household) -> list[ChainEntry]:
    return [
        _of_enrolment(
            r.enrolment_id,
            on=r.done_on,
            kind="review",
            title=f"定期核查：{r.get_outcome_display()}",
            detail=r.findings[:120],
        )
        for r in PeriodicReview.objects.filter(enrolment__household=household).order_by("done_on", "id")
    ]


SOURCES = [applications, decisions, emergency_aid, enrolment_changes, payments, discoveries, reviews]
