"""比对 with 医保, 人社, 残联, 不动产 and 市场监管, end to end through the page or the API: the warnings, each
resolution (纳入救助, 调整待遇, 转专项救助 with the department's answer, 无需处理), the household page, the
chain and the monthly report."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from jiuzhu.core import clock
from jiuzhu.core.models import ParameterValue
from jiuzhu.monitoring.chain_types import chain_sources
from jiuzhu.monitoring.models.watch import HouseholdCategory, MonitoringWarning, WarningStatus
from tests.helpers import ERMALU, approved, client_for, enrolled, make_household, member, new_id
from tests.monitoring.watch_helpers import act, csv_file, import_file, upload

pytestmark = pytest.mark.django_db
YIBAO = ["身份证号", "姓名", "结算日期", "个人自付金额", "医疗机构"]


def _person(name: str, enrol: bool = False):
    number = new_id()
    household = make_household(members=[member(name, id_number=number)])
    if enrol:
        enrolled(household)
    return number, household


def test_yibao_thresholds_6000_for_the_monitored_10000_for_others_and_a_county_of_its_own():
    c = client_for("ab_caseworker")
    monitored, _ = _person("李低保", enrol=True)
    resident, _ = _person("周居民")
    rows = [
        [monitored, "李低保", "2026-11-05", "6000.00", "县医院"],  # not over 6 000
        [monitored, "李低保", "2026-11-12", "6000.01", "县医院"],
        [resident, "周居民", "2026-11-06", "9000", "市医院"],  # under 10 000
        [resident, "周居民", "2026-11-16", "10500", "市医院"],
    ]
    warnings = import_file(c, "yibao", csv_file(YIBAO, rows))
    assert [(w.member.name, w.amount, w.household_category) for w in warnings] == [
        ("李低保", Decimal("6000.01"), HouseholdCategory.DIBAO),
        ("周居民", Decimal("10500.00"), HouseholdCategory.NONE),
    ]
    assert all(w.category == "spending_up" and w.due_on == date(2026, 12, 5) for w in warnings)

    # 尖山区 lowers its resident threshold to 8 000; another county keeps the default.
    ParameterValue.objects.create(
        key="monitoring.medical.resident_threshold",
        scope_code="230502000000",
        effective_from=date(2026, 1, 1),
        value="8000.00",
        reason="本县规定",
        created_at=clock.now(),
    )
    again = upload(c, "yibao", csv_file(YIBAO, [[resident, "周居民", "2026-11-06", "9000", "市医院"]]))
    assert again.result["warnings"] == 1
    from jiuzhu.core import params

    assert params.get(
        "monitoring.medical.resident_threshold", area_code="500110000000", on=clock.today()
    ) == Decimal("10000.00")


def test_yibao_warning_referred_to_medical_assistance_with_the_answer_in_chain_and_report():
    c = client_for("ab_caseworker")
    number, household = _person("吴病人", enrol=True)
    [w] = import_file(c, "yibao", csv_file(YIBAO, [[number, "吴病人", "2026-11-10", "23000", "省人民医院"]]))
    act(c, w, "verify", method="records", on="2026-11-20", confirmed="1", note="查阅住院结算单")
    w = act(c, w, "refer", need="medical", department="县医保局", sent_on="2026-11-20", note="申请医疗救助")
    assert w.status == WarningStatus.RESOLVED and w.referral.answered_on is None
    w = act(
        c, w, "answer", answered_on="2026-11-20", granted="1", amount="8000", answer="已给予医疗救助 8 000 元"
    )
    assert w.referral.answer.startswith("已给予")

    entries = [e for source in chain_sources for e in source(household)]
    mine = [e for e in entries if w.number in e.title or e.department == "县医保局"]
    assert {e.kind for e in mine} >= {"warning", "referral"} and all(e.need == "medical" for e in mine)
    assert any(e.kind == "verification" and "情况属实" in e.title for e in entries)

    page = c.get(f"/registry/households/{household.pk}/").content.decode()
    assert "医疗救助 → 县医保局（已反馈）" in page
    report = c.get("/monitoring/dashboard/?month=2026-11").content.decode()
    assert "1 / 1" in report  # referrals / answered
    xlsx = c.get("/monitoring/report.xlsx?month=2026-11")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    pdf = c.get("/monitoring/report.pdf?month=2026-11")
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).replace("\n", "")
    assert "低收入人口动态监测月报" in text and "2026年11月" in text and "安邦乡" in text


def test_renshe_new_job_adjusts_the_benefit_and_shichang_business_is_closed_through_the_api():
    c = client_for("ab_caseworker")
    number, household = _person("郑就业", enrol=True)
    header = ["身份证号", "姓名", "事项", "起始日期", "月金额", "单位"]
    [w] = import_file(
        c, "renshe", csv_file(header, [[number, "郑就业", "新增就业", "2026-11-01", "3200", "某厂"]])
    )
    assert w.category == "income_up" and "某厂" in w.detail
    act(c, w, "verify", method="visit", on="2026-11-20", confirmed="1", note="确已就业")
    w = act(c, w, "adjust", outcome="keep", findings="就业收入按规定前3个月不计入，维持")
    assert w.review.outcome == "keep" and w.review.enrolment.household_id == household.pk

    # 市场监管 pushed by a platform through the API, imported at once (mode=all).
    api = client_for("ab_caseworker")
    content = csv_file(
        ["身份证号", "姓名", "成立日期", "注册资本", "企业名称"],
        [[number, "郑就业", "2026-10-30", "10000", "郑记小吃"]],
    )
    with pytest.MonkeyPatch.context():
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            r = api.post(
                "/api/v1/monitoring/imports?source=shichang&mode=all",
                {"file": SimpleUploadedFile("shichang.csv", content)},
            )
    assert r.status_code == 202, r.content
    job = api.get(f"/api/v1/jobs/monitoring-import/{r.json()['id']}").json()
    assert job["status"] == "done" and job["result"]["created"] == 1
    listed = api.get("/api/v1/monitoring/warnings?source=shichang").json()["items"]
    assert len(listed) == 1 and listed[0]["category"] == "assets" and number not in str(listed)
    wid = listed[0]["id"]
    ok = api.post(
        f"/api/v1/monitoring/warnings/{wid}/verify",
        {"method": "phone", "on": "2026-11-20", "confirmed": True, "note": "个体户，收入已申报"},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["status"] == "verified"
    done = api.post(
        f"/api/v1/monitoring/warnings/{wid}/close",
        {"reason": "经营收入已计入"},
        content_type="application/json",
    )
    assert done.json()["resolution"] == "none"
    report = api.get("/api/v1/monitoring/report?month=2026-11").json()
    assert report["total"]["outcomes"]["none"] == 1 and report["total"]["outcomes"]["adjust"] == 1
    assert api.get("/api/v1/monitoring/report?month=2026-13").status_code == 400


def test_canlian_new_certificate_opens_an_application_and_budongchan_property_is_closed():
    clock.freeze(datetime(2026, 11, 2, 9))  # early in the month, so the application can go its whole way
    c = client_for("ab_caseworker")
    number, household = _person("冯残疾")
    header = ["身份证号", "姓名", "事项", "发证日期", "残疾类别等级"]
    [w] = import_file(
        c, "canlian", csv_file(header, [[number, "冯残疾", "新办证", "2026-10-28", "肢体二级"]])
    )
    assert w.category == "disability" and w.household_category == HouseholdCategory.NONE
    act(c, w, "verify", method="visit", on="2026-11-02", confirmed="1", note="家庭困难")
    w = act(
        c, w, "enrol", assistance_type="dibao_rural", applicant=str(w.member_id), reason="重度残疾，家庭困难"
    )
    assert w.case is not None and w.case.channel == "discovery" and w.case.household_id == household.pk
    assert w.number in w.case.reason
    page = c.get(f"/registry/households/{household.pk}/").content.decode()
    assert w.case.number in page
    clock.freeze(datetime(2026, 11, 20, 10))
    approved(w.case)  # the application goes its ordinary way; once approved it counts as newly enrolled
    report = c.get("/monitoring/dashboard/?month=2026-11").content.decode()
    assert 'data-testid="total-enrolled">1<' in report
    # The register names the warning the person came from.
    register = c.get("/monitoring/register/?origin=monitoring").content.decode()
    assert "冯残疾" in register and f"比对预警 {w.number}" in register

    [p] = import_file(
        c,
        "budongchan",
        csv_file(["身份证号", "姓名", "登记日期", "坐落"], [[number, "冯残疾", "2026-11-02", "安邦村3组"]]),
    )
    assert p.category == "assets"
    act(c, p, "verify", method="records", on="2026-11-20", confirmed="1", note="继承农村自建房")
    p = act(c, p, "close", reason="唯一住房，不影响认定")
    assert p.status == WarningStatus.RESOLVED


def test_bad_rows_nothing_partial_unless_chosen_and_downloadable():
    c = client_for("ab_caseworker")
    good, _ = _person("好人")
    rows = [
        [good, "好人", "死亡", "2026-11-01", ""],
        ["110101199003070012", "错号", "死亡", "2026-11-01", ""],  # wrong check digit
        [new_id(), "未来", "死亡", "2027-01-01", ""],
        [new_id(), "不知", "失踪", "2026-11-01", ""],
    ]
    preview = upload(c, "gongan", csv_file(["身份证号", "姓名", "事项", "日期", "说明"], rows))
    r = preview.result
    assert r["error_count"] == 3 and r["good_rows"] == 1
    assert (
        r["errors"][0].startswith("第3行")
        and "校验位" in r["errors"][0]
        and "110101199003070012" not in str(r)
    )
    assert "晚于今天" in r["errors"][1] and "事项“失踪”" in r["errors"][2]
    from tests.monitoring.watch_helpers import commit

    refused = commit(c, preview, "all")
    assert refused.result["committed"] is False and not MonitoringWarning.objects.exists()
    chosen = commit(c, preview, "good_only")
    assert chosen.result["created"] == 1
    errors = c.get(f"/monitoring/import/jobs/{chosen.pk}/errors.xlsx")
    assert errors.status_code == 200 and errors["Content-Type"].startswith("application/vnd.openxml")


def test_wrong_layout_and_not_a_table_are_refused_with_a_clear_message():
    c = client_for("ab_caseworker")
    missing = upload(c, "yibao", csv_file(["身份证号", "姓名", "结算日期"], [[new_id(), "x", "2026-11-01"]]))
    assert missing.status == "failed" and "缺少列：个人自付金额" in missing.error
    r = c.post(
        "/monitoring/import/", {"source": "gongan", "file": SimpleUploadedFile("a.csv", b"\x00\x01PK\x03")}
    )
    assert r.status_code == 200 and "比对文件" in r.content.decode()
    r = c.post("/monitoring/import/", {"source": "nope", "file": SimpleUploadedFile("a.csv", b"a,b\n")})
    assert r.status_code == 200 and not MonitoringWarning.objects.exists()


def test_matching_is_scoped_and_other_townships_neither_see_nor_act():
    number, _ = _person("安邦人")
    other = client_for("emr_caseworker")
    preview = upload(
        other, "gongan", csv_file(["身份证号", "事项", "日期"], [[number, "迁出", "2026-11-01"]])
    )
    assert preview.result["matched_people"] == 0  # 二马路 cannot match 安邦's people
    [w] = import_file(
        client_for("ab_caseworker"),
        "gongan",
        csv_file(["身份证号", "事项", "日期"], [[number, "迁出", "2026-11-01"]]),
    )
    assert other.get(f"/monitoring/warnings/{w.pk}/").status_code == 404
    assert other.get(f"/api/v1/monitoring/warnings/{w.pk}").status_code == 404
    assert w.number not in other.get("/monitoring/warnings/").content.decode()
    assert client_for("js_bureau").get(f"/monitoring/warnings/{w.pk}/").status_code == 200
    assert ERMALU not in w.township_code
    r = client_for("ab_assistant").post(
        f"/monitoring/warnings/{w.pk}/",
        {"action": "verify", "method": "visit", "on": "2026-11-20", "confirmed": "1", "note": "x"},
    )
    assert r.status_code == 403


@pytest.mark.parametrize("source", ["gongan", "renshe", "yibao", "canlian", "budongchan", "shichang"])
def test_each_source_template_round_trips_through_the_checks(source):
    c = client_for("ab_caseworker")
    page = c.get("/monitoring/import/").content.decode()
    assert f"/monitoring/import/template/{source}.xlsx" in page
    template = c.get(f"/monitoring/import/template/{source}.xlsx")
    assert template.status_code == 200
    preview = upload(c, source, template.content, name="模板.xlsx")
    assert preview.status == "done" and preview.result["error_count"] == 0 and preview.result["rows"] == 1
