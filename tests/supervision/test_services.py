"""S1/S2 samples reproduced from their seed; S3 inspections and findings; S7 escalation with overdue
tracking; S8 complaints; S9 scores with drill-down; S10 funds traced to cases; capacity norms."""

from datetime import timedelta
from decimal import Decimal

import pytest

from jiuzhu.core import clock
from jiuzhu.core.errors import Forbidden, NotFound, ValidationFailed
from jiuzhu.documents.models import IssuedDocument
from jiuzhu.supervision import kpis
from jiuzhu.supervision.models import FindingStatus, InspectionStatus, MatterStatus, SampleKind
from jiuzhu.supervision.services import capacity, complaints, escalation, inspections, sampling, scores
from tests.helpers import ANBANG, JIANSHAN, d, make_case, to_investigated, user
from tests.supervision.conftest import approve, build_world

pytestmark = pytest.mark.django_db


def test_S1_sample_is_reproduced_from_its_recorded_seed():
    cases = [approve(to_investigated()) for _ in range(5)]
    sample = sampling.sample_draw(by=user("js_inspector"), kind=SampleKind.MONTHLY, county_code=JIANSHAN)
    assert sample.population_count == 5 and len(sample.seed) == 16
    # 50 % of 5 rounded up = 3, at least the minimum 3
    assert sample.drawn_count == 3
    stored = sorted((i.position, i.case_id) for i in sample.items.all())
    assert sorted((p, u.case_id) for p, u in sampling.reproduce(sample)) == stored
    check = sampling.verify(sample)
    assert check.reproduced and check.population_unchanged
    # the same seed over the same population always gives the same selection; another seed may not
    again = sampling.draw(
        sampling.stored_population(sample), seed=sample.seed, percent=Decimal(50), minimum=3
    )
    assert [u.case_id for _, u in again] == [c for _, c in stored]
    assert {c.pk for c in cases} >= {c for _, c in stored}
    with pytest.raises(ValidationFailed, match="已经抽取"):
        sampling.sample_draw(by=user("js_inspector"), kind=SampleKind.MONTHLY, county_code=JIANSHAN)


def test_S1_quota_percentage_minimum_and_cap():
    assert sampling.quota(10, Decimal(50), 3) == 5
    assert sampling.quota(2, Decimal(50), 3) == 2
    assert sampling.quota(7, Decimal(50), 3) == 4
    assert sampling.quota(100, Decimal("12.5"), 3) == 13


def test_S1_only_inspectors_draw_and_only_in_their_county():
    approve(to_investigated())
    with pytest.raises(Forbidden):
        sampling.sample_draw(by=user("js_bureau"), kind="monthly", county_code=JIANSHAN)
    with pytest.raises(NotFound):
        sampling.sample_draw(by=user("js_inspector"), kind="monthly", county_code="500110000000")


def test_S2_yearly_home_checks_draw_from_recipients():
    approve(to_investigated())
    approve(to_investigated())
    sample = sampling.sample_draw(by=user("js_inspector"), kind=SampleKind.YEARLY_HOME, county_code=JIANSHAN)
    assert sample.source == "recipients" and sample.drawn_count == 2  # minimum 2 per township
    assert sample.period_start == d("2026-01-01")
    item = sample.items.first()
    inspection = inspections.inspection_start(
        by=user("js_inspector"), case=item.case, kind="home", inspected_on=d("2026-11-20"), sample_item=item
    )
    assert inspection.on_site and inspection.answers.count() == 5


def test_S3_inspection_checklist_findings_and_report(world):
    inspection = world.inspection
    answers = list(inspection.answers.all())
    with pytest.raises(ValidationFailed, match="说明问题"):
        inspections.inspection_answer(
            by=user("js_inspector"),
            inspection=inspection,
            answers=[inspections.AnswerInput(answers[0].pk, "fail")],
        )
    data = [inspections.AnswerInput(a.pk, "pass", evidence="档案") for a in answers]
    data[1] = inspections.AnswerInput(answers[1].pk, "fail", note="要求提供了可共享获取的户籍证明")
    inspections.inspection_answer(by=user("js_inspector"), inspection=inspection, answers=data)
    done = inspections.inspection_complete(
        by=user("js_inspector"), inspection=inspection, conclusion="基本规范"
    )
    assert done.status == InspectionStatus.COMPLETED
    auto = done.findings.get(answer__isnull=False)
    assert "可共享获取" in auto.description and auto.case == world.case and auto.township_code == ANBANG
    document = inspections.report_issue(by=user("js_inspector"), inspection=done)
    assert document.kind == "inspection_report" and document.authority_name == "尖山区民政局"
    assert document.pdf.size > 1000


