"""The household file (一户一档, AR1): everything recorded about one household and all its cases — issued
documents, attachments (scans, photos, video), decisions, custody moves and events — in time order.

Reads only. The caller fetched the household through `registry.selectors.get_household` (scoped); documents
and attachments are read through the documents app's scoped selectors as well.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q
from django.urls import reverse
from django.utils import timezone

from jiuzhu.archive.models import CustodyTransfer
from jiuzhu.benefits.models import Enrolment, EnrolmentChange
from jiuzhu.cases.models import Case, CaseMaterial
from jiuzhu.cases.models_steps import (
    Decision,
    DecisionMeeting,
    Investigation,
    Objection,
    Outcome,
    PublicNotice,
    Review,
)
from jiuzhu.core import audit
from jiuzhu.core.models import AuditEvent
from jiuzhu.documents.models import Attachment, IssuedDocument
from jiuzhu.documents.selectors import attachments_visible_to, documents_visible_to
from jiuzhu.registry.models import Household

DOCUMENT = "document"
ATTACHMENT = "attachment"
DECISION = "decision"
CUSTODY = "custody"
EVENT = "event"

ENTRY_KINDS = [
    (DOCUMENT, "文书"),
    (ATTACHMENT, "附件"),
    (DECISION, "审批决定"),
    (CUSTODY, "档案保管"),
    (EVENT, "办理记录"),
]
ENTRY_KIND_LABELS = dict(ENTRY_KINDS)


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str
    title: str
    detail: str = ""
    case: Case | None = None
    url: str = ""
    number: str = ""
    sha256: str = ""
    size: int | None = None
    revoked: bool = False
    obj: Any = field(default=None, compare=False, repr=False)

    @property
    def kind_label(self) -> str:
        return ENTRY_KIND_LABELS[self.kind]

    @property
    def has_file(self) -> bool:
        return self.kind in (DOCUMENT, ATTACHMENT)


@dataclass(frozen=True)
class Filters:
    kinds: frozenset[str] = frozenset()  # empty: all
    case_id: int | None = None  # 0: the household's own records only
    start: date | None = None
    end: date | None = None

    def wants(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds


def cases_of(household: Household) -> list[Case]:
    return list(
        Case.objects.filter(household=household).select_related("applicant").order_by("applied_on", "id")
    )


def _owners(household: Household, cases: list[Case]) -> list[Model]:
    """Everything a file can be attached to in this household's file."""
    owners: list[Model] = [household, *cases]
    ids = [c.pk for c in cases]

    for model in (CaseMaterial, Investigation, Review, DecisionMeeting, PublicNotice, Objection):
        owners += list(model.objects.filter(case_id__in=ids))
    return owners + enrolments_of(cases)


def _owner_q(owners: list[Model], type_field: str, id_field: str) -> Q:
    by_type: dict[int, list[str]] = {}
    for owner in owners:
        by_type.setdefault(ContentType.objects.get_for_model(owner).pk, []).append(str(owner.pk))
    q = Q(pk__in=[])
    for type_id, ids in by_type.items():
        q |= Q(**{type_field: type_id, f"{id_field}__in": ids})
    return q


def _case_of(owner: Model | None, cases: dict[int, Case]) -> Case | None:
    if owner is None:
        return None
    if isinstance(owner, Case):
        return owner
    case_id = getattr(owner, "case_id", None)
    return cases.get(case_id) if case_id else None


def enrolments_of(cases: list[Case]) -> list[Enrolment]:
    return list(Enrolment.objects.filter(case_id__in=[c.pk for c in cases]).order_by("id"))


def file_documents(user, household: Household, cases: list[Case]) -> list[IssuedDocument]:
    """Issued documents of the household, its cases and their enrolments (adjustment notices) (scoped)."""
    subjects: list[Model] = [household, *cases, *enrolments_of(cases)]
    return list(
        documents_visible_to(user)
        .filter(_owner_q(subjects, "subject_type", "subject_id"))
        .order_by("issued_at", "id")
    )


