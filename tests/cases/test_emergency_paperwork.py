"""P8: emergency aid is paid first, but the case closes (补办登记) only when the materials and signatures the
normal path asks of its type are recorded, or a bureau officer waived an item with a reason. The case shows
what is missing meanwhile; past the limit a warning fires. The caseworker is told who gives the aid."""

from __future__ import annotations

import pytest

from jiuzhu.supervision import scan as scanning
from jiuzhu.supervision.models import Alert, AlertStatus
from tests.helpers import JIANSHAN, client_for, complete_intake, make_case, make_household, user

pytestmark = pytest.mark.django_db

REGISTER = {
    "emergency_register-registered_on": "2026-11-20",
    "emergency_register-recipient_note": "王大山，火灾致生活困难，先行救助1500元",
    "emergency_register-signatures_completed": "on",
}


def _aided(paid: str = "2026-11-19T09:00"):
    case = make_case(make_household(), assistance_type="linshi_emergency", requested_amount="2000")
    r = client_for("ab_approver").post(
        f"/cases/{case.pk}/act/emergency_aid/",
        {
            "emergency_aid-requested_at": paid,
            "emergency_aid-paid_at": paid,
            "emergency_aid-amount": "1500",
        },
    )
    assert r.status_code in (200, 302)
    case.refresh_from_db()
    assert case.status == "emergency_aided"
    return case


def test_P8_the_caseworker_sees_emergency_aid_and_who_gives_it():
    case = make_case(make_household(), assistance_type="linshi_emergency", requested_amount="2000")
    page = client_for("ab_caseworker").get(f"/cases/{case.pk}/").content.decode()
    assert "急难先行救助" in page
    assert "由 <strong>乡镇（街道）审批负责人</strong> 办理" in page and "您不能办理这一步" in page


def test_P8_emergency_closure_is_refused_until_the_paperwork_is_complete():
    case = _aided()
    caseworker = client_for("ab_caseworker")
    page = caseworker.get(f"/cases/{case.pk}/").content.decode()
    assert "急难救助补办材料" in page and "尚缺" in page
    assert "家庭经济状况核对授权书" in page or "授权书" in page

    r = caseworker.post(f"/cases/{case.pk}/act/emergency_register/", REGISTER)
    case.refresh_from_db()
    assert case.status == "emergency_aided"
    assert "材料和签署尚未补齐" in r.content.decode()
    assert case.emergency.registered_on is None

    complete_intake(case)  # recorded after the aid: the intake window stays open for an aided case
    caseworker.post(f"/cases/{case.pk}/act/emergency_register/", REGISTER)
    case.refresh_from_db()
    assert case.status == "approved"
    assert case.emergency.registered_on.isoformat() == "2026-11-20"


def test_P8_a_bureau_waiver_with_a_reason_lets_the_case_close():
    from jiuzhu.cases.emergency_paperwork import key_of, outstanding

    case = _aided()
    items = outstanding(case)
    assert items
    # The township cannot waive.
    r = client_for("ab_approver").post(
        f"/cases/{case.pk}/emergency-waive/", {"item": key_of(items[0]), "reason": "无法提供"}
    )
    assert r.status_code in (403, 404)
    assert not case.emergency_waivers.exists()

    bureau = client_for("js_bureau")
    r = bureau.post(
        f"/cases/{case.pk}/emergency-waive/", {"item": key_of(items[0]), "reason": ""}, follow=True
    )
    assert "请写明免于补办的理由" in r.content.decode()
    assert not case.emergency_waivers.exists()
    for item in items:
        bureau.post(
            f"/cases/{case.pk}/emergency-waive/", {"item": key_of(item), "reason": "外地流浪人员，无法补齐"}
        )
    assert case.emergency_waivers.count() == len(items)
    page = client_for("ab_caseworker").get(f"/cases/{case.pk}/").content.decode()
    assert "免补：" in page and "外地流浪人员" in page

    client_for("ab_caseworker").post(f"/cases/{case.pk}/act/emergency_register/", REGISTER)
    case.refresh_from_db()
    assert case.status == "approved"


def test_P8_a_warning_fires_once_the_registration_is_overdue():
    overdue = _aided(paid="2026-11-10T09:00")  # due five working days later: 2026-11-17
    in_time = _aided()
    scanning.scan(by=user("js_inspector"), area_code=JIANSHAN, rules=["emergency_registration_overdue"])
    open_alerts = Alert.objects.filter(rule="emergency_registration_overdue", status=AlertStatus.OPEN)
    assert open_alerts.filter(case=overdue).exists()
    assert not open_alerts.filter(case=in_time).exists()
    page = client_for("ab_caseworker").get(f"/cases/{overdue.pk}/").content.decode()
    assert "已超过补办登记时限" in page
