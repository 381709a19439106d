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


def _applicant_sample() -> dict:
    """What the application's own papers (A1, A3, A5) share: the case and its household."""
    return {
        "case_number": "230502-2026-000001",
        "assistance": "农村最低生活保障",
        "applicant": "张某某",
        "head": "张某某",
        "address": "安邦村1组5号",
        "place": "尖山区安邦乡安邦村",
        "applied_on": date(2026, 11, 2),
        "township": "安邦乡",
        "township_org": "安邦乡人民政府",
        "bureau": "尖山区民政局",
        "size": 3,
    }


def _signers_sample() -> dict:
    return {
        "signers": [
            {
                "name": "张某某",
                "relation": "户主",
                "id_masked": "230502********1234",
                "signed_on": date(2026, 11, 2),
                "online": False,
            },
            {
                "name": "李某某",
                "relation": "配偶",
                "id_masked": "230502********2345",
                "signed_on": None,
                "online": False,
            },
        ],
        "signed_count": 1,
        "unsigned": ["李某某"],
    }


def _application_form_sample() -> dict:
    member = {
        "name": "张某某",
        "sex": "男",
        "relation": "户主",
        "id_masked": "230502********1234",
        "age": 58,
        "disability": "肢体残疾二级",
        "work_ability": "部分丧失劳动能力",
        "health": "患重特大疾病：尿毒症",
        "occupation": "务农",
        "covered": True,
        "covered_note": "",
    }
    return _applicant_sample() | {
        "applicant_relation": "户主",
        "urban_rural": "农村",
        "hukou": "尖山区安邦乡安邦村",
        "phone": "139****0001",
        "channel": "乡镇（街道）窗口受理",
        "reason": "户主患尿毒症长期透析，丧失主要劳动能力，家庭收入低于当地低保标准。",
        "requested_amount": None,
        "composition": ["未成年人 1 人", "残疾人 1 人", "患重特大疾病 1 人"],
        "members": [
            member,
            member
            | {
                "name": "李某某",
                "sex": "女",
                "relation": "配偶",
                "id_masked": "230502********2345",
                "age": 55,
                "disability": "无",
                "work_ability": "有劳动能力",
                "health": "—",
            },
            member
            | {
                "name": "张小某",
                "relation": "子女",
                "id_masked": "230502********3456",
                "age": 12,
                "disability": "无",
                "work_ability": "未成年/老年（不适用）",
                "health": "—",
                "occupation": "初中",
            },
        ],
        "incomes": [
            {
                "owner": "李某某",
                "category": "工资性收入",
                "description": "镇上超市务工",
                "monthly_amount": Decimal("900.00"),
                "excluded": False,
                "excluded_reason": "",
            },
            {
                "owner": "全家",
                "category": "转移净收入",
                "description": "耕地地力保护补贴",
                "monthly_amount": Decimal("45.00"),
                "excluded": True,
                "excluded_reason": "惠农补贴不计入家庭收入",
            },
        ],
        "income_counted": Decimal("900.00"),
        "income_excluded": Decimal("45.00"),
        "covered": 3,
        "per_head": Decimal("300.00"),
        "assets": [
            {
                "owner": "张某某",
                "kind": "房产",
                "description": "自建砖房",
                "quantity": "80平方米",
                "value": None,
            },
            {"owner": "全家", "kind": "土地", "description": "承包耕地", "quantity": "6亩", "value": None},
        ],
        "assets_value": 0,
    }


def _verification_authorisation_sample() -> dict:
    return _applicant_sample() | _signers_sample() | {"minors": ["张小某"]}


def _commitment_letter_sample() -> dict:
    return _applicant_sample() | _signers_sample()


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
    DocKind("application_form", "社会救助申请书", "A1、A3", Perm.CASE_CREATE, _application_form_sample),
    DocKind(
        "verification_authorisation",
        "家庭经济状况核对授权书",
        "A3、A5",
        Perm.CASE_CREATE,
        _verification_authorisation_sample,
    ),
    DocKind("commitment_letter", "申请人承诺书", "A3、DM3", Perm.CASE_CREATE, _commitment_letter_sample),
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
