"""补录 and the P8 waiver through the API: the same limits and roles as the pages (tests/cases/test_backfill.py,
tests/cases/test_emergency_paperwork.py), for an integration that enters steps after the paper work."""

from __future__ import annotations

import pytest

from tests.cases.test_backfill import _ready_case, backdate_default  # noqa: F401 - the fixture
from tests.cases.test_emergency_paperwork import _aided
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

API = "/api/v1"


def _accept(client, case, day: str):
    case.refresh_from_db()
    return client.post(
        f"{API}/cases/{case.pk}/accept",
        {"accepted_on": day, "version": case.version},
        content_type="application/json",
    )


def test_backfill_through_the_api_township_asks_bureau_approves_step_uses_it(backdate_default):  # noqa: F811
    case = _ready_case()
    township = client_for("ab_caseworker")

    refused = _accept(township, case, "2026-11-05")
    assert refused.status_code == 400
    assert "超过补录期限" in refused.json()["message"] + str(refused.json())

    r = township.post(
        f"{API}/cases/{case.pk}/backfills",
        {"action": "accept", "step_on": "2026-11-05", "reason": "纸质受理单当日已出具，系统故障未及时录入"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    request_id = r.json()["id"]
    assert r.json()["status"] == "pending" and r.json()["step"]

    # A date within the limit needs no request.
    r = township.post(
        f"{API}/cases/{case.pk}/backfills",
        {"action": "accept", "step_on": "2026-11-18", "reason": "无"},
        content_type="application/json",
    )
    assert r.status_code == 400 and "无需补录申请" in str(r.json())

    # The township cannot decide, nor see the bureau's list of requests to decide.
    r = client_for("ab_approver").post(
        f"{API}/backfills/{request_id}/decision", {"decision": "approve"}, content_type="application/json"
    )
    assert r.status_code in (403, 404)
    r = client_for("ab_approver").get(f"{API}/backfills")
    assert r.status_code == 403 or r.json() == []

    bureau = client_for("js_bureau")
    listed = bureau.get(f"{API}/backfills").json()
    assert [row["id"] for row in listed] == [request_id]
    r = bureau.post(
        f"{API}/backfills/{request_id}/decision",
        {"decision": "reject", "note": ""},
        content_type="application/json",
    )
    assert r.status_code == 400 and "不批准时须写明理由" in str(r.json())
    r = bureau.post(
        f"{API}/backfills/{request_id}/decision",
        {"decision": "approve", "note": "有纸质受理单为证"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "approved"

    r = _accept(township, case, "2026-11-05")
    assert r.status_code == 200, r.content
    case.refresh_from_db()
    assert case.steps.get(kind="accept").backfill_id == request_id
    assert township.get(f"{API}/cases/{case.pk}/backfills").json()[0]["status"] == "used"


def test_P8_waiver_through_the_api_is_the_bureaus_and_lets_the_case_close():
    case = _aided()
    township = client_for("ab_approver")
    items = township.get(f"{API}/cases/{case.pk}/emergency-paperwork").json()
    assert items and all(i["key"] and i["label"] for i in items)

    r = township.post(
        f"{API}/cases/{case.pk}/emergency-waivers",
        {"item": items[0]["key"], "reason": "无法提供"},
        content_type="application/json",
    )
    assert r.status_code == 403
    assert not case.emergency_waivers.exists()

    bureau = client_for("js_bureau")
    r = bureau.post(
        f"{API}/cases/{case.pk}/emergency-waivers",
        {"item": items[0]["key"], "reason": "  "},
        content_type="application/json",
    )
    assert r.status_code == 400 and "请写明免于补办的理由" in str(r.json())
    for item in items:
        r = bureau.post(
            f"{API}/cases/{case.pk}/emergency-waivers",
            {"item": item["key"], "reason": "外地流浪人员，无法补齐"},
            content_type="application/json",
        )
        assert r.status_code == 201, r.content
    assert township.get(f"{API}/cases/{case.pk}/emergency-paperwork").json() == []
    assert case.emergency_waivers.count() == len(items)
