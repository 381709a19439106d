"""The state table in one place: written in one file, asked by pages and the API alike for what is open in each
state, and the one way a case's sub-entities and a bulk selection are looked up."""

import re
from pathlib import Path

import pytest

from jiuzhu.cases.models import Case, CaseMaterial, MaterialRequirement
from jiuzhu.cases.services import steps
from jiuzhu.cases.states import INITIAL, OPEN, TERMINAL, State
from jiuzhu.cases.transitions import EDITS, TRANSITIONS, can, sources_of
from jiuzhu.registry.models import NearRelative
from tests.helpers import (
    accept,
    client_for,
    complete_intake,
    d,
    make_case,
    make_household,
    meeting,
    to_investigated,
    user,
)

pytestmark = pytest.mark.django_db
JIUZHU = Path(__file__).resolve().parents[2] / "jiuzhu"
CASES = JIUZHU / "cases"


def test_the_table_is_written_in_one_file_and_other_apps_only_add_guards():
    """No module but transitions.py makes or replaces a row; payments adds its M1 guard through the hook."""
    writers = sorted(
        p.relative_to(JIUZHU).as_posix()
        for p in JIUZHU.rglob("*.py")
        if re.search(r"\bTransition\(|TRANSITIONS\[[^\]]+\]\s*=", p.read_text(encoding="utf-8"))
    )
    assert writers == ["cases/transitions.py"]
    assert [g.__name__ for g in TRANSITIONS["decide"].guards][-1] == "cycle_open_for_monthly"


def test_every_move_a_service_runs_is_a_row_and_every_open_state_leads_on():
    run = set()
    for path in (CASES / "services").rglob("*.py"):
        run |= set(re.findall(r'action="(\w+)"', path.read_text(encoding="utf-8")))
    assert run == set(TRANSITIONS)
    for t in TRANSITIONS.values():
        assert t.sources <= OPEN and set(t.ends_in) <= set(State.values) and t.ends_in
    for state in OPEN:
        assert any(state in t.sources for t in TRANSITIONS.values()), state
    assert INITIAL in OPEN and not any(t.sources & TERMINAL for t in TRANSITIONS.values())
    assert sources_of("accept") == {State.SUBMITTED, State.INCOMPLETE}
    assert set(EDITS) == {"intake_records", "mark_disputed"}


def test_materials_and_signatures_close_when_the_table_says_so_on_page_and_api():
    case = accept(make_case())
    c = client_for("ab_caseworker")
    assert can(case, "intake_records")
    page = c.get(f"/cases/{case.pk}/").content.decode()
    assert f"/cases/{case.pk}/materials/" in page  # the checklist can still be corrected after acceptance

    steps.verify_request(by=user("ab_caseworker"), case=case, on=d("2026-11-04"))
    case.refresh_from_db()
    assert case.status == State.VERIFYING and not can(case, "intake_records")
    page = c.get(f"/cases/{case.pk}/").content.decode()
    assert f"/cases/{case.pk}/materials/" not in page and f"/cases/{case.pk}/signatures/" not in page

    material = case.materials.first()
    r = c.delete(f"/api/v1/cases/{case.pk}/materials/{material.pk}?reason=登记有误")
    assert r.status_code == 400 and "材料登记已关闭" in r.json()["message"]
    r = c.post(f"/cases/{case.pk}/materials/{material.pk}/remove/", {"reason": "登记有误"}, follow=True)
    assert "材料登记已关闭" in r.content.decode()
    assert CaseMaterial.objects.filter(pk=material.pk).exists()


