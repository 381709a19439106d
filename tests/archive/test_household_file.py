"""AR1, S3: the household file in time order with filters, and its completeness check."""

import pytest

from jiuzhu.archive import completeness, custody
from jiuzhu.archive import household_file as hf
from jiuzhu.cases import documents as case_documents
from jiuzhu.cases.services import steps
from jiuzhu.documents import services as documents
from jiuzhu.orgs.models import Organisation
from tests.archive.conftest import image_bytes, upload
from tests.archive.helpers import approved_case
from tests.helpers import client_for, d, make_case, make_household, meeting, review, to_investigated, user

pytestmark = pytest.mark.django_db


def township_org():
    return Organisation.objects.get(jurisdiction_id="230502200000", kind="township")


def complete_file(case):
    """Everything S3 asks for: the paper file registered, the approval notice issued, the notice photo."""
    custody.custody_transfer(
        by=user("ab_caseworker"), household=case.household, to=township_org(), on=d("2026-11-03"), reason=""
    )
    case_documents.issue(by=user("ab_caseworker"), case=case, kind="approval_notice")
    documents.attachment_store(
        by=user("ab_caseworker"),
        upload=upload("公示照片.png", image_bytes()),
        kind="photo",
        area_code=case.area_code,
        owner=case.public_notices.get(),
        note="安邦村公示栏",
    )


def test_AR1_file_has_documents_attachments_decisions_custody_and_events_in_time_order(fast_pdf):
    case = approved_case()
    complete_file(case)
    entries = hf.entries(user("ab_caseworker"), case.household)
    kinds = {e.kind for e in entries}
    assert kinds == {hf.DOCUMENT, hf.ATTACHMENT, hf.DECISION, hf.CUSTODY, hf.EVENT}
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    titles = [e.title for e in entries]
    assert "社会救助审批通知书" in titles and "公示照片.png" in titles
    decision = next(e for e in entries if e.kind == hf.DECISION and e.title.startswith("批准"))
    assert decision.case == case and "1040" in decision.detail and "2026年12月" in decision.detail
    photo = next(e for e in entries if e.kind == hf.ATTACHMENT)
    assert "公示" in photo.detail and photo.case == case and len(photo.sha256) == 64
    assert any(e.kind == hf.EVENT and e.case == case and e.title == "受理" for e in entries)
    # reads are in the audit trail but not in the file
    assert not any(e.title.startswith("查看") for e in entries)


def test_AR1_filters_by_kind_case_and_date(fast_pdf):
    household = make_household()
    first = approved_case(household)
    complete_file(first)
    second = make_case(
        household, assistance_type="linshi_expense", applied_on=d("2026-11-18"), requested_amount="800"
    )
    u = user("ab_caseworker")
    only_docs = hf.entries(u, household, hf.Filters(kinds=frozenset({hf.DOCUMENT})))
    assert only_docs and {e.kind for e in only_docs} == {hf.DOCUMENT}
    of_second = hf.entries(u, household, hf.Filters(case_id=second.pk))
    assert of_second and all(e.case == second for e in of_second)
    own = hf.entries(u, household, hf.Filters(case_id=0))
    assert own and all(e.case is None for e in own)
    assert hf.entries(u, household, hf.Filters(end=d("2026-01-01"))) == []
    page = client_for("ab_caseworker").get(f"/archive/households/{household.pk}/?kind=decision")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-kind="decision"' in body and 'data-kind="event"' not in body


def test_S3_complete_household(fast_pdf):
    case = approved_case()
    complete_file(case)
    check = completeness.check_household(case.household, [case])
    assert check.complete, check.missing
    statuses = {i.code: i.status for i in check.cases[0].items}
    assert statuses["id_hukou"] == "ok"  # by data sharing: never demanded (A3)
    assert statuses["hardship_statement"] == statuses["authorisation"] == statuses["investigation"] == "ok"
    assert statuses["review"] == "na"  # not disputed
    assert statuses["notice"] == statuses["village"] == statuses["decision_notice"] == "ok"
    page = client_for("ab_caseworker").get(f"/archive/households/{case.household.pk}/").content.decode()
    assert 'data-testid="complete"' in page