def test_S3_township_rectifies_and_bureau_closes(world):
    with pytest.raises(Forbidden):
        inspections.finding_rectify(
            by=user("js_bureau"), finding=world.finding, rectified_on=d("2026-11-20"), rectification="x"
        )
    f = inspections.finding_rectify(
        by=user("ab_caseworker"),
        finding=world.finding,
        rectified_on=d("2026-11-20"),
        rectification="已补齐照片",
    )
    assert f.status == FindingStatus.RECTIFIED
    assert (
        inspections.finding_close(by=user("js_inspector"), finding=f, note="核实到位").status
        == FindingStatus.CLOSED
    )


def test_S7_two_simultaneous_letter_requests_leave_one_letter(world):
    from jiuzhu.documents.models import DocumentNumber, IssuedDocument

    step = world.matter.steps.get()
    stale = world.matter.steps.get()  # read by the second request before the first one saved its letter
    first = escalation.letter_issue(by=user("js_inspector"), step=step)
    with pytest.raises(ValidationFailed, match="已出具"):
        escalation.letter_issue(by=user("js_inspector"), step=stale)
    stale.refresh_from_db()
    assert stale.document_id == first.pk
    assert IssuedDocument.objects.filter(kind="prompt_letter").count() == 1
    # The second request's number is not lost: the register records it as void, with the reason.
    void = DocumentNumber.objects.get(status="void", kind="prompt_letter")
    assert void.void_reason == "该环节的文书已出具" and void.serial == first.register_entry.serial + 1


def test_S7_overdue_prompt_letter_is_tracked_and_escalated(world):
    matter = world.matter
    step = matter.steps.get()
    assert step.level == "prompt" and step.due_on == d("2026-12-04")  # 10 working days (parameter)
    document = escalation.letter_issue(by=user("js_inspector"), step=step)
    assert document.kind == "prompt_letter" and document.title == "督办提示函"
    # not yet due: no escalation without an answer
    with pytest.raises(ValidationFailed, match="尚未到期"):
        escalation.matter_escalate(
            by=user("js_inspector"),
            matter=matter,
            step=escalation.StepInput("criticism", d("2026-11-20"), None, "限期整改", "刘宏伟"),
        )
    assert not escalation.overdue_steps().filter(matter=matter).exists()
    clock.advance(timedelta(days=20))
    assert escalation.overdue_steps().filter(matter=matter).exists()
    with pytest.raises(ValidationFailed, match="只能升级为"):
        escalation.matter_escalate(
            by=user("js_inspector"),
            matter=matter,
            step=escalation.StepInput("referral", clock.today(), None, "移交", "刘宏伟"),
        )
    new = escalation.matter_escalate(
        by=user("js_inspector"),
        matter=matter,
        step=escalation.StepInput("special", clock.today(), None, "专项督办，限期补齐全部公示材料", "刘宏伟"),
    )
    matter.refresh_from_db()
    assert matter.level == "special" and new.due_on > clock.today()
    assert escalation.letter_issue(by=user("js_inspector"), step=new).title == "专项督办函"
    escalation.matter_answer(
        by=user("ab_approver"), matter=matter, answer="已全部补齐", answered_on=clock.today()
    )
    matter.refresh_from_db()
    assert matter.status == MatterStatus.ANSWERED
    escalation.matter_close(by=user("js_inspector"), matter=matter, note="整改到位")
    matter.refresh_from_db()
    assert matter.status == MatterStatus.CLOSED
    assert IssuedDocument.objects.filter(kind="prompt_letter").count() == 2


def test_S7_only_the_township_answers_and_only_the_bureau_escalates(world):
    with pytest.raises(NotFound):
        escalation.matter_answer(
            by=user("emr_caseworker"), matter=world.matter, answer="x", answered_on=d("2026-11-20")
        )
    with pytest.raises(Forbidden):
        escalation.matter_answer(
            by=user("js_inspector"), matter=world.matter, answer="x", answered_on=d("2026-11-20")
        )
    with pytest.raises(ValidationFailed, match="晚于今天"):
        escalation.matter_answer(
            by=user("ab_caseworker"), matter=world.matter, answer="x", answered_on=d("2026-11-21")
        )


