"""A3, A4: a county keeps its own materials checklist over the shipped defaults."""

import io

import pytest
from python_calamine import CalamineWorkbook

from jiuzhu.cases import materials_admin as admin
from jiuzhu.cases.materials import missing_items, requirements_for
from jiuzhu.cases.models import MaterialRequirement
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.models import AuditEvent
from tests.helpers import JIANSHAN, QIJIANG, body_of, client_for, make_case, make_household, user

pytestmark = pytest.mark.django_db

SHIMEN_VILLAGE = "500110011201"  # 綦江区打通镇石门村
RURAL = "dibao_rural"


def _missing(case) -> set[str]:
    return {m.label.split("（")[0] for m in missing_items(case) if not m.signature}


def _jianshan_case():
    return make_case(make_household())


def _qijiang_case():
    household = make_household(by="qj_dt_caseworker", area=SHIMEN_VILLAGE, address="石门村2组")
    return make_case(household, by="qj_dt_caseworker")


def _default(code: str) -> MaterialRequirement:
    return MaterialRequirement.objects.get(assistance_type=RURAL, code=code, scope_code="")


def test_a_county_change_affects_only_that_countys_new_cases():
    js, qj = _jianshan_case(), _qijiang_case()
    assert _missing(js) == _missing(qj)
    before_js = _missing(js)

    item = admin.item_add(
        by=user("js_bureau"),
        county_code=JIANSHAN,
        assistance_type=RURAL,
        name="村委会出具的居住情况证明",
        required=True,
    )
    assert item.scope_code == JIANSHAN
    assert "村委会出具的居住情况证明" in _missing(_jianshan_case())
    assert "村委会出具的居住情况证明" not in _missing(_qijiang_case())
    assert "村委会出具的居住情况证明" not in {r.name for r in requirements_for("dibao_urban", JIANSHAN)}

    # A default item made optional for the county only.
    hardship = _default("hardship_statement")
    row = admin.item_set_required(by=user("js_bureau"), county_code=JIANSHAN, item=hardship, required=False)
    assert row.scope_code == JIANSHAN and row.pk != hardship.pk
    assert hardship.name not in _missing(_jianshan_case())
    assert hardship.name in _missing(_qijiang_case())
    hardship.refresh_from_db()
    assert hardship.required is True  # the shipped row itself is never edited

    # The county item made optional, then stopped.
    admin.item_set_required(by=user("js_bureau"), county_code=JIANSHAN, item=item, required=False)
    assert "村委会出具的居住情况证明" not in _missing(_jianshan_case())
    assert admin.item_deactivate(by=user("js_bureau"), county_code=JIANSHAN, item=item) is None
    assert "村委会出具的居住情况证明" not in {r.name for r in requirements_for(RURAL, JIANSHAN)}

    # Restoring the defaults drops every county row of the type.
    assert admin.defaults_restore(by=user("js_bureau"), county_code=JIANSHAN, assistance_type=RURAL) == 1
    assert _missing(_jianshan_case()) == before_js
    assert {r.pk for r in requirements_for(RURAL, JIANSHAN)} == {
        r.pk for r in requirements_for(RURAL, QIJIANG)
    }

    actions = list(
        AuditEvent.objects.filter(action__startswith="materials.", area_code=JIANSHAN)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "materials.item_add",
        "materials.item_set_required",
        "materials.item_set_required",
        "materials.item_deactivate",
        "materials.defaults_restore",
    ]


def test_toggling_back_to_the_default_drops_the_county_copy():
    hardship = _default("hardship_statement")
    copy = admin.item_set_required(by=user("js_bureau"), county_code=JIANSHAN, item=hardship, required=False)
    back = admin.item_set_required(by=user("js_bureau"), county_code=JIANSHAN, item=copy, required=True)
    assert back.pk == hardship.pk
    assert (
        next(r for r in requirements_for(RURAL, JIANSHAN) if r.code == "hardship_statement").pk == hardship.pk
    )
    copy.refresh_from_db()
    assert copy.is_active is False


def test_shared_items_are_never_required_of_the_applicant():
    shared = _default("disability_cert")
    with pytest.raises(ValidationFailed) as exc:
        admin.item_set_required(by=user("js_bureau"), county_code=JIANSHAN, item=shared, required=True)
    assert "数据共享" in exc.value.message and "不得列为申请人必须提交的材料" in exc.value.message
    with pytest.raises(ValidationFailed) as exc:
        admin.item_add(
            by=user("js_bureau"),
            county_code=JIANSHAN,
            assistance_type=RURAL,
            name="不动产登记信息",
            required=True,
            shared=True,
        )
    assert "数据共享" in exc.value.message
    assert not MaterialRequirement.objects.filter(scope_code=JIANSHAN).exists()
    # Shared and optional is fine: listed, never demanded.
    admin.item_add(
        by=user("js_bureau"),
        county_code=JIANSHAN,
        assistance_type=RURAL,
        name="不动产登记信息",
        required=False,
        shared=True,
    )
    assert "不动产登记信息" not in _missing(_jianshan_case())


