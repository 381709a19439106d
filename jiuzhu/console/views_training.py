"""The training copy's clock page (培训环境): an administrator moves the copy's days forward. Outside the
training copy the page does not exist (404 for everyone, before any login)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from jiuzhu.core import clock, training
from jiuzhu.core.errors import RECOVERABLE
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.roles import Perm


def training_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not training.enabled():
            raise Http404("只有培训环境可以调整时钟")
        return view(request, *args, **kwargs)

    return wrapper


@training_only
@login_required
@require_http_methods(["GET", "POST"])
def training_clock(request: AuthenticatedHttpRequest) -> HttpResponse:
    authz.require(request.user, Perm.PARAMS_EDIT)
    if request.method == "POST":
        move = request.POST.get("move", "")
        try:
            at = training.training_clock_move(by=request.user, move=move)
        except RECOVERABLE as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, f"培训环境时钟已{training.MOVES[move]}，现在是 {at:%Y年%m月%d日 %H:%M}。"
            )
        return redirect("training_clock")
    now = clock.now()
    return render(
        request,
        "console/training_clock.html",
        {
            "page_title": "培训环境时钟",
            "now": now,
            "offset_days": clock.training_offset().total_seconds() / 86400,
            "moves": [(key, label, training.target_of(key, now)) for key, label in training.MOVES.items()],
        },
    )
