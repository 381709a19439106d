"""P8: the paperwork an emergency case must complete before it is closed (补办登记) — the same materials and
signatures the normal path asks of its assistance type, less what a bureau officer waived with a reason."""

from __future__ import annotations

from jiuzhu.cases.materials import Missing, missing_items
from jiuzhu.cases.models import Case


def key_of(item: Missing) -> str:
    """A stable name of a checklist item: the requirement or the signature kind, and the member."""
    head = f"s:{item.signature}" if item.signature else f"r:{item.requirement_id}"
    return f"{head}:m:{item.member_id or 0}"


def outstanding(case: Case) -> list[Missing]:
    """What is still missing and not waived."""
    waived = set(case.emergency_waivers.values_list("item_key", flat=True))
    return [m for m in missing_items(case) if key_of(m) not in waived]