def test_a_dispute_is_marked_only_where_the_table_allows_it():
    case = to_investigated()
    c = client_for("ab_caseworker")
    assert "申请有争议？" in c.get(f"/cases/{case.pk}/").content.decode()
    r = c.post(f"/api/v1/cases/{case.pk}/dispute", {"reason": "邻居反映有经营收入"}, "application/json")
    assert r.status_code == 200 and Case.objects.get(pk=case.pk).disputed

    other = to_investigated()
    steps.decide(by=user("ab_approver"), case=other, data=meeting())
    other.refresh_from_db()
    assert other.status == State.TO_NOTICE and not can(other, "mark_disputed")
    assert "申请有争议？" not in c.get(f"/cases/{other.pk}/").content.decode()
    r = c.post(f"/api/v1/cases/{other.pk}/dispute", {"reason": "事后反映"}, "application/json")
    assert r.status_code == 409 and "只能在审批前标记争议" in r.json()["message"]
    assert not Case.objects.get(pk=other.pk).disputed


def test_sub_entities_are_found_only_within_the_case_on_page_and_api():
    mine, theirs = make_case(), make_case()
    complete_intake(theirs)
    material = theirs.materials.first()
    c = client_for("ab_caseworker")
    assert c.post(f"/cases/{mine.pk}/materials/{material.pk}/remove/", {"reason": "x"}).status_code == 404
    assert c.delete(f"/api/v1/cases/{mine.pk}/materials/{material.pk}?reason=x").status_code == 404
    assert CaseMaterial.objects.filter(pk=material.pk).exists()

    stranger = make_household().members.get(relation="head")
    body = {"member": stranger.pk, "kind": "commitment", "signed_on": "2026-11-03"}
    assert c.post(f"/cases/{mine.pk}/signatures/", body).status_code == 404
    body = {"member_id": stranger.pk, "kind": "commitment", "signed_on": "2026-11-03"}
    assert c.post(f"/api/v1/cases/{mine.pk}/signatures", body, "application/json").status_code == 400

    relative = NearRelative.objects.first()
    unrelated = relative.pk if relative else 1
    body = {"relative": unrelated, "filed_on": "2026-11-03", "note": "备案"}
    assert c.post(f"/cases/{mine.pk}/filings/", body).status_code == 404
    body = {"relative_id": unrelated, "filed_on": "2026-11-03", "note": "备案"}
    assert c.post(f"/api/v1/cases/{mine.pk}/filings", body, "application/json").status_code == 404

    requirement = MaterialRequirement.objects.filter(assistance_type="dibao_rural").first()
    body = {"requirement": requirement.pk + 100000, "received_on": "2026-11-03"}
    assert c.post(f"/cases/{mine.pk}/materials/", body).status_code == 404
    body = {"requirement_id": requirement.pk + 100000, "received_on": "2026-11-03"}
    r = c.post(f"/api/v1/cases/{mine.pk}/materials", body, "application/json")
    assert r.status_code == 404 and r.json()["message"] == "没有这项材料要求"


def test_a_bulk_selection_is_all_in_scope_or_nothing_on_page_and_api():
    ours = to_investigated()
    steps.decide(by=user("ab_approver"), case=ours, data=meeting())
    theirs = make_case(
        make_household(by="emr_caseworker", area="230502004001"),
        by="emr_caseworker",
        assistance_type="dibao_urban",
    )
    c = client_for("ab_caseworker")
    for ids in ([ours.pk, theirs.pk], ["abc"], [str(10**20)], []):
        r = c.post("/cases/queue/bulk/post_notice/", {"case": ids, "start_on": "2026-11-12"}, follow=True)
        assert r.status_code == 200 and "所选申请不在您的辖区内的不予处理" in r.content.decode()
        assert Case.objects.get(pk=ours.pk).status == State.TO_NOTICE
    body = {"case_ids": [ours.pk, theirs.pk], "start_on": "2026-11-12"}
    r = c.post("/api/v1/notices", body, "application/json")
    assert r.status_code == 404 and r.json()["errors"] == {"case_ids": ["无效"]}
    body = {"case_ids": [ours.pk], "start_on": "2026-11-12"}
    assert c.post("/api/v1/notices", body, "application/json").status_code == 201
    assert Case.objects.get(pk=ours.pk).status == State.NOTICE
