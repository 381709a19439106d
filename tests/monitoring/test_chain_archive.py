"""The assistance chain (一户一条救助链) in the household file (一户一档, AR1): a monitoring warning, its
verification, the referral with the department's answer and the enrolment appear in time order on the file
page, in its API and in the index PDF of the archive download; 调整待遇 is offered only to a household with a
live enrolment; the 动态监测 menu section."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime

import pytest
from pypdf import PdfReader

from jiuzhu.archive.bundle import INDEX_NAME
from jiuzhu.benefits.models import PeriodicReview
from jiuzhu.core import clock
from jiuzhu.core.models import AuditEvent
from jiuzhu.core.navigation import menu_for
from jiuzhu.core.services import param_set
from jiuzhu.monitoring.models.watch import WarningStatus
from jiuzhu.monitoring.watch_services import NO_ENROLMENT
from jiuzhu.supervision import scan
from jiuzhu.supervision.models import Alert, ScanTrigger
from tests.helpers import ANBANG, client_for, enrolled, make_household, member, new_id, user
from tests.monitoring.watch_helpers import act, csv_file, import_file

pytestmark = pytest.mark.django_db
HEADER = ["身份证号", "姓名", "事项", "日期", "说明", "金额"]


def _vehicle_warning(c, household_member_id: str):
    [w] = import_file(
        c,
        "gongan",
        csv_file(HEADER, [[household_member_id, "孙大海", "车辆", "2026-11-03", "小型轿车", "86000"]]),
    )
    return w


def _referred():
    """An enrolled 低保 household (approved 2026-11-20) whose vehicle record makes a warning on 11-25, verified
    the same day, referred to 人社局 and answered on 11-27."""
    number = new_id()
    enrolment = enrolled(make_household(members=[member("孙大海", id_number=number)]))
    c = client_for("ab_caseworker")
    clock.freeze(datetime(2026, 11, 25, 9))
    w = _vehicle_warning(c, number)
    w = act(c, w, "verify", method="visit", on="2026-11-25", confirmed="1", note="入户核实，车辆用于跑运输")
    page = c.get(f"/monitoring/warnings/{w.pk}/").content.decode()
    assert 'data-testid="adjust-card"' in page and 'data-testid="no-enrolment"' not in page
    w = act(c, w, "refer", need="employment", department="人社局", sent_on="2026-11-25", note="申请就业帮扶")
    clock.freeze(datetime(2026, 11, 27, 9))
    act(c, w, "answer", answered_on="2026-11-27", granted="1", answer="已安排公益性岗位")
    return enrolment, w


def _text_pdf(data: bytes) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))


def test_chain_entries_are_in_the_household_file_page_and_api_in_time_order():
    enrolment, w = _referred()
    c = client_for("ab_caseworker")
    page = c.get(f"/archive/households/{enrolment.household_id}/").content.decode()
    section = page.split('data-testid="file-section-chain"')[1]
    steps = [
        "批准农村最低生活保障",  # 2026-11-20
        f"监测预警 {w.number}",  # 11-25
        "核实（入户核实）：情况属实",
        "处置：转专项救助：就业救助 → 人社局",
        "人社局反馈：就业救助（已给予救助）",  # 11-27
        "纳入保障",  # the enrolment, from December
    ]
    positions = [section.index(s) for s in steps]
    assert positions == sorted(positions)
    assert "已安排公益性岗位" in section

    body = c.get(f"/api/v1/households/{enrolment.household_id}/file").json()
    [chain] = [s for s in body["sections"] if s["key"] == "chain"]
    kinds = {r["kind"] for r in chain["rows"]}
    assert {"预警", "核实", "转介", "救助", "审批", "待遇变更"} <= kinds
    assert [r["on"] for r in chain["rows"]] == sorted(r["on"] for r in chain["rows"])
    # the file's own filters do not cut the chain
    filtered = c.get(f"/api/v1/households/{enrolment.household_id}/file?kind=custody").json()
    assert filtered["entries"] == [] and filtered["sections"][0]["rows"] == chain["rows"]


def test_chain_is_in_the_index_pdf_of_the_archive_download(django_capture_on_commit_callbacks):
    enrolment, w = _referred()
    c = client_for("ab_caseworker")
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(f"/archive/households/{enrolment.household_id}/bundle/")
    assert r.status_code == 302
    download = c.get(r["Location"] + "download/")
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    index = _text_pdf(archive.read(INDEX_NAME))
    assert "一户一条救助链" in index
    steps = ["批准农村最低生活保障", f"监测预警{w.number}", "核实（入户核实）", "人社局反馈", "纳入保障"]
    positions = [index.index(s) for s in steps]
    assert positions == sorted(positions)


def test_adjust_is_offered_only_with_a_live_enrolment_and_refused_without_one():
    """调整待遇 reviews a live enrolment: a household receiving nothing is offered 纳入救助 instead; a posted
    adjustment is refused with a Chinese message and changes nothing."""
    number = new_id()
    household = make_household(members=[member("孙大海", id_number=number)])
    c = client_for("ab_caseworker")
    w = _vehicle_warning(c, number)
    refused = c.post(
        f"/monitoring/warnings/{w.pk}/", {"action": "adjust", "outcome": "stop", "findings": "x"}
    )
    assert refused.status_code == 200 and "请先核实，再处置" in refused.content.decode()
    w = act(c, w, "verify", method="phone", on="2026-11-20", confirmed="1", note="电话核实属实")
    page = c.get(f"/monitoring/warnings/{w.pk}/").content.decode()
    assert 'data-testid="no-enrolment"' in page and 'data-testid="adjust-card"' not in page
    assert 'value="enrol"' in page and 'value="refer"' in page and 'value="adjust"' not in page

    refused = c.post(
        f"/monitoring/warnings/{w.pk}/", {"action": "adjust", "outcome": "stop", "findings": "停发"}
    )
    assert refused.status_code == 200 and NO_ENROLMENT in refused.content.decode()
    api = c.post(
        f"/api/v1/monitoring/warnings/{w.pk}/adjust",
        {"outcome": "stop", "findings": "停发"},
        content_type="application/json",
    )
    assert api.status_code == 400 and NO_ENROLMENT in api.content.decode()
    w.refresh_from_db()
    assert w.status == WarningStatus.VERIFIED and w.resolution == "" and w.review_id is None
    assert not PeriodicReview.objects.filter(enrolment__household=household).exists()
    assert not AuditEvent.objects.filter(action="monitoring.adjust", object_id=str(w.pk)).exists()

    w = act(c, w, "enrol", assistance_type="dibao_rural", applicant=str(w.member_id), reason="车辆已处置")
    assert w.resolution == "enrol" and w.case is not None


MONITORING_PAGES = ["低收入人口名册", "监测预警", "比对数据导入", "监测统计与月报"]


def _section(username: str) -> list[str] | None:
    menu = dict(menu_for(user(username)))
    return [i["label"] for i in menu["动态监测"]] if "动态监测" in menu else None


def test_the_monitoring_section_of_the_menu_by_role():
    """Township and bureau staff reach every monitoring page from the menu, after 救助业务; the import only with
    the import permission; the security and audit administrators see no business data and no section."""
    for username in ("ab_caseworker", "ab_approver", "js_bureau"):
        assert _section(username) == MONITORING_PAGES, username
    for username in ("ab_verifier", "js_inspector", "js_finance"):
        assert _section(username) == ["低收入人口名册", "监测预警", "监测统计与月报"], username
    for username in ("js_secadmin", "js_auditadmin"):
        assert _section(username) is None, username
    sections = [name for name, _ in menu_for(user("ab_caseworker"))]
    assert sections.index("救助业务") + 1 == sections.index("动态监测")
    assert "低收入人口名册" not in [i["label"] for i in dict(menu_for(user("ab_caseworker")))["救助业务"]]
    home = client_for("js_bureau").get("/").content.decode()
    assert home.index('jz-nav-section">动态监测') < home.index('jz-nav-section">待遇发放')
    assert 'href="/monitoring/import/"' in home
    assert "动态监测" not in client_for("js_secadmin").get("/").content.decode()


YIBAO = ["身份证号", "姓名", "结算日期", "个人自付金额", "医疗机构"]


def _two_medical_referrals(second_granted: str = "1"):
    """Two hospital stays of one enrolled person (医保 file), each verified and referred to 医疗救助 at 县医保局;
    the first answered with aid on 2026-11-20, the second on 2026-12-10 (20 days later)."""
    number = new_id()
    household = make_household(members=[member("吴病人", id_number=number)])
    enrolled(household)
    c = client_for("ab_caseworker")
    rows = [
        [number, "吴病人", "2026-11-02", "23000", "省人民医院"],
        [number, "吴病人", "2026-11-12", "9000", "市医院"],
    ]
    first, second = import_file(c, "yibao", csv_file(YIBAO, rows))
    for w in (first, second):
        act(c, w, "verify", method="records", on="2026-11-20", confirmed="1", note="查阅住院结算单")
        act(c, w, "refer", need="medical", department="县医保局", sent_on="2026-11-20", note="申请医疗救助")
    act(c, first, "answer", answered_on="2026-11-20", granted="1", amount="8000", answer="已给予医疗救助")
    clock.freeze(datetime(2026, 12, 10, 9))
    act(c, second, "answer", answered_on="2026-12-10", granted=second_granted, amount="", answer="再次申请")
    return household, second


def _scan():
    scan.scan(by=None, area_code="", trigger=ScanTrigger.NIGHTLY)


def test_the_same_need_met_twice_by_a_department_warns_on_the_chain_in_the_file_and_as_a_rule():
    """一户一条救助链: a department's answers that met the same need twice within the period
    (`monitoring.same_need_days`, per township) are a warning on the chain, in the household file and a
    supervision rule; a shorter period of the township lifts both."""
    household, second = _two_medical_referrals()
    c = client_for("ab_caseworker")
    chain_page = c.get(f"/monitoring/households/{household.pk}/chain/").content.decode()
    assert "县医保局反馈：医疗救助（已给予救助）" in chain_page and "¥8,000.00" in chain_page
    assert 'data-testid="repeated-need"' in chain_page and "医疗需求在 20 天内两次救助" in chain_page
    # on 2026-11-20 (approval, warnings, verifications, referrals, the first answer): in the order of the steps
    table = chain_page.split('data-testid="chain"')[1]
    steps = ["批准农村最低生活保障", "监测预警 JC", "核实（查阅资料）", "处置：转专项救助", "县医保局反馈"]
    assert [table.index(s) for s in steps] == sorted(table.index(s) for s in steps)
    file_page = c.get(f"/archive/households/{household.pk}/").content.decode()
    assert 'data-testid="file-section-warning"' in file_page and "医疗需求在 20 天内两次救助" in file_page
    warning_page = c.get(f"/monitoring/warnings/{second.pk}/").content.decode()
    assert "已给予救助；再次申请" in warning_page
    _scan()
    alert = Alert.objects.get(rule="referral_aid_twice", household_id=household.pk)
    assert alert.status == "open"
    assert "县医保局（2026-12-10）给予医疗救助" in alert.detail and "2026-11-20" in alert.detail
    assert "365 天" in alert.detail

    param_set(
        by=user("js_admin"),
        key="monitoring.same_need_days",
        scope_code=ANBANG,
        effective_from=date(2026, 1, 1),
        value=10,
        reason="本乡规定",
    )
    assert (
        'data-testid="file-section-warning"'
        not in c.get(f"/archive/households/{household.pk}/").content.decode()
    )
    _scan()
    alert.refresh_from_db()
    assert alert.status == "resolved"


def test_an_answer_without_aid_is_no_repeat_and_an_amount_needs_aid():
    household, _ = _two_medical_referrals(second_granted="0")
    c = client_for("ab_caseworker")
    chain_page = c.get(f"/monitoring/households/{household.pk}/chain/").content.decode()
    assert (
        "县医保局反馈：医疗救助（未给予救助）" in chain_page
        and 'data-testid="repeated-need"' not in chain_page
    )
    _scan()
    assert not Alert.objects.filter(rule="referral_aid_twice").exists()
    # an amount with "no aid" is refused, through the API too, and changes nothing
    number = new_id()
    make_household(members=[member("钱病人", id_number=number)])
    [w] = import_file(c, "yibao", csv_file(YIBAO, [[number, "钱病人", "2026-12-01", "12000", "市医院"]]))
    act(c, w, "verify", method="records", on="2026-12-10", confirmed="1", note="属实")
    act(c, w, "refer", need="medical", department="县医保局", sent_on="2026-12-10", note="申请")
    r = c.post(
        f"/api/v1/monitoring/warnings/{w.pk}/referral-answer",
        {"answer": "不符合条件", "answered_on": "2026-12-10", "granted": False, "amount": "100"},
        content_type="application/json",
    )
    assert r.status_code == 400 and "未给予救助的，不填写救助金额" in r.content.decode()
    w.refresh_from_db()
    assert w.referral.answered_on is None and w.referral.granted is None
    r = c.post(
        f"/api/v1/monitoring/warnings/{w.pk}/referral-answer",
        {"answer": "已救助", "answered_on": "2026-12-10", "granted": True, "amount": "3000.50"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["referral"]["granted"] is True and r.json()["referral"]["granted_amount"] == "3000.50"
