"""Official documents of a case (DOMAIN §8): what each one says, who issues it (D1), and when it can be issued.

The application's own papers come with it from its creation: the application form, the verification
authorisation and the commitment letter (A1, A3, A5), printed for the household to sign. Each step
arrives with its documents: the intake notices (A4), the investigation form (I1), the review
minutes (R1), the decision minutes (P1), the public notice (P2), the approval or rejection notice (P4) and
the emergency registration (P8). Issuing is a separate action from the step itself: rendering a PDF is slow
I/O that does not belong inside the step's transaction, and staff print when they are ready.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.utils import timezone

from jiuzhu.cases.materials import signers
from jiuzhu.cases.models import Case, NoticeKind, SignatureKind
from jiuzhu.cases.models_steps import MeetingLevel, Outcome
from jiuzhu.cases.selectors import bureau_of, latest_meeting, township_org
from jiuzhu.core import clock
from jiuzhu.core.dates import ADULT_AGE, age_on
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.masking import mask_phone, public_household_name
from jiuzhu.documents import compose
from jiuzhu.documents import services as documents
from jiuzhu.documents.models import IssuedDocument
from jiuzhu.orgs.models import Jurisdiction, Level, Organisation, User
from jiuzhu.registry.models import Relation
from jiuzhu.registry.selectors import income_summary

R = TypeVar("R")


def _common(case: Case) -> dict:
    return {
        "case_number": case.number,
        "assistance": case.get_assistance_type_display(),
        "applicant": case.applicant.name,
        "head": case.household.head_name,
        "address": case.household.address,
        "applied_on": case.applied_on,
        "township": (
            Jurisdiction.objects.filter(code=case.township_code).values_list("name", flat=True).first() or ""
        ),
        # Steps dated beyond the limit through an approved 补录 request are named on every document.
        "backfilled": [
            (s.get_kind_display(), s.on)
            for s in case.steps.filter(backfill__isnull=False).order_by("on", "id")
        ],
    }


def _one(row: R | None) -> R:
    """The record a document is made from: `issue` has checked that it exists (`CaseDoc.available`)."""
    if row is None:
        raise ValidationFailed("该申请当前不能出具这种文书")
    return row


def _latest_notice(case: Case, kind: str):
    return case.notices.filter(kind=kind).order_by("-created_at").first()


def _decision_meeting(case: Case):
    return case.meetings.exclude(level=MeetingLevel.TOWNSHIP_REVIEW).order_by("-held_on", "-id").first()


def _missing(case: Case):
    n = _one(_latest_notice(case, NoticeKind.MISSING_MATERIALS))
    return _common(case) | {"items": n.items}


def _not_eligible(case: Case):
    n = _one(_latest_notice(case, NoticeKind.NOT_ELIGIBLE))
    return _common(case) | {"reasons": n.items}


def _investigation(case: Case):
    inv = _one(case.investigations.order_by("-visited_on").first())
    return _common(case) | {
        "members": [
            {"name": m.name, "relation": m.get_relation_display(), "id_masked": m.id_masked}
            for m in case.household.members.filter(is_active=True)
        ],
        "visited_on": inv.visited_on,
        "investigators": [u.get_full_name() for u in inv.investigators.all()],
        "village_helper": inv.village_helper,
        "home_visit": inv.home_visit,
        "neighbour_interviews": inv.neighbour_interviews,
        "letters": inv.letters,
        "conclusion": inv.conclusion,
    }


def _review(case: Case):
    r = _one(case.reviews.order_by("-held_on").first())
    return _common(case) | {
        "held_on": r.held_on,
        "chair": r.chair.get_full_name(),
        "panel": r.panel,
        "minutes": r.minutes,
        "votes_for": r.votes_for,
        "votes_against": r.votes_against,
    }


def _minutes(case: Case):
    m = _one(latest_meeting(case))
    return _common(case) | {
        "level": m.get_level_display(),
        "held_on": m.held_on,
        "attendees": m.attendees,
        "minutes": m.minutes,
        "outcome": Outcome(m.outcome).label,
        "amount": m.amount,
        "covered_members": m.covered_members,
        "reasons": m.reasons,
    }


def _public_name(case: Case, on):
    head = case.household.members.filter(relation=Relation.HEAD, is_active=True).order_by("id").first()
    return public_household_name(head.name if head else None, head.birth_date if head else None, on)


def _public_notice(case: Case):
    n = _one(case.public_notices.order_by("-start_on").first())
    m = _decision_meeting(case)
    village = (
        Jurisdiction.objects.filter(code=case.household.area_code).values_list("name", flat=True).first()
    )
    return _common(case) | {
        "village": village or "",
        "start_on": n.start_on,
        "end_on": n.end_on,
        "places": n.places,
        "rows": [
            {
                "name": _public_name(case, n.start_on),
                "assistance": case.get_assistance_type_display(),
                "people": m.covered_members if m else "",
                "amount": m.amount if m else None,
            }
        ],
    }


def _approval(case: Case):
    d = case.decision
    return _common(case) | {
        "recipient": case.household.head_name,
        "household_size": d.covered_members,
        "monthly_amount": d.amount,
        "start_month": d.start_month,
        "decided_on": d.decided_on,
        # N1: a 低收入 recognition names its category and the calculation behind it.
        "low_income_category": d.get_low_income_category_display() if d.low_income_category else "",
        "category_basis": d.basis if d.low_income_category else "",
    }


def _rejection(case: Case):
    d = case.decision
    return _common(case) | {
        "recipient": case.household.head_name,
        "decided_on": d.decided_on,
        "reasons": d.reasons,
    }


def _emergency(case: Case):
    e = case.emergency
    return _common(case) | {
        "recipient": case.household.head_name,
        "reason": case.reason,
        "amount": e.amount,
        "requested_at": timezone.localtime(e.requested_at).strftime("%Y-%m-%d %H:%M"),
        "paid_at": timezone.localtime(e.paid_at).strftime("%Y-%m-%d %H:%M"),
        "late": e.late,
        "register_due_on": e.register_due_on,
        "registered_on": e.registered_on,
        "registration_late": e.registration_late,
        "recipient_note": e.recipient_note,
    }


# --- the application's own papers (A1, A3, A5): printed for the household to sign -------------------

# Descriptive age band on the application form (a head count, not a policy threshold).
ELDERLY_AGE = 60


def _place(code: str) -> str:
    """The place's names from the county down (尖山区安邦乡安邦村), for addresses on forms."""
    names = []
    row = Jurisdiction.objects.filter(code=code).first() if code else None
    while row is not None and row.level >= Level.COUNTY:
        names.append(row.name)
        row = row.parent
    return "".join(reversed(names))


