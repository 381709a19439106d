"""The procedure after intake: verification, investigation, democratic review, decisions on both routes,
filing with the bureau, public notice and objections, the final decision, and emergency aid
(A5, A6, I1, R1, P1–P8, D1, D3). Each action is one function; the transitions are in `TRANSITIONS`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction

from jiuzhu.cases import checks, hooks
from jiuzhu.cases.models import Case
from jiuzhu.cases.models_steps import (
    CaseStep,
    Decision,
    DecisionMeeting,
    EmergencyAid,
    Investigation,
    MeetingLevel,
    Objection,
    ObjectionOutcome,
    Outcome,
    PublicNotice,
    Review,
    StepKind,
    Verification,
    VerifyResult,
)
from jiuzhu.cases.profiles import ALWAYS, DISPUTED, ON_OBJECTION, profile_of
from jiuzhu.cases.routing import route_for, township_cap
from jiuzhu.cases.workflow import State, Transition, register, step
from jiuzhu.core import audit, clock, params, workdays
from jiuzhu.core.dates import ensure_not_before, ensure_not_future, next_month
from jiuzhu.core.errors import Forbidden, TransitionNotAllowed, ValidationFailed
from jiuzhu.core.masking import public_household_name
from jiuzhu.core.money import to_yuan
from jiuzhu.core.types import AssistanceType
from jiuzhu.orgs import authz
from jiuzhu.orgs.delegation import Route
from jiuzhu.orgs.models import Jurisdiction, Organisation
from jiuzhu.orgs.roles import OrgKind, Perm
from jiuzhu.registry.services import Problems

MAX_AMOUNT = Decimal("10000000")  # sanity bound against typing errors

# --- guards (each returns a Chinese reason when the move is blocked) -------------------------------------


def _pre_verification_needed(case, on: date) -> str | None:
    if not profile_of(case).verify_before_apply:
        return "本县（区）流程不要求申请前核对"
    if case.verifications.filter(before_application=True, result=VerifyResult.PASS).exists():
        return "申请前核对已通过"
    return None


def _not_pre_verify_profile(case, on: date) -> str | None:
    if profile_of(case).verify_before_apply:
        return "本县（区）实行先核对后申请，核对已在受理前完成"
    return None


def _verification_done(case, on: date) -> str | None:
    if case.status == State.ACCEPTED and not profile_of(case).verify_before_apply:
        return "须先完成家庭经济状况核对（A5）"
    return None


def _review_requirement(case, on: date) -> str | None:
    profile = profile_of(case)
    reviewed = case.reviews.exists()
    if profile.review == ALWAYS and not reviewed:
        return "本县（区）流程要求每案进行民主评议（R1）"
    if profile.review == DISPUTED and case.disputed and not reviewed:
        return "该申请有争议，须先进行民主评议（R1）"
    return None


def _filings_complete(case, on: date) -> str | None:
    missing = checks.missing_filings(case)
    if not missing:
        return None
    new = any(isinstance(c, checks.Finding) for c in missing)
    hint = "（受理后新发现，请先“重新检查”再登记备案）" if new else ""
    return "涉及近亲属，须先完成近亲属备案（DM2）" + hint + "：" + "；".join(c.message for c in missing)


def _township_route(case, on: date) -> str | None:
    """D1/D3: the route in force on the day of the decision."""
    route = route_for(case, on)
    return None if route.delegated else route.reason


def _bureau_route(case, on: date) -> str | None:
    route = route_for(case, on)
    return (
        None
        if not route.delegated
        else f"该申请在 {on:%Y-%m-%d} 由乡镇（街道）受委托审批，无需报民政局：" + route.reason
    )


def _reviewed_amount(case) -> Decimal | None:
    meeting = case.meetings.filter(level=MeetingLevel.TOWNSHIP_REVIEW).order_by("-held_on", "-id").first()
    return meeting.amount if meeting else None


def _bureau_route_for(case, on: date, amount: Decimal | None = None) -> Route:
    """The route of a case the township has reviewed and forwarded: above-cap temporary aid stays with the
    bureau even when the bureau settles on a lower amount (the cap is judged on the amount forwarded)."""
    amounts = [a for a in (amount, _reviewed_amount(case)) if a is not None]
    return route_for(case, on, max(amounts) if amounts else None)


def _bureau_decides(case, on: date) -> str | None:
    """D3: a grant that came into force after the township's review hands the decision back to the
    township; the bureau returns the case instead of deciding it."""
    route = _bureau_route_for(case, on)
    if route.delegated:
        return f"{on:%Y-%m-%d} 起该乡镇（街道）已受委托审批（D3），请退回乡镇（街道）审批：" + route.reason
    return None


def _notice_over(case, on: date) -> str | None:
    notice = case.public_notices.filter(closed_on__isnull=True).order_by("-start_on").first()
    if notice is None:
        return "尚未张榜公示"
    if on <= notice.end_on:
        return f"公示期至 {notice.end_on:%Y-%m-%d}，期满后方可作出决定（P3）"
    if case.objections.filter(handled_on__isnull=True).exists():
        return "有未处理的异议"
    return None


def _objection_review_done(case, on: date) -> str | None:
    if profile_of(case).review == ON_OBJECTION and not case.reviews.filter(triggered_by="objection").exists():
        return "本县（区）流程规定有异议时须组织民主评议（聊城流程）"
    return None


def _review_optional(case) -> bool:
    """A democratic review is what the case waits for only where the procedure requires one now (R1)."""
    if case.status == State.OBJECTION:
        return _objection_review_done(case, clock.today()) is None
    return _review_requirement(case, clock.today()) is None


def _emergency_type(case, on: date) -> str | None:
    return None if case.assistance_type == AssistanceType.LINSHI_EMERGENCY else "仅适用于急难型临时救助"


FOR_DECISION = frozenset({State.INVESTIGATED, State.REVIEWED})


def _approver_perm(case) -> str:
    """Whoever approved at the meeting signs the final approval: the township in the bureau's name, or the
    bureau (P3, D1)."""
    meeting = _approval_meeting(case)
    return (
        Perm.CASE_DECIDE_BUREAU
        if meeting is not None and meeting.route == "bureau"
        else Perm.CASE_DECIDE_TOWNSHIP
    )


def _emergency_perm(case) -> str:
    return _decision_perm(route_for(case, clock.today()))  # the service re-checks with the actual amount


BY_ROUTE = "按审批路径：乡镇（街道）审批负责人或民政局"

register(
    Transition(
        "pre_verify_request",
        "发起申请前核对（先核对后申请）",
        frozenset({State.SUBMITTED, State.INCOMPLETE}),
        State.PRE_VERIFYING,
        Perm.CASE_PROCESS,
        guards=(_pre_verification_needed,),
        optional=lambda case: not profile_of(case).verify_before_apply,
    ),
    Transition(
        "pre_verify_result",
        "登记申请前核对结果",
        frozenset({State.PRE_VERIFYING}),
        None,
        Perm.VERIFY_ECONOMICS,
        targets=(State.SUBMITTED, State.NOT_ACCEPTED),
    ),
    Transition(
        "verify_request",
        "发起家庭经济状况核对",
        frozenset({State.ACCEPTED}),
        State.VERIFYING,
        Perm.CASE_PROCESS,
        guards=(_not_pre_verify_profile,),
    ),
    Transition(
        "verify_result", "登记核对结果", frozenset({State.VERIFYING}), State.VERIFIED, Perm.VERIFY_ECONOMICS
    ),
    Transition(
        "investigate",
        "登记入户调查",
        frozenset({State.VERIFIED, State.ACCEPTED}),
        State.INVESTIGATED,
        Perm.CASE_PROCESS,
        guards=(_verification_done,),
    ),
    Transition(
        "review",
        "登记民主评议",
        frozenset({State.INVESTIGATED, State.OBJECTION}),
        None,
        Perm.CASE_PROCESS,
        targets=(State.REVIEWED, State.OBJECTION),
        optional=_review_optional,
    ),
    Transition(
        "decide",
        "审批会议（受委托审批）",
        FOR_DECISION,
        None,
        Perm.CASE_DECIDE_TOWNSHIP,
        guards=(_review_requirement, _filings_complete, _township_route),
        targets=(State.FILING, State.TO_NOTICE, State.REJECTED),
        optional=lambda case: _township_route(case, clock.today()) is not None,  # the other route's step
    ),
    Transition(
        "township_review",
        "乡镇审核（报民政局审批）",
        FOR_DECISION,
        State.TOWNSHIP_REVIEWED,
        Perm.CASE_REVIEW_TOWNSHIP,
        guards=(_review_requirement, _filings_complete, _bureau_route),
        optional=lambda case: _bureau_route(case, clock.today()) is not None,
    ),
    Transition(
        "bureau_decide",
        "民政局审批",
        frozenset({State.TOWNSHIP_REVIEWED}),
        None,
        Perm.CASE_DECIDE_BUREAU,
        guards=(_filings_complete, _bureau_decides),
        targets=(State.TO_NOTICE, State.REJECTED),
    ),
    Transition(
        "return_to_township",
        "退回乡镇（街道）",
        frozenset({State.TOWNSHIP_REVIEWED}),
        None,
        Perm.CASE_DECIDE_BUREAU,
        targets=(State.INVESTIGATED, State.REVIEWED),
        optional=lambda case: _bureau_decides(case, clock.today()) is None,
    ),
    Transition(
        "file_with_bureau",
        "审批结果报民政局备案（P5）",
        frozenset({State.FILING}),
        State.TO_NOTICE,
        Perm.CASE_PROCESS,
    ),
    Transition(
        "post_notice", "张榜公示", frozenset({State.TO_NOTICE}), State.NOTICE, Perm.CASE_PROCESS, bulk=True
    ),
    Transition(
        "object", "登记公示异议", frozenset({State.NOTICE}), State.OBJECTION, Perm.CASE_PROCESS, optional=True
    ),
    Transition(
        "resolve_objection",
        "异议复核结论",
        frozenset({State.OBJECTION}),
        None,
        Perm.CASE_PROCESS,
        guards=(_objection_review_done,),
        targets=(State.NOTICE, State.INVESTIGATED),
    ),
    Transition(
        "finalize",
        "公示期满，作出批准决定",
        frozenset({State.NOTICE}),
        State.APPROVED,
        Perm.CASE_DECIDE_TOWNSHIP,
        guards=(_notice_over,),
        bulk=True,
        perm_for=_approver_perm,
        perm_note=BY_ROUTE,
    ),
    Transition(
        "emergency_aid",
        "急难先行救助",
        frozenset({State.SUBMITTED, State.INCOMPLETE}),
        State.EMERGENCY_AIDED,
        Perm.CASE_DECIDE_TOWNSHIP,
        guards=(_emergency_type,),
        perm_for=_emergency_perm,
        perm_note=BY_ROUTE,
    ),
    Transition(
        "emergency_register",
        "补办登记",
        frozenset({State.EMERGENCY_AIDED}),
        State.APPROVED,
        Perm.CASE_PROCESS,
    ),
)


# --- helpers ------------------------------------------------------------------------------------------


def last_step_on(case) -> date | None:
    return case.steps.order_by("-on").values_list("on", flat=True).first()


def _dated(on: date, case, label: str, field: str = "on") -> None:
    """Never in the future; never before the previous step."""
    ensure_not_future(on, label, field=field)
    ensure_not_before(on, last_step_on(case) or case.applied_on, label, "上一环节日期", field=field)


def _date_ok(problems: Problems, on: date, case, label: str, field: str) -> bool:
    """`_dated`, collected with the other problems of the input so that a form shows them all at once.
    False when the date is wrong: rules that depend on the date (parameters in force) are then skipped."""
    before = len(problems.messages)
    with problems.gather(field):
        _dated(on, case, label, field)
    return len(problems.messages) == before


def _record(case, kind: str, on: date, by, note: str = "") -> CaseStep:
    return CaseStep.objects.create(case=case, kind=kind, on=on, by=by, note=note, created_at=clock.now())


def _amount(value, label: str, problems: Problems, field: str = "amount") -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return to_yuan(value, label=label, maximum=MAX_AMOUNT)
    except ValidationFailed as exc:
        problems.add(field, exc.message)
        return None


def _decision_perm(route) -> str:
    return Perm.CASE_DECIDE_TOWNSHIP if route.delegated else Perm.CASE_DECIDE_BUREAU


def bureau_of(case) -> Organisation | None:
    return Organisation.objects.filter(jurisdiction_id=case.county_code, kind=OrgKind.BUREAU).first()


def township_org(case) -> Organisation | None:
    return Organisation.objects.filter(jurisdiction_id=case.township_code, kind=OrgKind.TOWNSHIP).first()


def authorities(case, route) -> tuple[str, str]:
    """D1: decision documents name the bureau as the deciding authority and, when delegated, the township
    as the handling unit."""
    bureau = bureau_of(case)
    township = township_org(case)
    return (bureau.name if bureau else "民政局"), (township.name if township and route.delegated else "")


# --- verification (A5, A6) ----------------------------------------------------------------------------


def pre_verify_request(*, by, case: Case, on: date) -> Verification:
    with step(case=case, action="pre_verify_request", by=by, on=on) as s:
        _dated(on, s.case, "发起核对日期")
        if not s.case.signatures.filter(kind="authorisation").exists():
            raise ValidationFailed("须先登记家庭经济状况核对授权书，方可发起核对（A5）")
        v = Verification.objects.create(
            case=s.case, before_application=True, requested_on=on, requested_by=by, created_at=clock.now()
        )
        _record(s.case, StepKind.PRE_VERIFY, on, by, "发起申请前核对")
    return v


def verify_request(*, by, case: Case, on: date) -> Verification:
    """A5: verification is requested with the household's authorisation; the P7 clock pauses meanwhile."""
    with step(case=case, action="verify_request", by=by, on=on) as s:
        _dated(on, s.case, "发起核对日期")
        if not s.case.signatures.filter(kind="authorisation").exists():
            raise ValidationFailed("须先登记家庭经济状况核对授权书，方可发起核对（A5）")
        v = Verification.objects.create(case=s.case, requested_on=on, requested_by=by, created_at=clock.now())
        _record(s.case, StepKind.VERIFY_REQUEST, on, by)
    return v