def file_attachments(
    user, household: Household, cases: list[Case], documents: list[IssuedDocument]
) -> list[tuple[Attachment, Model]]:
    """Attachments of the household, its cases, their records and their issued documents (signed scans)."""
    owners = _owners(household, cases) + list(documents)
    keys: dict[tuple[int | None, str], Model] = {
        (ContentType.objects.get_for_model(o).pk, str(o.pk)): o for o in owners
    }
    rows = attachments_visible_to(user).filter(_owner_q(owners, "owner_type_id", "owner_id"))
    return [(a, keys[(a.owner_type_id, a.owner_id)]) for a in rows.order_by("uploaded_at", "id")]


def owner_label(owner: Model) -> str:

    if isinstance(owner, Household):
        return "家庭"
    if isinstance(owner, Case):
        return f"申请 {owner.number}"
    if isinstance(owner, IssuedDocument):
        return f"{owner.title}（{owner.number}）签章件"
    if isinstance(owner, CaseMaterial):
        return f"材料：{owner.requirement.name}"
    if isinstance(owner, Investigation):
        return f"入户调查 {owner.visited_on:%Y-%m-%d}"
    if isinstance(owner, Review):
        return f"民主评议 {owner.held_on:%Y-%m-%d}"
    if isinstance(owner, DecisionMeeting):
        return f"{owner.get_level_display()} {owner.held_on:%Y-%m-%d}"
    if isinstance(owner, PublicNotice):
        return f"公示 {owner.start_on:%Y-%m-%d}至{owner.end_on:%Y-%m-%d}"
    if isinstance(owner, Objection):
        return f"异议 {owner.received_on:%Y-%m-%d}"
    return str(owner)


def entries(user, household: Household, filters: Filters | None = None) -> list[Entry]:
    """AR1: the household's file in time order (the time each item was recorded), filtered."""
    filters = filters or Filters()
    all_cases = cases_of(household)
    by_id = {c.pk: c for c in all_cases}
    out: list[Entry] = []
    documents = file_documents(user, household, all_cases)
    enrolment_case = {e.pk: e.case_id for e in enrolments_of(all_cases)}
    if filters.wants(DOCUMENT):
        for d in documents:
            case = _document_case(d, by_id, enrolment_case)
            out.append(
                Entry(
                    at=d.issued_at,
                    kind=DOCUMENT,
                    title=d.title,
                    detail=f"{d.authority_name}"
                    + (f"（承办：{d.handling_unit_name}）" if d.handling_unit_name else ""),
                    case=case,
                    url=reverse("document_detail", args=[d.pk]),
                    number=d.number,
                    sha256=d.pdf_sha256,
                    size=d.pdf_size,
                    revoked=d.revoked,
                    obj=d,
                )
            )
    if filters.wants(ATTACHMENT):
        for a, owner in file_attachments(user, household, all_cases, documents):
            case = _case_of(owner, by_id)
            if isinstance(owner, IssuedDocument):
                case = _document_case(owner, by_id, enrolment_case)
            out.append(
                Entry(
                    at=a.uploaded_at,
                    kind=ATTACHMENT,
                    title=a.original_name,
                    detail=f"{a.get_kind_display()} · {owner_label(owner)}"
                    + (f" · {a.note}" if a.note else ""),
                    case=case,
                    url=reverse("attachment_download", args=[a.pk]),
                    sha256=a.sha256,
                    size=a.size,
                    obj=a,
                )
            )
    if filters.wants(DECISION):
        out += _benefit_changes(all_cases, by_id)
        for dec in Decision.objects.filter(case_id__in=list(by_id)).order_by("created_at"):
            case = by_id[dec.case_id]
            amount = f"，金额 {dec.amount} 元" if dec.amount is not None else ""
            since = f"，自{dec.start_month:%Y年%m月}起发放" if dec.start_month else ""
            out.append(
                Entry(
                    at=dec.created_at,
                    kind=DECISION,
                    title=f"{'批准' if dec.outcome == Outcome.APPROVE else '不予批准'}：{case.get_assistance_type_display()}",
                    detail=f"{dec.decided_on:%Y-%m-%d} {dec.authority_name}"
                    + (f"（承办：{dec.handling_unit_name}）" if dec.handling_unit_name else "")
                    + amount
                    + since,
                    case=case,
                    url=reverse("case_detail", args=[case.pk]),
                    obj=dec,
                )
            )
    if filters.wants(CUSTODY):
        for t in CustodyTransfer.objects.filter(household=household).select_related(
            "from_org", "to_org", "batch"
        ):
            title = (
                f"档案交由{t.to_org.name}保管"
                if t.from_org is None
                else f"档案由{t.from_org.name}移交{t.to_org.name}"
            )
            out.append(
                Entry(
                    at=t.created_at,
                    kind=CUSTODY,
                    title=title,
                    detail=f"{t.on:%Y-%m-%d} · {t.reason}" + (f" · 存放：{t.location}" if t.location else ""),
                    obj=t,
                )
            )
    if filters.wants(EVENT):
        out += _events(household, by_id)
    if filters.case_id is not None:
        out = [e for e in out if (e.case.pk if e.case else 0) == filters.case_id]
    if filters.start:
        out = [e for e in out if timezone.localtime(e.at).date() >= filters.start]
    if filters.end:
        out = [e for e in out if timezone.localtime(e.at).date() <= filters.end]
    out.sort(key=lambda e: (e.at, e.kind))
    return out


