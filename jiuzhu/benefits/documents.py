"""The written notice of a decrease or stop (低保金调整（停发）告知书, DM1)."""

from __future__ import annotations

from jiuzhu.benefits.models import ChangeKind, EnrolmentChange
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.types import category_of
from jiuzhu.documents import compose
from jiuzhu.documents import services as documents
from jiuzhu.documents.models import IssuedDocument
from jiuzhu.orgs.models import User

# What the notice calls each change that needs one.
NOTICE_KINDS: dict[str, str] = {
    ChangeKind.DECREASE: "减发",
    ChangeKind.STOP: "停发",
    ChangeKind.GRADUAL_EXIT: "渐退",
    ChangeKind.TERMINATE: "停发",
}


def _refuse_unless_due(change: EnrolmentChange) -> None:
    if not change.needs_notice:
        raise ValidationFailed("只有减发、停发、渐退和终止需要出具调整（停发）告知书")
    if change.notice_document is not None and not change.notice_document.revoked:
        raise ValidationFailed("该变更已出具告知书")


def issue_adjustment_notice(*, by: User, change: EnrolmentChange) -> IssuedDocument:
    """Issued in the bureau's name with the township as handling unit when delegated (D1).

    Checked before rendering and again, under the change's row lock, when the document is recorded: of two
    people issuing at once one gets the notice, the other's number is recorded void with the reason."""
    change = EnrolmentChange.objects.select_related("enrolment__household").get(pk=change.pk)
    _refuse_unless_due(change)
    enrolment = change.enrolment
    parties = compose.decision_parties(
        township_code=enrolment.township_code,
        category=category_of(enrolment.assistance_type),
        day=change.created_at.date(),
    )
    kind_label = NOTICE_KINDS[change.kind]
    document = documents.document_issue(
        by=by,
        kind="adjustment_notice",
        subject=enrolment,
        issuing_org=parties.authority,
        handling_org=parties.handling,
        area_code=enrolment.area_code,
        title=f"{enrolment.household}{enrolment.get_assistance_type_display()}{kind_label}告知书",
        context={
            "recipient": enrolment.household.head_name,
            "address": enrolment.household.address,
            "assistance": enrolment.get_assistance_type_display(),
            "kind": kind_label,
            "amount_before": change.amount_before,
            "amount_after": change.amount_after if change.kind == ChangeKind.DECREASE else None,
            "effective_month": change.effective_month,
            "reason": change.reason,
            "end_month": enrolment.end_month if change.kind == ChangeKind.GRADUAL_EXIT else None,
            "gradual_months": _months(change.effective_month, enrolment.end_month)
            if change.kind == ChangeKind.GRADUAL_EXIT
            else None,
            "hotline": compose.hotline(enrolment.area_code, change.created_at.date()),
        },
        on_record=lambda document: _link(change.pk, document),
    )
    change.notice_document = document
    return document


def _months(first, last) -> int | None:
    """Months from `first` through `last`, both paid (N2 渐退期)."""
    if first is None or last is None:
        return None
    return (last.year - first.year) * 12 + last.month - first.month + 1


def _link(change_pk: int, document: IssuedDocument) -> None:
    change = EnrolmentChange.objects.select_for_update().get(pk=change_pk)
    _refuse_unless_due(change)
    change.notice_document = document
    change.save(update_fields=["notice_document"])
