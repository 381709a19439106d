"""Household economic verification (核对, A5): requested with the household's authorisation, its result
registered by designated verification staff — before the application where the county verifies first
(聊城), else after acceptance, when the P7 clock pauses for it. Reading the figures is a selector (A6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from jiuzhu.cases.models import Case, CaseNotice, NoticeKind, SignatureKind
from jiuzhu.cases.models_steps import StepKind, Verification, VerifyResult
from jiuzhu.cases.services.steps.common import date_ok, dated, record
from jiuzhu.cases.states import State
from jiuzhu.cases.workflow import Step, step
from jiuzhu.core import clock
from jiuzhu.core.dates import ensure_not_before
from jiuzhu.core.errors import TransitionNotAllowed, ValidationFailed
from jiuzhu.core.problems import Problems, optional_amount
from jiuzhu.orgs.models import User


def _start(s: Step, by: User, on: date, before_application: bool) -> Verification:
    dated(on, s.case, "发起核对日期")
    if not s.case.signatures.filter(kind=SignatureKind.AUTHORISATION).exists():
        raise ValidationFailed("须先登记家庭经济状况核对授权书，方可发起核对（A5）")
    return Verification.objects.create(
        case=s.case,
        before_application=before_application,
        requested_on=on,
        requested_by=by,
        created_at=clock.now(),
    )


def pre_verify_request(*, by: User, case: Case, on: date) -> Verification:
    """聊城: verification before the formal application (先核对、后申请)."""
    with step(case=case, action="pre_verify_request", by=by, on=on) as s:
        v = _start(s, by, on, before_application=True)
        record(s.case, StepKind.PRE_VERIFY, on, by, "发起申请前核对")
    return v


def verify_request(*, by: User, case: Case, on: date) -> Verification:
    """A5: verification is requested with the household's authorisation; the P7 clock pauses meanwhile."""
    with step(case=case, action="verify_request", by=by, on=on) as s:
        v = _start(s, by, on, before_application=False)
        record(s.case, StepKind.VERIFY_REQUEST, on, by)
    return v


@dataclass
class VerificationResult:
    completed_on: date
    result: str
    monthly_income: object = None
    per_capita_income: object = None
    assets_value: object = None
    findings: str = ""


def _complete(s: Step, by: User, data: VerificationResult, before_application: bool) -> Verification:
    problems = Problems()
    if data.result not in VerifyResult.values:
        problems.add("result", "请选择核对结果")
    income = optional_amount(data.monthly_income, "家庭月收入", problems, "monthly_income")
    per_capita = optional_amount(data.per_capita_income, "人均月收入", problems, "per_capita_income")
    assets = optional_amount(data.assets_value, "家庭财产", problems, "assets_value")
    if data.result == VerifyResult.FAIL and not data.findings.strip():
        problems.add("findings", "核对不符合时须写明理由")
    v = (
        s.case.verifications.filter(before_application=before_application, completed_on__isnull=True)
        .order_by("-id")
        .first()
    )
    if v is None:
        raise TransitionNotAllowed("没有进行中的核对")
    if date_ok(problems, data.completed_on, s.case, "核对完成日期", "completed_on"):
        with problems.gather("completed_on"):
            ensure_not_before(
                data.completed_on, v.requested_on, "核对完成日期", "发起日期", field="completed_on"
            )
    problems.raise_if_any("核对结果有误，未保存")
    v.completed_on = data.completed_on
    v.verifier = by
    v.result = data.result
    v.monthly_income, v.per_capita_income, v.assets_value = income, per_capita, assets
    v.findings = data.findings.strip()
    v.save()
    record(s.case, StepKind.VERIFY_RESULT, data.completed_on, by, VerifyResult(data.result).label)
    # A6: the figures stay out of the audit trail's readable fields; only the result is recorded.
    s.audit_after = {"result": data.result}
    return v


def pre_verify_result(*, by: User, case: Case, data: VerificationResult) -> Verification:
    """聊城: a pass lets the application be accepted; a failure ends it with a written notice (A4)."""
    with step(case=case, action="pre_verify_result", by=by, on=data.completed_on) as s:
        v = _complete(s, by, data, before_application=True)
        s.case.status = State.SUBMITTED if data.result == VerifyResult.PASS else State.NOT_ACCEPTED
        if data.result == VerifyResult.FAIL:
            CaseNotice.objects.create(
                case=s.case,
                kind=NoticeKind.NOT_ELIGIBLE,
                items=[f"家庭经济状况核对不符合条件：{v.findings}"],
                issued_on=data.completed_on,
                issued_by=by,
                created_at=clock.now(),
            )
    return v


def verify_result(*, by: User, case: Case, data: VerificationResult) -> Verification:
    with step(case=case, action="verify_result", by=by, on=data.completed_on) as s:
        return _complete(s, by, data, before_application=False)
