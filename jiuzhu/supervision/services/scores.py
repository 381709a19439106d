"""Township scorecards (S9): base points less deductions whose weights are policy parameters per county.

Components (each deduction is a `ScorePoint` naming the case, warning, finding or complaint behind it):
timeliness (P7: cases whose deadline fell in the month and that were decided late or not at all),
findings (S3/S4, by severity), complaints found true (S8), data quality (S11: problem-data rate above the
limit, per percentage point), warnings left open past the handling limit (S6) and supervision steps
answered late or not at all (S7).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jiuzhu.cases.deadlines import deadline_of
from jiuzhu.cases.models import Case
from jiuzhu.cases.models_steps import CaseStep, StepKind
from jiuzhu.cases.states import State
from jiuzhu.core import audit, clock, params
from jiuzhu.core.dates import add_months, month_start, next_month
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.jurisdiction_codes import county_code as county_of
from jiuzhu.core.types import TIME_LIMITED_TYPES
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Jurisdiction, Level, User
from jiuzhu.orgs.roles import Perm
from jiuzhu.supervision.models import (
    Alert,
    Complaint,
    Finding,
    MatterStep,
    ScoreCard,
    ScorePoint,
    Severity,
)
from jiuzhu.supervision.rules import RULES, label_of

COMPONENTS = {
    "timeliness": "办理时效",
    "findings": "检查发现问题",
    "complaints": "投诉举报查实",
    "data_quality": "数据质量",
    "open_alerts": "预警逾期未处理",
    "matters": "督办逾期",
}
SEVERITY_KEYS: dict[str, str] = {
    Severity.MINOR: "score.points.finding_minor",
    Severity.MAJOR: "score.points.finding_major",
    Severity.SERIOUS: "score.points.finding_serious",
}
FEN = Decimal("0.01")


def _end_of(month: date) -> datetime:
    last = next_month(month) - timedelta(days=1)
    return min(timezone.make_aware(datetime.combine(last, time.max)), clock.now())


def open_alerts_at(qs, at: datetime):
    """Warnings open at a moment: seen by then, and neither resolved nor handled by then."""
    return (
        qs.filter(first_seen_at__lte=at)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gt=at))
        .filter(Q(handled_at__isnull=True) | Q(handled_at__gt=at))
    )


def _points(township: str, month: date) -> list[ScorePoint]:
    """The deductions of one township-month (unsaved rows)."""
    weights = {
        key: Decimal(params.get(key, area_code=township, on=month))
        for key in (
            "score.points.overdue_case",
            "score.points.complaint",
            "score.points.problem_data",
            "score.points.open_alert",
            "score.points.overdue_matter",
            *SEVERITY_KEYS.values(),
        )
    }
    start, end_day = month, next_month(month) - timedelta(days=1)
    at = _end_of(month)
    today = min(clock.today(), end_day)
    out: list[ScorePoint] = []

    # timeliness (P7)
    accepted_since = add_months(month, -3)
    candidates = Case.objects.filter(
        township_code=township,
        assistance_type__in=TIME_LIMITED_TYPES,
        pk__in=CaseStep.objects.filter(kind=StepKind.ACCEPT, on__gte=accepted_since, on__lte=end_day).values(
            "case_id"
        ),
    ).exclude(status__in=[State.WITHDRAWN, State.NOT_ACCEPTED])
    for case in candidates:
        d = deadline_of(case, today=today)
        if d is None or not (start <= d.due_on <= end_day):
            continue
        late = (d.stopped_on is not None and d.stopped_on > d.due_on) or (
            d.stopped_on is None and today > d.due_on
        )
        if late:
            out.append(
                ScorePoint(
                    component="timeliness",
                    points=-weights["score.points.overdue_case"],
                    case=case,
                    note=f"{case.number} 应于 {d.due_on:%Y-%m-%d} 前办结"
                    + (f"，{d.stopped_on:%Y-%m-%d} 才作出决定" if d.stopped_on else "，至今未作出决定"),
                )
            )

    # findings (S3, S4)
    for f in Finding.objects.filter(township_code=township, found_on__gte=start, found_on__lte=end_day):
        out.append(
            ScorePoint(
                component="findings",
                points=-weights[SEVERITY_KEYS[f.severity]],
                finding=f,
                case_id=f.case_id,
                note=f"{f.get_severity_display()}问题：{f.description[:200]}",
            )
        )

    # complaints found true (S8)
    for c in Complaint.objects.filter(
        township_code=township, substantiated=True, investigated_on__gte=start, investigated_on__lte=end_day
    ):
        out.append(
            ScorePoint(
                component="complaints",
                points=-weights["score.points.complaint"],
                complaint=c,
                case_id=c.case_id,
                note=f"投诉举报 {c.number} 查实",
            )
        )

    # data quality (S11): problem-data rate = cases with an open data-quality warning / cases
    quality_rules = [code for code, r in RULES.items() if r.data_quality]
    township_alerts = Alert.objects.filter(township_code=township)
    open_quality = open_alerts_at(township_alerts.filter(rule__in=quality_rules, case__isnull=False), at)
    cases = (
        Case.objects.filter(township_code=township, created_at__lte=at)
        .exclude(status__in=[State.WITHDRAWN, State.NOT_ACCEPTED])
        .count()
    )
    problem_cases = open_quality.values("case_id").distinct().count()
    if cases:
        rate = Decimal(problem_cases * 100) / Decimal(cases)
        limit = params.get("quality.problem_data_percent", area_code=township, on=month)
        if rate > limit:
            excess = (rate - limit).quantize(FEN, ROUND_HALF_UP)
            out.append(
                ScorePoint(
                    component="data_quality",
                    points=-(excess * weights["score.points.problem_data"]).quantize(FEN),
                    note=f"问题数据率 {rate.quantize(FEN)}%（{problem_cases}/{cases} 件），超过上限 {limit}% {excess} 个百分点",
                )
            )

    # warnings left open past the limit (S6)
    days = params.get("supervision.alert_open_days", area_code=township, on=month)
    for a in open_alerts_at(township_alerts, at).filter(first_seen_at__lt=at - timedelta(days=days)):
        out.append(
            ScorePoint(
                component="open_alerts",
                points=-weights["score.points.open_alert"],
                alert=a,
                case_id=a.case_id,
                note=f"{label_of(a.rule)}：超过 {days} 天未处理（{a.first_seen_at:%Y-%m-%d} 发现）",
            )
        )

    # supervision steps answered late or not at all (S7)
    for s in MatterStep.objects.filter(
        matter__township_code=township, due_on__gte=start, due_on__lte=end_day
    ).select_related("matter"):
        late = (s.answered_on is None and today > s.due_on) or (
            s.answered_on is not None and s.answered_on > s.due_on
        )
        if late:
            out.append(
                ScorePoint(
                    component="matters",
                    points=-weights["score.points.overdue_matter"],
                    case_id=s.matter.case_id,
                    note=f"{s.get_level_display()}“{s.matter.title}”应于 {s.due_on:%Y-%m-%d} 前回复",
                )
            )
    return out


def scorecards_compute(*, by: User, county_code: str, month: date) -> list[ScoreCard]:
    """S9: compute (or recompute) every township's card of a county for a month, and rank them."""
    membership = authz.require(by, Perm.SUPERVISE, county_code)
    if county_of(county_code) != county_code:
        raise ValidationFailed("考评以县（区）为单位计算")
    month = month_start(month)
    if month > clock.today():
        raise ValidationFailed("不能计算将来月份的考评", field_errors={"month": "不能晚于本月"})
    townships = list(
        Jurisdiction.objects.filter(level=Level.TOWNSHIP, parent_id=county_code).values_list(
            "code", flat=True
        )
    )
    computed = [
        (t, _points(t, month), Decimal(params.get("score.base", area_code=t, on=month))) for t in townships
    ]
    with transaction.atomic():
        ScoreCard.objects.filter(county_code=county_code, month=month).delete()
        cards = []
        for township, points, base in computed:
            components = {k: Decimal(0) for k in COMPONENTS}
            for p in points:
                components[p.component] += p.points
            score = max(Decimal(0), base + sum(components.values(), Decimal(0))).quantize(FEN)
            card = ScoreCard.objects.create(
                county_code=county_code,
                township_code=township,
                month=month,
                base=base,
                score=score,
                components={k: str(v.quantize(FEN)) for k, v in components.items()},
                computed_at=clock.now(),
                computed_by=by,
            )
            for p in points:
                p.card = card
            ScorePoint.objects.bulk_create(points)
            cards.append(card)
        ordered = sorted(cards, key=lambda c: -c.score)
        rank = 0
        previous = None
        for i, card in enumerate(ordered, start=1):
            if card.score != previous:
                rank, previous = i, card.score
            card.rank = rank
        ScoreCard.objects.bulk_update(cards, ["rank"])
        audit.record(
            actor=by,
            membership=membership,
            action="score.compute",
            area_code=county_code,
            object_type="supervision.scorecard",
            object_id=f"{county_code}:{month:%Y-%m}",
            object_repr=f"{month:%Y年%m月}乡镇考评",
            after={c.township_code: str(c.score) for c in cards},
        )
    return sorted(cards, key=lambda c: c.rank)