@dataclass
class VerificationResult:
    completed_on: date
    result: str
    monthly_income: object = None
    per_capita_income: object = None
    assets_value: object = None
    findings: str = ""


def _complete_verification(s, by, data: VerificationResult, before_application: bool) -> Verification:
    problems = Problems()
    if data.result not in VerifyResult.values:
        problems.add("result", "请选择核对结果")
    income = _amount(data.monthly_income, "家庭月收入", problems, "monthly_income")
    per_capita = _amount(data.per_capita_income, "人均月收入", problems, "per_capita_income")
    assets = _amount(data.assets_value, "家庭财产", problems, "assets_value")
    if data.result == VerifyResult.FAIL and not data.findings.strip():
        problems.add("findings", "核对不符合时须写明理由")
    v = (
        s.case.verifications.filter(before_application=before_application, completed_on__isnull=True)
        .order_by("-id")
        .first()
    )
    if v is None:
        raise TransitionNotAllowed("没有进行中的核对")
    if _date_ok(problems, data.completed_on, s.case, "核对完成日期", "completed_on"):
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
    _record(s.case, StepKind.VERIFY_RESULT, data.completed_on, by, VerifyResult(data.result).label)
    # A6: the figures stay out of the audit trail's readable fields; only the result is recorded.
    s.audit_after = {"result": data.result}
    return v


