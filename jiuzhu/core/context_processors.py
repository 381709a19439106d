from __future__ import annotations

from django.http import HttpRequest

from jiuzhu.core import access, clock
from jiuzhu.core.navigation import menu_for


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"today": clock.today()}
    return {
        "nav_sections": menu_for(user),
        "my_memberships": access.memberships(user),
        "today": clock.today(),
    }
