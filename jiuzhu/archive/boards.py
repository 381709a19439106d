"""Public notice boards of villages and communities (P2, S12).

A board shows (1) the cases currently on notice — masked head of household, type, people, amount, notice
period — and (2) the long-term list of recipients and amounts, with the county's complaint hotline. Only
masked data leaves this module: names through `mask_name`, never an ID number, and **minors are never
named** — a household whose head is under 18 on the day is listed as “某户”.

The board is public (no login): its reads take no user, and return only what may be posted on a village
wall anyway. Printing it (a numbered PDF with a QR code, kind `notice_board`) is a staff action.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q

from jiuzhu.benefits.models import Enrolment
from jiuzhu.benefits.selectors import on_rolls_q
from jiuzhu.benefits.services import amount_for
from jiuzhu.cases.models_steps import DecisionMeeting, MeetingLevel, Outcome, PublicNotice
from jiuzhu.core import clock
from jiuzhu.core.dates import month_start
from jiuzhu.core.errors import NotFound
from jiuzhu.core.jurisdiction_codes import county_code, is_valid_code, township_code
from jiuzhu.core.masking import ANONYMOUS_HOUSEHOLD, public_household_name
from jiuzhu.documents.compose import HOTLINE, hotline  # noqa: F401 - HOTLINE is part of this module's API
from jiuzhu.orgs.models import Jurisdiction, Level
from jiuzhu.registry.models import Member, Relation

ANONYMOUS = ANONYMOUS_HOUSEHOLD


def public_name(head: Member | None, on: date) -> str:
    """P2: the head's surname and stars, “某户” for a minor head (see `core.masking`)."""
    return public_household_name(head.name if head else None, head.birth_date if head else None, on)


def _heads(household_ids: list[int]) -> dict[int, Member]:
    heads: dict[int, Member] = {}
    for m in Member.objects.filter(
        household_id__in=household_ids, relation=Relation.HEAD, is_active=True
    ).order_by("id"):
        heads.setdefault(m.household_id, m)
    return heads


@dataclass(frozen=True)
class NoticeRow:
    """One case on notice (P2), masked."""

    name: str
    assistance: str
    people: int | None
    amount: Decimal | None
    start_on: date
    end_on: date


@dataclass(frozen=True)
class RecipientRow:
    """One household receiving a monthly benefit (S12), masked."""

    name: str
    assistance: str
    people: int | None
    amount: Decimal | None
    since: date | None  # first month paid


def village_of(code: str) -> Jurisdiction:
    """A village or community by code, else 404 (public: anyone may ask for any village's board)."""
    if not is_valid_code(code):
        raise NotFound("没有这个村（社区）")
    place = Jurisdiction.objects.select_related("parent", "parent__parent").filter(code=code).first()
    if place is None or place.level != Level.VILLAGE:
        raise NotFound("没有这个村（社区）")
    return place


def _approval_meetings(case_ids: list[int]) -> dict[int, DecisionMeeting]:
    meetings: dict[int, DecisionMeeting] = {}
    for m in (
        DecisionMeeting.objects.filter(case_id__in=case_ids, outcome=Outcome.APPROVE)
        .exclude(level=MeetingLevel.TOWNSHIP_REVIEW)
        .order_by("held_on", "id")
    ):
        meetings[m.case_id] = m  # the latest wins
    return meetings


def notice_rows(village_code: str, on: date) -> list[NoticeRow]:
    """P2: the cases of this village on notice on `on` (notice started, not yet ended or closed)."""
    notices = list(
        PublicNotice.objects.filter(
            case__household__area_code=village_code, start_on__lte=on, end_on__gte=on, closed_on__isnull=True
        )
        .select_related("case")
        .order_by("start_on", "case_id")
    )
    cases = [n.case for n in notices]
    heads = _heads([c.household_id for c in cases])
    meetings = _approval_meetings([c.pk for c in cases])
    rows = []
    for n in notices:
        meeting = meetings.get(n.case_id)
        rows.append(
            NoticeRow(
                name=public_name(heads.get(n.case.household_id), on),
                assistance=n.case.get_assistance_type_display(),
                people=meeting.covered_members if meeting else None,
                amount=meeting.amount if meeting else None,
                start_on=n.start_on,
                end_on=n.end_on,
            )
        )
    return rows