def test_default_items_cannot_be_stopped_and_names_are_unique():
    with pytest.raises(ValidationFailed) as exc:
        admin.item_deactivate(by=user("js_bureau"), county_code=JIANSHAN, item=_default("application_form"))
    assert "非必需" in exc.value.message
    with pytest.raises(ValidationFailed):
        admin.item_add(
            by=user("js_bureau"),
            county_code=JIANSHAN,
            assistance_type=RURAL,
            name=_default("application_form").name,
            required=True,
        )
    with pytest.raises(ValidationFailed) as exc:
        admin.defaults_restore(by=user("js_bureau"), county_code=JIANSHAN, assistance_type=RURAL)
    assert "已是默认清单" in exc.value.message


# --- page ---------------------------------------------------------------------------------------------


PAGE = f"/cases/materials/?county={JIANSHAN}&type={RURAL}"


@pytest.mark.parametrize(
    ("username", "get", "post"),
    [
        ("js_bureau", 200, 302),
        ("js_admin", 200, 302),
        ("js_inspector", 200, 403),
        ("ab_caseworker", 200, 403),
        ("qj_bureau", 404, 404),
    ],
)
def test_page_role_by_scope(username, get, post):
    c = client_for(username)
    assert c.get(PAGE).status_code == get
    r = c.post(PAGE, {"action": "add", "n-name": "居住证明", "n-required": "on"})
    assert r.status_code == post
    assert MaterialRequirement.objects.filter(name="居住证明").exists() is (post == 302)


def test_page_keeps_input_on_error_and_acts_on_items():
    c = client_for("js_bureau")
    r = c.post(
        PAGE,
        {"action": "add", "n-name": "房产信息", "n-required": "on", "n-shared": "on", "n-note": "备注甲"},
    )
    body = r.content.decode()
    assert r.status_code == 422 and "不得列为申请人必须提交的材料" in body and "备注甲" in body

    hardship = _default("hardship_statement")
    assert c.post(PAGE, {"action": "optional", "item": hardship.pk}).status_code == 302
    page = c.get(PAGE).content.decode()
    assert "本县调整" in page and "恢复默认清单" in page
    shared = _default("id_hukou")
    r = c.post(PAGE, {"action": "required", "item": shared.pk})
    assert r.status_code == 422 and "数据共享" in r.content.decode()

    other = admin.item_add(
        by=user("qj_bureau"), county_code=QIJIANG, assistance_type=RURAL, name="綦江材料", required=True
    )
    assert c.post(PAGE, {"action": "deactivate", "item": other.pk}).status_code == 404

    assert c.post(PAGE, {"action": "restore", "r-reason": "按省厅新文件"}).status_code == 302
    assert not MaterialRequirement.objects.filter(scope_code=JIANSHAN, is_active=True).exists()
    assert AuditEvent.objects.get(action="materials.defaults_restore").reason == "按省厅新文件"

    r = c.get(f"{PAGE}&export=xlsx")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(body_of(r))).get_sheet_by_index(0).to_python()
    assert rows[1][:2] == ["救助类型", "材料"] and len(rows) > 20


# --- API ----------------------------------------------------------------------------------------------


def test_api_read_and_write():
    c = client_for("js_bureau")
    url = f"/api/v1/material-checklist?county={JIANSHAN}&assistance_type={RURAL}"
    items = c.get(url).json()
    assert {i["code"] for i in items} >= {"application_form", "id_hukou"}
    assert next(i for i in items if i["code"] == "id_hukou")["demanded"] is False
    assert client_for("qj_bureau").get(url).status_code == 404
    assert client_for("ab_caseworker").get(url).status_code == 200  # the township works to its county's list

    body = {"county": JIANSHAN, "assistance_type": RURAL, "name": "居住证明", "required": True}
    assert (
        client_for("ab_caseworker")
        .post("/api/v1/material-checklist/items", body, content_type="application/json")
        .status_code
        == 403
    )
    assert (
        client_for("qj_bureau")
        .post("/api/v1/material-checklist/items", body, content_type="application/json")
        .status_code
        == 404
    )
    r = c.post("/api/v1/material-checklist/items", body, content_type="application/json")
    assert r.status_code == 201 and r.json()["source"] == "county" and r.json()["demanded"] is True
    item_id = r.json()["id"]

    shared = _default("id_hukou").pk
    r = c.post(
        f"/api/v1/material-checklist/items/{shared}/required",
        {"county": JIANSHAN, "required": True},
        content_type="application/json",
    )
    assert r.status_code == 400 and "数据共享" in r.json()["message"]
    r = c.post(
        f"/api/v1/material-checklist/items/{_default('medical_proof').pk}/required",
        {"county": JIANSHAN, "required": True},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["source"] == "override" and r.json()["required"] is True

    r = c.post(
        f"/api/v1/material-checklist/items/{item_id}/deactivate",
        {"county": JIANSHAN, "reason": "不再需要"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json() == {"deactivated_id": item_id, "default": None}
    r = c.post(
        "/api/v1/material-checklist/restore-defaults",
        {"county": JIANSHAN, "assistance_type": RURAL},
        content_type="application/json",
    )
    assert r.status_code == 200 and all(i["source"] == "default" for i in r.json())
