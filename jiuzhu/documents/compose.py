"""What goes into a document besides its template: the parties (D1), the `doc` facts every template
sees, sample contexts for previews, and the delegation letter's content (D5). Reads only."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from jiuzhu.core import params
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.jurisdiction_codes import county_code
from jiuzhu.core.params import Kind, ParamDef
from jiuzhu.core.types import Category
from jiuzhu.documents import rendering
from jiuzhu.documents.kinds import DocKind
from jiuzhu.orgs.delegation import who_decides
from jiuzhu.orgs.models import DelegationGrant, Jurisdiction, Organisation
from jiuzhu.orgs.roles import OrgKind

LEGAL_BASIS_FILE = Path(__file__).with_name("legal_basis.json")
SAMPLE_UUID = "00000000-0000-4000-8000-000000000000"
SAMPLE_HASH = "0" * 64


def doc_facts(
    *,
    kind: DocKind,
    title: str,
    number: str,
    authority: str,
    handling_unit: str,
    issued_on: date,
    url: str,
    verify_code: str,
    sample: bool = False,
) -> dict[str, Any]:
    """The `doc` variable of every official template."""
    return {
        "kind": kind.code,
        "kind_name": kind.name,
        "title": title,
        "number": number,
        "authority": authority,
        "handling_unit": handling_unit,
        "issued_on": issued_on,
        "verify_url": url,
        "verify_code": verify_code,
        "qr": rendering.qr_data_uri(url),
        "sample": sample,
    }


def sample_facts(kind: DocKind, *, issued_on: date) -> dict[str, Any]:
    return doc_facts(
        kind=kind,
        title=kind.name,
        number=f"样稿〔{issued_on.year}〕0号",
        authority="尖山区民政局",
        handling_unit="安邦乡人民政府" if kind.code != "delegation_letter" else "",
        issued_on=issued_on,
        url=rendering.verify_url(SAMPLE_UUID, SAMPLE_HASH),
        verify_code=SAMPLE_HASH[:16],
        sample=True,
    )


def render_sample(kind: DocKind, source: str, *, issued_on: date) -> str:
    """Render a template with the kind's sample context. Refuses a template that drops the QR code:
    every issued document must be verifiable."""
    facts = sample_facts(kind, issued_on=issued_on)
    html = rendering.render_html(source, {**kind.sample(), "doc": facts})
    if facts["qr"] not in html:
        raise rendering.TemplateFailed(
            "模板必须保留核验二维码：请继承 documents/official/_base.html，且不要删除 verify 区块中的 {{ doc.qr }}",
            field_errors={"html": "缺少核验二维码"},
        )
    return html


# --- parties (D1) --------------------------------------------------------------------------------------


def organisation(place_code: str, kind: str) -> Organisation:
    org = Organisation.objects.filter(jurisdiction_id=place_code, kind=kind).order_by("id").first()
    if org is None:
        place = Jurisdiction.objects.filter(code=place_code).first()
        raise ValidationFailed(
            f"未找到{place.name if place else place_code}的{OrgKind(kind).label}，请先登记该机构"
        )
    return org


@dataclass(frozen=True)
class Parties:
    authority: Organisation  # named as the issuing authority on the document
    handling: Organisation | None  # the township that handled it in the bureau's name (D1)


def decision_parties(*, township_code: str, category: str, day: date) -> Parties:
    """D1: a delegated decision is made in the bureau's name, the township being the handling unit;
    without delegation in force on the day of the decision (D3) the bureau decides alone."""
    bureau = organisation(county_code(township_code), OrgKind.BUREAU)
    route = who_decides(township_code=township_code, category=category, day=day)
    if route.delegated:
        return Parties(bureau, organisation(township_code, OrgKind.TOWNSHIP))
    return Parties(bureau, None)


# --- the delegation letter (D5) ------------------------------------------------------------------------


def default_legal_basis(area_code: str) -> list[str]:
    """The laws and rules a delegation letter cites: the province's list, else the national one."""
    data = json.loads(LEGAL_BASIS_FILE.read_text(encoding="utf-8"))
    return list(data.get(area_code[:2]) or data[""])


def default_plan_name(county: Jurisdiction) -> str:
    return f"《{county.name}社会救助事项审批（确认）权限下放乡（街道）工作实施方案》"


def letter_grants(grant: DelegationGrant) -> list[DelegationGrant]:
    """One letter delegates several categories to one township: the grants that share its number."""
    return list(
        DelegationGrant.objects.filter(township_id=grant.township_id, letter_no=grant.letter_no).order_by(
            "valid_from", "id"
        )
    )


def delegation_letter_context(
    grant: DelegationGrant, *, legal_basis: list[str], plan_name: str
) -> tuple[dict[str, Any], Organisation]:
    """The letter's content and its issuing party (the county government, 委托单位)."""
    township = grant.township
    county = Jurisdiction.objects.get(code=county_code(township.code))
    government = organisation(county.code, OrgKind.GOVERNMENT)
    bureau = organisation(county.code, OrgKind.BUREAU)
    agent = organisation(township.code, OrgKind.TOWNSHIP)
    grants = letter_grants(grant)
    order = list(Category.values)
    categories = sorted({g.category for g in grants}, key=order.index)
    start = min(g.valid_from for g in grants)
    ends = [g.valid_to for g in grants]
    end = None if any(e is None for e in ends) else max(e for e in ends if e)

    def cycle(key: str) -> int:
        return int(params.get(key, area_code=township.code, on=start))

    context = {
        "principal": government.name,
        "agent": agent.name,
        "bureau": bureau.name,
        "county": county.name,
        "township": township.name,
        "plan_name": plan_name,
        "valid_from": start,
        "valid_to": end,
        "signed_on": grant.signed_on,
        "categories": [Category(c).label for c in categories],
        "legal_basis": legal_basis,
        "decision_day": cycle("cycle.decision_day"),
        "export_day": cycle("cycle.export_day"),
        "ledger_day": cycle("cycle.ledger_day"),
    }
    return context, government


# --- the complaint hotline printed on notices, boards and decisions (S8, S12) ----------------------------

HOTLINE = "notice.hotline"

params.register(
    ParamDef(
        HOTLINE,
        "社会救助监督举报电话",
        Kind.TEXT,
        "",
        "S12、S8",
        "在村（居）公示栏、审批结果公示和通知书上公布的投诉举报电话（按县（区）设置）",
        group="监督管理",
    )
)


def hotline(area_code: str, on: date) -> str:
    """The county's published complaint hotline ('' until the county sets one)."""
    try:
        return str(params.get(HOTLINE, area_code=area_code, on=on)).strip()
    except params.MissingParameter:
        return ""
