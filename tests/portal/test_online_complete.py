"""A3, 最多跑一次: an online application holds what the paper application holds — members, income by
category, property (house, land, vehicle, deposit), reason — every adult member's authorisation and
commitment confirmed online with a code sent to their own phone (time, channel, phone kept), and scans of
the items data sharing cannot provide. The case then shows nothing left to bring on paper, and the
caseworker can still print the application form for the file."""

from __future__ import annotations

import base64
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pypdf import PdfReader

from jiuzhu.cases.materials import missing_items
from jiuzhu.cases.models import Case
from jiuzhu.documents.models import IssuedDocument
from jiuzhu.portal import phone as codes
from tests.helpers import ANBANG_VILLAGE, JIANSHAN, client_for, new_id, phone_code

pytestmark = pytest.mark.django_db

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
URL = f"/portal/apply/?county={JIANSHAN}"


def _formset(prefix: str, rows: list[dict]) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for i, row in enumerate(rows):
        data |= {f"{prefix}-{i}-{k}": v for k, v in row.items()}
    return data


def full_application(**kw) -> dict:
    """A household of three: the head, his wife (adults) and their son (a minor)."""
    data = {
        "county": JIANSHAN,
        "assistance_type": "dibao_rural",
        "area_code": ANBANG_VILLAGE,
        "address": "安邦村3组6号",
        "phone": "13800006666",
        "head_name": "孟庆国",
        "head_id_number": new_id(birth="19760303"),
        "reason": "妻子患尿毒症需长期透析，本人腰椎受伤只能打零工",
        "consent_verification": "on",
        "consent_commitment": "on",
        **_formset(
            "m",
            [
                {
                    "name": "孙桂芝",
                    "id_number": new_id(birth="19790909", female=True),
                    "relation": "spouse",
                    "phone": "13900007777",
                    "consent": "on",
                },
                {"name": "孟小龙", "id_number": new_id(birth="20150606"), "relation": "child"},
            ],
        ),
        **_formset(
            "inc",
            [
                {"owner": "孟庆国", "category": "wage", "description": "零工", "monthly_amount": "800"},
                {"owner": "", "category": "transfer", "description": "耕地地力补贴", "monthly_amount": "50"},
            ],
        ),
        **_formset(
            "ast",
            [
                {"kind": "housing", "description": "自建砖房", "quantity": "80", "unit": "平方米"},
                {"kind": "land", "description": "承包耕地", "quantity": "6", "unit": "亩"},
                {"kind": "vehicle", "description": "电动三轮车", "value": "2000"},
                {"owner": "孙桂芝", "kind": "deposit", "description": "农村信用社活期", "value": "3200"},
            ],
        ),
    }
    data.update(kw)
    if "head_code" not in data:
        data["head_code"] = phone_code(data["phone"])
    if "m-0-code" not in data:
        data["m-0-code"] = phone_code(data["m-0-phone"])
    return data


def _submit(data: dict):
    scan = SimpleUploadedFile("透析诊断.png", PNG, content_type="image/png")
    return Client().post(URL, {**data, "item_medical_proof": [scan]})


def _case(response) -> Case:
    assert response.status_code == 302, response.content.decode()[:3000]
    done = Client().get(response["Location"])  # a new client has no session: read the number from the case
    assert done.status_code in (200, 302)
    return Case.objects.filter(channel="online").latest("pk")


