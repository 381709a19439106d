"""The low-income population register (低收入人口): who is in which category, where they came from, scoping,
masking and the logged reveal, the lapse of a recognition, and the national-layout export — through the pages
and the API."""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pytest
from django.core.management import call_command

from jiuzhu.benefits import services as benefits
from jiuzhu.cases.models import Channel
from jiuzhu.core import clock, crypto
from jiuzhu.core.models import AuditEvent
from jiuzhu.monitoring import register_sync
from jiuzhu.monitoring.models import Origin, RegisterEntry
from jiuzhu.monitoring.register_export import HEADERS
from jiuzhu.monitoring.register_sync import CaseOrigin
from jiuzhu.registry.identity import ID_PURPOSE
from tests.helpers import approved, body_of, client_for, enrolled, make_case, make_household, member, user

pytestmark = pytest.mark.django_db

URL = "/monitoring/register/"


def _full_id(m) -> str:
    return crypto.decrypt(m.id_cipher, purpose=ID_PURPOSE)


def test_dibao_members_are_listed_masked_from_the_approval_and_scoped_to_the_township():
    enrolment = enrolled()
    members = list(enrolment.household.members.all())
    page = client_for("ab_caseworker").get(URL).content.decode()
    for m in members:
        assert m.name in page
        assert m.id_masked in page
        assert _full_id(m) not in page
    assert "低保对象" in page and "主动申请" in page
    # another township's staff do not see them; the county bureau does
    assert members[0].name not in client_for("emr_caseworker").get(URL).content.decode()
    assert members[0].name in client_for("js_bureau").get(URL).content.decode()


def test_filters_by_category_township_and_village():
    enrolment = enrolled()
    name = enrolment.household.head_name
    c = client_for("js_bureau")
    assert name in c.get(URL + "?category=dibao").content.decode()
    assert name not in c.get(URL + "?category=tekun").content.decode()
    assert name in c.get(URL + f"?township={enrolment.township_code}").content.decode()
    assert name not in c.get(URL + "?township=230502004000").content.decode()
    assert (
        name
        in c.get(URL + f"?township={enrolment.township_code}&village={enrolment.area_code}").content.decode()
    )
    assert (
        name not in c.get(URL + f"?township={enrolment.township_code}&village=230502200202").content.decode()
    )
    # a mistyped filter shows the default list, never an error
    assert c.get(URL + "?category=nonsense&page=abc&size=-1").status_code == 200


def test_reveal_of_the_full_id_is_a_logged_sensitive_read():
    enrolment = enrolled()
    head = enrolment.household.members.get(relation="head")
    c = client_for("ab_caseworker")
    assert f"/registry/members/{head.pk}/reveal/" in c.get(URL).content.decode()
    before = AuditEvent.objects.filter(action="pii.reveal_id").count()
    r = c.post(f"/registry/members/{head.pk}/reveal/")
    assert _full_id(head) in r.content.decode()
    assert AuditEvent.objects.filter(action="pii.reveal_id").count() == before + 1


def test_a_terminated_enrolment_or_a_member_who_left_leaves_the_register():
    enrolment = enrolled()
    spouse = enrolment.household.members.get(relation="spouse")
    head = enrolment.household.members.get(relation="head")
    c = client_for("ab_caseworker")
    clock.freeze(datetime(2026, 12, 1, 9))
    from jiuzhu.registry.services.members import member_leave

    member_leave(by=user("ab_caseworker"), member=spouse, on=clock.today(), reason="deceased")
    page = c.get(URL).content.decode()
    assert spouse.id_masked not in page and head.id_masked in page
    benefits.terminate(
        by=user("ab_caseworker"),
        enrolment=enrolment,
        kind="voluntary",
        reason="本人申请退出",
        on=clock.today(),
    )
    assert head.id_masked not in c.get(URL).content.decode()


def test_DM1_a_stopped_enrolment_leaves_the_register_after_its_last_month():
    enrolment = enrolled()
    head = enrolment.household.members.get(relation="head")
    benefits.periodic_review(
        by=user("ab_caseworker"),
        enrolment=enrolment,
        data=benefits.ReviewInput(done_on=clock.today(), outcome="stop", findings="家庭收入超过标准"),
    )
    assert head.id_masked in client_for("ab_caseworker").get(URL).content.decode()  # paid through November
    clock.freeze(datetime(2026, 12, 2, 9))
    assert head.id_masked not in client_for("ab_caseworker").get(URL).content.decode()


def _low_income(category: str, **kw):
    """A 低收入 recognition approved through the workflow; its category set on the decision as the approval
    of the recognition records it (the recognition tests live with the approval)."""
    household = make_household(
        members=[member("赵边缘"), member("钱边缘", "spouse", id_kw={"birth": "19850505", "female": True})]
    )
    case = approved(make_case(household, assistance_type="low_income", **kw))
    case.decision.low_income_category = category
    case.decision.save(update_fields=["low_income_category"])
    call_command("register_rebuild", "--area", "230502", stdout=io.StringIO())
    return case


