"""The household's warnings, verifications and referrals as entries of its assistance chain (一户一条救助链),
and the supervision rule that escalates a verification left past its deadline (S6 → S7, S9)."""

from __future__ import annotations

from django.urls import reverse

from jiuzhu.monitoring.chain_types import ChainEntry
from jiuzhu.monitoring.models.register import Origin
from jiuzhu.monitoring.models.watch import MonitoringWarning, Need, Referral, Resolution, WarningStatus
from jiuzhu.monitoring.register_rules import SAME_NEED_DAYS
from jiuzhu.monitoring.register_sync import CaseOrigin
from jiuzhu.monitoring.sources import LAYOUTS
from jiuzhu.registry.models import Household
from jiuzhu.supervision.models import Severity
from jiuzhu.supervision.rules import Dialect, Rule, register


def need_of(warning: MonitoringWarning) -> str:
    layout = LAYOUTS.get(warning.source)
    record = layout.record_by_name.get(warning.record) if layout else None
    return record.need if record else "basic"


def case_origins(case_ids: list[int]) -> dict[int, CaseOrigin]:
    """The register's origin of applications opened by 纳入救助: the warning each came from (one query)."""
    return {
        w.case_id: CaseOrigin(
            Origin.MONITORING,
            f"比对预警 {w.number}（{w.get_category_display()}）",
            reverse("monitoring:warning_detail", args=[w.pk]),
        )
        for w in MonitoringWarning.objects.filter(case_id__in=case_ids).order_by("pk")
        if w.case_id is not None
    }


def chain_entries(household: Household) -> list[ChainEntry]:
    out: list[ChainEntry] = []
    for w in (
        MonitoringWarning.objects.filter(household=household)
        .select_related("referral", "case")
        .order_by("pk")
    ):
        url = reverse("monitoring:warning_detail", args=[w.pk])
        need = need_of(w)
        department = LAYOUTS[w.source].department if w.source in LAYOUTS else w.get_source_display()
        out.append(
            ChainEntry(
                on=w.created_at.date(),
                kind="warning",
                title=f"监测预警 {w.number}：{w.get_category_display()}",
                need=need,
                department=department,
                detail=w.detail,
                url=url,
            )
        )
        if w.verified_on is not None:
            out.append(
                ChainEntry(
                    on=w.verified_on,
                    kind="verification",
                    title=f"核实（{w.get_verify_method_display()}）：{'情况属实' if w.confirmed else '情况不属实'}",
                    need=need,
                    department="民政",
                    detail=w.verify_note,
                    url=url,
                )
            )
        if w.status == WarningStatus.RESOLVED and w.resolved_at is not None:
            referral = getattr(w, "referral", None)
            title = f"处置：{w.get_resolution_display()}"
            if w.resolution == Resolution.ENROL and w.case is not None:
                title += f"（申请 {w.case.number}）"
            out.append(
                ChainEntry(
                    on=w.resolved_at.date(),
                    kind="referral" if referral else "resolution",
                    title=title
                    + (f"：{referral.get_need_display()} → {referral.department}" if referral else ""),
                    need=referral.need if referral else need,
                    department=referral.department if referral else "民政",
                    detail=w.resolution_note,
                    url=url,
                )
            )
            if referral is not None and referral.answered_on is not None:
                out.append(_answer(referral, url))
    return out


def _answer(referral: Referral, url: str) -> ChainEntry:
    """The department's answer: assistance when it met the need (then counted by the repeated-need check),
    otherwise a step of the referral."""
    outcome = "已给予救助" if referral.granted else "未给予救助" if referral.granted is False else ""
    return ChainEntry(
        on=referral.answered_on or referral.sent_on,
        kind="assistance" if referral.granted else "referral",
        title=f"{referral.department}反馈：{referral.get_need_display()}"
        + (f"（{outcome}）" if outcome else ""),
        need=referral.need,
        department=referral.department,
        detail=referral.answer,
        url=url,
        amount=f"¥{referral.granted_amount:,.2f}" if referral.granted_amount is not None else "",
    )