def pre_verify_result(*, by, case: Case, data: VerificationResult) -> Verification:
    with step(case=case, action="pre_verify_result", by=by, on=data.completed_on) as s:
        v = _complete_verification(s, by, data, before_application=True)
        s.case.status = State.SUBMITTED if data.result == VerifyResult.PASS else State.NOT_ACCEPTED
        if data.result == VerifyResult.FAIL:
            from jiuzhu.cases.models import CaseNotice, NoticeKind

            CaseNotice.objects.create(
                case=s.case,
                kind=NoticeKind.NOT_ELIGIBLE,
                items=[f"家庭经济状况核对不符合条件：{v.findings}"],
                issued_on=data.completed_on,
                issued_by=by,
                created_at=clock.now(),
            )
    return v


def verify_result(*, by, case: Case, data: VerificationResult) -> Verification:
    with step(case=case, action="verify_result", by=by, on=data.completed_on) as s:
        return _complete_verification(s, by, data, before_application=False)


def verification_visible(user, case) -> bool:
    """A6: designated verification staff and the case's handlers only."""
    return any(
        authz.can(user, p, case.area_code)
        for p in (
            Perm.VERIFY_ECONOMICS,
            Perm.CASE_PROCESS,
            Perm.CASE_DECIDE_TOWNSHIP,
            Perm.CASE_DECIDE_BUREAU,
        )
    )


