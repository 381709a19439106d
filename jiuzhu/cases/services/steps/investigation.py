"""What the township finds out before a decision: the home investigation (I1), a dispute raised about the case,
and the democratic review (民主评议, R1) that the procedure profile or a dispute or objection calls for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction

from jiuzhu.cases.models import Case
from jiuzhu.cases.models_steps import Investigation, Review, StepKind
from jiuzhu.cases.services.steps.common import date_ok, record
from jiuzhu.cases.states import State
from jiuzhu.cases.transitions import EDITS, blocked_reason
from jiuzhu.cases.workflow import step
from jiuzhu.core import audit, clock, params
from jiuzhu.core.errors import TransitionNotAllowed, ValidationFailed
from jiuzhu.core.problems import Problems
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Membership, User


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


def investigate(*, by: User, case: Case, data: InvestigationInput) -> Investigation:
    """I1: a team of at least N township staff (parameter), signed by the investigators and the applicant."""
    with step(case=case, action="investigate", by=by, on=data.visited_on) as s:
        problems = Problems()
        on_ok = date_ok(problems, data.visited_on, s.case, "入户日期", "visited_on")
        minimum = (
            params.get("investigation.min_investigators", area_code=s.case.township_code, on=data.visited_on)
            if on_ok
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
        record(s.case, StepKind.INVESTIGATE, data.visited_on, by)
        s.audit_after = {"visited_on": data.visited_on, "investigators": ids}
    return inv


@transaction.atomic
def mark_disputed(*, by: User, case: Case, reason: str) -> Case:
    """尖山 profile: only disputed cases go to democratic review."""
    membership = authz.require(by, EDITS["mark_disputed"].perm, case.area_code)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if closed := blocked_reason(case, "mark_disputed"):
        raise TransitionNotAllowed(closed)
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


def review(*, by: User, case: Case, data: ReviewInput) -> Review:
    """R1: a panel of an allowed size (parameter), chaired by township staff, every member signs."""
    with step(case=case, action="review", by=by, on=data.held_on) as s:
        problems = Problems()
        panel = [p.strip() for p in data.panel if p and p.strip()]
        if date_ok(problems, data.held_on, s.case, "评议日期", "held_on"):
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
        record(
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