def verify_overdue(d: Dialect) -> str:
    """A monitoring warning still unverified after its deadline."""
    detail = (
        "'监测预警 JC' || "
        + d.text("w.id")
        + " || '（' || w.detail || '）应于 ' || "
        + d.text("w.due_on")
        + " || ' 前核实，至今未核实'"
    )
    return f"""
      SELECT 'mw' || {d.text("w.id")} AS subject_key, w.area_code, w.township_code, w.county_code,
        CAST(NULL AS BIGINT) AS case_id, w.household_id, {detail} AS detail
      FROM monitoring_monitoringwarning w
      WHERE w.status = '{WarningStatus.OPEN}' AND w.due_on < %(today)s AND w.area_code LIKE %(prefix)s
    """  # noqa: S608  (our own constants only; the values are parameters)


# Referrals a department answered with assistance, with the household, the need and the day.
_GRANTED = """
      SELECT r.id AS referral_id, w.household_id, w.area_code, w.township_code, w.county_code, r.need,
        r.department, r.answered_on AS aid_on
      FROM monitoring_referral r JOIN monitoring_monitoringwarning w ON w.id = r.warning_id
      WHERE r.granted AND r.answered_on IS NOT NULL AND w.area_code LIKE %(prefix)s
"""


def referral_aid_twice(d: Dialect) -> str:
    """One warning per later answer: the same need of the household met by a department before, within the
    period (`monitoring.same_need_days` of the township)."""
    need = "CASE a2.need " + " ".join(f"WHEN '{v}' THEN '{label}'" for v, label in Need.choices) + " END"
    detail = (
        "a2.department || '（' || "
        + d.text("a2.aid_on")
        + " || '）给予' || "
        + need
        + " || '，此前 ' || "
        + d.text("COUNT(*)")
        + " || ' 次，最近一次 ' || "
        + d.text("MAX(a1.aid_on)")
        + " || '，同一需求在 ' || "
        + d.text("CAST(MAX(p.value) AS INTEGER)")
        + " || ' 天内重复救助，请核实'"
    )
    since = d.days_before("a2.aid_on", "p.value")
    return f"""
      SELECT 'ra' || {d.text("a2.referral_id")} AS subject_key, a2.area_code, a2.township_code, a2.county_code,
        CAST(NULL AS BIGINT) AS case_id, a2.household_id, {detail} AS detail
      FROM ({_GRANTED}) a2
      JOIN supervision_scanparam p ON p.scan_id = %(scan)s AND p.township_code = a2.township_code
        AND p.key = '{SAME_NEED_DAYS}'
      JOIN ({_GRANTED}) a1 ON a1.household_id = a2.household_id AND a1.need = a2.need
        AND a1.referral_id <> a2.referral_id
        AND (a1.aid_on < a2.aid_on OR (a1.aid_on = a2.aid_on AND a1.referral_id < a2.referral_id))
        AND a1.aid_on >= {since}
      GROUP BY a2.referral_id, a2.area_code, a2.township_code, a2.county_code, a2.household_id, a2.aid_on,
        a2.need, a2.department
    """  # noqa: S608


def register_rules() -> None:
    register(
        Rule(
            "referral_aid_twice",
            "同一需求重复专项救助",
            "一户一条救助链、S6",
            Severity.MAJOR,
            "转介后接收部门两次给予同一家庭同一专项救助（医疗、教育、住房、就业）且在预警期内，核实是否重复救助",
            referral_aid_twice,
        )
    )
    register(
        Rule(
            "monitoring_verify_overdue",
            "监测预警逾期未核实",
            "监测、S6、S7、S9",
            Severity.MAJOR,
            "比对生成的监测预警超过核实期限仍未核实",
            verify_overdue,
            data_quality=False,
        )
    )
