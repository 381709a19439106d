"""Showcase supervision data for `make run` (after the cases showcase): a warning scan, this month's sample
with an inspection, a prompt letter, a complaint, fund allocations, a training and this month's scores.
Everything goes through the services; safe to run twice."""

from __future__ import annotations

from datetime import date

from jiuzhu.core import clock
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.orgs.models import Jurisdiction, Level, User
from jiuzhu.supervision import scan
from jiuzhu.supervision.models import Alert, Complaint, FundAllocation, Matter, Sample, ScanTrigger, Training
from jiuzhu.supervision.rules import label_of
from jiuzhu.supervision.services import capacity, complaints, escalation, inspections, sampling, scores

JIANSHAN = "230502000000"
ANBANG = "230502200000"


def _u(name: str) -> User:
    return User.objects.get(username=name)


def load() -> None:
    today = clock.today()
    inspector = _u("js_inspector")
    scan.scan(by=None, area_code="", trigger=ScanTrigger.NIGHTLY)
    if not Sample.objects.filter(county_code=JIANSHAN, period_start=today.replace(day=1)).exists():
        try:
            sample = sampling.sample_draw(by=inspector, kind="monthly", county_code=JIANSHAN)
        except ValidationFailed:
            sample = None
        item = sample.items.exclude(case=None).first() if sample else None
        if item is not None and item.case is not None:
            inspections.inspection_start(
                by=inspector, case=item.case, kind="process", inspected_on=today, sample_item=item
            )
    if not Matter.objects.exists():
        alert = Alert.objects.filter(township_code__startswith="230502", case__isnull=False).first()
        if alert is not None:
            matter = escalation.matter_open(
                by=inspector,
                township_code=alert.township_code,
                title=label_of(alert.rule),
                problem=alert.detail,
                step=escalation.StepInput("prompt", today, None, "逐件核实并整改，完善档案", "乡镇分管领导"),
                case=alert.case,
                alerts=[alert],
            )
            escalation.letter_issue(by=inspector, step=matter.steps.get())
    if not Complaint.objects.exists():
        complaints.complaint_submit(
            by=_u("js_bureau"),
            channel="hotline",
            content="反映邻居家有小轿车仍享受低保，请核实。",
            area_code=ANBANG,
            complainant="李先生",
            contact="13904690000",
        )
    if not FundAllocation.objects.exists():
        for t in Jurisdiction.objects.filter(level=Level.TOWNSHIP, parent_id=JIANSHAN):
            capacity.fund_allocate(
                by=_u("js_finance"),
                township_code=t.code,
                year=today.year,
                amount="50000",
                allocated_on=date(today.year, 1, 15),
                document_no=f"尖财社〔{today.year}〕3号",
            )
    if not Training.objects.exists():
        capacity.training_record(
            by=_u("js_bureau"),
            county_code=JIANSHAN,
            held_on=date(today.year, 3, 18),
            title="社会救助审核确认权限下放业务培训",
            organiser="尖山区民政局",
            hours="6",
            attendees=[_u("ab_caseworker"), _u("emr_caseworker")],
            other_attendees=20,
        )
    scores.scorecards_compute(by=inspector, county_code=JIANSHAN, month=today)
