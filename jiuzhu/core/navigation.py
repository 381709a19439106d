"""Navigation by role: each app registers its menu entries; the menu shows those the user may use."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse

from jiuzhu.core import access


@dataclass(frozen=True)
class NavItem:
    section: str
    label: str
    url_name: str
    icon: str = "circle"
    perm: str = "view"
    order: int = 100
    roles: frozenset[str] = field(default_factory=frozenset)  # empty: any role holding `perm`


SECTION_ORDER = ["工作台", "救助业务", "动态监测", "待遇发放", "监督管理", "文书档案", "系统设置"]
_items: list[NavItem] = []


def register(*items: NavItem) -> None:
    # One page may be listed under two permissions (the staff list: VIEW, and ROLE_MANAGE for the security
    # administrator); menu_for shows it once.
    known = {(i.section, i.url_name, i.perm) for i in _items}
    _items.extend(i for i in items if (i.section, i.url_name, i.perm) not in known)


def menu_for(user) -> list[tuple[str, list[dict]]]:
    if not getattr(user, "is_authenticated", False):
        return []
    user_roles = access.roles(user)
    sections: dict[str, list[dict]] = {}
    for item in sorted(_items, key=lambda i: (i.order, i.label)):
        if item.roles and not (item.roles & user_roles) and not access.is_global(user):
            continue
        if not access.can(user, item.perm):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        entries = sections.setdefault(item.section, [])
        if all(entry["url"] != url for entry in entries):
            entries.append({"label": item.label, "url": url, "icon": item.icon})
    order = {name: i for i, name in enumerate(SECTION_ORDER)}
    return sorted(sections.items(), key=lambda kv: order.get(kv[0], 99))


# Landing panels: role → functions (request, membership) → (template, context). Apps add theirs.
LandingPanel = Callable[..., tuple[str, dict] | None]
_panels: dict[str, list[tuple[int, LandingPanel]]] = {}


def register_panel(roles: Iterable[str], panel: LandingPanel, order: int = 100) -> None:
    for role in roles:
        entries = _panels.setdefault(role, [])
        if all(p is not panel for _, p in entries):
            entries.append((order, panel))


def panels_for(role: str) -> list[LandingPanel]:
    return [p for _, p in sorted(_panels.get(role, []), key=lambda e: e[0])]
