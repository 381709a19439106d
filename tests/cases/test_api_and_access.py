"""Intake through the API, and its pages and endpoints for every role (200 / 403 / 404)."""

from datetime import date

import pytest

from jiuzhu.cases.models import Case
from tests.helpers import (
    ALL_JIANSHAN_USERS,
    ANBANG_USERS,
    ANBANG_VILLAGE,
    COUNTY_USERS,
    body_of,
    client_for,
    complete_intake,
    make_case,
    make_household,
    new_id,
)

pytestmark = pytest.mark.django_db

COUNTY = set(COUNTY_USERS.values())
SEES_ANBANG_VILLAGE = COUNTY | set(ANBANG_USERS.values())
PII = {"js_bureau", "js_inspector", "js_auditor", "ab_caseworker", "ab_approver"}
HOUSEHOLD_EDIT = {"js_bureau", "ab_caseworker", "ab_approver", "ab_assistant"}
CASE_PROCESS = {"js_bureau", "ab_caseworker", "ab_approver"}
CASE_CREATE = CASE_PROCESS | {"ab_assistant"}
IMPORTERS = {"js_bureau", "js_admin", "ab_caseworker", "ab_approver"}
RELATIVES = {"js_bureau", "ab_caseworker", "ab_approver"}
# Feature pages (no object yet) are open to whoever holds the permission anywhere.
ERMALU_STAFF = {"emr_caseworker", "emr_approver"}
HOUSEHOLD_EDIT_ANY = HOUSEHOLD_EDIT | ERMALU_STAFF | {"emr_assistant"}
IMPORTERS_ANY = IMPORTERS | ERMALU_STAFF
RELATIVES_ANY = RELATIVES | ERMALU_STAFF


def expected(username, *, allowed=None, scope=SEES_ANBANG_VILLAGE, ok=200):
    if username not in scope:
        return 404
    if allowed is not None and username not in allowed:
        return 403
    return ok


@pytest.mark.parametrize("username", ALL_JIANSHAN_USERS)
def test_registry_and_case_pages_for_every_role(username):
    household = make_household()
    case = make_case(household)
    head = household.members.get(relation="head")
    c = client_for(username)
    everyone = set(ALL_JIANSHAN_USERS)
    assert c.get("/registry/households/").status_code == 200
    assert c.get("/cases/").status_code == 200
    assert c.get(f"/registry/households/{household.pk}/").status_code == expected(username)
    assert c.get(f"/cases/{case.pk}/").status_code == expected(username)
    assert c.get(f"/registry/households/{household.pk}/edit/").status_code == expected(
        username, allowed=HOUSEHOLD_EDIT
    )
    assert c.post(f"/registry/members/{head.pk}/reveal/").status_code == expected(username, allowed=PII)
    assert c.get("/registry/households/new/").status_code == expected(
        username, scope=everyone, allowed=HOUSEHOLD_EDIT_ANY
    )
    assert c.get(f"/cases/new/?household={household.pk}").status_code == expected(
        username, allowed=CASE_CREATE
    )
    assert c.get("/registry/import/").status_code == expected(username, scope=everyone, allowed=IMPORTERS_ANY)
    assert c.get("/registry/relatives/").status_code == expected(
        username, scope=everyone, allowed=RELATIVES_ANY
    )
    notify = c.post(f"/cases/{case.pk}/notify-missing/")
    assert notify.status_code == expected(username, allowed=CASE_PROCESS, ok=302)


@pytest.mark.parametrize("username", ALL_JIANSHAN_USERS)
def test_registry_and_case_api_for_every_role(username):
    household = make_household()
    case = make_case(household)
    head = household.members.get(relation="head")
    c = client_for(username)
    assert c.get(f"/api/v1/households/{household.pk}").status_code == expected(username)
    assert c.get(f"/api/v1/cases/{case.pk}").status_code == expected(username)
    assert c.post(f"/api/v1/members/{head.pk}/reveal").status_code == expected(username, allowed=PII)
    income = c.post(
        f"/api/v1/households/{household.pk}/incomes",
        {"category": "wage", "description": "务工", "monthly_amount": "800"},
        content_type="application/json",
    )
    assert income.status_code == expected(username, allowed=HOUSEHOLD_EDIT, ok=201)
    create = c.post(
        "/api/v1/cases",
        {
            "household_id": household.pk,
            "assistance_type": "tekun",
            "applicant_id": head.pk,
            "applied_on": "2026-11-18",
            "reason": "测试",
        },
        content_type="application/json",
    )
    assert create.status_code == expected(username, allowed=CASE_CREATE, ok=201), create.content


def test_other_townships_and_counties_get_404():
    household = make_household()
    case = make_case(household)
    for username in ("emr_caseworker", "emr_assistant", "qj_bureau", "lh_bg_caseworker"):
        c = client_for(username)
        assert c.get(f"/registry/households/{household.pk}/").status_code == 404
        assert c.get(f"/api/v1/cases/{case.pk}").status_code == 404
        assert f"/cases/{case.pk}/" not in c.get(f"/cases/?number={case.number}").content.decode()


