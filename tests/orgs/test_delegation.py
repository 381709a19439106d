"""D1–D4: who decides a case of type T in township X on day d."""

from datetime import date

import pytest

from jiuzhu.core.errors import Forbidden, NotFound, ValidationFailed
from jiuzhu.core.models import AuditEvent
from jiuzhu.orgs import services
from jiuzhu.orgs.delegation import who_decides
from jiuzhu.orgs.models import DelegationGrant, Jurisdiction
from tests.helpers import ANBANG, DATONG, DONGXI, client_for, user

pytestmark = pytest.mark.django_db

LIANHU_BEIGUAN = "610104009000"


def route(township: str, assistance_type: str, day: str):
    return who_decides(township_code=township, assistance_type=assistance_type, day=date.fromisoformat(day))


def test_D3_grant_start_day_decides_the_route():
    assert route(ANBANG, "dibao_urban", "2021-06-30").decider == "bureau"
    assert route(ANBANG, "dibao_urban", "2021-07-01").decider == "township"
    assert route(ANBANG, "linshi_emergency", "2021-07-01").delegated


def test_D2_staged_rollout_in_qijiang_and_lianhu():
    assert route(DATONG, "dibao_rural", "2021-10-31").decider == "bureau"
    assert route(DATONG, "dibao_rural", "2021-11-01").decider == "township"
    assert route("500110001000", "tekun", "2021-11-30").decider == "bureau"
    assert route("500110001000", "tekun", "2021-12-01").decider == "township"
    assert route(DONGXI, "dibao_rural", "2026-11-20").decider == "bureau"
    assert route(DATONG, "linshi_expense", "2026-11-20").decider == "bureau"  # 綦江 delegated 低保、特困 only
    assert route(LIANHU_BEIGUAN, "dibao_urban", "2021-08-01").delegated
    assert not route(LIANHU_BEIGUAN, "low_income", "2021-08-01").delegated


def test_D3_grant_end_date_is_the_last_delegated_day():
    services.grant_create(
        by=user("qj_bureau"),
        township=Jurisdiction.objects.get(code=DONGXI),
        category="dibao",
        valid_from=date(2026, 12, 1),
        valid_to=date(2027, 6, 30),
        letter_no="綦府委〔2026〕9号",
        signed_on=date(2026, 11, 18),
        phase="full",
    )
    assert route(DONGXI, "dibao_rural", "2026-11-30").decider == "bureau"
    assert route(DONGXI, "dibao_rural", "2026-12-01").decider == "township"
    assert route(DONGXI, "dibao_rural", "2027-06-30").decider == "township"
    expired = route(DONGXI, "dibao_rural", "2027-07-01")
    assert expired.decider == "bureau" and "到期" in expired.reason


def _anbang_dibao() -> DelegationGrant:
    return DelegationGrant.objects.get(township_id=ANBANG, category="dibao")


def test_D4_suspension_applies_from_its_start_and_lifts_on_resume():
    grant = _anbang_dibao()
    services.grant_suspend(
        by=user("js_bureau"), grant=grant, start=date(2026, 11, 25), reason="督查发现问题，暂停整改"
    )
    assert route(ANBANG, "dibao_urban", "2026-11-24").decider == "township"
    suspended = route(ANBANG, "dibao_urban", "2026-11-25")
    assert suspended.decider == "bureau" and "暂停" in suspended.reason
    assert route(ANBANG, "dibao_urban", "2025-01-10").decider == "township"  # past decisions unaffected
    services.grant_resume(by=user("js_bureau"), grant=grant, on=date(2026, 12, 1), reason="整改完成")
    assert route(ANBANG, "dibao_urban", "2026-11-30").decider == "bureau"
    assert route(ANBANG, "dibao_urban", "2026-12-01").decider == "township"
    assert (
        AuditEvent.objects.filter(
            object_id=str(grant.id), action__in=["delegation.grant_suspend", "delegation.grant_resume"]
        ).count()
        == 2
    )


def test_D4_revocation_applies_from_its_day_never_to_the_past():
    grant = _anbang_dibao()
    with pytest.raises(ValidationFailed):
        services.grant_revoke(by=user("js_bureau"), grant=grant, on=date(2026, 11, 1), reason="x")
    services.grant_revoke(
        by=user("js_bureau"), grant=grant, on=date(2026, 12, 1), reason="严重问题，收回委托"
    )
    assert route(ANBANG, "dibao_urban", "2026-11-30").decider == "township"
    revoked = route(ANBANG, "dibao_urban", "2026-12-01")
    assert revoked.decider == "bureau" and "撤销" in revoked.reason
    with pytest.raises(ValidationFailed):
        services.grant_suspend(by=user("js_bureau"), grant=grant, start=date(2026, 11, 25), reason="x")


def test_suspension_cannot_start_in_the_past():
    with pytest.raises(ValidationFailed):
        services.grant_suspend(
            by=user("js_bureau"), grant=_anbang_dibao(), start=date(2026, 11, 19), reason="x"
        )


