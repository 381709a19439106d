"""Every step form of the case page with one wrong field: the case in the state the step needs, who fills it
in, what they type, and which field is wrong. Shared by the page tests and the browser test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tests.helpers import (
    DATONG,
    accept,
    d,
    investigate,
    make_case,
    make_household,
    meeting,
    review,
    to_investigated,
    user,
    verify,
)


@dataclass(frozen=True)
class Scenario:
    action: str  # the step (a transition), or "filing" for the near-relative filing
    username: str
    make: Callable[[], object]  # builds the case in the state the step needs
    fields: dict[str, str]  # typed values (without the form prefix); the wrong one included
    wrong: str  # the field that is wrong
    error: str  # what the page says next to it
    fix: str  # a right value for the wrong field ("on" ticks a box)
    checks: list[str] = field(default_factory=list)  # boxes ticked (the first two of a multiple choice)

    @property
    def prefix(self) -> str:
        return "" if self.action == "filing" else f"{self.action}-"

    def name(self, key: str) -> str:
        return f"{self.prefix}{key}"


def _verifying():
    from jiuzhu.cases.services import steps

    case = accept(make_case())
    steps.verify_request(by=user("ab_caseworker"), case=case, on=d("2026-11-04"))
    return case


def _verified():
    return verify(accept(make_case()))


def _decided():
    from jiuzhu.cases.services import steps

    case = to_investigated()
    steps.decide(by=user("ab_approver"), case=case, data=meeting())
    return case


def _in_notice():
    from jiuzhu.cases.services import steps

    case = _decided()
    steps.post_notice(by=user("ab_caseworker"), cases=[case], start_on=d("2026-11-16"))
    return case


def _objected():
    from jiuzhu.cases.services import steps

    case = _in_notice()
    steps.register_objection(
        by=user("ab_caseworker"), case=case, received_on=d("2026-11-17"), content="有存款"
    )
    return case


def _emergency():
    return make_case(make_household(), assistance_type="linshi_emergency", requested_amount="2000")


def _aided():
    from datetime import datetime

    from django.utils import timezone

    from jiuzhu.cases.services import steps

    case = _emergency()
    at = timezone.make_aware(datetime(2026, 11, 19, 9))
    steps.emergency_aid(by=user("ab_approver"), case=case, requested_at=at, paid_at=at, amount="1500")
    return case


def _filing_with_bureau():
    """綦江 (P5): the delegated town files its decision with the bureau before the notice."""
    from jiuzhu.cases.services import steps

    household = make_household(by="qj_bureau", area=DATONG[:9] + "201", address="打通镇石门村1组")
    case = make_case(household, by="qj_bureau")
    accept(case, by="qj_dt_caseworker")
    verify(case, by="qj_dt_caseworker", verifier="qj_verifier")
    investigate(case, by="qj_dt_caseworker")
    review(case, by="qj_dt_caseworker")
    steps.decide(by=user("qj_dt_approver"), case=case, data=meeting())
    return case


def _township_reviewed():
    from jiuzhu.cases.services import steps

    household = make_household(by="qj_bureau", area="500110009201", address="东溪镇永乐村2组")
    case = make_case(household, by="qj_bureau")
    accept(case, by="qj_dx_caseworker")
    verify(case, by="qj_dx_caseworker", verifier="qj_verifier")
    investigate(case, by="qj_dx_caseworker")
    review(case, by="qj_dx_caseworker")
    steps.township_review(by=user("qj_dx_approver"), case=case, data=meeting())
    return case


def _near_relative():
    """DM2: a member of the household is a near relative of township staff."""
    from datetime import date

    from jiuzhu.registry.services.relatives import RelativeInput, relative_add
    from tests.helpers import member, new_id

    number = new_id()
    relative_add(
        by=user("ab_caseworker"),
        area_code="230502200000",
        data=RelativeInput("刘宏伟", "staff", "安邦乡人民政府", "刘小红", number, "妹妹", date(2025, 1, 1)),
    )
    household = make_household(members=[member("刘小红", id_number=number, id_kw={"female": True})])
    return make_case(household)


FUTURE = "2026-12-01"  # the clock stands at 2026-11-20

SCENARIOS = [
    Scenario(
        "verify_result",
        "ab_verifier",
        _verifying,
        {
            "completed_on": "2026-11-06",
            "result": "pass",
            "monthly_income": "900",
            "per_capita_income": "四百五",
            "assets_value": "0",
            "findings": "未发现存款、车辆和工商登记",
        },
        "per_capita_income",
        "人均月收入",
        "450",
    ),
    Scenario(
        "investigate",
        "ab_caseworker",
        _verified,
        {
            "visited_on": "2026-11-09",
            "village_helper": "张桂兰",
            "home_visit": "住房简陋，无大件家电",
            "neighbour_interviews": "邻居反映属实",
            "letters": "已向银行发函",
            "conclusion": "",
        },
        "conclusion",
        "必填",
        "情况属实",
        checks=["investigators", "investigators_signed", "applicant_signed"],
    ),
    Scenario(
        "review",
        "ab_caseworker",
        to_investigated,
        {
            "held_on": "2026-11-10",
            "panel": "评议员甲\n评议员乙\n评议员丙\n评议员丁\n评议员戊",
            "minutes": "评议小组一致认可",
            "votes_for": "4",
            "votes_against": "0",
        },
        "votes_for",
        "认可与不认可票数之和应等于评议小组人数",
        "5",
        checks=["all_signed"],
    ),
    Scenario(
        "decide",
        "ab_approver",
        to_investigated,
        {
            "held_on": FUTURE,
            "attendees": "刘宏伟 副乡长\n王春燕 经办人",
            "minutes": "经集体研究，同意纳入农村低保",
            "outcome": "approve",
            "covered_members": "2",
            "reasons": "家庭人均收入低于当地低保标准",
        },
        "held_on",
        "不能晚于今天",
        "2026-11-12",
    ),
    Scenario(
        "emergency_aid",
        "ab_approver",
        _emergency,
        {"requested_at": "2026-11-20T08:00", "paid_at": "2026-11-20T09:30", "amount": "9000"},
        "amount",
        "超过乡镇（街道）审批上限 3000.00 元：3000.00 元以上由尖山区民政局审批",
        "3000",
    ),
    Scenario(
        "emergency_register",
        "ab_approver",
        _aided,
        {"registered_on": "2026-11-20", "recipient_note": "王大山，火灾致生活困难，先行救助1500元"},
        "signatures_completed",
        "须补齐经办人员签字、盖章手续",
        "on",
    ),
    Scenario(
        "file_with_bureau",
        "qj_dt_caseworker",
        _filing_with_bureau,
        {"on": FUTURE, "note": "已报綦江区民政局备案，备案号 QJ-2026-118"},
        "on",
        "不能晚于今天",
        "2026-11-12",
    ),
    Scenario(
        "post_notice",
        "ab_caseworker",
        _decided,
        {"start_on": FUTURE, "places": "安邦乡政务公开栏、安邦村村务公开栏"},
        "start_on",
        "不能晚于今天",
        "2026-11-20",
    ),
    Scenario(
        "object",
        "ab_caseworker",
        _in_notice,
        {
            "received_on": "2026-11-14",
            "raised_by": "李四",
            "contact": "13800000000",
            "content": "反映该户有一辆货车",
        },
        "received_on",
        "不能早于上一环节日期",
        "2026-11-17",
    ),
    Scenario(
        "resolve_objection",
        "ab_caseworker",
        _objected,
        {"handled_on": "2026-11-19", "outcome": "unfounded", "handling": ""},
        "handling",
        "必填",
        "经核实，该货车已于2025年报废注销",
    ),
    Scenario(
        "return_to_township",
        "qj_bureau",
        _township_reviewed,
        {"on": FUTURE, "reason": "请补充入户调查照片后重新审核"},
        "on",
        "不能晚于今天",
        "2026-11-20",
    ),
    Scenario(
        "filing",
        "ab_caseworker",
        _near_relative,
        {"filed_on": FUTURE, "note": "经乡纪委备案，审批时刘宏伟回避"},
        "filed_on",
        "不能晚于今天",
        "2026-11-20",
    ),
]