def test_api_household_case_flow_and_error_format():
    c = client_for("ab_caseworker")
    bad_id = new_id()
    bad_id = bad_id[:-1] + ("0" if bad_id[-1] != "0" else "1")
    payload = {
        "area_code": ANBANG_VILLAGE,
        "address": "安邦村6组",
        "members": [{"name": "王五", "id_number": bad_id, "relation": "head"}],
    }
    r = c.post("/api/v1/households", payload, content_type="application/json")
    assert r.status_code == 400
    body = r.json()
    assert (
        body["code"] == "invalid"
        and "校验位不正确" in body["message"]
        and "members.0.id_number" in body["errors"]
    )
    payload["members"][0]["id_number"] = new_id()
    payload["members"].append(
        {
            "name": "王小五",
            "id_number": new_id(birth="20150601"),
            "relation": "child",
            "work_ability": "na",
            "schooling": "primary",
        }
    )
    r = c.post("/api/v1/households", payload, content_type="application/json")
    assert r.status_code == 201
    household = r.json()
    assert household["members"][0]["id_masked"].count("*") == 8 and "id_number" not in household["members"][0]
    head = next(m for m in household["members"] if m["relation"] == "head")
    r = c.post(
        "/api/v1/cases",
        {
            "household_id": household["id"],
            "assistance_type": "dibao_rural",
            "applicant_id": head["id"],
            "applied_on": "2026-11-18",
            "reason": "缺乏劳动力",
        },
        content_type="application/json",
    )
    case = r.json()
    assert case["status"] == "submitted" and len(case["missing"]) == 4
    notice = c.post(f"/api/v1/cases/{case['id']}/notify-missing").json()
    assert notice["kind"] == "missing_materials" and len(notice["items"]) == 4
    complete_intake(Case.objects.get(pk=case["id"]))
    accepted = c.post(
        f"/api/v1/cases/{case['id']}/accept", {"accepted_on": "2026-11-19"}, content_type="application/json"
    )
    assert accepted.json()["status"] == "accepted"
    again = c.post(
        f"/api/v1/cases/{case['id']}/accept", {"accepted_on": "2026-11-19"}, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["code"] == "transition_not_allowed"


def test_online_submission_creates_household_case_and_online_consents():
    c = client_for("js_bureau")
    payload = {
        "area_code": "230502004001",
        "address": "光明社区3栋",
        "phone": "13900001111",
        "members": [{"name": "钱六", "id_number": new_id(), "relation": "head"}],
        "assistance_type": "dibao_urban",
        "reason": "失业",
        "consent_verification": True,
        "consent_commitment": True,
        "incomes": [{"category": "transfer", "description": "失业保险金", "monthly_amount": "900"}],
        "assets": [{"kind": "deposit", "description": "银行活期", "value": "1500"}],
    }
    r = c.post("/api/v1/applications/online", payload, content_type="application/json")
    assert r.status_code == 201, r.content
    case = r.json()
    assert case["channel"] == "online"
    household = Case.objects.get(pk=case["id"]).household
    assert [(i.category, str(i.monthly_amount)) for i in household.incomes.all()] == [("transfer", "900.00")]
    assert [(a.kind, str(a.value)) for a in household.assets.all()] == [("deposit", "1500.00")]
    assert {s["kind"] for s in case["signatures"]} == {"authorisation", "commitment"}
    assert all(s["online"] for s in case["signatures"])
    again = c.post(
        "/api/v1/applications/online",
        {**payload, "assistance_type": "low_income"},
        content_type="application/json",
    )
    assert again.json()["household_id"] == case["household_id"]  # the same family is found, not duplicated
    refused = c.post(
        "/api/v1/applications/online",
        {**payload, "consent_verification": False},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "核对授权" in refused.json()["message"]


def test_case_search_by_number_name_and_exact_id():
    household = make_household()
    case = make_case(household)
    number = household.members.get(relation="head")
    from jiuzhu.core import crypto
    from jiuzhu.registry.identity import ID_PURPOSE

    full = crypto.decrypt(number.id_cipher, purpose=ID_PURPOSE)
    c = client_for("ab_approver")
    assert [x["number"] for x in c.get(f"/api/v1/cases?id_number={full}").json()["items"]] == [case.number]
    assert c.get(f"/api/v1/cases?number={case.number[-6:]}").json()["count"] >= 1
    assert case.number in c.get(f"/cases/?q={household.head_name}").content.decode()
    export = c.get("/cases/?export=xlsx")
    assert export.status_code == 200 and full.encode() not in body_of(export)


def test_material_requirements_endpoint():
    r = client_for("ab_caseworker").get("/api/v1/material-requirements?assistance_type=dibao_rural")
    items = r.json()
    assert any(i["shared"] and "户口簿" in i["name"] for i in items)
    assert date(2026, 11, 20)  # the frozen clock keeps the dates above in the past


def test_A3_an_online_submission_receives_the_form_items_it_is():
    """The online form is the application form and the statement of hardship: received with it (A3)."""
    r = client_for("js_bureau").post(
        "/api/v1/applications/online",
        {
            "area_code": "230502200201",
            "address": "安邦村1组",
            "phone": "13900003333",
            "members": [{"name": "周八", "id_number": new_id(), "relation": "head"}],
            "assistance_type": "dibao_rural",
            "reason": "因病",
            "consent_verification": True,
            "consent_commitment": True,
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    codes = set(Case.objects.get(pk=r.json()["id"]).materials.values_list("requirement__code", flat=True))
    assert codes == {"application_form", "hardship_statement"}