def recipients_source(village_code: str, on: date) -> list[RecipientRow]:
    """S12: households of this village on the rolls (enrolments being paid, or approved and paid from a
    coming month), with the monthly amount and the month payment started, masked."""

    month = month_start(on)
    enrolments = list(
        Enrolment.objects.filter(on_rolls_q(month), area_code=village_code).order_by("start_month", "id")
    )
    heads = _heads([e.household_id for e in enrolments])
    rows = [
        RecipientRow(
            name=public_name(heads.get(e.household_id), on),
            assistance=e.get_assistance_type_display(),
            people=e.covered_members,
            amount=amount_for(e, max(month, e.start_month)),
            since=e.start_month,
        )
        for e in enrolments
    ]
    rows.sort(key=lambda r: (r.assistance, r.since or date.min, r.name))
    return rows


@dataclass(frozen=True)
class Board:
    village: Jurisdiction
    township: Jurisdiction | None
    county: Jurisdiction | None
    on: date
    notices: list[NoticeRow]
    recipients: list[RecipientRow]
    hotline: str

    @property
    def recipients_total(self) -> Decimal:
        return sum((r.amount or Decimal("0") for r in self.recipients), Decimal("0"))

    @property
    def recipients_people(self) -> int:
        return sum(r.people or 0 for r in self.recipients)

    def context(self) -> dict:
        """The official template's context (only masked data, so it is safe to store and hash)."""
        return {
            "village": self.village.name,
            "township": self.township.name if self.township else "",
            "county": self.county.name if self.county else "",
            "on": self.on,
            "notices": [asdict(r) for r in self.notices],
            "recipients": [asdict(r) for r in self.recipients],
            "recipients_total": self.recipients_total,
            "recipients_people": self.recipients_people,
            "hotline": self.hotline,
        }


def board_for(code: str, on: date | None = None) -> Board:
    """P2, S12: the public board of one village or community."""
    village = village_of(code)
    on = on or clock.today()
    places = {
        j.code: j for j in Jurisdiction.objects.filter(code__in=[township_code(code), county_code(code)])
    }
    return Board(
        village=village,
        township=places.get(township_code(code)),
        county=places.get(county_code(code)),
        on=on,
        notices=notice_rows(code, on),
        recipients=recipients_source(code, on),
        hotline=hotline(code, on),
    )


def board_counts(village_codes: list[str], on: date) -> dict[str, tuple[int, int]]:
    """Staff overview: per village, (cases on notice, recipients), counted in the database (a county's bureau
    sees every village: 2·10^5 enrolments at province scale). Recipients are the rows of the village's public
    list (`recipients_source`): one per enrolment on the rolls."""
    out = dict.fromkeys(village_codes, (0, 0))
    if not village_codes:
        return out
    on_notice = dict(
        PublicNotice.objects.filter(
            case__household__area_code__in=village_codes,
            start_on__lte=on,
            end_on__gte=on,
            closed_on__isnull=True,
        )
        .values("case__household__area_code")
        .annotate(n=Count("id"))
        .values_list("case__household__area_code", "n")
    )
    receiving = dict(
        Enrolment.objects.filter(on_rolls_q(month_start(on)), area_code__in=village_codes)
        .values("area_code")
        .annotate(n=Count("id"))
        .values_list("area_code", "n")
    )
    for code in village_codes:
        out[code] = (on_notice.get(code, 0), receiving.get(code, 0))
    return out


def villages_q(prefixes: list[str] | None) -> Q:
    if prefixes is None:
        return Q()
    q = Q(pk__in=[])
    for p in prefixes:
        q |= Q(code__startswith=p)
    return q