def verifications_for(user, case) -> list[Verification]:
    """Read verification data; every read is logged (A6)."""
    if not verification_visible(user, case):
        raise Forbidden("核对数据仅限核对人员和本案经办人员查看（A6）")
    rows = list(case.verifications.select_related("verifier", "requested_by"))
    if rows:
        with transaction.atomic():
            audit.record(
                actor=user,
                membership=authz.membership_for(user, Perm.VIEW, case.area_code),
                action="verification.view",
                obj=case,
            )
    return rows


# --- investigation (I1) and review (R1) ---------------------------------------------------------------


@dataclass
class InvestigationInput:
    visited_on: date
    investigator_ids: list[int]
    home_visit: str
    conclusion: str
    neighbour_interviews: str = ""
    letters: str = ""
    village_helper: str = ""
    investigators_signed: bool = False
    applicant_signed: bool = False


def investigate(*, by, case: Case, data: InvestigationInput) -> Investigation:
    """I1: a team of at least N township staff (parameter), signed by the investigators and the applicant."""
    from jiuzhu.orgs.models import Membership, User

    with step(case=case, action="investigate", by=by, on=data.visited_on) as s:
        problems = Problems()
        date_ok = _date_ok(problems, data.visited_on, s.case, "入户日期", "visited_on")
        minimum = (
            params.get("investigation.min_investigators", area_code=s.case.township_code, on=data.visited_on)
            if date_ok
            else 0
        )
        ids = sorted(set(data.investigator_ids))
        staff = {
            m.user_id
            for m in Membership.objects.filter(
                user_id__in=ids, is_active=True, organisation__jurisdiction_id=s.case.township_code
            )
        }
        if len(ids) < minimum:
            problems.add("investigator_ids", f"入户调查须由 {minimum} 名以上乡镇（街道）工作人员进行（I1）")
        elif not ids:
            problems.add("investigator_ids", "请选择调查人员")
        elif set(ids) - staff:
            problems.add("investigator_ids", "调查人员须为本乡镇（街道）工作人员")
        if not data.home_visit.strip():
            problems.add("home_visit", "请填写入户核查情况")
        if not data.conclusion.strip():
            problems.add("conclusion", "请填写调查结论")
        if not (data.investigators_signed and data.applicant_signed):
            problems.add("investigators_signed", "入户调查表须由调查人员和申请人共同签字（I1）")
        problems.raise_if_any("入户调查记录有误，未保存")
        inv = Investigation.objects.create(
            case=s.case,
            visited_on=data.visited_on,
            village_helper=data.village_helper.strip(),
            home_visit=data.home_visit.strip(),
            neighbour_interviews=data.neighbour_interviews.strip(),
            letters=data.letters.strip(),
            conclusion=data.conclusion.strip(),
            investigators_signed=True,
            applicant_signed=True,
            created_by=by,
            created_at=clock.now(),
        )
        inv.investigators.set(User.objects.filter(pk__in=ids))
        _record(s.case, StepKind.INVESTIGATE, data.visited_on, by)
        s.audit_after = {"visited_on": data.visited_on, "investigators": ids}
    return inv


@transaction.atomic
def mark_disputed(*, by, case: Case, reason: str) -> Case:
    """尖山 profile: only disputed cases go to democratic review."""
    membership = authz.require(by, Perm.CASE_PROCESS, case.area_code)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status not in (State.INVESTIGATED, State.VERIFIED, State.ACCEPTED):
        raise TransitionNotAllowed("只能在审批前标记争议")
    if not reason.strip():
        raise ValidationFailed("请说明争议情况", field_errors={"reason": "必填"})
    case.disputed, case.disputed_reason = True, reason.strip()
    case.version += 1
    case.save(update_fields=["disputed", "disputed_reason", "version"])
    audit.record(
        actor=by, membership=membership, action="case.mark_disputed", obj=case, reason=reason.strip()
    )
    return case


@dataclass
class ReviewInput:
    held_on: date
    panel: list[str]
    minutes: str
    votes_for: int
    votes_against: int
    all_signed: bool


