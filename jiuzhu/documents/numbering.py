"""Document numbers (文号): `{prefix}〔{year}〕{n}号`, one sequence per organisation and year.

The prefix is configurable per organisation (`DocumentNumberPrefix`); without one it is derived from the
organisation's place: the county's first character plus the kind of body — 尖政发 (county government),
尖民救 (civil-affairs bureau, social assistance), 尖民救安 (a township deciding in the bureau's name, D1,
marked with its own first character).
"""

from __future__ import annotations

import re

from jiuzhu.orgs.models import Level, Organisation
from jiuzhu.orgs.roles import OrgKind

_SUFFIXES = re.compile(r"(自治县|自治旗|街道|新区|区|县|市|旗|乡|镇)$")


def short_name(place_name: str) -> str:
    """尖山区 → 尖山, 二马路街道 → 二马路, 安邦乡 → 安邦."""
    return _SUFFIXES.sub("", place_name) or place_name


def default_prefix(org: Organisation) -> str:
    place = org.jurisdiction
    county = place
    while county.level > Level.COUNTY and county.parent is not None:
        county = county.parent
    c = short_name(county.name)[:1]
    if org.kind == OrgKind.GOVERNMENT:
        return f"{c}政发"
    if org.kind == OrgKind.BUREAU:
        return f"{c}民救"
    if org.kind == OrgKind.TOWNSHIP:
        return f"{c}民救{short_name(place.name)[:1]}"
    return short_name(org.name)[:2]


def format_number(prefix: str, year: int, n: int) -> str:
    return f"{prefix}〔{year}〕{n}号"


PREFIX_PATTERN = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9（）()]{1,20}$")
