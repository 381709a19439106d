"""Policy parameters (convention 7): the numbers of the policy documents, kept as data.

This module defines *which* parameters exist, their type and meaning. Their *values* live in the
database (`ParameterValue`), effective-dated and per jurisdiction, inherited downward
(province → city → county → township) unless a lower level overrides them. National defaults come from
`policy_defaults.json`, loaded by a migration; a county's own values are set on the parameters page.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any

from jiuzhu.core.errors import DomainError, ValidationFailed
from jiuzhu.core.jurisdiction_codes import ancestor_codes
from jiuzhu.core.models import ParameterValue


class Kind(StrEnum):
    MONEY = "money"  # yuan, two decimals
    INT = "int"
    INT_LIST = "int_list"
    PERCENT = "percent"  # 0–100, decimals allowed
    BOOL = "bool"
    TEXT = "text"
    TEXT_LIST = "text_list"  # several of `choices`


@dataclass(frozen=True)
class ParamDef:
    key: str
    label: str
    kind: Kind
    unit: str = ""
    rule: str = ""
    help: str = ""
    minimum: Decimal | int | None = None
    maximum: Decimal | int | None = None
    group: str = "其他"
    choices: tuple[tuple[str, str], ...] = ()  # for TEXT parameters with a fixed set of values


def _defs(*defs: ParamDef) -> dict[str, ParamDef]:
    return {d.key: d for d in defs}


_PROC = "办理程序"
_MONEY = "保障标准"
_CYCLE = "月度周期"
_SUP = "监督管理"
_DM = "动态管理"

PARAMS: dict[str, ParamDef] = _defs(
    ParamDef(
        "deadline.working_days",
        "审批时限",
        Kind.INT,
        "个工作日",
        "P7",
        "受理至作出决定的时限，信息核对时间不计入",
        1,
        120,
        _PROC,
    ),
    ParamDef(
        "deadline.warning_days_left",
        "时限预警",
        Kind.INT,
        "个工作日",
        "P7",
        "剩余工作日不多于此数时提示即将超期",
        0,
        60,
        _PROC,
    ),
    ParamDef(
        "notice.days",
        "公示期",
        Kind.INT,
        "天",
        "P2",
        "审批结果在乡镇（街道）和村（居）公示的天数",
        1,
        60,
        _PROC,
    ),
    ParamDef(
        "review.panel_sizes",
        "民主评议小组人数",
        Kind.INT_LIST,
        "人",
        "R1",
        "允许的评议小组人数",
        3,
        21,
        _PROC,
    ),
    ParamDef("investigation.min_investigators", "入户调查最少人数", Kind.INT, "人", "I1", "", 2, 10, _PROC),
    ParamDef("emergency.aid_hours", "急难型临时救助先行救助时限", Kind.INT, "小时", "P8", "", 1, 240, _PROC),
    ParamDef(
        "emergency.registration_working_days",
        "急难型临时救助补办登记时限",
        Kind.INT,
        "个工作日",
        "P8",
        "先行救助后登记救助对象、事由、金额并补齐签字盖章",
        1,
        60,
        _PROC,
    ),
    ParamDef(
        "steps.backdate_working_days",
        "办理环节补录期限",
        Kind.INT,
        "个工作日",
        "补录",
        "办理环节最多可登记为多少个工作日以前的日期；更早的日期须经民政局批准补录申请",
        0,
        250,
        _PROC,
    ),
    ParamDef(
        "verification.income_difference_percent",
        "核对收入与登记收入差异提示",
        Kind.PERCENT,
        "%",
        "A5",
        "核对的家庭月收入与申请时登记的月收入相差超过此比例时提示经办人员核实",
        0,
        100,
        _PROC,
    ),
    ParamDef(
        "linshi.township_cap",
        "乡镇（街道）临时救助审批上限",
        Kind.MONEY,
        "元",
        "D1",
        "超过此金额的临时救助报区（县）民政局审批，即使已委托下放",
        0,
        1_000_000,
        _PROC,
    ),
    ParamDef(
        "cycle.report_day",
        "动态调整上报截止日",
        Kind.INT,
        "日",
        "M1",
        "每月此日前上报本月动态调整",
        1,
        28,
        _CYCLE,
    ),
    ParamDef(
        "cycle.decision_day", "审批截止日", Kind.INT, "日", "M1", "每月此日前完成审批（确认）", 1, 28, _CYCLE
    ),
    ParamDef(
        "cycle.export_day",
        "发放名单导出日",
        Kind.INT,
        "日",
        "M1",
        "此日导出发放名单，之后涉及发放的业务关闭至次月台账生成",
        1,
        28,
        _CYCLE,
    ),
    ParamDef(
        "cycle.ledger_day", "台账生成日", Kind.INT, "日", "M1", "次月此日生成台账后恢复办理", 1, 28, _CYCLE
    ),
    ParamDef("dibao.standard.urban", "城市低保标准", Kind.MONEY, "元/人·月", "B1", "", 0, 100_000, _MONEY),
    ParamDef("dibao.standard.rural", "农村低保标准", Kind.MONEY, "元/人·月", "B1", "", 0, 100_000, _MONEY),
    ParamDef(
        "dibao.guidance.urban",
        "城市低保省级指导标准",
        Kind.MONEY,
        "元/人·月",
        "S4",
        "县级标准不得低于此数",
        0,
        100_000,
        _MONEY,
    ),
    ParamDef(
        "dibao.guidance.rural", "农村低保省级指导标准", Kind.MONEY, "元/人·月", "S4", "", 0, 100_000, _MONEY
    ),
    ParamDef("review.interval_months.dibao", "低保定期核查间隔", Kind.INT, "个月", "DM1", "", 1, 36, _DM),
    ParamDef("review.interval_months.tekun", "特困定期核查间隔", Kind.INT, "个月", "DM1", "", 1, 36, _DM),
    ParamDef(
        "review.interval_months.low_income", "低收入家庭定期核查间隔", Kind.INT, "个月", "DM1", "", 1, 36, _DM
    ),
    ParamDef(
        "supervision.full_check_percent", "全流程核查比例下限", Kind.PERCENT, "%", "S1", "", 0, 100, _SUP
    ),
    ParamDef(
        "quality.ledger_consistency_percent",
        "平台与财务台账一致率目标",
        Kind.PERCENT,
        "%",
        "S11",
        "",
        0,
        100,
        _SUP,
    ),
    ParamDef("quality.problem_data_percent", "问题数据率上限", Kind.PERCENT, "%", "S11", "", 0, 100, _SUP),
)


def register(*defs: ParamDef) -> None:
    """Apps add their own parameters at import time (benefits, supervision …)."""
    for d in defs:
        PARAMS[d.key] = d


class MissingParameter(DomainError):
    """No value at all: the policy has not been entered (a configuration gap for the operators)."""

    status = 500
    code = "missing_parameter"


class ParameterNotInForce(MissingParameter, ValidationFailed):
    """A date before the parameter's first effective date: the date the user gave is wrong, not the
    configuration (a review "held" in 2000, a query for the year 443). Caught wherever a missing value is."""

    status = 400
    code = "invalid"


def definition(key: str) -> ParamDef:
    try:
        return PARAMS[key]
    except KeyError:
        raise ValidationFailed(f"未知的政策参数：{key}") from None


def clean_value(key: str, raw: Any) -> Any:
    """Validate a value typed by a user (or read from a file) and return its stored JSON form."""
    d = definition(key)
    label = d.label
    try:
        if d.kind in (Kind.MONEY, Kind.PERCENT):
            number = Decimal(str(raw).strip())
            if not number.is_finite() or abs(number) >= Decimal("1e12"):
                raise InvalidOperation
            if d.kind == Kind.MONEY and number != number.quantize(Decimal("0.01")):
                raise ValidationFailed(f"{label}最多保留两位小数（分）")
            _check_range(d, number)
            return str(number.quantize(Decimal("0.01")))
        if d.kind == Kind.INT:
            number_i = int(str(raw).strip())
            _check_range(d, number_i)
            return number_i
        if d.kind == Kind.INT_LIST:
            items = (
                raw
                if isinstance(raw, list)
                else [p for p in str(raw).replace("，", ",").split(",") if p.strip()]
            )
            values = sorted({int(str(p).strip()) for p in items})
            if not values:
                raise ValidationFailed(f"{label}至少填写一个数")
            for v in values:
                _check_range(d, v)
            return values
        if d.kind == Kind.TEXT_LIST:
            items = (
                raw if isinstance(raw, list) else str(raw).replace("，", ",").replace("、", ",").split(",")
            )
            picked = sorted({str(p).strip() for p in items if str(p).strip()})
            allowed = {code for code, _ in d.choices}
            unknown = [p for p in picked if p not in allowed]
            if unknown:
                options = "、".join(f"{code}（{name}）" for code, name in d.choices)
                raise ValidationFailed(
                    f"{label}只能从以下选取：{options}；无效：{'、'.join(unknown)}",
                    field_errors={"value": "不在可选范围内"},
                )
            return picked
        if d.kind == Kind.BOOL:
            if isinstance(raw, bool):
                return raw
            return str(raw).strip().lower() in ("1", "true", "是", "yes", "on")
        text = str(raw).strip()
        if d.choices and text not in {code for code, _ in d.choices}:
            options = "、".join(f"{code}（{name}）" for code, name in d.choices)
            raise ValidationFailed(
                f"{label}应为以下之一：{options}", field_errors={"value": "不在可选范围内"}
            )
        return text
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationFailed(
            f"{label}的取值“{raw}”格式不正确", field_errors={"value": "格式不正确"}
        ) from None


def _check_range(d: ParamDef, number: Decimal | int) -> None:
    if d.minimum is not None and number < d.minimum:
        raise ValidationFailed(
            f"{d.label}不能小于 {d.minimum}", field_errors={"value": f"不能小于 {d.minimum}"}
        )
    if d.maximum is not None and number > d.maximum:
        raise ValidationFailed(
            f"{d.label}不能大于 {d.maximum}", field_errors={"value": f"不能大于 {d.maximum}"}
        )


def to_python(key: str, stored: Any) -> Any:
    d = definition(key)
    if d.kind in (Kind.MONEY, Kind.PERCENT):
        return Decimal(str(stored))
    if d.kind == Kind.INT:
        return int(stored)
    if d.kind == Kind.INT_LIST:
        return [int(v) for v in stored]
    if d.kind == Kind.TEXT_LIST:
        return [str(v) for v in stored]
    return stored


def display(key: str, stored: Any) -> str:
    d = definition(key)
    if d.kind == Kind.INT_LIST:
        return "、".join(str(v) for v in stored)
    if d.kind == Kind.TEXT_LIST:
        names = dict(d.choices)
        return "、".join(names.get(v, v) for v in stored) or "（无）"
    if d.kind == Kind.BOOL:
        return "是" if stored else "否"
    if d.choices:
        return dict(d.choices).get(stored, stored)
    return f"{stored}"


@dataclass(frozen=True)
class Resolved:
    key: str
    value: Any
    scope_code: str
    effective_from: date
    row_id: int

    @property
    def inherited_from_national(self) -> bool:
        return self.scope_code == ""


def scope_chain(area_code: str) -> list[str]:
    """The codes to look at for `area_code`, most specific first, ending with '' (national)."""
    return [*reversed(ancestor_codes(area_code)), ""] if area_code else [""]


def resolve(key: str, *, area_code: str, on: date) -> Resolved:

    definition(key)
    chain = scope_chain(area_code)
    rows = list(
        ParameterValue.objects.filter(
            key=key, scope_code__in=chain, effective_from__lte=on, superseded_by__isnull=True
        ).values("id", "scope_code", "effective_from", "value")
    )
    if not rows:
        first = (
            ParameterValue.objects.filter(key=key, scope_code__in=chain, superseded_by__isnull=True)
            .order_by("effective_from")
            .values_list("effective_from", flat=True)
            .first()
        )
        label = PARAMS[key].label
        if first is not None:
            raise ParameterNotInForce(
                f"日期 {on.isoformat()} 早于政策参数“{label}”的最早生效日期 {first.isoformat()}，请检查填写的日期"
            )
        raise MissingParameter(f"政策参数“{label}”在 {on} 没有可用的取值，请先在政策参数页设置")
    rank = {code: i for i, code in enumerate(chain)}
    rows.sort(key=lambda r: (rank[r["scope_code"]], -r["effective_from"].toordinal(), -r["id"]))
    best = rows[0]
    return Resolved(
        key, to_python(key, best["value"]), best["scope_code"], best["effective_from"], best["id"]
    )


def get(key: str, *, area_code: str, on: date) -> Any:
    return resolve(key, area_code=area_code, on=on).value


def get_many(key: str, wanted: Iterable[tuple[str, date]]) -> dict[tuple[str, date], Any]:
    """`get` for many (area code, day) pairs in one query, the same choice as `resolve` for each (lists that
    show many cases use it, so that their cost does not grow with the number of days and places)."""
    definition(key)
    wanted = set(wanted)
    chains = {area: scope_chain(area) for area, _ in wanted}
    codes = {code for chain in chains.values() for code in chain}
    rows = list(
        ParameterValue.objects.filter(key=key, scope_code__in=codes, superseded_by__isnull=True).values(
            "id", "scope_code", "effective_from", "value"
        )
    )
    out = {}
    for area, on in wanted:
        rank = {code: i for i, code in enumerate(chains[area])}
        candidates = [r for r in rows if r["scope_code"] in rank and r["effective_from"] <= on]
        if not candidates:
            out[(area, on)] = get(key, area_code=area, on=on)  # raises the message `resolve` gives
            continue
        best = min(
            candidates, key=lambda r: (rank[r["scope_code"]], -r["effective_from"].toordinal(), -r["id"])
        )
        out[(area, on)] = to_python(key, best["value"])
    return out


DEFAULTS_FILE = Path(__file__).with_name("policy_defaults.json")


def load_defaults(parameter_model, now) -> int:
    """Insert the national defaults that are not in the database yet (used by migrations)."""
    return load_defaults_from(DEFAULTS_FILE, parameter_model, now)


def load_defaults_from(source: Path | list[dict], parameter_model, now) -> int:
    """Insert the defaults of a JSON file (or its entries) that are not in the database yet: each app's
    migrations and test worlds load their own parameters' national values through this."""
    entries = json.loads(source.read_text(encoding="utf-8")) if isinstance(source, Path) else source
    created = 0
    for entry in entries:
        exists = parameter_model.objects.filter(
            key=entry["key"], scope_code=entry.get("scope", ""), effective_from=entry["effective_from"]
        ).exists()
        if not exists:
            parameter_model.objects.create(
                key=entry["key"],
                scope_code=entry.get("scope", ""),
                effective_from=entry["effective_from"],
                value=entry["value"],
                source=entry.get("source", ""),
                reason="系统默认值",
                created_at=now,
            )
            created += 1
    return created