def test_S8_complaint_from_intake_to_return_visit():
    case = make_case()
    online = complaints.complaint_submit(
        by=None,
        channel="online",
        content="村干部亲属违规享受低保",
        area_code=ANBANG,
        anonymous=True,
        case=case,
    )
    assert online.received_by is None and online.reply_due_on == d("2026-12-11")  # 15 working days
    with pytest.raises(ValidationFailed, match="网上投诉"):
        complaints.complaint_submit(by=None, channel="hotline", content="x", area_code=ANBANG, anonymous=True)
    complaints.complaint_assign(by=user("js_bureau"), complaint=online, assignee=user("ab_caseworker"))
    complaints.complaint_investigate(
        by=user("ab_caseworker"),
        complaint=online,
        method="unannounced",
        investigation="暗访属实",
        substantiated=True,
        on=d("2026-11-20"),
        severity="major",
    )
    finding = online.findings.get()
    assert finding.case == case and finding.severity == "major"
    complaints.complaint_reply(
        by=user("ab_caseworker"), complaint=online, reply="已停发并追回", on=d("2026-11-20")
    )
    complaints.complaint_return_visit(
        by=user("js_bureau"), complaint=online, on=d("2026-11-20"), satisfaction="satisfied"
    )
    online.refresh_from_db()
    assert online.status == "closed" and not online.overdue_on(clock.today())


def test_S9_scores_deduct_and_drill_down_to_the_causes():
    world = build_world()
    complaints.complaint_investigate(
        by=user("js_inspector"),
        complaint=world.complaint,
        method="visit",
        investigation="属实",
        substantiated=True,
        on=d("2026-11-20"),
    )
    cards = scores.scorecards_compute(by=user("js_inspector"), county_code=JIANSHAN, month=d("2026-11-01"))
    anbang = next(c for c in cards if c.township_code == ANBANG)
    points = {p.component: p for p in anbang.points.all()}
    assert points["findings"].finding == world.finding and points["findings"].points == Decimal("-1.00")
    assert points["complaints"].complaint == world.complaint and points["complaints"].points == Decimal(
        "-3.00"
    )
    assert anbang.score == Decimal("100") + sum(p.points for p in anbang.points.all())
    assert anbang.rank == len(cards)  # every other township has a clean sheet
    assert all(c.rank == 1 for c in cards if c.township_code != ANBANG)


def test_S10_funds_allocated_spent_remaining_traced_to_cases():
    case = to_investigated(make_case(assistance_type="linshi_expense", requested_amount="800"))
    approve(case, amount="800.00")
    capacity.fund_allocate(
        by=user("js_finance"), township_code=ANBANG, year=2026, amount="50000", allocated_on=d("2026-03-01")
    )
    with pytest.raises(Forbidden):
        capacity.fund_allocate(
            by=user("js_inspector"), township_code=ANBANG, year=2026, amount="1", allocated_on=d("2026-03-01")
        )
    townships = [t for t in kpis.selectors.townships_for(user("js_inspector")) if t.code == ANBANG]
    row = kpis.funds(user("js_inspector"), townships, 2026).rows[0]
    assert row[1] == Decimal("50000") and row[2] == Decimal("800") and row[4] == Decimal("49200")
    payments = kpis.linshi_payments(user("js_inspector"), 2026)
    assert [(p.case_id, p.amount) for p in payments] == [(case.pk, Decimal("800"))]


def test_capacity_staffing_norms_and_training():
    inspector = user("js_inspector")
    townships = [t for t in kpis.selectors.townships_for(inspector) if t.code == ANBANG]
    row = kpis.staffing(inspector, townships).rows[0]
    assert row[1] == 2 and row[3] is False  # two staff against 3–5
    assert row[4] == 4 and row[5] == 1  # one of four villages has an assistant
    capacity.training_record(
        by=inspector,
        county_code=JIANSHAN,
        held_on=d("2026-05-10"),
        title="低保审核确认业务培训",
        organiser="尖山区民政局",
        hours="4",
        attendees=[user("ab_caseworker")],
    )
    table = kpis.trainings_per_year(inspector, JIANSHAN)
    assert table.rows[-1] == ["2026", 1, 1, True]
