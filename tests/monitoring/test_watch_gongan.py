"""比对 with 公安 end to end: a death stops payment from the next month with its written notice (DM1); a move
out of the county and a vehicle make warnings the township verifies and resolves."""

from datetime import date, datetime

import pytest

from jiuzhu.benefits.models import ChangeKind
from jiuzhu.core import clock
from jiuzhu.core.models import AuditEvent
from jiuzhu.monitoring.models.watch import HouseholdCategory, MonitoringWarning, WarningStatus
from jiuzhu.payments.models import LedgerEntry
from jiuzhu.registry.models import LeftReason
from tests.helpers import client_for, enrolled, make_household, member, new_id, run_payroll
from tests.monitoring.watch_helpers import act, csv_file, import_file, upload

pytestmark = pytest.mark.django_db
HEADER = ["身份证号", "姓名", "事项", "日期", "说明"]
DEC = date(2026, 12, 1)


def test_DM1_a_death_from_gongan_stops_payment_next_month_with_the_notice():
    c = client_for("ab_caseworker")
    number = new_id(birth="19500101")
    dead = enrolled(
        make_household(members=[member("赵老汉", id_number=number)]), account="6217000000000000011"
    )
    alive = enrolled(account="6217000000000000012")
    content = csv_file(
        HEADER,
        [
            [number, "赵老汉", "死亡", "2026-11-15", "户籍注销"],
            [new_id(), "外县人", "死亡", "2026-11-10", ""],
        ],
    )

    preview = upload(c, "gongan", content)
    assert preview.result["rows"] == 2 and preview.result["matched_people"] == 1
    assert (
        preview.result["warnings"] == 1 and not MonitoringWarning.objects.exists()
    )  # preview writes nothing
    page = c.get(f"/monitoring/import/jobs/{preview.pk}/").content.decode()
    assert "全部导入（1 条预警）" in page

    [w] = import_file(c, "gongan", content)
    assert (w.category, w.source, w.household_category) == ("death", "gongan", HouseholdCategory.DIBAO)
    assert w.due_on == date(2026, 11, 25)  # 5 days for a death (parameter)
    assert number not in str(w.detail) and "公安局" in w.detail
    assert w.number in c.get("/monitoring/warnings/").content.decode()

    refused = c.post(
        f"/monitoring/warnings/{w.pk}/", {"action": "adjust", "outcome": "stop", "findings": "已死亡"}
    )
    assert "请先核实，再处置" in refused.content.decode()
    w.refresh_from_db()
    assert w.status == WarningStatus.OPEN
    w = act(c, w, "verify", method="visit", on="2026-11-20", confirmed="1", note="入户核实，已于11月15日去世")
    assert w.status == WarningStatus.VERIFIED and w.verified_on <= w.due_on
    w = act(c, w, "adjust", outcome="stop", findings="本人已去世，停发")
    assert w.status == WarningStatus.RESOLVED and w.review is not None
    change = w.review.change
    assert change.kind == ChangeKind.STOP and change.effective_month == DEC
    assert change.notice_document is not None  # the written notice (DM1)
    dead.refresh_from_db()
    w.member.refresh_from_db()
    assert w.member.left_reason == LeftReason.DECEASED and not w.member.is_active
    assert AuditEvent.objects.filter(action="monitoring.adjust", object_id=str(w.pk)).exists()

    household_page = c.get(f"/registry/households/{w.household_id}/").content.decode()
    assert w.number in household_page and "调整待遇" in household_page

    report = c.get("/monitoring/dashboard/?month=2026-11").content.decode()
    assert 'data-testid="total-warnings">1<' in report

    clock.freeze(datetime(2026, 12, 1, 9))
    run_payroll()
    paid = set(LedgerEntry.objects.filter(month=DEC).values_list("enrolment_id", flat=True))
    assert alive.pk in paid and dead.pk not in paid


def test_moves_and_vehicles_make_warnings_resolved_as_no_action_or_referral():
    c = client_for("ab_caseworker")
    number = new_id()
    make_household(members=[member("钱多多", id_number=number)])
    content = csv_file(
        [*HEADER, "金额"],
        [
            [number, "钱多多", "迁出", "2026-11-01", "迁往外省", ""],
            [number, "钱多多", "车辆", "2026-11-03", "小型轿车", "86000"],
        ],
    )
    moved, car = import_file(c, "gongan", content)
    assert (moved.category, car.category) == ("moved_out", "assets")
    assert moved.household_category == HouseholdCategory.NONE and moved.due_on == date(2026, 12, 5)
    assert "86,000.00" in car.detail
    act(c, moved, "verify", method="phone", on="2026-11-20", confirmed="0", note="电话核实，仍在本村居住")
    refused = c.post(
        f"/monitoring/warnings/{moved.pk}/",
        {"action": "refer", "need": "housing", "department": "住建局", "sent_on": "2026-11-20", "note": "x"},
    )
    assert "只能选择“无需处理”" in refused.content.decode()
    moved.refresh_from_db()
    assert moved.status == WarningStatus.VERIFIED  # an untrue record can only be closed
    moved = act(c, moved, "close", reason="户籍登记有误，已告知派出所")
    assert moved.resolution == "none"

    # The same file again makes no second warning.
    preview = upload(c, "gongan", content)
    from tests.monitoring.watch_helpers import commit

    again = commit(c, preview)
    assert again.result["created"] == 0 and again.result["already"] == 2


def test_overdue_verification_escalates_as_a_supervision_warning_and_counts_in_the_score():
    from jiuzhu.supervision import scan
    from jiuzhu.supervision.models import Alert, ScorePoint
    from jiuzhu.supervision.services import escalation
    from jiuzhu.supervision.services.scores import scorecards_compute
    from tests.helpers import JIANSHAN, user

    c = client_for("ab_caseworker")
    number = new_id()
    make_household(members=[member("孙某", id_number=number)])
    [w] = import_file(c, "gongan", csv_file(HEADER, [[number, "孙某", "迁出", "2026-11-02", ""]]))
    clock.freeze(datetime(2026, 12, 28, 9))  # 15 days passed long ago
    assert "逾期" in c.get("/monitoring/warnings/?overdue=1").content.decode()
    scan.scan(by=user("js_inspector"), area_code=JIANSHAN, rules=["monitoring_verify_overdue"])
    alert = Alert.objects.get(rule="monitoring_verify_overdue")
    assert w.number in alert.detail and alert.household_id == w.household_id
    # S7: the bureau escalates it like any warning; S9: left open past the handling limit, it costs points.
    matter = escalation.matter_open(
        by=user("js_inspector"),
        township_code=w.township_code,
        title="监测预警逾期未核实",
        problem=alert.detail,
        step=escalation.StepInput("reminder", date(2026, 12, 28), None, "立即核实", "乡镇民政办"),
        alerts=[alert],
    )
    assert list(matter.alerts.all()) == [alert]
    clock.freeze(datetime(2027, 1, 20, 9))
    cards = scorecards_compute(by=user("js_inspector"), county_code=JIANSHAN, month=date(2027, 1, 1))
    point = ScorePoint.objects.get(card__in=cards, alert=alert)
    assert point.points < 0 and point.card.township_code == w.township_code