def test_S3_incomplete_household_lists_what_is_missing_with_links_to_fix_it(fast_pdf):
    case = approved_case()
    check = completeness.check_household(case.household, [case])
    assert not check.complete
    missing = {item.code: item for _case, item in check.missing}
    assert set(missing) == {"archive", "village", "decision_notice"}
    assert missing["archive"].fix_url.endswith("#custody")
    assert f"owner=notice:{case.public_notices.get().pk}" in missing["village"].fix_url
    assert missing["decision_notice"].fix_url == f"/cases/{case.pk}/#documents"
    page = client_for("ab_caseworker").get(f"/archive/households/{case.household.pk}/").content.decode()
    assert 'data-testid="incomplete"' in page and "缺 3 项" in page
    assert 'data-testid="fix-village"' in page and 'data-testid="fix-archive"' in page
    # fixing through the page's own forms
    c = client_for("ab_caseworker")
    r = c.post(
        f"/archive/households/{case.household.pk}/custody/",
        {"to": township_org().pk, "on": "2026-11-03", "location": "档案室 3 号柜"},
    )
    assert r.status_code == 302
    r = c.post(
        f"/archive/households/{case.household.pk}/upload/",
        {
            "owner": f"notice:{case.public_notices.get().pk}",
            "kind": "photo",
            "file": upload("张贴照片.png", image_bytes()),
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    missing = {item.code for _case, item in completeness.check_household(case.household, [case]).missing}
    assert missing == {"decision_notice"}


def test_S3_disputed_case_needs_signed_review_and_steps_not_reached_are_pending(fast_pdf):
    case = to_investigated()
    steps.mark_disputed(by=user("ab_caseworker"), case=case, reason="邻居反映有车辆")
    case.refresh_from_db()
    items = {i.code: i for i in completeness.check_case(case, case.household).items}
    assert items["review"].status == "pending" and items["decision"].status == "pending"
    assert items["notice"].status == "pending"
    review(case)
    steps.decide(by=user("ab_approver"), case=case, data=meeting())
    case.refresh_from_db()
    items = {i.code: i for i in completeness.check_case(case, case.household).items}
    assert items["review"].status == "ok"


def test_S3_unsigned_investigation_is_missing():
    case = to_investigated()
    case.investigations.update(applicant_signed=False)
    item = next(i for i in completeness.check_case(case, case.household).items if i.code == "investigation")
    assert item.status == "missing" and "申请人" in item.note


def test_S3_rejected_case_needs_the_rejection_notice(fast_pdf):
    case = to_investigated()
    steps.decide(
        by=user("ab_approver"), case=case, data=meeting(outcome="reject", amount=None, reasons="收入超标")
    )
    case.refresh_from_db()
    items = {i.code: i for i in completeness.check_case(case, case.household).items}
    assert items["notice"].status == "na" and items["decision_notice"].status == "missing"
    assert "不予批准告知书" in items["decision_notice"].label
    case_documents.issue(by=user("ab_caseworker"), case=case, kind="rejection_notice")
    items = {i.code: i for i in completeness.check_case(case, case.household).items}
    assert items["decision_notice"].status == "ok"


def test_AR1_DM1_benefit_changes_and_their_notices_are_in_the_file_and_checked(fast_pdf):
    from jiuzhu.archive import completeness
    from jiuzhu.benefits import services as benefits
    from jiuzhu.benefits.documents import issue_adjustment_notice
    from jiuzhu.benefits.models import Enrolment
    from jiuzhu.registry.services.income_assets import income_add

    case = approved_case()
    enrolment = Enrolment.objects.get(case=case)
    income_add(
        by=user("ab_caseworker"),
        household=case.household,
        category="wage",
        description="务工",
        monthly_amount="600",
    )
    review = benefits.periodic_review(
        by=user("ab_caseworker"),
        enrolment=enrolment,
        data=benefits.ReviewInput(done_on=d("2026-11-20"), outcome="decrease", findings="子女务工"),
    )

    def notice_item():
        checks = completeness.check_household(case.household, [case]).cases[0].items
        return next(i for i in checks if i.code == "change_notices")

    assert notice_item().status == completeness.MISSING and "减发" in notice_item().note
    doc = issue_adjustment_notice(by=user("ab_caseworker"), change=review.change)
    assert notice_item().status == completeness.OK
    entries = hf.entries(user("ab_caseworker"), case.household)
    change = next(e for e in entries if e.kind == hf.DECISION and e.title.startswith("减发"))
    assert change.case == case and "1040.00 → 440.00" in change.detail
    notice = next(e for e in entries if e.kind == hf.DOCUMENT and e.obj.pk == doc.pk)
    assert notice.case == case
    assert any(e.kind == hf.EVENT and e.case == case and "核查" in e.title for e in entries)