def review(*, by, case: Case, data: ReviewInput) -> Review:
    """R1: a panel of an allowed size (parameter), chaired by township staff, every member signs."""
    with step(case=case, action="review", by=by, on=data.held_on) as s:
        problems = Problems()
        panel = [p.strip() for p in data.panel if p and p.strip()]
        if _date_ok(problems, data.held_on, s.case, "评议日期", "held_on"):
            sizes = params.get("review.panel_sizes", area_code=s.case.township_code, on=data.held_on)
            if len(panel) not in sizes:
                problems.add(
                    "panel", f"评议小组应为 {'、'.join(map(str, sizes))} 人，现为 {len(panel)} 人（R1）"
                )
        if data.votes_for < 0 or data.votes_against < 0 or data.votes_for + data.votes_against != len(panel):
            problems.add("votes_for", "认可与不认可票数之和应等于评议小组人数")
        if not data.minutes.strip():
            problems.add("minutes", "请填写评议记录")
        if not data.all_signed:
            problems.add("all_signed", "所有参加评议人员须签字确认评议结果（R1）")
        problems.raise_if_any("民主评议记录有误，未保存")
        from_objection = s.before == State.OBJECTION
        r = Review.objects.create(
            case=s.case,
            held_on=data.held_on,
            chair=by,
            panel=panel,
            minutes=data.minutes.strip(),
            votes_for=data.votes_for,
            votes_against=data.votes_against,
            all_signed=True,
            triggered_by="objection" if from_objection else ("disputed" if s.case.disputed else "profile"),
            created_at=clock.now(),
        )
        s.case.status = State.OBJECTION if from_objection else State.REVIEWED
        _record(
            s.case,
            StepKind.REVIEW,
            data.held_on,
            by,
            f"认可 {data.votes_for} 票，不认可 {data.votes_against} 票",
        )
        s.audit_after = {
            "held_on": data.held_on,
            "votes_for": data.votes_for,
            "votes_against": data.votes_against,
        }
    return r


# --- decisions (P1, D1, D3) ---------------------------------------------------------------------------


@dataclass
class MeetingInput:
    held_on: date
    attendees: list[dict]
    minutes: str
    outcome: str
    amount: object = None
    covered_members: int | None = None
    reasons: str = ""


def _check_meeting(case, data: MeetingInput, date_label: str = "会议日期") -> tuple[Decimal | None, str]:
    problems = Problems()
    date_ok = _date_ok(problems, data.held_on, case, date_label, "held_on")
    attendees = [a for a in data.attendees if (a.get("name") or "").strip()]
    if not attendees:
        problems.add("attendees", "请填写参会人员（P1）")
    if not data.minutes.strip():
        problems.add("minutes", "请填写会议记录")
    if data.outcome not in Outcome.values:
        problems.add("outcome", "请选择审批意见")
    amount = _amount(data.amount, "金额", problems)
    basis = ""
    if data.outcome == Outcome.APPROVE:
        covered = case.household.members.filter(is_active=True, covered=True).count()
        if data.covered_members is not None and not 1 <= data.covered_members <= covered:
            problems.add("covered_members", f"保障人数应在 1 至 {covered} 之间")
        elif not problems.messages and date_ok:
            try:
                amount, basis = hooks.calculate(case, amount, data.covered_members, data.held_on)
            except ValidationFailed as exc:
                problems.add("amount", exc.message)
        if (
            case.assistance_type != AssistanceType.LOW_INCOME
            and not problems.messages
            and (amount is None or amount <= 0)
        ):
            problems.add("amount", "同意时须确定保障/救助金额（P1）")
    if data.outcome == Outcome.REJECT and not data.reasons.strip():
        problems.add("reasons", "不同意时须写明理由（P4）")
    problems.raise_if_any("会议记录有误，未保存")
    return amount, basis


def _meeting(case, data: MeetingInput, level: str, by, route, amount, basis: str = "") -> DecisionMeeting:
    return DecisionMeeting.objects.create(
        case=case,
        level=level,
        held_on=data.held_on,
        attendees=[
            {"name": a["name"].strip(), "title": (a.get("title") or "").strip()}
            for a in data.attendees
            if (a.get("name") or "").strip()
        ],
        minutes=data.minutes.strip(),
        outcome=data.outcome,
        amount=amount,
        basis=basis,
        covered_members=data.covered_members
        or case.household.members.filter(is_active=True, covered=True).count(),
        reasons=data.reasons.strip(),
        signed_by=by,
        route=route.decider,
        route_reason=route.reason,
        grant_id=route.grant_id,
        created_at=clock.now(),
    )


def _reject(case, meeting: DecisionMeeting, route, by) -> Decision:
    authority, handling = authorities(case, route)
    return Decision.objects.create(
        case=case,
        outcome=Outcome.REJECT,
        decided_on=meeting.held_on,
        route=route.decider,
        authority_name=authority,
        handling_unit_name=handling,
        reasons=meeting.reasons,
        decided_by=by,
        created_at=clock.now(),
    )