def test_overlapping_grants_are_refused():
    with pytest.raises(ValidationFailed) as exc:
        services.grant_create(
            by=user("js_bureau"),
            township=Jurisdiction.objects.get(code=ANBANG),
            category="dibao",
            valid_from=date(2025, 1, 1),
            valid_to=None,
            letter_no="重复",
            signed_on=date(2024, 12, 1),
            phase="full",
        )
    assert "重叠" in exc.value.message


def test_D4_township_cannot_delegate_and_other_counties_cannot_touch():
    township = Jurisdiction.objects.get(code=DONGXI)
    kwargs = {
        "township": township,
        "category": "linshi",
        "valid_from": date(2026, 12, 1),
        "valid_to": None,
        "letter_no": "x",
        "signed_on": date(2026, 11, 1),
        "phase": "pilot",
    }
    with pytest.raises(Forbidden):
        services.grant_create(by=user("qj_dx_approver"), **kwargs)
    with pytest.raises(NotFound):
        services.grant_create(by=user("js_bureau"), **kwargs)
    with pytest.raises(ValidationFailed):
        services.grant_create(
            by=user("qj_bureau"), **{**kwargs, "township": Jurisdiction.objects.get(code="500110000000")}
        )


def test_rollout_page_and_export():
    c = client_for("js_bureau")
    page = c.get("/orgs/delegation/").content.decode()
    assert "安邦乡" in page and "已委托" in page
    export = c.get("/orgs/delegation/?export=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")


def test_grant_form_creates_and_keeps_input_on_error():
    c = client_for("qj_bureau")
    data = {
        "township": DONGXI,
        "category": "dibao",
        "valid_from": "2026-12-01",
        "valid_to": "2026-11-01",
        "letter_no": "綦府委〔2026〕10号",
        "signed_on": "2026-11-19",
        "phase": "full",
    }
    bad = c.post("/orgs/delegation/new/?county=500110000000", data)
    assert bad.status_code == 200
    assert "委托截止日不能早于起始日" in bad.content.decode() and "綦府委〔2026〕10号" in bad.content.decode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    ok = c.post(
        "/orgs/delegation/new/?county=500110000000",
        {**data, "valid_to": "", "letter_file": SimpleUploadedFile("letter.pdf", b"%PDF-1.4 test")},
    )
    assert ok.status_code == 302
    grant = DelegationGrant.objects.get(letter_no="綦府委〔2026〕10号")
    assert grant.letter_file
    assert c.get(f"/orgs/delegation/{grant.pk}/letter/").status_code == 200
    assert client_for("js_bureau").get(f"/orgs/delegation/{grant.pk}/letter/").status_code == 404


def test_grant_detail_actions_through_the_page():
    c = client_for("js_bureau")
    grant = _anbang_dibao()
    r = c.post(
        f"/orgs/delegation/{grant.pk}/",
        {"action": "suspend", "s-start": "2026-11-23", "s-reason": "专项检查"},
    )
    assert r.status_code == 302
    assert route(ANBANG, "dibao_urban", "2026-11-23").decider == "bureau"
    r = c.post(f"/orgs/delegation/{grant.pk}/", {"action": "revoke", "v-on": "2026-01-01", "v-reason": "x"})
    assert r.status_code == 200 and "不能早于今天" in r.content.decode()


def test_who_decides_query_page_and_api():
    c = client_for("ab_caseworker")
    html = c.get(
        f"/orgs/delegation/who-decides/?township={ANBANG}&assistance_type=tekun&day=2021-07-01"
    ).content.decode()
    assert "受委托审批" in html
    api = c.get(
        f"/api/v1/delegation/who-decides?township={ANBANG}&assistance_type=tekun&day=2021-06-01"
    ).json()
    assert api["decider"] == "bureau" and api["delegated"] is False


def test_D2_the_scanned_letter_is_checked_by_content_and_nothing_is_written_when_refused():
    from django.core.files.uploadedfile import SimpleUploadedFile

    kwargs = {
        "by": user("qj_bureau"),
        "township": Jurisdiction.objects.get(code=DONGXI),
        "category": "linshi",
        "valid_from": date(2026, 12, 1),
        "valid_to": None,
        "letter_no": "綦府委〔2026〕20号",
        "signed_on": date(2026, 11, 1),
        "phase": "batch",
    }
    fake = SimpleUploadedFile("letter.pdf", b"<html><script>alert(1)</script></html>", "application/pdf")
    with pytest.raises(ValidationFailed) as exc:
        services.grant_create(letter_file=fake, **kwargs)
    assert "文件类型不符" in exc.value.message and "letter_file" in exc.value.field_errors
    assert not DelegationGrant.objects.filter(letter_no="綦府委〔2026〕20号").exists()
    pdf = SimpleUploadedFile("letter.pdf", b"%PDF-1.4\n%letter\n" + b"0" * 64, "application/pdf")
    grant = services.grant_create(letter_file=pdf, **kwargs)
    assert grant.letter_file.name.endswith(".pdf")
