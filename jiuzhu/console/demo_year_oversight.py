"""Oversight of the demo year beyond the monthly scan, sample and scores (demo_year_steps.supervision_month):
complaints from intake to the bureau's return visit (回访, S8), and prompt letters on the warnings the scan
raised — answered and closed, or, for the first of them, left unanswered past the deadline and escalated one
rung up (S7)."""

from __future__ import annotations

from datetime import date, timedelta

from jiuzhu.cases.demo import _u
from jiuzhu.console.demo_year import TOWNSHIPS, Life, Walk
from jiuzhu.core import clock
from jiuzhu.supervision.models import Alert, AlertStatus, Complaint, Level, Matter
from jiuzhu.supervision.rules import label_of
from jiuzhu.supervision.services import complaints, escalation

BUREAU = "js_bureau"
INSPECTOR = "js_inspector"
COMPLAINTS = [
    ("hotline", "反映本村某低保户家中新买了小轿车，是否还符合条件，请核实。", False),
    ("letter", "反映村里低保评议时没有张榜公示，群众不知情。", True),
    ("visit", "本人申请低保已经一个多月，没有人告知办理进度。", True),
    ("hotline", "反映某户子女在外地工作收入较高，仍享受低保。", False),
]
COMPLAINANTS = ["王先生", "李女士", "张大爷", "刘女士", "陈先生"]
# Every few months the inspector opens a prompt letter (提示函) on an open warning of the scan.
LETTER_EVERY = 3


def oversight_month(walk: Walk, month: date) -> None:
    index = (month.year - walk.start.year) * 12 + month.month - walk.start.month
    for _ in range(max(1, walk.households // 400)):
        walk.later(_complaint_life(walk, month + timedelta(days=walk.rng.randrange(0, 24))))
    if index % LETTER_EVERY == 1:
        # The day after the mid-month scan (demo_year_steps.supervision_month), so its warnings are there.
        walk.later(_letter_life(walk, month.replace(day=13), escalate=index == 1))


def _complaint_life(walk: Walk, day: date) -> Life:
    """Taken by the bureau, given to the township, checked, answered; then the bureau calls the complainant
    back and closes it."""
    yield day
    township = walk.rng.choice(sorted(TOWNSHIPS))
    channel, content, substantiated = walk.rng.choice(COMPLAINTS)
    bureau = _u(BUREAU)
    complaint = complaints.complaint_submit(
        by=bureau,
        channel=channel,
        content=content,
        area_code=township,
        complainant=walk.rng.choice(COMPLAINANTS),
        contact=f"139{walk.rng.randrange(0, 10**8):08d}",
        received_on=clock.today(),
    )
    walk.counts["complaints"] += 1
    yield walk.after(1, 2)
    handler = _u(TOWNSHIPS[township]["worker"])
    complaints.complaint_assign(by=bureau, complaint=complaint, assignee=handler, on=clock.today())
    yield walk.after(2, 6)
    complaint = Complaint.objects.get(pk=complaint.pk)
    complaints.complaint_investigate(
        by=handler,
        complaint=complaint,
        method=walk.rng.choice(["visit", "records"]),
        investigation="经入户核实和查阅档案，"
        + ("反映情况基本属实，已督促整改" if substantiated else "反映情况不属实"),
        substantiated=substantiated,
        on=clock.today(),
    )
    yield walk.after(1, 3)
    complaint = Complaint.objects.get(pk=complaint.pk)
    complaints.complaint_reply(
        by=handler,
        complaint=complaint,
        reply="已调查核实，"
        + ("情况属实，已整改并向村民说明" if substantiated else "该户情况符合政策规定，已向反映人解释"),
        on=clock.today(),
    )
    yield walk.after(2, 5)
    complaint = Complaint.objects.get(pk=complaint.pk)
    complaints.complaint_return_visit(
        by=bureau,
        complaint=complaint,
        on=clock.today(),
        satisfaction=walk.rng.choice(["satisfied", "satisfied", "basic"]),
        note="电话回访，反映人对处理结果表示认可",
    )
    walk.counts["complaints_return_visited"] += 1


def _letter_life(walk: Walk, day: date, *, escalate: bool) -> Life:
    """A prompt letter on one township's open warning. The township answers within the deadline and the
    bureau closes the matter — except the first, which goes unanswered past its deadline and is escalated to
    a criticism (通报批评), answered and closed after that."""
    yield day
    alert = (
        Alert.objects.filter(township_code__in=TOWNSHIPS, status=AlertStatus.OPEN, matters__isnull=True)
        .order_by("pk")
        .first()
    )
    if alert is None:
        return
    inspector = _u(INSPECTOR)
    matter = escalation.matter_open(
        by=inspector,
        township_code=alert.township_code,
        title=label_of(alert.rule),
        problem=alert.detail,
        step=escalation.StepInput(
            Level.PROMPT,
            clock.today(),
            None,
            "逐件核实并整改，完善档案，按期报送整改情况",
            "乡镇（街道）分管领导",
        ),
        case=alert.case,
        alerts=[alert],
    )
    escalation.letter_issue(by=inspector, step=matter.steps.get())
    walk.counts["prompt_letters"] += 1
    township = _u(TOWNSHIPS[alert.township_code]["worker"])
    if escalate:
        yield matter.steps.get().due_on + timedelta(days=walk.rng.randint(1, 3))
        matter = Matter.objects.get(pk=matter.pk)
        step = escalation.matter_escalate(
            by=inspector,
            matter=matter,
            step=escalation.StepInput(
                Level.CRITICISM,
                clock.today(),
                None,
                "逾期未回复整改情况，予以通报批评，限期整改到位",
                "乡镇（街道）主要负责人",
            ),
            review_note="提示函逾期未回复",
        )
        escalation.letter_issue(by=inspector, step=step)
        walk.counts["prompt_letters_escalated"] += 1
    yield walk.after(3, 7)
    matter = Matter.objects.get(pk=matter.pk)
    escalation.matter_answer(
        by=township,
        matter=matter,
        answer="已逐件核实，补齐档案材料，相关人员已作检查",
        answered_on=clock.today(),
    )
    yield walk.after(1, 3)
    matter = Matter.objects.get(pk=matter.pk)
    escalation.matter_close(by=inspector, matter=matter, note="整改到位，同意办结", on=clock.today())
    walk.counts["matters_closed"] += 1