def decide(*, by, case: Case, data: MeetingInput) -> DecisionMeeting:
    """P1 on the delegated route: the township decides in the bureau's name. The route is the one in force
    on the meeting day (D3); a township can never take a decision that belongs to the bureau (D1)."""
    with step(case=case, action="decide", by=by, on=data.held_on) as s:
        amount, basis = _check_meeting(s.case, data)
        route = route_for(s.case, data.held_on, amount)
        if not route.delegated:
            _refuse_above_cap(
                s.case,
                data.held_on,
                amount,
                "请在 {cap} 元以内审批，或改由“乡镇审核（报民政局审批）”报民政局",
            )
            raise Forbidden("该申请应由民政局审批，乡镇（街道）不能作出决定：" + route.reason)
        meeting = _meeting(s.case, data, MeetingLevel.TOWNSHIP_DECISION, by, route, amount, basis)
        _record(s.case, StepKind.DECIDE, data.held_on, by, Outcome(data.outcome).label)
        if data.outcome == Outcome.REJECT:
            _reject(s.case, meeting, route, by)
            s.case.status = State.REJECTED
        else:
            s.case.status = State.FILING if profile_of(s.case).file_with_bureau else State.TO_NOTICE
        s.audit_after = {
            "outcome": data.outcome,
            "amount": amount,
            "route": route.decider,
            "grant": route.grant_id,
        }
        s.reason = data.reasons.strip()
    return meeting


def township_review(*, by, case: Case, data: MeetingInput) -> DecisionMeeting:
    """D3 two-level route: the township reviews (审核) and forwards its opinion to the bureau."""
    with step(case=case, action="township_review", by=by, on=data.held_on) as s:
        amount, basis = _check_meeting(s.case, data)
        route = route_for(s.case, data.held_on, amount)
        if route.delegated:
            raise TransitionNotAllowed(
                "该申请在会议当日由乡镇（街道）受委托审批，请直接作出审批决定：" + route.reason
            )
        meeting = _meeting(s.case, data, MeetingLevel.TOWNSHIP_REVIEW, by, route, amount, basis)
        _record(s.case, StepKind.TOWNSHIP_REVIEW, data.held_on, by, Outcome(data.outcome).label)
        s.audit_after = {"outcome": data.outcome, "amount": amount}
    return meeting


def bureau_decide(*, by, case: Case, data: MeetingInput) -> DecisionMeeting:
    with step(case=case, action="bureau_decide", by=by, on=data.held_on) as s:
        amount, basis = _check_meeting(s.case, data, "审批日期")
        route = _bureau_route_for(s.case, data.held_on, amount)
        if route.delegated:
            raise TransitionNotAllowed("该申请在审批当日已委托乡镇（街道）审批：" + route.reason)
        meeting = _meeting(s.case, data, MeetingLevel.BUREAU_DECISION, by, route, amount, basis)
        _record(s.case, StepKind.DECIDE, data.held_on, by, "民政局" + Outcome(data.outcome).label)
        if data.outcome == Outcome.REJECT:
            _reject(s.case, meeting, route, by)
            s.case.status = State.REJECTED
        else:
            s.case.status = State.TO_NOTICE
        s.audit_after = {"outcome": data.outcome, "amount": amount, "route": route.decider}
        s.reason = data.reasons.strip()
    return meeting


def return_to_township(*, by, case: Case, on: date, reason: str) -> CaseStep:
    """The bureau sends a reviewed case back to the township: to be decided there when a grant came into
    force meanwhile (D3), or to complete or correct the review. The township then decides or reviews again."""
    with step(case=case, action="return_to_township", by=by, on=on) as s:
        problems = Problems()
        _date_ok(problems, on, s.case, "退回日期", "on")
        if not reason.strip():
            problems.add("reason", "必填", "请填写退回原因")
        problems.raise_if_any("退回未保存")
        row = _record(s.case, StepKind.RETURN, on, by, reason.strip())
        s.case.status = State.REVIEWED if s.case.reviews.exists() else State.INVESTIGATED
        s.reason = reason.strip()
        s.audit_after = {"status": s.case.status}
    return row


def file_with_bureau(*, by, case: Case, on: date, note: str = "") -> CaseStep:
    """P5 (綦江): the township's decision is filed with the bureau before the notice."""
    with step(case=case, action="file_with_bureau", by=by, on=on) as s:
        _dated(on, s.case, "备案日期")
        row = _record(s.case, StepKind.FILE, on, by, note.strip() or "审批结果已报民政局备案")
        s.audit_after = {"filed_on": on}
    return row


# --- notice, objections, final decision (P2, P3, P4) --------------------------------------------------


def notice_content(case) -> str:
    """What is posted: masked names, no ID numbers (P2)."""
    meeting = case.meetings.order_by("-held_on", "-id").first()
    amount = f"，金额 {meeting.amount} 元" if meeting and meeting.amount else ""
    head = case.household.members.filter(relation="head", is_active=True).order_by("id").first()
    return (
        f"{public_household_name(head.name if head else None, head.birth_date if head else None, clock.today())}（{case.household.members.filter(is_active=True, covered=True).count()}人），"
        f"{case.get_assistance_type_display()}，拟同意{amount}"
    )


