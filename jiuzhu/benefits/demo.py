"""Showcase data of benefits: a 特困 person assessed and approved, bank accounts for the recipients (one left
without, so the "未登记账户" filter has something to show). Safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from jiuzhu.benefits import services
from jiuzhu.benefits.models import Enrolment
from jiuzhu.cases.demo import _case, _household, _u, _walk
from jiuzhu.cases.models import Case
from jiuzhu.cases.services import steps
from jiuzhu.core import clock

BANKS = ["农村信用社", "中国邮政储蓄银行", "中国农业银行"]


def load() -> None:
    today = clock.today()
    if not Case.objects.filter(assistance_type="tekun").exists():
        h = _household(
            "ab_caseworker", "230502200203", "东保卫村4组2号", [("陈守义", "head", "19440611", False)]
        )
        case = _case(
            h, "ab_caseworker", "tekun", today - timedelta(days=60), "无劳动能力、无生活来源、无法定赡养人"
        )
        _walk(
            case, worker="ab_caseworker", approver="ab_approver", verifier="ab_verifier", until="investigate"
        )
        services.assess_for_case(
            by=_u("ab_caseworker"),
            case=case,
            member=h.members.get(relation="head"),
            data=services.AssessmentInput(
                assessed_on=case.applied_on + timedelta(days=7),
                unmet=["bathe", "walk"],
                care_form="dispersed",
                assessors="王春燕、乡卫生院李医生",
            ),
        )
        d = case.applied_on
        steps.decide(
            by=_u("ab_approver"),
            case=case,
            data=steps.MeetingInput(
                held_on=d + timedelta(days=8),
                attendees=[{"name": "刘宏伟", "title": "副乡长"}],
                minutes="经集体研究，同意纳入分散供养",
                outcome="approve",
            ),
        )
        steps.post_notice(by=_u("ab_caseworker"), cases=[case], start_on=d + timedelta(days=10))
        steps.finalize(by=_u("ab_approver"), case=case, on=d + timedelta(days=18))
    missing = list(Enrolment.objects.filter(account_cipher="").order_by("id"))
    for i, enrolment in enumerate(missing[:-1]):  # one left without, for the "未登记账户" filter
        services.bank_account_set(
            by=_u("js_bureau") if enrolment.county_code == "230502000000" else _u("qj_bureau"),
            enrolment=enrolment,
            bank_name=BANKS[i % len(BANKS)],
            holder=enrolment.household.head_name,
            account=f"62170{enrolment.county_code[:4]}{enrolment.pk:010d}",
        )