def _document_case(d: IssuedDocument, by_id: dict[int, Case], enrolment_case: dict[int, int]) -> Case | None:
    if d.subject_type_id == _ct(Case):
        return by_id.get(int(d.subject_id))
    if d.subject_type_id == _ct(Enrolment):
        return by_id.get(enrolment_case.get(int(d.subject_id), 0))
    return None


def _benefit_changes(cases: list[Case], by_id: dict[int, Case]) -> list[Entry]:
    """DM1: every change of an enrolment (reviews, adjustments, suspension, termination, bank account)."""

    out = []
    for ch in (
        EnrolmentChange.objects.filter(enrolment__case_id__in=list(by_id))
        .select_related("enrolment", "by")
        .order_by("created_at", "id")
    ):
        amounts = ""
        if (
            ch.amount_before is not None
            and ch.amount_after is not None
            and ch.amount_before != ch.amount_after
        ):
            amounts = f"，{ch.amount_before} → {ch.amount_after} 元"
        case = by_id[ch.enrolment.case_id]
        out.append(
            Entry(
                at=ch.created_at,
                kind=DECISION,
                title=f"{ch.get_kind_display()}：{case.get_assistance_type_display()}",
                detail=f"自{ch.effective_month:%Y年%m月}起{amounts} · {ch.reason}"
                + (f" · {ch.by.full_name}" if ch.by else ""),
                case=case,
                url=reverse("enrolment_detail", args=[ch.enrolment_id]),
                obj=ch,
            )
        )
    return out


def _ct(model) -> int:
    return ContentType.objects.get_for_model(model).pk


# Events shown elsewhere in the file (documents, attachments, custody) or reads are not repeated.
_SKIP_PREFIXES = ("document.", "attachment.", "custody.", "archive.")


def _events(household: Household, cases: dict[int, Case]) -> list[Entry]:
    member_ids = [str(pk) for pk in household.members.values_list("pk", flat=True)]
    enrolment_case = {str(e.pk): e.case_id for e in enrolments_of(list(cases.values()))}
    q = (
        Q(object_type="registry.household", object_id=str(household.pk))
        | Q(object_type="cases.case", object_id__in=[str(pk) for pk in cases])
        | Q(object_type="registry.member", object_id__in=member_ids)
        | Q(object_type="benefits.enrolment", object_id__in=list(enrolment_case))
    )
    out = []
    for e in AuditEvent.objects.filter(q).exclude(action__endswith=".view").order_by("at", "id"):
        if e.action.startswith(_SKIP_PREFIXES) or e.action.startswith("pii."):
            continue
        if e.object_type == "cases.case":
            case = cases.get(int(e.object_id))
        elif e.object_type == "benefits.enrolment":
            case = cases.get(enrolment_case[e.object_id])
        else:
            case = None
        out.append(
            Entry(
                at=e.at,
                kind=EVENT,
                title=audit.action_label(e.action),
                detail=" · ".join(p for p in (e.actor_name, e.organisation_name, e.reason) if p),
                case=case,
                obj=e,
            )
        )
    return out
