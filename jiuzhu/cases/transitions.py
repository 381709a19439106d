"""The case state machine as data (ARCHITECTURE convention 2): every move a case can make, from which states,
to which, under which permission and which guards — intake and the procedure after it alike — in this one
table, complete as soon as the module is imported.

Services run a move with `workflow.step`; pages, the API, the queues, templates and the generated diagram
(docs/workflow.md) ask the table (`can`, `sources_of`, `next_steps`, `available_actions`) instead of listing
states themselves. A move the table does not allow raises `TransitionNotAllowed`; a guard that fails says why
in Chinese. Other apps add their own guards with `add_guard` from their `AppConfig.ready()` (payments: the
monthly cycle, M1), so that the rule lives with them and the table stays the one place that says what may
happen. Edits that do not move the case (materials, signatures, a dispute) are open in states listed here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from jiuzhu.cases import checks, selectors
from jiuzhu.cases.materials import missing_items
from jiuzhu.cases.models import Case
from jiuzhu.cases.models_steps import VerifyResult
from jiuzhu.cases.profiles import ALWAYS, DISPUTED, ON_OBJECTION, profile_of
from jiuzhu.cases.routing import route_for
from jiuzhu.cases.states import BEFORE_DECISION, State, state_label
from jiuzhu.core import clock
from jiuzhu.core.types import AssistanceType
from jiuzhu.orgs import authz
from jiuzhu.orgs.delegation import Route
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm

# A guard gets the case and the date the step is dated (today when a page asks what is possible) and
# returns a Chinese reason when the move is blocked.
Guard = Callable[[Case, date], "str | None"]


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset[str]
    target: str | None  # None: the service decides (e.g. by a result); documented in `targets`
    perm: str
    guards: tuple[Guard, ...] = ()
    targets: tuple[str, ...] = field(default_factory=tuple)
    bulk: bool = False  # offered as a bulk action on lists
    # When the permission depends on the case (the decider of its route), this picks it; `perm` is then
    # the permission shown in lists and the diagram alongside `perm_note`.
    perm_for: Callable[[Case], str] | None = None
    perm_note: str = ""
    # An action that may be taken but is not what the case waits for (withdrawing, an objection that may
    # come, a review the procedure does not require): True, or a predicate on the case.
    optional: bool | Callable[[Case], bool] = False
    # False: the applicant's choice rather than staff's work, so it puts no case in anyone's 待办.
    task: bool = True

    def perm_on(self, case: Case) -> str:
        return self.perm_for(case) if self.perm_for else self.perm

    def is_optional(self, case: Case) -> bool:
        return self.optional(case) if callable(self.optional) else self.optional

    @property
    def ends_in(self) -> tuple[str, ...]:
        return (self.target,) if self.target else self.targets


@dataclass(frozen=True)
class Edit:
    """A record added to the case without moving it, allowed only while the case is in `sources`."""

    action: str
    label: str
    sources: frozenset[str]
    perm: str
    closed: str  # the Chinese reason when the case has moved on


# --- guards of intake (A3, A4, P8) --------------------------------------------------------------------


def _no_missing_materials(case: Case, on: date) -> str | None:
    missing = missing_items(case)
    if missing:
        return "材料不齐，不能受理：缺" + "、".join(m.label for m in missing)
    return None


def _pre_verified_if_required(case: Case, on: date) -> str | None:
    """聊城 profile: verification comes before the formal application (先核对、后申请)."""
    if (
        profile_of(case).verify_before_apply
        and not case.verifications.filter(before_application=True, result=VerifyResult.PASS).exists()
    ):
        return "本县（区）实行先核对后申请（聊城流程）：须申请前核对通过后方可受理"
    return None


def _aid_first(case: Case) -> bool:
    """P8: an emergency case waits for the aid first; accepting it the ordinary way stays possible."""
    return case.assistance_type == AssistanceType.LINSHI_EMERGENCY


# --- guards of the procedure (A5, R1, DM2, D1, D3, P3, P8) --------------------------------------------


def _pre_verification_needed(case: Case, on: date) -> str | None:
    if not profile_of(case).verify_before_apply:
        return "本县（区）流程不要求申请前核对"
    if case.verifications.filter(before_application=True, result=VerifyResult.PASS).exists():
        return "申请前核对已通过"
    return None


def _not_pre_verify_profile(case: Case, on: date) -> str | None:
    if profile_of(case).verify_before_apply:
        return "本县（区）实行先核对后申请，核对已在受理前完成"
    return None


def _verification_done(case: Case, on: date) -> str | None:
    if case.status == State.ACCEPTED and not profile_of(case).verify_before_apply:
        return "须先完成家庭经济状况核对（A5）"
    return None


def _review_requirement(case: Case, on: date) -> str | None:
    profile = profile_of(case)
    reviewed = case.reviews.exists()
    if profile.review == ALWAYS and not reviewed:
        return "本县（区）流程要求每案进行民主评议（R1）"
    if profile.review == DISPUTED and case.disputed and not reviewed:
        return "该申请有争议，须先进行民主评议（R1）"
    return None


def _filings_complete(case: Case, on: date) -> str | None:
    missing = checks.missing_filings(case)
    if not missing:
        return None
    new = any(isinstance(c, checks.Finding) for c in missing)
    hint = "（受理后新发现，请先“重新检查”再登记备案）" if new else ""
    return "涉及近亲属，须先完成近亲属备案（DM2）" + hint + "：" + "；".join(c.message for c in missing)


def _township_route(case: Case, on: date) -> str | None:
    """D1/D3: the route in force on the day of the decision."""
    route = route_for(case, on)
    return None if route.delegated else route.reason


def _bureau_route(case: Case, on: date) -> str | None:
    route = route_for(case, on)
    return (
        None
        if not route.delegated
        else f"该申请在 {on:%Y-%m-%d} 由乡镇（街道）受委托审批，无需报民政局：" + route.reason
    )


def _bureau_decides(case: Case, on: date) -> str | None:
    """D3: a grant that came into force after the township's review hands the decision back to the
    township; the bureau returns the case instead of deciding it."""
    route = selectors.bureau_route(case, on)
    if route.delegated:
        return f"{on:%Y-%m-%d} 起该乡镇（街道）已受委托审批（D3），请退回乡镇（街道）审批：" + route.reason
    return None


def _notice_over(case: Case, on: date) -> str | None:
    notice = selectors.open_notice(case)
    if notice is None:
        return "尚未张榜公示"
    if on <= notice.end_on:
        return f"公示期至 {notice.end_on:%Y-%m-%d}，期满后方可作出决定（P3）"
    if case.objections.filter(handled_on__isnull=True).exists():
        return "有未处理的异议"
    return None


def _objection_review_done(case: Case, on: date) -> str | None:
    if profile_of(case).review == ON_OBJECTION and not case.reviews.filter(triggered_by="objection").exists():
        return "本县（区）流程规定有异议时须组织民主评议（聊城流程）"
    return None


def _review_optional(case: Case) -> bool:
    """A democratic review is what the case waits for only where the procedure requires one now (R1)."""
    if case.status == State.OBJECTION:
        return _objection_review_done(case, clock.today()) is None
    return _review_requirement(case, clock.today()) is None


def _emergency_type(case: Case, on: date) -> str | None:
    return None if case.assistance_type == AssistanceType.LINSHI_EMERGENCY else "仅适用于急难型临时救助"


# --- who decides (D1) ---------------------------------------------------------------------------------


def decision_perm(route: Route) -> str:
    """The permission of the route's decider: the township under delegation, else the bureau."""
    return Perm.CASE_DECIDE_TOWNSHIP if route.delegated else Perm.CASE_DECIDE_BUREAU