def test_low_income_categories_are_listed_until_the_recognition_lapses():
    edge = _low_income("edge")
    rigid = _low_income("rigid_expense")
    c = client_for("js_bureau")
    page = c.get(URL + "?category=edge").content.decode()
    assert "赵边缘" in page and "钱边缘" in page
    assert "2027-11-20" in page  # valid for the 低收入 review interval (12 months by default)
    assert rigid.household.members.get(relation="head").id_masked not in page
    rigid_page = c.get(URL + "?category=rigid_expense").content.decode()
    assert rigid.household.members.get(relation="head").id_masked in rigid_page
    assert "刚性支出困难家庭成员" in rigid_page
    clock.freeze(datetime(2027, 11, 21, 9))
    assert (
        edge.household.members.get(relation="head").id_masked
        not in c.get(URL + "?category=edge").content.decode()
    )


def test_an_enrolment_takes_precedence_over_a_low_income_recognition():
    case = _low_income("edge")
    enrolment = enrolled(case.household)
    rows = RegisterEntry.objects.filter(household=case.household)
    assert {r.category for r in rows} == {"dibao"}
    assert all(r.enrolment_id == enrolment.pk for r in rows)


def test_origin_discovery_and_the_monitoring_extension_point(monkeypatch):
    found = enrolled(channel=Channel.DISCOVERY)
    entry = RegisterEntry.objects.filter(household=found.household).first()
    assert entry.origin == Origin.DISCOVERY
    c = client_for("ab_caseworker")
    assert "主动发现" in c.get(f"/monitoring/register/{entry.pk}/").content.decode()

    # the watch part names the warning a case came from
    watched = make_household(members=[member("孙监测")])
    monkeypatch.setattr(register_sync, "origin_resolvers", [])
    register_sync.register_origin_resolver(
        lambda ids: {
            i: CaseOrigin(Origin.MONITORING, "比对预警 #7（收入增加）", "/monitoring/warnings/7/")
            for i in ids
        }
    )
    enrolment = enrolled(watched)
    entry = RegisterEntry.objects.get(household=enrolment.household)
    page = c.get(f"/monitoring/register/{entry.pk}/").content.decode()
    assert "比对监测" in page and "比对预警 #7（收入增加）" in page and "/monitoring/warnings/7/" in page
    assert "孙监测" in c.get(URL + "?origin=monitoring").content.decode()
    assert "孙监测" not in c.get(URL + "?origin=application").content.decode()


def test_detail_page_shows_assistance_and_refuses_other_townships():
    enrolment = enrolled()
    entry = RegisterEntry.objects.filter(household=enrolment.household).first()
    page = client_for("ab_caseworker").get(f"/monitoring/register/{entry.pk}/").content.decode()
    assert "批准" in page and enrolment.case.number in page
    assert client_for("emr_caseworker").get(f"/monitoring/register/{entry.pk}/").status_code == 404


def test_export_in_the_national_layout_masked_and_logged():
    enrolment = enrolled()
    head = enrolment.household.members.get(relation="head")
    r = client_for("ab_caseworker").get(URL + "?export=xlsx&category=dibao")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert r.streaming  # constant memory at any size, nothing kept in storage
    content = body_of(r)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    body = [dict(zip(HEADERS, row, strict=True)) for row in rows[1:]]
    mine = [row for row in body if row["户编号"] == enrolment.household_id]
    assert {row["姓名"] for row in mine} == set(enrolment.household.members.values_list("name", flat=True))
    row = next(row for row in mine if row["姓名"] == head.name)
    assert row["公民身份号码"] == head.id_masked
    assert row["人员类别"] == "低保对象" and row["来源"] == "主动申请"
    assert row["乡镇（街道）"] == "安邦乡" and row["县（市、区、旗）"] == "尖山区"
    assert _full_id(head) not in content.decode("latin-1")
    assert AuditEvent.objects.filter(action="register.export").exists()


def test_api_lists_filters_and_scopes_the_register():
    enrolment = enrolled()
    c = client_for("ab_caseworker")
    body = c.get("/api/v1/register?category=dibao").json()
    ids = {item["member_id"] for item in body["items"]}
    assert set(enrolment.household.members.values_list("id", flat=True)) <= ids
    item = next(i for i in body["items"] if i["household_id"] == enrolment.household_id)
    assert item["category"] == "dibao" and item["origin"] == "application" and "*" in item["id_masked"]
    assert c.get("/api/v1/register?category=bogus").status_code == 422
    assert c.get(f"/api/v1/register/{item['id']}").json()["member_id"] == item["member_id"]
    assert client_for("emr_caseworker").get(f"/api/v1/register/{item['id']}").status_code == 404
