"""Step forms keep what was typed: one wrong field, and the form comes back with every other value and the
error next to that field — in place through htmx, or as the case page with that form open. The "下一步办理"
box leads with what the case waits for and says who must act."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from jiuzhu.cases.models import Case
from tests.cases.step_scenarios import SCENARIOS, Scenario, _emergency
from tests.helpers import client_for, to_investigated

pytestmark = pytest.mark.django_db


class _Fields(HTMLParser):
    """Values, checked boxes and classes of form controls, by name."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.checked: dict[str, int] = {}
        self.invalid: set[str] = set()
        self.selected: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if name and "is-invalid" in (a.get("class") or ""):
            self.invalid.add(name)
        if tag == "input" and name:
            if a.get("type") == "checkbox":
                self.checked[name] = self.checked.get(name, 0) + ("checked" in a)
            else:
                self.values[name] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = name
            self.values[name] = ""
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.selected[self._select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        if tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def parse(html: str) -> _Fields:
    p = _Fields()
    p.feed(html)
    return p


def is_open(html: str, action: str) -> bool:
    import re

    return re.search(rf'<details[^>]*\bopen\b[^>]*data-testid="action-{action}"', html) is not None


def submit(scenario: Scenario, case: Case, *, htmx: bool, fixed: bool = False):
    c = client_for(scenario.username)
    data: dict = {scenario.name(k): v for k, v in scenario.fields.items()}
    if fixed:
        data[scenario.name(scenario.wrong)] = scenario.fix
    page = parse(c.get(f"/cases/{case.pk}/").content.decode())
    for box in scenario.checks:
        name = scenario.name(box)
        if name == "investigate-investigators":
            data[name] = _investigator_ids(c, case)
        else:
            data[name] = "on"
    if scenario.action == "filing":
        data["relative"] = next(v for k, v in page.values.items() if k == "relative")
        url = f"/cases/{case.pk}/filings/"
    else:
        url = f"/cases/{case.pk}/act/{scenario.action}/"
    headers = {"HX-Request": "true"} if htmx else {}
    return c.post(url, data, headers=headers)


def _investigator_ids(client, case) -> list[str]:
    import re

    html = client.get(f"/cases/{case.pk}/").content.decode()
    return re.findall(r'name="investigate-investigators" value="(\d+)"', html)[:2]


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.action for s in SCENARIOS])
def test_a_step_form_with_one_wrong_field_keeps_everything_typed(scenario, htmx):
    case = scenario.make()
    before = (case.status, case.version)
    response = submit(scenario, case, htmx=htmx)
    assert response.status_code == 200, response
    html = response.content.decode()
    if htmx:  # just the form, to be put back where it was
        assert "<html" not in html and html.lstrip().startswith(("{#", "<form"))
    else:  # the whole case page, this form open
        assert "<html" in html and (scenario.action == "filing" or is_open(html, scenario.action))
    got = parse(html)
    for key, typed in scenario.fields.items():
        name = scenario.name(key)
        shown = got.selected.get(name, got.values.get(name))
        assert (shown or "").replace("\r\n", "\n").strip("\n") == typed, (name, shown, typed)
    for box in scenario.checks:
        assert got.checked.get(scenario.name(box)), box
    assert got.invalid == {scenario.name(scenario.wrong)}, got.invalid
    assert scenario.error in html and "data-jz-invalid" in html
    saved = Case.objects.get(pk=case.pk)
    assert (saved.status, saved.version) == before  # nothing written
    # With the one field put right, the same input is saved.
    done = submit(scenario, case, htmx=htmx, fixed=True)
    assert done.status_code == (200 if htmx else 302) and "is-invalid" not in done.content.decode()
    assert (done["HX-Redirect"] if htmx else done["Location"]).startswith(f"/cases/{case.pk}/")
    if scenario.action == "filing":
        assert case.filings.count() == 1
    else:
        assert Case.objects.get(pk=case.pk).version > before[1]


