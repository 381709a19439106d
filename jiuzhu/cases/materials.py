"""The materials checklist (A3, A4): what a case still lacks, from policy data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from jiuzhu.cases.models import Case, MaterialRequirement, SignatureKind
from jiuzhu.core.dates import ADULT_AGE, age_on
from jiuzhu.registry.models import Member

DEFAULTS_FILE = Path(__file__).with_name("materials_defaults.json")


def load_defaults(requirement_model) -> None:
    """The national checklist per assistance type (A3), as policy data; used by the migration."""
    for row in json.loads(DEFAULTS_FILE.read_text(encoding="utf-8")):
        requirement_model.objects.get_or_create(
            assistance_type=row["assistance_type"],
            code=row["code"],
            scope_code="",
            defaults={
                "name": row["name"],
                "required": row["required"],
                "shared": row["shared"],
                "sort": row["sort"],
                "note": row.get("note", ""),
                "per_member": row.get("per_member", False),
            },
        )


# Signatures are given by adult members (civil-law age of majority, not a policy-document number).


def requirements_for(assistance_type: str, county_code: str) -> list[MaterialRequirement]:
    """National items, replaced item by item by the county's own where it has any."""
    rows = MaterialRequirement.objects.filter(
        assistance_type=assistance_type, scope_code__in=["", county_code], is_active=True
    ).order_by("sort", "id")
    chosen: dict[str, MaterialRequirement] = {}
    for row in rows:
        if row.code not in chosen or row.scope_code:
            chosen[row.code] = row
    return sorted(chosen.values(), key=lambda r: (r.sort, r.id))


@dataclass(frozen=True)
class Missing:
    label: str
    requirement_id: int | None = None
    member_id: int | None = None
    signature: str = ""


def signers(case: Case) -> list[Member]:
    return [
        m
        for m in case.household.members.filter(is_active=True)
        if age_on(m.birth_date, case.applied_on) >= ADULT_AGE
    ]


def missing_items(case: Case) -> list[Missing]:
    """Every required item not yet received — shared items are never demanded (A3)."""
    received = set(case.materials.values_list("requirement_id", "member_id"))
    members = list(case.household.members.filter(is_active=True))
    out: list[Missing] = []
    for req in requirements_for(case.assistance_type, case.county_code):
        if not req.required or req.shared:
            continue
        if req.per_member:
            out += [
                Missing(f"{req.name}（{m.name}）", req.id, m.id)
                for m in members
                if (req.id, m.id) not in received
            ]
        elif not any(r == req.id for r, _ in received):
            out.append(Missing(req.name, req.id))
    signed = set(case.signatures.values_list("member_id", "kind"))
    for m in signers(case):
        for kind in (SignatureKind.AUTHORISATION, SignatureKind.COMMITMENT):
            if (m.id, kind) not in signed:
                out.append(
                    Missing(f"{SignatureKind(kind).label}（{m.name}签署）", member_id=m.id, signature=kind)
                )
    return out
