"""A1: one person is an active member of one household at most — refused by the services (page, API, import)
with a message scoped to the user, enforced by the database, and moved between households only by 迁移."""

import csv
import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from jiuzhu.cases.models import CheckCode
from jiuzhu.core import clock
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.models import AuditEvent
from jiuzhu.registry.identity import id_fields
from jiuzhu.registry.imports import checking, layout
from jiuzhu.registry.models import Household, LeftReason, Member
from jiuzhu.registry.services import members
from tests.helpers import (
    ANBANG_VILLAGE,
    client_for,
    legacy_duplicate,
    make_case,
    make_household,
    member,
    new_id,
    user,
)

pytestmark = pytest.mark.django_db

ERMALU_VILLAGE = "230502004001"
OUTSIDE = "该身份证号已在其他乡镇登记为在户成员，请联系民政局核实"


def _counts():
    return Household.objects.count(), Member.objects.count()


def _household_form(number: str, address: str = "安邦村9组1号") -> dict:
    return {
        "area_code": ANBANG_VILLAGE,
        "address": address,
        "urban_rural": "",
        "hukou_area_code": "",
        "hukou_address": "",
        "phone": "",
        "m-TOTAL_FORMS": "1",
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "1",
        "m-MAX_NUM_FORMS": "30",
        "m-0-name": "韩建军",
        "m-0-id_number": number,
        "m-0-relation": "head",
        "m-0-work_ability": "full",
        "m-0-employment": "farming",
        "m-0-covered": "on",
    }


# --- refused wherever the person comes in ---------------------------------------------------------------


def test_A1_second_household_refused_by_the_service_naming_the_first_in_scope():
    number = new_id()
    first = make_household(members=[member("韩建军", id_number=number)], address="安邦村3组7号")
    before = _counts()
    with pytest.raises(ValidationFailed) as exc:
        make_household(members=[member("韩建军", id_number=number)], address="别处")
    assert _counts() == before
    message = exc.value.message
    assert "韩建军户" in message and "安邦村3组7号" in message and "迁移" in message
    assert number not in message
    assert exc.value.field_errors["members.0.id_number"]
    assert first.members.get().is_active


def test_A1_outside_the_users_scope_the_message_says_only_how_far():
    number = new_id()
    make_household(members=[member("韩建军", id_number=number)], address="安邦村3组7号")
    with pytest.raises(ValidationFailed) as exc:
        make_household(by="emr_caseworker", area=ERMALU_VILLAGE, members=[member("韩建军", id_number=number)])
    assert OUTSIDE in exc.value.message
    assert "安邦" not in exc.value.message and "韩建军户" not in exc.value.message


def test_A1_member_add_and_number_correction_refused():
    number = new_id()
    make_household(members=[member("韩建军", id_number=number)])
    other = make_household()
    with pytest.raises(ValidationFailed) as exc:
        members.member_add(
            by=user("ab_caseworker"), household=other, data=member("韩建军", "other", id_number=number)
        )
    assert "在户成员" in exc.value.message
    spouse = other.members.get(relation="spouse")
    with pytest.raises(ValidationFailed):
        members.member_update(
            by=user("ab_caseworker"), member=spouse, data=member("刘秀兰", "spouse", id_number=number)
        )
    assert other.members.filter(is_active=True).count() == 2


def test_A1_second_household_refused_through_the_api():
    number = new_id()
    make_household(members=[member("韩建军", id_number=number)])
    before = _counts()
    payload = {
        "area_code": ANBANG_VILLAGE,
        "address": "安邦村9组1号",
        "members": [{"name": "韩建军", "id_number": number, "relation": "head"}],
    }
    r = client_for("ab_caseworker").post("/api/v1/households", payload, content_type="application/json")
    assert r.status_code == 400
    assert "在户成员" in r.json()["message"] and number not in r.content.decode()
    assert _counts() == before


def test_A1_second_household_refused_on_the_page_keeping_what_was_typed():
    number = new_id()
    make_household(members=[member("韩建军", id_number=number)], address="安邦村3组7号")
    before = _counts()
    r = client_for("ab_caseworker").post("/registry/households/new/", _household_form(number))
    body = r.content.decode()
    assert r.status_code == 200
    assert "已是" in body and "安邦村3组7号" in body and "安邦村9组1号" in body
    assert _counts() == before