def post_notice(*, by, cases: list[Case], start_on: date, places: str = "") -> list[PublicNotice]:
    """P2: post the notice at the township and the village for the parameterised number of days. Several
    cases can be posted at once; each is one transition, all or none."""
    if not cases:
        raise ValidationFailed("请选择要公示的申请")
    out = []
    with transaction.atomic():
        for case in cases:
            with step(case=case, action="post_notice", by=by, on=start_on) as s:
                _dated(start_on, s.case, "公示开始日期", "start_on")
                days = params.get("notice.days", area_code=s.case.township_code, on=start_on)
                village = Jurisdiction.objects.filter(code=s.case.household.area_code).first()
                township = Jurisdiction.objects.filter(code=s.case.township_code).first()
                where = (
                    places.strip()
                    or f"{township.name if township else ''}公示栏、{village.name if village else ''}公示栏"
                )
                notice = PublicNotice.objects.create(
                    case=s.case,
                    start_on=start_on,
                    end_on=start_on + timedelta(days=days - 1),
                    places=where,
                    content=notice_content(s.case),
                    created_by=by,
                    created_at=clock.now(),
                )
                _record(s.case, StepKind.NOTICE_START, start_on, by, f"公示至 {notice.end_on:%Y-%m-%d}")
                s.audit_after = {"start_on": start_on, "end_on": notice.end_on}
                out.append(notice)
    return out


def register_objection(
    *, by, case: Case, received_on: date, content: str, raised_by: str = "", contact: str = ""
) -> Objection:
    with step(case=case, action="object", by=by, on=received_on) as s:
        notice = s.case.public_notices.filter(closed_on__isnull=True).order_by("-start_on").first()
        problems = Problems()
        if not content.strip():
            problems.add("content", "必填", "请填写异议内容")
        if _date_ok(problems, received_on, s.case, "收到异议日期", "received_on") and (
            notice is None or not notice.start_on <= received_on <= notice.end_on
        ):
            period = f"（{notice.start_on:%Y-%m-%d} 至 {notice.end_on:%Y-%m-%d}）" if notice else ""
            problems.add("received_on", f"不在公示期内{period}", "异议须在公示期内提出")
        problems.raise_if_any("异议未登记")
        obj = Objection.objects.create(
            case=s.case,
            notice=notice,
            received_on=received_on,
            raised_by=raised_by.strip(),
            contact=contact.strip(),
            content=content.strip(),
            registered_by=by,
            created_at=clock.now(),
        )
        _record(s.case, StepKind.OBJECTION, received_on, by)
        s.audit_after = {"received_on": received_on}
    return obj


def resolve_objection(*, by, case: Case, handled_on: date, outcome: str, handling: str) -> Objection:
    """P3: re-examination (and democratic review where the profile says so). Unfounded: the notice runs on;
    founded: back to a new decision."""
    with step(case=case, action="resolve_objection", by=by, on=handled_on) as s:
        problems = Problems()
        if outcome not in ObjectionOutcome.values:
            problems.add("outcome", "必选", "请选择复核结论")
        if not handling.strip():
            problems.add("handling", "必填", "请填写复核情况")
        _date_ok(problems, handled_on, s.case, "处理日期", "handled_on")
        problems.raise_if_any("复核结论未保存")
        obj = s.case.objections.filter(handled_on__isnull=True).order_by("received_on").first()
        if obj is None:
            raise TransitionNotAllowed("没有待处理的异议")
        obj.handled_on, obj.outcome, obj.handling = handled_on, outcome, handling.strip()
        obj.save()
        if outcome == ObjectionOutcome.FOUNDED:
            s.case.public_notices.filter(closed_on__isnull=True).update(closed_on=handled_on)
            s.case.status = State.INVESTIGATED
        else:
            s.case.status = State.NOTICE
        _record(s.case, StepKind.OBJECTION_HANDLED, handled_on, by, ObjectionOutcome(outcome).label)
        s.audit_after = {"outcome": outcome}
    return obj


def _approval_meeting(case) -> DecisionMeeting:
    return (
        case.meetings.filter(
            level__in=[MeetingLevel.TOWNSHIP_DECISION, MeetingLevel.BUREAU_DECISION], outcome=Outcome.APPROVE
        )
        .order_by("-held_on", "-id")
        .first()
    )


def finalize(*, by, case: Case, on: date | None = None) -> Decision:
    """P3: no objection by the end of the notice → approved; payment starts the month after approval. The
    signer is the decider of the route that approved it (township in the bureau's name, or the bureau)."""
    on = on or clock.today()
    with step(case=case, action="finalize", by=by, on=on) as s:
        meeting = _approval_meeting(s.case)
        _dated(on, s.case, "批准日期")
        notice = s.case.public_notices.filter(closed_on__isnull=True).order_by("-start_on").first()
        notice.closed_on = on
        notice.save(update_fields=["closed_on"])
        route = route_for(s.case, meeting.held_on, meeting.amount)
        authority, handling = authorities(s.case, route)
        decision = Decision.objects.create(
            case=s.case,
            outcome=Outcome.APPROVE,
            decided_on=on,
            route=meeting.route,
            authority_name=authority,
            handling_unit_name=handling if meeting.route == "township" else "",
            amount=meeting.amount,
            basis=meeting.basis,
            covered_members=meeting.covered_members,
            covered_member_ids=list(
                s.case.household.members.filter(is_active=True, covered=True).values_list("id", flat=True)
            ),
            start_month=next_month(on) if s.case.assistance_type in MONTHLY else None,
            decided_by=by,
            created_at=clock.now(),
        )
        _record(s.case, StepKind.FINAL, on, by, "批准")
        for hook in hooks.on_approved:
            hook(decision, by)
        s.audit_after = {"decided_on": on, "amount": meeting.amount, "start_month": decision.start_month}
    return decision