def test_emergency_aid_above_the_cap_explains_the_cap_and_who_decides_instead_of_a_403():
    """P8 with the cap (D1): the township approver types 9000 元; the page says the cap is 3000 元 and that
    尖山区民政局 decides above it, next to the amount, and the form shows the cap beforehand."""
    case = _emergency()
    c = client_for("ab_approver")
    page = c.get(f"/cases/{case.pk}/").content.decode()
    assert "乡镇（街道）审批上限 3000.00 元；超过上限的由尖山区民政局审批" in page  # help text
    r = c.post(
        f"/cases/{case.pk}/act/emergency_aid/",
        {
            "emergency_aid-requested_at": "2026-11-20T08:00",
            "emergency_aid-paid_at": "2026-11-20T09:30",
            "emergency_aid-amount": "9000",
        },
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200
    text = r.content.decode()
    assert "金额 9000.00 元超过乡镇（街道）审批上限 3000.00 元" in text and "由尖山区民政局审批" in text
    ok = c.post(
        f"/cases/{case.pk}/act/emergency_aid/",
        {
            "emergency_aid-requested_at": "2026-11-20T08:00",
            "emergency_aid-paid_at": "2026-11-20T09:30",
            "emergency_aid-amount": "3000",
        },
        headers={"HX-Request": "true"},
    )
    assert ok.status_code == 200 and ok["HX-Redirect"] == f"/cases/{case.pk}/"
    case.refresh_from_db()
    assert case.status == "emergency_aided"


def _box(html: str) -> str:
    start = html.index('data-testid="next-step"')
    return html[start : html.index("</div></div>", start)]


def test_the_next_step_box_leads_with_what_is_due_and_says_who_acts_when_it_is_not_the_viewer():
    case = to_investigated()
    caseworker = _box(client_for("ab_caseworker").get(f"/cases/{case.pk}/").content.decode())
    # Due: the approval meeting, which the township approver holds; the optional review comes after.
    assert "下一步</span><strong>审批会议（受委托审批）</strong>" in caseworker
    assert "由 <strong>乡镇（街道）审批负责人</strong> 办理：安邦乡人民政府 刘宏伟" in caseworker
    assert "您不能办理这一步" in caseworker and "（需要时办理）" in caseworker  # the review is optional here
    approver = _box(client_for("ab_approver").get(f"/cases/{case.pk}/").content.decode())
    assert "由您办理，填写下方表单" in approver and is_open(approver, "decide")
    assert approver.index('data-testid="action-decide"') < approver.index('data-testid="action-review"')
    auditor = _box(client_for("js_auditor").get(f"/cases/{case.pk}/").content.decode())
    assert "由 <strong>乡镇（街道）审批负责人</strong>" in auditor and "<form" not in auditor


def test_the_next_step_box_says_what_the_case_waits_for_during_the_notice():
    from tests.cases.step_scenarios import _in_notice

    case = _in_notice()
    box = _box(client_for("ab_caseworker").get(f"/cases/{case.pk}/").content.decode())
    assert "公示期满，作出批准决定" in box and "公示期至 2026-11-22" in box
    assert "登记公示异议" in box and "（需要时办理）" in box
    assert not is_open(box, "object")  # nothing due here, nothing opened


def test_a_review_form_dated_2000_keeps_what_was_typed_and_says_why_next_to_the_date():
    case = to_investigated()
    response = client_for("ab_caseworker").post(
        f"/cases/{case.pk}/act/review/",
        {
            "review-held_on": "2000-01-01",
            "review-panel": "甲\n乙\n丙\n丁\n戊",
            "review-minutes": "一致认可",
            "review-votes_for": "5",
            "review-votes_against": "0",
            "review-all_signed": "on",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "不能早于上一环节日期" in page and "一致认可" in page


def test_withdraw_and_accept_come_back_with_what_was_typed_and_the_error_beside_the_date():
    from tests.helpers import complete_intake, make_case

    case = complete_intake(make_case())
    c = client_for("ab_caseworker")
    r = c.post(f"/cases/{case.pk}/withdraw/", {"on": "2026-12-01", "reason": "申请人已外出务工，有稳定收入"})
    got = parse(r.content.decode())
    assert r.status_code == 200 and got.values["reason"] == "申请人已外出务工，有稳定收入"
    assert got.invalid == {"on"} and "不能晚于今天" in r.content.decode()
    r = c.post(f"/cases/{case.pk}/accept/", {"version": case.version, "accepted_on": "2026-10-01"})
    got = parse(r.content.decode())
    assert got.invalid == {"accepted_on"} and got.values["accepted_on"] == "2026-10-01"
    assert "受理日期不能早于申请日期" in r.content.decode()
    case.refresh_from_db()
    assert case.status == "submitted"