def _household(case: Case) -> dict:
    h = case.household
    bureau = bureau_of(case)
    township = township_org(case)
    return _common(case) | {
        "place": _place(h.area_code),
        "township_org": township.name if township else "",
        "bureau": bureau.name if bureau else "",
    }


def _health(m) -> str:
    if m.serious_illness:
        return "患重特大疾病" + (f"：{m.illness_note}" if m.illness_note else "")
    return m.illness_note or "—"


def _application(case: Case):
    h = case.household
    on = case.applied_on
    members = list(h.members.filter(is_active=True).order_by("id"))
    members.sort(key=lambda m: m.relation != Relation.HEAD)  # the head first, then as registered
    ages = {m.pk: age_on(m.birth_date, on) for m in members}
    counts = [
        ("未成年人", sum(1 for m in members if ages[m.pk] < ADULT_AGE)),
        (f"{ELDERLY_AGE}周岁以上老年人", sum(1 for m in members if ages[m.pk] >= ELDERLY_AGE)),
        ("残疾人", sum(1 for m in members if m.disability)),
        ("患重特大疾病", sum(1 for m in members if m.serious_illness)),
    ]
    summary = income_summary(h)
    assets = list(h.assets.select_related("member"))
    hukou = h.hukou_address or (_place(h.hukou_area_code) if h.hukou_area_code else "")
    return _household(case) | {
        "applicant_relation": case.applicant.get_relation_display(),
        "urban_rural": h.get_urban_rural_display(),
        "hukou": hukou,
        "phone": mask_phone(h.phone),
        "channel": case.get_channel_display(),
        "reason": case.reason,
        "requested_amount": case.requested_amount,
        "size": len(members),
        "composition": [f"{label} {n} 人" for label, n in counts if n],
        "members": [
            {
                "name": m.name,
                "sex": m.get_sex_display(),
                "relation": m.get_relation_display(),
                "id_masked": m.id_masked,
                "age": ages[m.pk],
                "disability": (
                    m.get_disability_display() + (f"{m.disability_grade}级" if m.disability_grade else "")
                    if m.disability
                    else "无"
                ),
                "work_ability": m.get_work_ability_display(),
                "health": _health(m),
                "occupation": m.get_schooling_display() if m.schooling else m.get_employment_display(),
                "covered": m.covered,
                "covered_note": m.covered_note,
            }
            for m in members
        ],
        "incomes": [
            {
                "owner": i.member.name if i.member else "全家",
                "category": i.get_category_display(),
                "description": i.description,
                "monthly_amount": i.monthly_amount,
                "excluded": i.excluded,
                "excluded_reason": i.excluded_reason,
            }
            for i in h.incomes.select_related("member")
        ],
        "income_counted": summary["counted"],
        "income_excluded": summary["excluded"],
        "covered": summary["covered"],
        "per_head": summary["per_head"],
        "assets": [
            {
                "owner": a.member.name if a.member else "全家",
                "kind": a.get_kind_display(),
                "description": a.description,
                "quantity": f"{a.quantity.normalize():f}{a.unit}" if a.quantity is not None else "",
                "value": a.value,
            }
            for a in assets
        ],
        "assets_value": sum((a.value for a in assets if a.value is not None), start=0),
    }