def finalize_many(*, by, cases: list[Case], on: date | None = None) -> list[Decision]:
    with transaction.atomic():
        return [finalize(by=by, case=c, on=on) for c in cases]


MONTHLY = frozenset({AssistanceType.DIBAO_URBAN, AssistanceType.DIBAO_RURAL, AssistanceType.TEKUN})


# --- emergency aid (P8) -------------------------------------------------------------------------------


def emergency_aid(*, by, case: Case, requested_at: datetime, paid_at: datetime, amount) -> EmergencyAid:
    """P8: aid first — paid within the hour limit (parameter; flagged when late); registration is due within
    N working days (parameter). The amount follows the same route rules as any temporary aid."""
    problems = Problems()
    value = _amount(amount, "救助金额", problems)
    if value is None or value <= 0:
        problems.add("amount", "请填写救助金额")
    with problems.gather("requested_at"):
        ensure_not_future(requested_at, "求助时间", field="requested_at")
    with problems.gather("paid_at"):
        ensure_not_future(paid_at, "先行救助时间", field="paid_at")
        ensure_not_before(paid_at, requested_at, "先行救助时间", "求助时间", field="paid_at")
    problems.raise_if_any("先行救助信息有误，未保存")
    route = route_for(case, paid_at.date(), value)
    if not route.delegated and not authz.can(by, Perm.CASE_DECIDE_BUREAU, case.area_code):
        _refuse_above_cap(case, paid_at.date(), value, "可先在 {cap} 元以内先行救助，超出部分报民政局审批")
    with step(case=case, action="emergency_aid", by=by, perm=_decision_perm(route), on=paid_at.date()) as s:
        hours = params.get("emergency.aid_hours", area_code=s.case.township_code, on=paid_at.date())
        days = params.get(
            "emergency.registration_working_days", area_code=s.case.township_code, on=paid_at.date()
        )
        due = workdays.add_working_days(paid_at.date(), days).date
        aid = EmergencyAid.objects.create(
            case=s.case,
            requested_at=requested_at,
            paid_at=paid_at,
            amount=value,
            paid_by=by,
            late=paid_at - requested_at > timedelta(hours=hours),
            register_due_on=due,
            created_at=clock.now(),
        )
        _record(s.case, StepKind.EMERGENCY_AID, paid_at.date(), by, f"先行救助 {value} 元")
        s.audit_after = {"amount": value, "late": aid.late, "register_due_on": due, "route": route.decider}
    return aid


def _refuse_above_cap(case, day: date, value: Decimal | None, advice: str) -> None:
    """D1 with the temporary-aid cap: an amount above the township's cap is answered next to the amount —
    the cap, who decides above it, and what the township can do instead — rather than with a 403 page."""
    cap = township_cap(case, day)
    if cap is None or value is None or value <= cap or not route_for(case, day, Decimal(0)).delegated:
        return
    bureau = bureau_of(case)
    name = bureau.name if bureau else "县（区）民政局"
    raise ValidationFailed(
        f"金额 {value} 元超过乡镇（街道）审批上限 {cap} 元，超过上限的临时救助由{name}审批：{advice.format(cap=cap)}",
        field_errors={"amount": f"超过乡镇（街道）审批上限 {cap} 元：{cap} 元以上由{name}审批"},
    )


def emergency_register(
    *, by, case: Case, registered_on: date, recipient_note: str, signatures_completed: bool
) -> Decision:
    """P8: within N working days the recipient, reason and amount are registered and signatures/seals
    completed; late registrations are flagged and listed."""
    with step(case=case, action="emergency_register", by=by, on=registered_on) as s:
        problems = Problems()
        if not recipient_note.strip():
            problems.add("recipient_note", "必填", "请登记救助对象、事由")
        if not signatures_completed:
            problems.add("signatures_completed", "须补齐经办人员签字、盖章手续（P8）")
        _date_ok(problems, registered_on, s.case, "补办登记日期", "registered_on")
        problems.raise_if_any("补办登记未保存")
        aid = s.case.emergency
        aid.registered_on = registered_on
        aid.registration_late = registered_on > aid.register_due_on
        aid.recipient_note = recipient_note.strip()
        aid.signatures_completed = True
        aid.save()
        route = route_for(s.case, aid.paid_at.date(), aid.amount)
        authority, handling = authorities(s.case, route)
        decision = Decision.objects.create(
            case=s.case,
            outcome=Outcome.APPROVE,
            decided_on=aid.paid_at.date(),
            route=route.decider,
            authority_name=authority,
            handling_unit_name=handling,
            amount=aid.amount,
            covered_members=None,
            decided_by=by,
            created_at=clock.now(),
        )
        _record(s.case, StepKind.EMERGENCY_REGISTER, registered_on, by)
        s.audit_after = {"registered_on": registered_on, "late": aid.registration_late}
    return decision


def current_route(case, day: date | None = None):
    """The route shown on the case page: the one used if decided, else the one in force today."""
    meeting = case.meetings.order_by("-held_on", "-id").first()
    if meeting is not None and meeting.level != MeetingLevel.TOWNSHIP_REVIEW:
        return route_for(case, meeting.held_on, meeting.amount)
    return route_for(case, day or clock.today())