def _approver_perm(case: Case) -> str:
    """Whoever approved at the meeting signs the final approval: the township in the bureau's name, or the
    bureau (P3, D1)."""
    meeting = selectors.approval_meeting(case)
    return (
        Perm.CASE_DECIDE_BUREAU
        if meeting is not None and meeting.route == "bureau"
        else Perm.CASE_DECIDE_TOWNSHIP
    )


def _emergency_perm(case: Case) -> str:
    return decision_perm(route_for(case, clock.today()))  # the service re-checks with the actual amount


BY_ROUTE = "按审批路径：乡镇（街道）审批负责人或民政局"
BEFORE_ACCEPTANCE = frozenset({State.SUBMITTED, State.INCOMPLETE})
FOR_DECISION = frozenset({State.INVESTIGATED, State.REVIEWED})


def _table(*transitions: Transition) -> dict[str, Transition]:
    return {t.action: t for t in transitions}


TRANSITIONS: dict[str, Transition] = _table(
    # Intake (A3, A4): a written notice of what is missing, a refusal, or acceptance; withdrawal any time
    # before the decision.
    Transition(
        "notify_missing",
        "出具一次性告知书",
        BEFORE_ACCEPTANCE,
        State.INCOMPLETE,
        Perm.CASE_PROCESS,
        optional=True,
    ),
    Transition(
        "refuse",
        "不予受理（书面告知理由）",
        BEFORE_ACCEPTANCE,
        State.NOT_ACCEPTED,
        Perm.CASE_PROCESS,
        optional=True,
    ),
    Transition(
        "accept",
        "受理",
        BEFORE_ACCEPTANCE,
        State.ACCEPTED,
        Perm.CASE_PROCESS,
        guards=(_no_missing_materials, _pre_verified_if_required),
        optional=_aid_first,
    ),
    Transition(
        "withdraw",
        "撤回申请",
        BEFORE_DECISION,
        State.WITHDRAWN,
        Perm.CASE_CREATE,
        optional=True,
        task=False,
    ),
    # Verification (A5): before the application where the profile says so (聊城), else after acceptance.
    Transition(
        "pre_verify_request",
        "发起申请前核对（先核对后申请）",
        BEFORE_ACCEPTANCE,
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
    # Investigation (I1) and democratic review (R1).
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
    # Decisions on both routes (P1, D1, D3) and filing with the bureau (P5).
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
    # Public notice, objections and the final decision (P2, P3).
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
    # Emergency aid first, registration after (P8).
    Transition(
        "emergency_aid",
        "急难先行救助",
        BEFORE_ACCEPTANCE,
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

EDITS: dict[str, Edit] = {
    e.action: e
    for e in (
        # Materials and signatures are taken in until the verification starts (A3).
        Edit(
            "intake_records",
            "登记材料和签署",
            frozenset({State.SUBMITTED, State.INCOMPLETE, State.ACCEPTED}),
            Perm.CASE_PROCESS,
            "申请已进入后续环节，材料登记已关闭",
        ),
        # A dispute sends the case to democratic review before the decision (尖山 profile, R1).
        Edit(
            "mark_disputed",
            "标记为有争议",
            frozenset({State.ACCEPTED, State.VERIFIED, State.INVESTIGATED}),
            Perm.CASE_PROCESS,
            "只能在审批前标记争议",
        ),
    )
}


def add_guard(actions: list[str], guard: Guard) -> None:
    """The registration hook for other apps' rules on transitions (payments: the monthly cycle, M1), called
    from their `AppConfig.ready()`: the table stays the one place that says what may happen."""
    for action in actions:
        t = TRANSITIONS[action]
        if guard not in t.guards:
            TRANSITIONS[action] = replace(t, guards=(*t.guards, guard))


def sources_of(action: str) -> frozenset[str]:
    """The states in which a transition or an edit is possible."""
    entry = TRANSITIONS.get(action) or EDITS[action]
    return entry.sources


def blocked_reason(case: Case, action: str, on: date | None = None) -> str | None:
    """Why `action` cannot be taken on `case` (state and guards) for a step dated `on`, or None."""
    if action in EDITS:
        return None if case.status in EDITS[action].sources else EDITS[action].closed
    t = TRANSITIONS[action]
    if case.status not in t.sources:
        return f"当前状态为“{state_label(case.status)}”，不能{t.label}"
    for guard in t.guards:
        reason = guard(case, on or clock.today())
        if reason:
            return reason
    return None


def can(case: Case, action: str, on: date | None = None) -> bool:
    """True when the case's state and the guards allow `action` now (whoever may take it)."""
    return blocked_reason(case, action, on) is None


def next_steps(case: Case) -> list[tuple[Transition, str | None]]:
    """Every action the case's state allows, whoever may take it, each with the reason it is blocked (or
    None): first what the case waits for (ready, then blocked), then the optional actions."""
    rows = [(t, blocked_reason(case, t.action)) for t in TRANSITIONS.values() if case.status in t.sources]
    return sorted(rows, key=lambda r: (r[0].is_optional(case), r[1] is not None))


def available_actions(case: Case, user: User) -> list[tuple[Transition, str | None]]:
    """Actions the user's roles allow on this case, each with the reason it is blocked (or None)."""
    out = []
    for t in TRANSITIONS.values():
        if case.status not in t.sources or not authz.can(user, t.perm_on(case), case.area_code):
            continue
        out.append((t, blocked_reason(case, t.action)))
    return out


def bulk_actions(user: User) -> list[Transition]:
    """The bulk actions a list offers the user: those whose permission they hold somewhere (for a move whose
    decider depends on the route, the bureau's decision permission counts too)."""
    return [
        t
        for t in TRANSITIONS.values()
        if t.bulk and (authz.can(user, t.perm) or (t.perm_for and authz.can(user, Perm.CASE_DECIDE_BUREAU)))
    ]
