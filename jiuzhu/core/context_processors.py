from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from jiuzhu.core import access, clock, training
from jiuzhu.core.navigation import menu_for


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    band = {"training_band": training.BAND_TEXT} if training.enabled() else {}
    if band and user is not None and user.is_authenticated and access.can(user, access.PARAMS_EDIT):
        band["training_clock_url"] = reverse("training_clock")
    if user is None or not user.is_authenticated:
        return {"today": clock.today(), **band}
    return {
        "nav_sections": menu_for(user),
        "my_memberships": access.memberships(user),
        "today": clock.today(),
        **band,
    }