def test_A3_online_application_leaves_nothing_to_bring_on_paper():
    case = _case(_submit(full_application()))
    household = case.household
    assert household.members.count() == 3
    # income by category and property, as the paper form declares them
    assert sorted(
        (i.category, str(i.monthly_amount), i.member.name if i.member else "")
        for i in household.incomes.all()
    ) == [
        ("transfer", "50.00", ""),
        ("wage", "800.00", "孟庆国"),
    ]
    assert sorted(a.kind for a in household.assets.all()) == ["deposit", "housing", "land", "vehicle"]
    assert household.assets.get(kind="deposit").member.name == "孙桂芝"
    # every adult signed both online, with time, channel and the verified phone; the minor does not sign
    signed = {(s.member.name, s.kind): s for s in case.signatures.all()}
    assert set(signed) == {
        ("孟庆国", "authorisation"),
        ("孟庆国", "commitment"),
        ("孙桂芝", "authorisation"),
        ("孙桂芝", "commitment"),
    }
    wife = signed[("孙桂芝", "commitment")]
    assert wife.online and wife.signed_at is not None and wife.channel.startswith("网上申请")
    assert (
        wife.phone_masked == "139****7777"
        and signed[("孟庆国", "authorisation")].phone_masked == "138****6666"
    )
    # nothing is demanded on paper: the form and the statement are received, the scan too
    assert missing_items(case) == []
    received = {m.requirement.code: m for m in case.materials.select_related("requirement")}
    assert {"application_form", "hardship_statement", "medical_proof"} <= set(received)
    page = client_for("ab_caseworker").get(f"/cases/{case.pk}/").content.decode()
    assert "材料和签署齐全，可以受理" in page and 'data-testid="missing"' not in page
    assert "手机 139****7777 已验证" in page and "透析诊断" in page
    # the caseworker prints the application form for the file
    r = client_for("ab_caseworker").post(f"/cases/{case.pk}/documents/application_form/")
    assert r.status_code == 302
    doc = IssuedDocument.objects.filter(kind="application_form").latest("pk")
    with doc.pdf.open("rb") as fh:
        text = "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(fh.read())).pages)
    for word in ("零工", "耕地地力补贴", "自建砖房", "承包耕地", "电动三轮车", "农村信用社活期", "尿毒症"):
        assert word in text, word


def test_A3_every_adult_must_confirm_with_their_own_phone_and_nothing_is_written_otherwise():
    before = Case.objects.count()
    data = full_application()
    for key in ("m-0-phone", "m-0-code", "m-0-consent"):
        data[key] = ""
    r = _submit(data)
    assert r.status_code == 400 and "孙桂芝尚未确认" in r.content.decode()
    # a wrong code is refused and named
    r = _submit(full_application(head_code="000000"))
    assert r.status_code == 400 and "验证码不正确" in r.content.decode()
    # a phone without the member's own consent is refused
    data = full_application()
    del data["m-0-consent"]
    r = _submit(data)
    assert r.status_code == 400 and "请本人勾选同意授权并承诺" in r.content.decode()
    assert Case.objects.count() == before


def test_A3_a_code_serves_once():
    data = full_application()
    _case(_submit(data))
    before = Case.objects.count()
    again = {**data, "head_id_number": new_id(birth="19770404")}
    r = _submit(again)
    assert r.status_code == 400 and "验证码" in r.content.decode()
    assert Case.objects.count() == before


def test_A3_the_code_button_sends_a_code_to_the_phone():
    r = Client().post("/portal/apply/code/", {"phone": "13812345678"})
    assert r.status_code == 200 and "138****5678" in r.json()["message"]
    assert codes.outbox[-1][0] == "13812345678" and re.search(r"\d{6}", codes.outbox[-1][1])
    r = Client().post("/portal/apply/code/", {"phone": "12345"})
    assert r.status_code == 400 and "手机号码" in r.json()["message"]


def test_A3_without_an_sms_gateway_the_application_is_still_taken_and_the_adults_sign_at_the_window(settings):
    settings.JIUZHU_SMS_BACKEND = ""  # a county that has not configured a gateway yet
    page = Client().get(URL).content.decode()
    assert 'data-testid="no-sms"' in page and "获取验证码" not in page

    data = full_application(head_code="", **{"m-0-code": ""})
    case = _case(_submit(data))
    assert case.household.members.count() == 3
    # the form and the scan are received online; the wife still signs at the window
    received = {m.requirement.code for m in case.materials.select_related("requirement")}
    assert {"application_form", "medical_proof"} <= received
    missing = [m.label for m in missing_items(case)]
    assert any("孙桂芝" in label for label in missing), missing
