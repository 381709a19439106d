"""A small supervised world in 安邦乡: an approved 低保 case of this month, its sample, an inspection with a
finding, a warning, a supervision matter with a prompt letter, a complaint and this month's scores."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from jiuzhu.cases.services import steps
from jiuzhu.supervision import scan
from jiuzhu.supervision.models import Alert
from jiuzhu.supervision.services import complaints, escalation, inspections, sampling, scores
from tests.helpers import ANBANG, JIANSHAN, accept, d, make_case, meeting, to_investigated, user


def approve(case, amount=None):
    steps.decide(by=user("ab_approver"), case=case, data=meeting(amount=amount))
    steps.post_notice(by=user("ab_caseworker"), cases=[case], start_on=d("2026-11-12"))
    steps.finalize(by=user("ab_approver"), case=case, on=d("2026-11-20"))
    return case


@dataclass
class World:
    case: object
    sample: object
    inspection: object
    finding: object
    alert: object
    matter: object
    complaint: object
    card: object


def build_world() -> World:
    case = approve(to_investigated())
    inspector = user("js_inspector")
    sample = sampling.sample_draw(by=inspector, kind="monthly", county_code=JIANSHAN, seed="fixed-seed")
    item = sample.items.get(case=case)
    inspection = inspections.inspection_start(
        by=inspector, case=case, kind="process", inspected_on=d("2026-11-20"), sample_item=item
    )
    finding = inspections.finding_record(
        by=inspector,
        inspection=inspection,
        description="公示照片未归档",
        severity="minor",
        found_on=d("2026-11-20"),
    )
    late = make_case(applied_on=d("2026-10-09"))
    accept(late, on="2026-10-12")
    scan.scan(by=inspector, area_code=ANBANG, rules=["no_home_visit"])
    alert = Alert.objects.get(rule="no_home_visit", case=late)
    matter = escalation.matter_open(
        by=inspector,
        township_code=ANBANG,
        title="公示材料归档不全",
        problem="抽查发现公示照片未归档",
        step=escalation.StepInput("prompt", d("2026-11-20"), None, "补齐公示照片并归档", "王春燕"),
        case=case,
        findings=[finding],
    )
    complaint = complaints.complaint_submit(
        by=user("js_bureau"),
        channel="hotline",
        content="反映某户有车辆仍享受低保",
        area_code=ANBANG,
        complainant="张三",
        contact="13900000000",
    )
    cards = scores.scorecards_compute(by=inspector, county_code=JIANSHAN, month=d("2026-11-01"))
    card = next(c for c in cards if c.township_code == ANBANG)
    return World(case, sample, inspection, finding, alert, matter, complaint, card)


@pytest.fixture
def world(db):
    return build_world()
