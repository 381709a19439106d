"""Showcase data for `make run`: households and cases in every state, dated relative to today.

Loaded by `load_demo` after the foundation demo; not part of the test world (tests build their own).
Everything goes through the services, so the audit trail and the timelines are real."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from typing import TypedDict

from django.db import transaction

from jiuzhu.cases.materials import missing_items
from jiuzhu.cases.models import Case, Channel, MaterialRequirement
from jiuzhu.cases.services import intake, steps
from jiuzhu.cases.transitions import sources_of
from jiuzhu.core import clock, idnumber
from jiuzhu.core.models import ParameterValue
from jiuzhu.core.params import PARAMS
from jiuzhu.orgs.models import User
from jiuzhu.registry.models import Household
from jiuzhu.registry.services.discovery import discovery_create
from jiuzhu.registry.services.households import household_create
from jiuzhu.registry.services.income_assets import income_add
from jiuzhu.registry.services.member_input import MemberInput

_seq = [0]


def _id(birth: str, female: bool = False, area: str = "230502") -> str:
    _seq[0] += 1
    return idnumber.make(f"{area}{birth}{(_seq[0] * 2 + (0 if female else 1)) % 1000:03d}")


def _u(name: str) -> User:
    return User.objects.get(username=name)


def _household(
    by: str,
    village: str,
    address: str,
    people: list[tuple[str, str, str, bool]],
    *,
    incomes: Sequence[tuple[str, str, str]] = (),
) -> Household:
    area = village[:6]
    members = [
        MemberInput(
            name=n,
            id_number=_id(b, f, area),
            relation=r,
            work_ability="none" if r == "head" and b < "19600101" else "full",
        )
        for n, r, b, f in people
    ]
    household = household_create(
        by=_u(by),
        area_code=village,
        address=address,
        members=members,
        phone="139" + str(4690000 + _seq[0]).zfill(8),
    )
    for category, description, amount in incomes:
        income_add(
            by=_u(by), household=household, category=category, description=description, monthly_amount=amount
        )
    return household


@contextmanager
def loading_history() -> Iterator[None]:
    """The showcase writes months of history in one sitting, each step with its own past date: the 补录 limit
    (how far back staff may date a step they enter today) is lifted for the loading and put back after it,
    as the payments demo reopens a frozen month. Nothing outside the loading sees the lifted value."""
    rows = list(ParameterValue.objects.filter(key="steps.backdate_working_days", scope_code=""))
    saved = {r.pk: r.value for r in rows}
    widest = PARAMS["steps.backdate_working_days"].maximum
    ParameterValue.objects.filter(pk__in=saved).update(value=widest)
    try:
        yield
    finally:
        for pk, value in saved.items():
            ParameterValue.objects.filter(pk=pk).update(value=value)


def _case(household: Household, by: str, kind: str, applied: date, reason: str, amount=None) -> Case:
    head = household.members.get(relation="head")
    return intake.case_create(
        by=_u(by),
        household=household,
        channel=Channel.COUNTER,
        data=intake.CaseInput(kind, head, applied, reason, requested_amount=amount),
    )


def _complete(case: Case, by: str, on: date | None = None) -> None:
    """Receive every missing material and signature, dated the application day (or `on`)."""
    on = on or case.applied_on
    for item in missing_items(case):
        if item.signature and item.member_id is not None:
            intake.signature_record(
                by=_u(by),
                case=case,
                member=case.household.members.get(pk=item.member_id),
                kind=item.signature,
                signed_on=on,
            )
        elif item.requirement_id is not None:
            intake.material_receive(
                by=_u(by),
                case=case,
                requirement=MaterialRequirement.objects.get(pk=item.requirement_id),
                received_on=on,
            )


class Team(TypedDict):
    """The usernames of the staff who take a demo case along (see `_walk`)."""

    worker: str
    approver: str
    verifier: str


def _walk(
    case: Case,
    *,
    worker: str,
    approver: str,
    verifier: str,
    until: str,
    review_panel: bool = False,
    outcome: str = "approve",
) -> Case:
    """Take a case along the delegated happy path, one dated step after another, up to `until`."""
    d = case.applied_on
    _complete(case, worker)
    order = [
        "accept",
        "verify_request",
        "verify_result",
        "investigate",
        "review",
        "decide",
        "file",
        "notice",
        "final",
    ]

    def reached(step: str) -> bool:
        return order.index(step) <= order.index(until)

    intake.accept(by=_u(worker), case=case, accepted_on=d + timedelta(days=1))
    if reached("verify_request"):
        steps.verify_request(by=_u(worker), case=case, on=d + timedelta(days=2))
    if reached("verify_result"):
        steps.verify_result(
            by=_u(verifier),
            case=case,
            data=steps.VerificationResult(
                completed_on=d + timedelta(days=4),
                result="pass",
                per_capita_income="300",
                findings="未发现车辆、存款和工商登记",
            ),
        )
    if reached("investigate"):
        staff = list(
            User.objects.filter(memberships__organisation__jurisdiction_id=case.township_code)
            .values_list("id", flat=True)
            .distinct()[:2]
        )
        steps.investigate(
            by=_u(worker),
            case=case,
            data=steps.InvestigationInput(
                visited_on=d + timedelta(days=6),
                investigator_ids=staff,
                home_visit="入户查看住房、家电和生活状况，与申报一致",
                neighbour_interviews="走访邻居两户，反映情况属实",
                conclusion="家庭困难情况属实",
                investigators_signed=True,
                applicant_signed=True,
                village_helper="村协理员",
            ),
        )
    if reached("review") and review_panel:
        steps.review(
            by=_u(worker),
            case=case,
            data=steps.ReviewInput(
                held_on=d + timedelta(days=7),
                panel=["村支书", "村主任", "党员代表", "群众代表甲", "群众代表乙"],
                minutes="评议小组一致认可该户情况",
                votes_for=5,
                votes_against=0,
                all_signed=True,
            ),
        )
    if reached("decide"):
        data = steps.MeetingInput(
            held_on=d + timedelta(days=8),
            attendees=[
                {"name": "分管领导", "title": "副乡（镇）长"},
                {"name": "经办人", "title": "民政助理"},
            ],
            minutes="经集体研究",
            outcome=outcome,
            amount=None,  # monthly amounts come from the calculator (B1, B2)
            reasons="" if outcome == "approve" else "家庭人均收入高于当地低保标准",
        )
        steps.decide(by=_u(approver), case=case, data=data)
    case.refresh_from_db()
    if reached("file") and case.status in sources_of("file_with_bureau"):
        steps.file_with_bureau(by=_u(worker), case=case, on=d + timedelta(days=9))
    if reached("notice") and case.status in sources_of("post_notice"):
        steps.post_notice(by=_u(worker), cases=[case], start_on=d + timedelta(days=10))
    if reached("final") and case.status in sources_of("finalize"):
        steps.finalize(by=_u(approver), case=case, on=d + timedelta(days=18))
    return case


ANBANG_PEOPLE = [
    (
        "赵春生",
        "安邦村1组7号",
        [("赵春生", "head", "19580305", False), ("孙桂芝", "spouse", "19600918", True)],
    ),
    (
        "钱德旺",
        "安邦村2组3号",
        [("钱德旺", "head", "19650712", False), ("钱小雨", "child", "20100402", True)],
    ),
    ("孙玉兰", "长胜村4组11号", [("孙玉兰", "head", "19520120", True)]),
    (
        "李长河",
        "长胜村1组2号",
        [
            ("李长河", "head", "19700815", False),
            ("王淑珍", "spouse", "19720301", True),
            ("李明", "child", "20080909", False),
        ],
    ),
]


@transaction.atomic
def load() -> None:
    if Case.objects.exists():
        return
    today = clock.today()
    ab: Team = {"worker": "ab_caseworker", "approver": "ab_approver", "verifier": "ab_verifier"}
    villages = ["230502200201", "230502200201", "230502200202", "230502200202"]
    for (_head, address, people), village in zip(ANBANG_PEOPLE, villages, strict=True):
        h = _household(
            "ab_caseworker",
            village,
            address,
            people,
            incomes=[("transfer", "养老金", "150.00")] if people[0][2] < "19600101" else [],
        )
        _walk(
            _case(h, "ab_caseworker", "dibao_rural", today - timedelta(days=70), "家庭收入低于当地低保标准"),
            until="final",
            **ab,
        )
    states = [
        ("notice", "王铁军", "永安村3组5号"),
        ("decide", "刘桂香", "东保卫村2组1号"),
        ("investigate", "周大勇", "永安村1组9号"),
        ("verify_request", "吴秀云", "安邦村5组2号"),
    ]
    for until, name, address in states:
        h = _household(
            "ab_caseworker",
            "230502200204"
            if "永安" in address
            else "230502200203"
            if "东保卫" in address
            else "230502200201",
            address,
            [(name, "head", "19680101", "香" in name or "云" in name)],
        )
        _walk(
            _case(h, "ab_caseworker", "dibao_rural", today - timedelta(days=14), "因病致贫"),
            until=until,
            **ab,
        )
    rejected = _household(
        "ab_caseworker",
        "230502200202",
        "长胜村3组6号",
        [("郑国强", "head", "19750101", False)],
        incomes=[("business", "经营农机", "3500.00")],
    )
    _walk(
        _case(rejected, "ab_caseworker", "dibao_rural", today - timedelta(days=30), "收入不稳定"),
        until="decide",
        outcome="reject",
        **ab,
    )
    waiting = _household(
        "ab_caseworker", "230502200201", "安邦村6组4号", [("冯小梅", "head", "19900606", True)]
    )
    intake.notify_missing(
        by=_u("ab_caseworker"),
        case=_case(waiting, "ab_caseworker", "dibao_rural", today - timedelta(days=2), "离异独自抚养子女"),
    )
    discovery_create(
        by=_u("ab_assistant"),
        area_code="230502200201",
        family_name="陈大爷",
        address="安邦村7组1号",
        situation="独居老人，腿脚不便，无固定收入",
        suggested_type="tekun",
        reported_on=today - timedelta(days=1),
    )

    emr: Team = {"worker": "emr_caseworker", "approver": "emr_approver", "verifier": "js_verifier"}
    for name, address in (
        ("林海燕", "光明社区5栋2单元301"),
        ("马建华", "建设社区12号楼402"),
    ):
        h = _household(
            "emr_caseworker",
            "230502004001" if "光明" in address else "230502004002",
            address,
            [(name, "head", "19720303", "燕" in name)],
        )
        _walk(
            _case(h, "emr_caseworker", "dibao_urban", today - timedelta(days=65), "下岗失业，无稳定收入"),
            until="final",
            **emr,
        )
    late = _household(
        "emr_caseworker", "230502004003", "东平社区3号楼101", [("高志远", "head", "19800808", False)]
    )
    _walk(
        _case(late, "emr_caseworker", "dibao_urban", today - timedelta(days=45), "重病致贫"),
        until="investigate",
        **emr,
    )

    # 东溪镇 has no delegation: reviewed by the town, waiting for the bureau's decision (D3).
    h = _household("qj_bureau", "500110009201", "东溪镇永乐村2组8号", [("唐永福", "head", "19620404", False)])
    case = _case(h, "qj_bureau", "dibao_rural", today - timedelta(days=20), "年老体弱，无劳动能力")
    _complete(case, "qj_dx_caseworker")
    intake.accept(by=_u("qj_dx_caseworker"), case=case, accepted_on=case.applied_on + timedelta(days=1))
    steps.verify_request(by=_u("qj_dx_caseworker"), case=case, on=case.applied_on + timedelta(days=2))
    steps.verify_result(
        by=_u("qj_verifier"),
        case=case,
        data=steps.VerificationResult(
            completed_on=case.applied_on + timedelta(days=4), result="pass", per_capita_income="260"
        ),
    )
    steps.investigate(
        by=_u("qj_dx_caseworker"),
        case=case,
        data=steps.InvestigationInput(
            visited_on=case.applied_on + timedelta(days=6),
            investigator_ids=[_u("qj_dx_caseworker").pk, _u("qj_dx_approver").pk],
            home_visit="独居，住房为土木结构",
            conclusion="属实",
            investigators_signed=True,
            applicant_signed=True,
        ),
    )
    steps.review(
        by=_u("qj_dx_caseworker"),
        case=case,
        data=steps.ReviewInput(
            held_on=case.applied_on + timedelta(days=7),
            panel=["甲", "乙", "丙", "丁", "戊"],
            minutes="群众评议认可",
            votes_for=5,
            votes_against=0,
            all_signed=True,
        ),
    )
    steps.township_review(
        by=_u("qj_dx_approver"),
        case=case,
        data=steps.MeetingInput(
            held_on=case.applied_on + timedelta(days=8),
            attendees=[{"name": "冯勇", "title": "副镇长"}],
            minutes="审核同意，报区民政局审批",
            outcome="approve",
            amount=None,
        ),
    )
