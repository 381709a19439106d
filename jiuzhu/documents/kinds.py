"""The registry of official documents the product produces (DOMAIN §8).

Each kind has a code, its Chinese name, the rule it serves, the permission needed to issue it and a
sample context for the template editor's preview. A kind is issuable once a shipped default template
exists (`templates/documents/official/<code>.html`); the others arrive with the capability that issues
them (cases, payments, supervision).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from jiuzhu.core.errors import ValidationFailed
from jiuzhu.orgs.roles import Perm

OFFICIAL_DIR = Path(__file__).with_name("templates") / "documents" / "official"


def _delegation_letter_sample() -> dict:
    return {
        "principal": "尖山区人民政府",
        "agent": "安邦乡人民政府",
        "bureau": "尖山区民政局",
        "county": "尖山区",
        "township": "安邦乡",
        "plan_name": "《尖山区社会救助事项审批（确认）权限下放乡（街道）工作实施方案》",
        "valid_from": date(2021, 7, 1),
        "valid_to": None,
        "signed_on": date(2021, 6, 28),
        "categories": ["城乡最低生活保障", "特困人员救助供养", "临时救助", "低收入家庭认定"],
        "legal_basis": [
            "《社会救助暂行办法》（国务院令第649号）",
            "《民政部关于印发<特困人员认定办法>的通知》（民发〔2021〕43号）",
        ],
        "decision_day": 24,
        "export_day": 25,
        "ledger_day": 1,
    }


def _approval_notice_sample() -> dict:
    return {
        "recipient": "张某某",
        "address": "安邦乡安邦村",
        "assistance": "农村最低生活保障",
        "household_size": 3,
        "monthly_amount": Decimal("812.00"),
        "start_month": date(2026, 12, 1),
        "decided_on": date(2026, 11, 20),
        "applied_on": date(2026, 10, 28),
        "hotline": "0469-0000000",
    }


def _payment_detail_sample() -> dict:
    row = {
        "village": "安邦村",
        "name": "张某某",
        "id_masked": "230502********1234",
        "type": "农村最低生活保障",
        "people": 2,
        "amount": Decimal("1040.00"),
        "account": "6217 **** **** 0001",
    }
    return {
        "township": "安邦乡",
        "month": date(2026, 12, 1),
        "rows": [
            row,
            row
            | {"name": "李某某", "people": 1, "amount": Decimal("370.00"), "account": "6217 **** **** 0002"},
        ],
        "total": Decimal("1410.00"),
        "households": 2,
        "persons": 3,
    }


def _adjustment_table_sample() -> dict:
    return {
        "township": "安邦乡",
        "month": date(2026, 12, 1),
        "late": False,
        "rows": [
            {
                "village": "安邦村",
                "name": "张某某",
                "type": "农村最低生活保障",
                "kind": "减发",
                "before": Decimal("1040.00"),
                "after": Decimal("740.00"),
                "reason": "子女务工，月收入增加 300 元",
            },
            {
                "village": "长胜村",
                "name": "李某某",
                "type": "农村最低生活保障",
                "kind": "纳入保障",
                "before": None,
                "after": Decimal("370.00"),
                "reason": "审批通过，纳入保障",
            },
        ],
    }


def _adjustment_notice_sample() -> dict:
    return {
        "recipient": "张某某",
        "address": "安邦乡安邦村",
        "assistance": "农村最低生活保障",
        "kind": "减发",
        "amount_before": Decimal("1040.00"),
        "amount_after": Decimal("740.00"),
        "effective_month": date(2027, 1, 1),
        "reason": "经定期核查，子女外出务工，家庭月收入增加 300 元。",
        "end_month": None,
        "hotline": "0469-0000000",
    }


def _notice_board_sample() -> dict:
    notice = {"name": "王*户", "assistance": "农村最低生活保障", "people": 2, "amount": Decimal("600.00")}
    return {
        "village": "安邦村",
        "township": "安邦乡人民政府",
        "county": "尖山区",
        "on": date(2026, 11, 20),
        "notices": [notice | {"start_on": date(2026, 11, 14), "end_on": date(2026, 11, 20)}],
        "recipients": [
            {
                "name": "李*户",
                "assistance": "农村最低生活保障",
                "people": 3,
                "amount": Decimal("812.00"),
                "since": date(2025, 3, 1),
            },
            {
                "name": "某户",
                "assistance": "特困人员救助供养",
                "people": 1,
                "amount": Decimal("1100.00"),
                "since": date(2024, 9, 1),
            },
        ],
        "recipients_total": Decimal("1912.00"),
        "recipients_people": 4,
        "hotline": "12345",
    }


@dataclass(frozen=True)
class DocKind:
    code: str
    name: str
    rule: str
    issue_perm: str
    sample: Callable[[], dict] = field(default=dict)

    @property
    def default_path(self) -> Path:
        return OFFICIAL_DIR / f"{self.code}.html"

    @property
    def has_default(self) -> bool:
        return self.default_path.is_file()

    def default_html(self) -> str:
        return self.default_path.read_text(encoding="utf-8")


_KINDS = [
    DocKind("application_form", "社会救助申请书", "A1、A3", Perm.CASE_CREATE),
    DocKind("verification_authorisation", "家庭经济状况核对授权书", "A3、A5", Perm.CASE_CREATE),
    DocKind("commitment_letter", "申请人承诺书", "A3", Perm.CASE_CREATE),
    DocKind("missing_materials_notice", "申请材料一次性告知书", "A4", Perm.CASE_PROCESS),
    DocKind("not_eligible_notice", "不予受理告知书", "A4", Perm.CASE_PROCESS),
    DocKind("investigation_form", "入户调查表", "I1", Perm.CASE_PROCESS),
    DocKind("review_minutes", "民主评议记录", "R1", Perm.CASE_PROCESS),
    DocKind("decision_minutes", "审批会议纪要", "P1", Perm.CASE_PROCESS),
    DocKind("public_notice", "审批结果公示", "P2", Perm.CASE_PROCESS),
    DocKind("notice_board", "村（居）社会救助公示栏", "P2、S12", Perm.CASE_PROCESS, _notice_board_sample),
    DocKind("approval_notice", "社会救助审批通知书", "P4、D1", Perm.CASE_PROCESS, _approval_notice_sample),
    DocKind("rejection_notice", "不予批准告知书", "P4、D1", Perm.CASE_PROCESS),
    DocKind(
        "adjustment_notice", "低保金调整（停发）告知书", "DM1", Perm.BENEFIT_MANAGE, _adjustment_notice_sample
    ),
    DocKind("emergency_registration", "急难型临时救助登记表", "P8", Perm.CASE_PROCESS),
    DocKind(
        "delegation_letter",
        "社会救助业务审批权限下放委托书",
        "D1、D5",
        Perm.DELEGATION_MANAGE,
        _delegation_letter_sample,
    ),
    DocKind(
        "monthly_adjustment_table", "月度动态调整表", "M1", Perm.BENEFIT_MANAGE, _adjustment_table_sample
    ),
    DocKind(
        "payment_detail_table", "保障金发放明细表", "B3、M2", Perm.BENEFIT_MANAGE, _payment_detail_sample
    ),
    DocKind("prompt_letter", "督办提示函", "S7", Perm.SUPERVISE),
    DocKind("inspection_report", "检查报告", "S1、S3", Perm.SUPERVISE),
]

KINDS: dict[str, DocKind] = {k.code: k for k in _KINDS}
KIND_CHOICES = [(k.code, k.name) for k in _KINDS]


def get(code: str) -> DocKind:
    try:
        return KINDS[code]
    except KeyError:
        raise ValidationFailed(f"没有这种文书：{code}") from None


@cache
def name_of(code: str) -> str:
    kind = KINDS.get(code)
    return kind.name if kind else code


def editable() -> list[DocKind]:
    """Kinds with a shipped default: the ones a bureau can issue and edit today."""
    return [k for k in _KINDS if k.has_default]