def _signed_by(case: Case, kind: str) -> dict:
    """A3: who of the adult members has signed the paper already (one row each, ID numbers masked)."""
    adults = signers(case)
    signed = {s.member_id: s for s in case.signatures.filter(kind=kind)}
    rows = [
        {
            "name": m.name,
            "relation": m.get_relation_display(),
            "id_masked": m.id_masked,
            "signed_on": signed[m.pk].signed_on if m.pk in signed else None,
            "online": signed[m.pk].online if m.pk in signed else False,
            "phone_masked": signed[m.pk].phone_masked if m.pk in signed else "",
        }
        for m in adults
    ]
    return {
        "size": case.household.members.filter(is_active=True).count(),
        "signers": rows,
        "signed_count": sum(1 for r in rows if r["signed_on"]),
        "unsigned": [r["name"] for r in rows if not r["signed_on"]],
    }


def _authorisation(case: Case):
    adults = {m.pk for m in signers(case)}
    minors = [
        m.name for m in case.household.members.filter(is_active=True).order_by("id") if m.pk not in adults
    ]
    return _household(case) | _signed_by(case, SignatureKind.AUTHORISATION) | {"minors": minors}


def _commitment(case: Case):
    return _household(case) | _signed_by(case, SignatureKind.COMMITMENT)


def _township_issues(case: Case) -> tuple[Organisation, Organisation | None]:
    """Intake notices and step records are the township's own papers."""
    org = township_org(case)
    if org is None:
        raise ValidationFailed("受理乡镇（街道）没有登记机构，无法出具文书")
    return org, None


def _decision_issues(case: Case) -> tuple[Organisation, Organisation | None]:
    """D1: a delegated decision is made in the bureau's name, the township being the handling unit."""
    bureau = bureau_of(case)
    if bureau is None:
        raise ValidationFailed("本县（区）没有登记民政局机构，无法出具文书")
    route = getattr(case, "decision", None)
    delegated = (
        route.route == "township"
        if route is not None
        else bool((m := _decision_meeting(case)) and m.route == "township")
    )
    return bureau, township_org(case) if delegated else None


@dataclass(frozen=True)
class CaseDoc:
    kind: str
    available: Callable[[Case], bool]
    context: Callable[[Case], dict]
    parties: Callable[[Case], tuple[Organisation, Organisation | None]]


def _decided(case: Case, outcome) -> bool:
    decision = getattr(case, "decision", None)
    return decision is not None and decision.outcome == outcome


CASE_DOCS = [
    # A1, A3, A5: from the application's creation; the village assistant who registers it may print them.
    CaseDoc("application_form", lambda c: True, _application, _township_issues),
    CaseDoc("verification_authorisation", lambda c: True, _authorisation, _township_issues),
    CaseDoc("commitment_letter", lambda c: True, _commitment, _township_issues),
    CaseDoc(
        "missing_materials_notice",
        lambda c: _latest_notice(c, NoticeKind.MISSING_MATERIALS) is not None,
        _missing,
        _township_issues,
    ),
    CaseDoc(
        "not_eligible_notice",
        lambda c: _latest_notice(c, NoticeKind.NOT_ELIGIBLE) is not None,
        _not_eligible,
        _township_issues,
    ),
    CaseDoc("investigation_form", lambda c: c.investigations.exists(), _investigation, _township_issues),
    CaseDoc("review_minutes", lambda c: c.reviews.exists(), _review, _township_issues),
    CaseDoc("decision_minutes", lambda c: c.meetings.exists(), _minutes, _decision_issues),
    CaseDoc("public_notice", lambda c: c.public_notices.exists(), _public_notice, _township_issues),
    CaseDoc(
        "approval_notice",
        lambda c: _decided(c, Outcome.APPROVE) and not hasattr(c, "emergency"),
        _approval,
        _decision_issues,
    ),
    CaseDoc("rejection_notice", lambda c: _decided(c, Outcome.REJECT), _rejection, _decision_issues),
    CaseDoc(
        "emergency_registration",
        lambda c: hasattr(c, "emergency") and c.emergency.registered_on is not None,
        _emergency,
        _decision_issues,
    ),
]
BY_KIND = {d.kind: d for d in CASE_DOCS}
# Issued together with the intake notice they print (A4), not from the documents card.
ISSUED_WITH_NOTICE = frozenset({"missing_materials_notice", "not_eligible_notice"})


def issuable(case: Case) -> list[str]:
    return [d.kind for d in CASE_DOCS if d.available(case)]


def issue(*, by: User, case: Case, kind: str) -> IssuedDocument:
    spec = BY_KIND.get(kind)
    if spec is None or not spec.available(case):
        raise ValidationFailed("该申请当前不能出具这种文书")
    issuing, handling = spec.parties(case)
    return documents.document_issue(
        by=by,
        kind=kind,
        subject=case,
        context={"hotline": compose.hotline(case.area_code, clock.today()), **spec.context(case)},
        issuing_org=issuing,
        handling_org=handling,
        area_code=case.area_code,
    )
