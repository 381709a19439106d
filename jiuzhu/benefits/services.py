"""Enrolment and dynamic management (P3, B1–B3, DM1–DM3). Every change of what is paid takes effect the next
month and is refused while the month's payment list is frozen (M1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction

from jiuzhu.benefits import calculators, single_cover
from jiuzhu.benefits.hooks import ensure_open, notify
from jiuzhu.benefits.models import (
    Assessment,
    CareForm,
    ChangeKind,
    DishonestyRecord,
    Enrolment,
    EnrolmentChange,
    EnrolmentStatus,
    PeriodicReview,
    ReviewOutcome,
    SingleCover,
)
from jiuzhu.cases.models import Case
from jiuzhu.cases.models_steps import Decision
from jiuzhu.core import audit, clock, crypto, params
from jiuzhu.core.dates import add_months, ensure_not_future, month_start, next_month
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.masking import mask_bank_account
from jiuzhu.core.money import to_yuan
from jiuzhu.core.params import Kind, ParamDef
from jiuzhu.core.types import AssistanceType, category_of
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry.models import Member

ACCOUNT_PURPOSE = "bank_account"
MAX_MONTHLY = Decimal("1000000")  # sanity bound against typing errors

params.register(
    ParamDef(
        "benefit.gradual_exit_months",
        "渐退期",
        Kind.INT,
        "个月",
        "DM1",
        "收入超过标准后继续发放的月数（0 为不实行渐退）",
        0,
        24,
        "动态管理",
    ),
)


def _lock(enrolment: Enrolment) -> Enrolment:
    return Enrolment.objects.select_for_update().get(pk=enrolment.pk)


def _record(
    enrolment: Enrolment,
    kind: str,
    effective: date,
    by: User,
    reason: str,
    *,
    before: Decimal | None = None,
    after: Decimal | None = None,
    breakdown: str = "",
) -> EnrolmentChange:
    return EnrolmentChange.objects.create(
        enrolment=enrolment,
        kind=kind,
        effective_month=effective,
        amount_before=before,
        amount_after=after,
        reason=reason,
        breakdown=breakdown,
        by=by,
        created_at=clock.now(),
    )


def amount_for(enrolment: Enrolment, month: date) -> Decimal:
    """The amount in force for `month`: the pending one from its month on (set with `next_from`)."""
    if enrolment.next_from is not None and enrolment.next_from <= month and enrolment.next_amount is not None:
        return enrolment.next_amount
    return enrolment.amount


def _fold(enrolment: Enrolment, today: date) -> None:
    """A pending amount whose month has come becomes the current one."""
    if enrolment.next_from is not None and enrolment.next_from <= month_start(today):
        enrolment.amount = amount_for(enrolment, enrolment.next_from)
        enrolment.next_amount, enrolment.next_from = None, None


def _interval(enrolment: Enrolment) -> int:
    return params.get(
        f"review.interval_months.{category_of(enrolment.assistance_type)}",
        area_code=enrolment.county_code,
        on=clock.today(),
    )


def _save(enrolment: Enrolment) -> None:
    enrolment.version += 1
    enrolment.updated_at = clock.now()
    enrolment.save()


# --- enrolment (P3) -----------------------------------------------------------------------------------


def enrol_from_decision(decision: Decision, by: User) -> Enrolment | None:
    """An approved monthly case becomes an enrolment from its start month (P3). Called by the case's final
    approval, in the same transaction; the payment list must not differ from the system (M2)."""
    case = decision.case
    if case.assistance_type not in (
        AssistanceType.DIBAO_URBAN,
        AssistanceType.DIBAO_RURAL,
        AssistanceType.TEKUN,
    ):
        return None
    ensure_open(case.county_code)
    if decision.start_month is None or decision.amount is None:
        raise ValidationFailed("批准决定须写明起始发放月份和月发放金额（P3）")
    assessment = case.assessments.order_by("-assessed_on", "-id").first()
    # N2 单人保: the decision covers the one member chosen on the case.
    single = SingleCover.objects.filter(case=case).first()
    enrolment = Enrolment.objects.create(
        case=case,
        household=case.household,
        assistance_type=case.assistance_type,
        area_code=case.household.area_code,
        township_code=case.township_code,
        county_code=case.county_code,
        start_month=decision.start_month,
        amount=decision.amount,
        covered_members=1 if single else decision.covered_members or 1,
        covered_member_ids=[single.member_id] if single else decision.covered_member_ids,
        basis=decision.basis
        or f"{decision.authority_name}于{decision.decided_on:%Y-%m-%d}批准（申请 {case.number}）",
        selfcare_level=assessment.level if assessment else "",
        care_form=assessment.care_form if assessment else "",
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    enrolment.next_review_on = add_months(decision.start_month, _interval(enrolment))
    enrolment.save(update_fields=["next_review_on"])
    _record(
        enrolment, ChangeKind.START, decision.start_month, by, "审批通过，纳入保障", after=decision.amount
    )
    if assessment:
        assessment.enrolment = enrolment
        assessment.save(update_fields=["enrolment"])
    notify("enrolled", enrolment, by)
    return enrolment


@transaction.atomic
def bank_account_set(
    *, by: User, enrolment: Enrolment, bank_name: str, holder: str, account: str
) -> Enrolment:
    """The designated bank account (B3), encrypted and masked like ID numbers."""
    membership = authz.require(by, Perm.BENEFIT_MANAGE, enrolment.area_code)
    ensure_open(enrolment.county_code)
    number = "".join(account.split())
    problems = []
    if not bank_name.strip():
        problems.append("请填写开户银行")
    if not holder.strip():
        problems.append("请填写户名")
    if not number.isdigit() or not 12 <= len(number) <= 30:
        problems.append("银行账号应为 12–30 位数字")
    if problems:
        raise ValidationFailed("；".join(problems), field_errors={"account": problems})
    enrolment = _lock(enrolment)
    before = enrolment.account_masked
    enrolment.bank_name, enrolment.account_holder = bank_name.strip(), holder.strip()
    enrolment.account_cipher = crypto.encrypt(number, purpose=ACCOUNT_PURPOSE)
    enrolment.account_index = crypto.blind_index(number, purpose=ACCOUNT_PURPOSE)
    enrolment.account_masked = mask_bank_account(number)
    _save(enrolment)
    _record(
        enrolment,
        ChangeKind.BANK,
        month_start(clock.today()),
        by,
        f"发放账户 {before or '（无）'} → {enrolment.account_masked}",
    )
    audit.record(
        actor=by,
        membership=membership,
        action="benefit.bank_account",
        obj=enrolment,
        before={"account": before},
        after={"bank": enrolment.bank_name, "account": enrolment.account_masked},
    )
    notify("account_set", enrolment, by)
    return enrolment


def account_reveal(*, by: User, enrolment: Enrolment) -> str:
    membership = authz.require(by, Perm.PII_REVEAL, enrolment.area_code)
    with transaction.atomic():
        audit.record(actor=by, membership=membership, action="pii.reveal_account", obj=enrolment)
    return (
        crypto.decrypt(enrolment.account_cipher, purpose=ACCOUNT_PURPOSE) if enrolment.account_cipher else ""
    )


# --- periodic review and adjustments (DM1) ------------------------------------------------------------


@dataclass
class ReviewInput:
    done_on: date
    outcome: str
    findings: str
    new_amount: object = None  # None: recalculate (低保) from the household's current data
    gradual_exit: bool = False


@transaction.atomic
def periodic_review(*, by: User, enrolment: Enrolment, data: ReviewInput) -> PeriodicReview:
    """DM1: keep / increase / decrease / stop, effective the next month; a decrease or stop needs a written
    notice. A stop may run through the gradual-exit period (parameter)."""
    membership = authz.require(by, Perm.BENEFIT_MANAGE, enrolment.area_code)
    ensure_open(enrolment.county_code)
    enrolment = _lock(enrolment)
    if enrolment.status == EnrolmentStatus.TERMINATED:
        raise ValidationFailed("该对象已终止保障")
    if data.outcome not in ReviewOutcome.values:
        raise ValidationFailed("请选择核查结论", field_errors={"outcome": "必选"})
    if not data.findings.strip():
        raise ValidationFailed("请填写核查情况", field_errors={"findings": "必填"})
    ensure_not_future(data.done_on, "核查日期", field="done_on")
    _fold(enrolment, clock.today())
    effective = next_month(max(data.done_on, clock.today()))
    current = amount_for(enrolment, effective)
    breakdown = ""
    new_amount = current
    if data.outcome in (ReviewOutcome.INCREASE, ReviewOutcome.DECREASE):
        if enrolment.assistance_type == AssistanceType.TEKUN:
            raise ValidationFailed("特困供养金额须通过自理能力重新评估调整（B2）")
        # B1, D-016: a 低保 amount is the differential to the fen, from the registered household data; a
        # typed amount is only a check against it, so the basis always explains what is paid.
        result = calculators.dibao_for_household(
            enrolment.household,
            assistance_type=enrolment.assistance_type,
            county_code=enrolment.county_code,
            month=effective,
            single=single_cover.member_of(enrolment.case_id),
        )
        new_amount, breakdown = result.amount, result.breakdown
        if data.new_amount not in (None, ""):
            typed = to_yuan(data.new_amount, label="调整后金额", maximum=MAX_MONTHLY)
            if typed != new_amount:
                raise ValidationFailed(
                    f"低保金额按差额计算应为 {new_amount:,.2f} 元（B1）：{breakdown}。"
                    "如收入或保障人数有误，请先更正家庭信息",
                    field_errors={"new_amount": f"应为 {new_amount:,.2f} 元"},
                )
        if data.outcome == ReviewOutcome.INCREASE and new_amount <= current:
            raise ValidationFailed(f"增发后的金额应高于现金额 {current} 元")
        if data.outcome == ReviewOutcome.DECREASE and new_amount >= current:
            raise ValidationFailed(f"减发后的金额应低于现金额 {current} 元")
    kind = {
        "keep": ChangeKind.KEEP,
        "increase": ChangeKind.INCREASE,
        "decrease": ChangeKind.DECREASE,
        "stop": ChangeKind.STOP,
    }[data.outcome]
    if data.outcome == ReviewOutcome.STOP:
        months = params.get("benefit.gradual_exit_months", area_code=enrolment.county_code, on=clock.today())
        if data.gradual_exit and months > 0:
            kind = ChangeKind.GRADUAL_EXIT
            enrolment.status = EnrolmentStatus.GRADUAL_EXIT
            enrolment.gradual_exit_from = effective
            enrolment.end_month = add_months(effective, months - 1)
        else:
            enrolment.end_month = add_months(effective, -1)
        new_amount = Decimal("0")
    elif new_amount != current:
        enrolment.next_amount, enrolment.next_from = new_amount, effective
    change = _record(
        enrolment,
        kind,
        effective,
        by,
        data.findings.strip(),
        before=current,
        after=new_amount if data.outcome != ReviewOutcome.KEEP else current,
        breakdown=breakdown,
    )
    due = enrolment.next_review_on or clock.today()
    enrolment.next_review_on = add_months(data.done_on, _interval(enrolment))
    if (
        data.outcome in (ReviewOutcome.INCREASE, ReviewOutcome.DECREASE)
        and enrolment.assistance_type != AssistanceType.TEKUN
    ):
        enrolment.basis = breakdown or enrolment.basis
    _save(enrolment)
    review = PeriodicReview.objects.create(
        enrolment=enrolment,
        due_on=due,
        done_on=data.done_on,
        outcome=data.outcome,
        findings=data.findings.strip(),
        change=change,
        by=by,
        created_at=clock.now(),
    )
    audit.record(
        actor=by,
        membership=membership,
        action="benefit.review",
        obj=enrolment,
        before={"amount": current},
        after={
            "outcome": data.outcome,
            "amount": new_amount,
            "effective": effective,
            "end_month": enrolment.end_month,
            "gradual_exit_from": enrolment.gradual_exit_from,
        },
    )
    return review


class TerminationReason:
    DEATH = "death"
    MOVED = "moved"
    VOLUNTARY = "voluntary"
    FRAUD = "fraud"
    OTHER = "other"
    LABELS = {
        "death": "死亡",
        "moved": "迁出",
        "voluntary": "自愿退出",
        "fraud": "骗取救助（失信）",
        "other": "其他",
    }


@transaction.atomic
def suspend(*, by: User, enrolment: Enrolment, reason: str) -> Enrolment:
    """Payment paused from next month (e.g. while a complaint is checked)."""
    membership = authz.require(by, Perm.BENEFIT_MANAGE, enrolment.area_code)
    ensure_open(enrolment.county_code)
    enrolment = _lock(enrolment)
    if enrolment.status not in (EnrolmentStatus.ACTIVE, EnrolmentStatus.GRADUAL_EXIT):
        raise ValidationFailed("只能暂停保障中的对象")
    if not reason.strip():
        raise ValidationFailed("请填写暂停原因", field_errors={"reason": "必填"})
    effective = next_month(clock.today())
    enrolment.status, enrolment.suspended_from = EnrolmentStatus.SUSPENDED, effective
    _save(enrolment)
    _record(enrolment, ChangeKind.SUSPEND, effective, by, reason.strip(), before=enrolment.amount)
    audit.record(
        actor=by, membership=membership, action="benefit.suspend", obj=enrolment, reason=reason.strip()
    )
    return enrolment


@transaction.atomic
def resume(*, by: User, enrolment: Enrolment, reason: str, in_favour: bool = False) -> Enrolment:
    """Payment resumes next month. `in_favour`: the check that caused the suspension found nothing
    against the household, so the suspended months are owed and proposed as 补发 for the bureau."""
    membership = authz.require(by, Perm.BENEFIT_MANAGE, enrolment.area_code)
    ensure_open(enrolment.county_code)
    enrolment = _lock(enrolment)
    if enrolment.status != EnrolmentStatus.SUSPENDED:
        raise ValidationFailed("该对象未暂停")
    if in_favour and not reason.strip():
        raise ValidationFailed("请写明核实结论（补发暂停期间须说明理由）", field_errors={"reason": "必填"})
    effective = next_month(clock.today())
    suspended_from = enrolment.suspended_from
    enrolment.status, enrolment.suspended_from = EnrolmentStatus.ACTIVE, None
    _save(enrolment)
    note = reason.strip() or "恢复发放"
    if in_favour:
        note = f"{note}（核实无误，暂停期间申请补发）"
    _record(enrolment, ChangeKind.RESUME, effective, by, note, after=enrolment.amount)
    audit.record(
        actor=by,
        membership=membership,
        action="benefit.resume",
        obj=enrolment,
        reason=reason.strip(),
        after={"in_favour": in_favour},
    )
    if in_favour and suspended_from is not None:
        notify("resumed", enrolment, by, months_from=suspended_from)
    return enrolment


@transaction.atomic
def terminate(
    *, by: User, enrolment: Enrolment, kind: str, reason: str, on: date, to_recover: object = None
) -> Enrolment:
    """Termination (death, moving away, voluntary exit, fraud). Paid through the current month; fraud adds
    a dishonesty record with the amount to recover (DM3)."""
    membership = authz.require(by, Perm.BENEFIT_MANAGE, enrolment.area_code)
    ensure_open(enrolment.county_code)
    enrolment = _lock(enrolment)
    if kind not in TerminationReason.LABELS:
        raise ValidationFailed("请选择终止原因", field_errors={"kind": "必选"})
    if enrolment.status == EnrolmentStatus.TERMINATED:
        raise ValidationFailed("该对象已终止保障")
    if not reason.strip():
        raise ValidationFailed("请填写情况说明", field_errors={"reason": "必填"})
    ensure_not_future(on, "发生日期", field="on")
    recover = (
        to_yuan(to_recover, label="应追回金额", maximum=MAX_MONTHLY * 100)
        if to_recover not in (None, "")
        else Decimal("0")
    )
    last_paid = month_start(clock.today())
    enrolment.status, enrolment.end_month = (
        EnrolmentStatus.TERMINATED,
        max(last_paid, add_months(enrolment.start_month, -1)),
    )
    _save(enrolment)
    label = TerminationReason.LABELS[kind]
    _record(
        enrolment,
        ChangeKind.TERMINATE,
        next_month(last_paid),
        by,
        f"{label}：{reason.strip()}",
        before=enrolment.amount,
        after=Decimal("0"),
    )
    notify("terminated", enrolment, by)
    if kind == TerminationReason.FRAUD:
        DishonestyRecord.objects.create(
            household=enrolment.household,
            enrolment=enrolment,
            area_code=enrolment.area_code,
            found_on=on,
            description=reason.strip(),
            to_recover=recover,
            by=by,
            created_at=clock.now(),
        )
    audit.record(
        actor=by,
        membership=membership,
        action="benefit.terminate",
        obj=enrolment,
        after={"kind": kind, "end_month": enrolment.end_month, "to_recover": recover},
        reason=reason.strip(),
    )
    return enrolment


# --- 特困 self-care assessment (B2) -------------------------------------------------------------------


@dataclass
class AssessmentInput:
    assessed_on: date
    unmet: list[str]
    care_form: str
    assessors: str


def _assess(
    by: User,
    member: Member,
    data: AssessmentInput,
    area_code: str,
    *,
    case: Case | None = None,
    enrolment: Enrolment | None = None,
) -> Assessment:
    """Check the six indicators and the care form, and store the assessment with its level (B2)."""
    codes = {code for code, _ in calculators.SELFCARE_ITEMS}
    unmet = sorted(set(data.unmet))
    if set(unmet) - codes:
        raise ValidationFailed("评估指标无效")
    if data.care_form not in CareForm.values:
        raise ValidationFailed("请选择供养形式（按本人意愿）", field_errors={"care_form": "必选"})
    if not data.assessors.strip():
        raise ValidationFailed("请填写评估人员", field_errors={"assessors": "必填"})
    ensure_not_future(data.assessed_on, "评估日期", field="assessed_on")
    return Assessment.objects.create(
        member=member,
        case=case,
        enrolment=enrolment,
        assessed_on=data.assessed_on,
        unmet=unmet,
        level=calculators.selfcare_level(len(unmet), area_code=area_code, on=data.assessed_on),
        care_form=data.care_form,
        assessors=data.assessors.strip(),
        by=by,
        created_at=clock.now(),
    )


@transaction.atomic
def assess_for_case(*, by: User, case: Case, member: Member, data: AssessmentInput) -> Assessment:
    """B2 at application: the assessment that sets the level and the amount of a 特困 decision."""
    membership = authz.require(by, Perm.CASE_PROCESS, case.area_code)
    if case.assistance_type != AssistanceType.TEKUN:
        raise ValidationFailed("仅特困人员救助供养需要自理能力评估")
    if member.household_id != case.household_id:
        raise ValidationFailed("被评估人须为本户成员")
    row = _assess(by, member, data, case.county_code, case=case)
    audit.record(
        actor=by,
        membership=membership,
        action="benefit.assess",
        obj=case,
        after={"unmet": row.unmet, "level": row.level, "care_form": row.care_form},
    )
    return row


@transaction.atomic
def reassess(*, by: User, enrolment: Enrolment, member: Member, data: AssessmentInput) -> Assessment:
    """B2: a 特困 level changes only through a new assessment; the new amount applies from next month."""
    membership = authz.require(by, Perm.BENEFIT_MANAGE, enrolment.area_code)
    ensure_open(enrolment.county_code)
    enrolment = _lock(enrolment)
    if enrolment.assistance_type != AssistanceType.TEKUN:
        raise ValidationFailed("仅特困供养对象可重新评估自理能力")
    if member.household_id != enrolment.household_id:
        raise ValidationFailed("被评估人须为本户成员")
    row = _assess(by, member, data, enrolment.county_code, enrolment=enrolment)
    level = row.level
    _fold(enrolment, clock.today())
    effective = next_month(clock.today())
    result = calculators.tekun(
        level=level, care_form=data.care_form, area_code=enrolment.county_code, month=effective
    )
    before = amount_for(enrolment, effective)
    enrolment.selfcare_level, enrolment.care_form = level, data.care_form
    if result.amount != before:
        enrolment.next_amount, enrolment.next_from = result.amount, effective
    enrolment.basis = result.breakdown
    _save(enrolment)
    _record(
        enrolment,
        ChangeKind.LEVEL,
        effective,
        by,
        f"重新评估：{calculators.LEVELS[level]}，{CareForm(data.care_form).label}",
        before=before,
        after=result.amount,
        breakdown=result.breakdown,
    )
    audit.record(
        actor=by,
        membership=membership,
        action="benefit.reassess",
        obj=enrolment,
        after={"level": level, "amount": result.amount},
    )
    return row
