"""Convention 7: policy parameters are effective-dated, per jurisdiction, inherited downward."""

from datetime import date
from decimal import Decimal

import pytest

from jiuzhu.core import params
from jiuzhu.core.errors import Forbidden, NotFound, ValidationFailed
from jiuzhu.core.models import AuditEvent, ParameterValue
from jiuzhu.core.services import param_set
from tests.helpers import ANBANG, ERMALU, JIANSHAN, QIJIANG, body_of, client_for, user

pytestmark = pytest.mark.django_db


def test_national_defaults_reach_every_township():
    assert params.get("deadline.working_days", area_code=ANBANG, on=date(2021, 9, 1)) == 20
    assert params.get("notice.days", area_code=ANBANG, on=date(2021, 9, 1)) == 7
    assert params.get("review.panel_sizes", area_code=ANBANG, on=date(2021, 9, 1)) == [5, 7, 9]
    resolved = params.resolve("cycle.export_day", area_code=ANBANG, on=date(2021, 9, 1))
    assert resolved.value == 25 and resolved.scope_code == ""


def test_B1_county_standard_with_effective_dates():
    assert params.get("dibao.standard.urban", area_code=ANBANG, on=date(2023, 6, 30)) == Decimal("650.00")
    assert params.get("dibao.standard.urban", area_code=ANBANG, on=date(2023, 7, 1)) == Decimal("690.00")
    assert params.get("dibao.standard.urban", area_code=QIJIANG, on=date(2023, 7, 1)) == Decimal("660.00")


def test_township_override_wins_over_county_and_other_townships_inherit():
    param_set(
        by=user("js_bureau"),
        key="deadline.warning_days_left",
        scope_code=ANBANG,
        effective_from=date(2026, 1, 1),
        value="3",
        reason="安邦乡试行",
    )
    assert params.get("deadline.warning_days_left", area_code=ANBANG, on=date(2026, 6, 1)) == 3
    assert params.get("deadline.warning_days_left", area_code=ANBANG, on=date(2025, 12, 31)) == 5
    assert params.get("deadline.warning_days_left", area_code=ERMALU, on=date(2026, 6, 1)) == 5
    village = ANBANG[:9] + "201"
    assert params.get("deadline.warning_days_left", area_code=village, on=date(2026, 6, 1)) == 3


def test_same_date_replaces_and_keeps_history_with_audit():
    first = param_set(
        by=user("js_bureau"),
        key="notice.days",
        scope_code=JIANSHAN,
        effective_from=date(2026, 1, 1),
        value=5,
        reason="试行",
    )
    second = param_set(
        by=user("js_bureau"),
        key="notice.days",
        scope_code=JIANSHAN,
        effective_from=date(2026, 1, 1),
        value=6,
        reason="更正",
    )
    first.refresh_from_db()
    assert first.superseded_by_id == second.id
    assert params.get("notice.days", area_code=ANBANG, on=date(2026, 2, 1)) == 6
    events = AuditEvent.objects.filter(action="params.set", object_id=str(second.id))
    assert events.get().before == {"value": 5}


@pytest.mark.parametrize("value", ["-1", "abc", "600.123", "100000000"])
def test_bad_values_are_refused_and_nothing_written(value):
    before = ParameterValue.objects.count()
    with pytest.raises(ValidationFailed):
        param_set(
            by=user("js_bureau"),
            key="dibao.standard.urban",
            scope_code=JIANSHAN,
            effective_from=date(2026, 1, 1),
            value=value,
            reason="x",
        )
    assert ParameterValue.objects.count() == before


def test_role_and_scope_checks():
    with pytest.raises(Forbidden):
        param_set(
            by=user("ab_caseworker"),
            key="notice.days",
            scope_code=ANBANG,
            effective_from=date(2026, 1, 1),
            value=5,
            reason="x",
        )
    with pytest.raises(NotFound):
        param_set(
            by=user("js_bureau"),
            key="notice.days",
            scope_code=QIJIANG,
            effective_from=date(2026, 1, 1),
            value=5,
            reason="x",
        )
    with pytest.raises(ValidationFailed):
        param_set(
            by=user("js_bureau"),
            key="notice.days",
            scope_code=JIANSHAN,
            effective_from=date(2026, 1, 1),
            value=5,
            reason="  ",
        )


def test_params_page_shows_inherited_and_saves_with_form_kept_on_error():
    c = client_for("js_bureau")
    page = c.get(f"/settings/params/?area={ANBANG}")
    assert page.status_code == 200
    assert "690.00" in page.content.decode()
    bad = c.post(
        f"/settings/params/dibao.standard.urban/?area={JIANSHAN}",
        {"effective_from": "2026-12-01", "value": "-5", "reason": "调标", "source": ""},
    )
    assert bad.status_code == 200
    body = bad.content.decode()
    assert "不能小于" in body and "调标" in body  # the message, and what was typed is kept
    ok = c.post(
        f"/settings/params/dibao.standard.urban/?area={JIANSHAN}",
        {
            "effective_from": "2026-12-01",
            "value": "720",
            "reason": "2027年调标",
            "source": "双民发〔2026〕1号",
        },
    )
    assert ok.status_code == 302
    assert params.get("dibao.standard.urban", area_code=ANBANG, on=date(2026, 12, 1)) == Decimal("720.00")


def test_params_export_is_xlsx():
    response = client_for("ab_caseworker").get(f"/settings/params/?area={ANBANG}&export=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(body_of(response))).active
    labels = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "城市低保标准" in labels