def _import_rows(rows: list[tuple[str, str, str, str]]) -> list[dict[str, str]]:
    """(household key, village, name, id number) → the rows a checked file gives."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([label for _, label, _ in layout.COLUMNS])
    for key, village, name, number in rows:
        w.writerow(
            [key, village, "某地1号", "", "", "", name, number, "户主", "", "", "", "否", "", "", "是", ""]
        )
    return list(layout.read_rows("a.csv", io.BytesIO(out.getvalue().encode("utf-8-sig"))))


def test_A1_import_reports_each_clash_by_row_scoped_to_the_user():
    here, there = new_id(), new_id()
    make_household(members=[member("韩建军", id_number=here)], address="安邦村3组7号")
    make_household(by="emr_caseworker", area=ERMALU_VILLAGE, members=[member("赵某", id_number=there)])
    rows = _import_rows([("H1", ANBANG_VILLAGE, "韩建军", here), ("H2", ANBANG_VILLAGE, "赵某", there)])
    preview = checking.validate(user("ab_caseworker"), rows)
    first, second = preview.errors
    assert first.startswith("第2行：韩建军") and "安邦村3组7号" in first
    assert second.startswith("第3行：赵某") and OUTSIDE in second and "光明" not in second
    assert not preview.good


# --- the database holds the rule whatever the code does -------------------------------------------------


def test_A1_database_refuses_a_second_active_membership():
    number = new_id()
    make_household(members=[member("韩建军", id_number=number)])
    other = make_household()
    now = clock.now()
    row = Member(
        household=other,
        area_code=other.area_code,
        name="韩建军",
        **id_fields(number),
        birth_date=date(1980, 1, 1),
        sex="M",
        relation="other",
        created_at=now,
        updated_at=now,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()
    row.is_active = False  # a person who left may appear in any number of households
    row.save()


def test_A1_migration_marks_all_but_the_earliest_duplicate_and_keeps_them():
    """Data from before the rule: the migration keeps every row (not failing) and marks the later ones."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("jiuzhu.registry.migrations.0003_one_active_household")
    number = new_id()
    first = make_household(members=[member("钱某", id_number=number)])
    second = make_household(members=[member("孙某")])
    late = legacy_duplicate(second, "钱某", number)
    constraint = next(c for c in Member._meta.constraints if c.name == "member_one_active_household")
    # As before the migration: no index, no marks. (SQL run directly: SQLite's schema editor cannot run
    # inside the test's transaction; the DDL rolls back with it on both databases.)
    editor = connection.schema_editor()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # deferred foreign-key checks would block the DDL
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(str(constraint.remove_sql(Member, editor)))
        Member.objects.filter(pk=late.pk).update(duplicate_before_rule=False)
        migration.mark_duplicates_before_rule(apps, None)
        cursor.execute(str(constraint.create_sql(Member, editor)))  # builds on the marked data
    assert Member.objects.get(pk=late.pk).duplicate_before_rule
    assert not first.members.get().duplicate_before_rule
    out = io.StringIO()
    call_command("list_duplicate_members", stdout=out)
    text = out.getvalue()
    assert "钱某" in text and late.id_masked in text and number not in text and "共 1 人" in text


# --- 迁移 ------------------------------------------------------------------------------------------------


def test_A1_transfer_moves_the_person_audited_and_rechecks_both_households_cases():
    number = new_id()
    source = make_household(members=[member("王大山"), member("韩小红", "child", id_number=number)])
    target = make_household(members=[member("李四")], address="安邦村5组2号")
    legacy_duplicate(target, "韩小红", number)  # also in the target since before the rule
    case = make_case(target)
    assert case.checks.filter(code=CheckCode.OTHER_HOUSEHOLD, cleared_at__isnull=True).exists()
    moving = source.members.get(name="韩小红")
    moved = members.member_transfer(
        by=user("ab_caseworker"),
        member=moving,
        to_household=target,
        on=date(2026, 11, 18),
        relation="spouse",
        reason="婚嫁迁入",
    )
    moving.refresh_from_db()
    assert (
        not moving.is_active
        and moving.left_reason == LeftReason.TRANSFER
        and moving.left_on == date(2026, 11, 18)
    )
    assert moved.household == target and moved.is_active and moved.relation == "spouse"
    assert Member.objects.filter(id_index=moving.id_index, is_active=True).count() == 1
    # The target's open case no longer finds the person in another household.
    assert not case.checks.filter(code=CheckCode.OTHER_HOUSEHOLD, cleared_at__isnull=True).exists()
    assert AuditEvent.objects.filter(
        action="case.checks", object_id=str(case.pk), reason__contains="婚嫁迁入"
    )
    actions = set(AuditEvent.objects.filter(reason="婚嫁迁入").values_list("action", flat=True))
    assert {"household.member_transfer_out", "household.member_transfer_in"} <= actions


def test_A1_transfer_through_the_page():
    number = new_id()
    source = make_household(members=[member("王大山"), member("韩小红", "child", id_number=number)])
    target = make_household(members=[member("李四")], address="安邦村5组2号")
    moving = source.members.get(name="韩小红")
    c = client_for("ab_caseworker")
    found = c.get(f"/registry/members/{moving.pk}/transfer/", {"q": "李四"}).content.decode()
    assert f"?to={target.pk}" in found and f"?to={source.pk}" not in found
    r = c.post(
        f"/registry/members/{moving.pk}/transfer/",
        {
            "to": target.pk,
            "version": source.version,
            "relation": "spouse",
            "on": "2026-11-18",
            "reason": "婚嫁",
        },
    )
    assert r.status_code == 302 and r["Location"] == f"/registry/households/{target.pk}/"
    assert target.members.filter(id_index=moving.id_index, is_active=True).exists()
    assert not source.members.filter(id_index=moving.id_index, is_active=True).exists()


def test_A1_transfer_through_the_api_and_its_refusals():
    number = new_id()
    source = make_household(members=[member("王大山"), member("韩小红", "child", id_number=number)])
    target = make_household(members=[member("李四")])
    elsewhere = make_household(by="emr_caseworker", area=ERMALU_VILLAGE, members=[member("赵某")])
    moving = source.members.get(name="韩小红")
    c = client_for("ab_caseworker")
    url = f"/api/v1/members/{moving.pk}/transfer"
    body = {"to_household_id": elsewhere.pk, "relation": "child", "on": "2026-11-18", "reason": "投靠"}
    assert c.post(url, body, content_type="application/json").status_code == 404  # not in scope
    r = c.post(url, body | {"to_household_id": target.pk, "reason": " "}, content_type="application/json")
    assert r.status_code == 400 and "请填写迁移原因" in r.json()["message"]
    head = source.members.get(relation="head")
    # The head cannot leave a household that still has members in it.
    r = c.post(
        f"/api/v1/members/{head.pk}/transfer",
        body | {"to_household_id": target.pk},
        content_type="application/json",
    )
    assert r.status_code == 400 and "户主" in r.json()["message"]
    # Another township's staff cannot reach the member at all.
    other = client_for("emr_caseworker")
    r = other.post(url, body | {"to_household_id": elsewhere.pk}, content_type="application/json")
    assert r.status_code == 404
    r = c.post(url, body | {"to_household_id": target.pk}, content_type="application/json")
    assert r.status_code == 201 and r.json()["is_active"]
    assert Member.objects.filter(id_index=moving.id_index, is_active=True).get().household == target


# --- a repeated POST creates nothing new ----------------------------------------------------------------


def test_repeated_household_post_with_the_same_form_token_creates_one_household():
    c = client_for("ab_caseworker")
    page = c.get("/registry/households/new/").content.decode()
    token = page.split('name="_form_token" value="')[1].split('"')[0]
    data = _household_form(new_id()) | {"_form_token": token}
    first = c.post("/registry/households/new/", data)
    assert first.status_code == 302
    before = _counts()
    again = c.post("/registry/households/new/", data, follow=True)  # back button and 保存 again
    assert _counts() == before
    assert again.redirect_chain[0][0] == first["Location"]
    assert "该表单已经提交过，未重复保存" in again.content.decode()


def test_repeated_case_post_with_the_same_form_token_creates_one_case():
    from jiuzhu.cases.models import Case

    household = make_household()
    c = client_for("ab_caseworker")
    url = f"/cases/new/?household={household.pk}"
    page = c.get(url).content.decode()
    token = page.split('name="_form_token" value="')[1].split('"')[0]
    head = household.members.get(relation="head")
    data = {
        "assistance_type": "dibao_rural",
        "applicant": head.pk,
        "applied_on": "2026-11-18",
        "township_code": household.township_code,
        "reason": "因病致贫",
        "requested_amount": "",
        "_form_token": token,
    }
    assert c.post(url, data).status_code == 302
    assert c.post(url, data).status_code == 302
    assert Case.objects.filter(household=household).count() == 1


def test_a_failed_post_frees_its_token_for_the_corrected_form():
    c = client_for("ab_caseworker")
    token = "t" * 32
    bad = _household_form("123") | {"_form_token": token}
    assert c.post("/registry/households/new/", bad).status_code == 200
    good = _household_form(new_id()) | {"_form_token": token}
    assert c.post("/registry/households/new/", good).status_code == 302


def test_repeated_api_post_creates_one_household_with_or_without_a_key():
    payload = {
        "area_code": ANBANG_VILLAGE,
        "address": "安邦村9组1号",
        "members": [{"name": "韩建军", "id_number": new_id(), "relation": "head"}],
    }
    c = client_for("ab_caseworker")
    first = c.post(
        "/api/v1/households", payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-77"
    )
    assert first.status_code == 201
    before = _counts()
    again = c.post(
        "/api/v1/households", payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-77"
    )
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    keyless = c.post("/api/v1/households", payload, content_type="application/json")
    assert keyless.status_code == 400 and "在户成员" in keyless.json()["message"]
    assert _counts() == before


def test_A1_transfer_refused_while_the_person_is_also_in_a_third_household():
    number = new_id()
    first = make_household(members=[member("王大山"), member("韩小红", "child", id_number=number)])
    second = make_household(members=[member("孙某")], address="安邦村6组1号")
    legacy_duplicate(second, "韩小红", number)
    third = make_household(members=[member("李四")])
    with pytest.raises(ValidationFailed) as exc:
        members.member_transfer(
            by=user("ab_caseworker"),
            member=second.members.get(name="韩小红"),
            to_household=third,
            on=date(2026, 11, 18),
            relation="child",
            reason="投靠",
        )
    assert "安邦村6组1号" not in exc.value.message and "王大山户" in exc.value.message
    assert (
        Member.objects.filter(id_index=first.members.get(name="韩小红").id_index, is_active=True).count() == 2
    )
