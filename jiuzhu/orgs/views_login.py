"""Login in two steps (PI2): the password, then — for an account with an authenticator, or whose role requires
one — the 6-digit code (or a recovery code). The session is only logged in after both; between them it holds
just the account id for a few minutes. Also the password change and the account's own second-factor pages."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_http_methods

from jiuzhu.core import audit, clock
from jiuzhu.core.errors import RECOVERABLE
from jiuzhu.orgs import authz, mfa, passwords
from jiuzhu.orgs.demo import DEMO_TOTP_SECRET
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.models import User

PENDING = "jiuzhu_login_pending"
PENDING_SECONDS = 300
MAX_CODE_FAILURES = 5


def _finish(request: HttpRequest, user: User, *, second_factor: bool, next_url: str) -> HttpResponse:
    request.session.pop(PENDING, None)
    auth_login(request, user, backend=getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[-1]))
    home = authz.primary_membership(user)
    with transaction.atomic():
        audit.record(
            actor=user,
            membership=home,
            action="auth.login",
            obj=user,
            area_code=home.area_code if home else "",
            after={"second_factor": second_factor},
        )
    reason = passwords.change_reason(user)
    if reason:
        messages.warning(request, reason)
        return redirect("password_change")
    return redirect(next_url)


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        next_url = self.get_redirect_url() or resolve_url(settings.LOGIN_REDIRECT_URL)  # checked by Django
        if mfa.is_enrolled(user) or mfa.is_mandatory(user):
            self.request.session.cycle_key()
            self.request.session[PENDING] = {
                "uid": user.pk,
                "backend": user.backend,
                "at": clock.now().timestamp(),
                "next": next_url,
                "failures": 0,
            }
            return redirect("login_verify" if mfa.is_enrolled(user) else "login_enrol")
        return _finish(self.request, user, second_factor=False, next_url=next_url)


def _pending(request: HttpRequest) -> tuple[User, dict] | None:
    state = request.session.get(PENDING)
    if not state or clock.now().timestamp() - state["at"] > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None
    user = User.objects.filter(pk=state["uid"], is_active=True).first()
    if user is None:
        return None
    user.backend = state["backend"]  # type: ignore[attr-defined]  # what login() reads, as authenticate() sets it
    return user, state


def _restart(request: HttpRequest, text: str) -> HttpResponse:
    request.session.pop(PENDING, None)
    messages.error(request, text)
    return redirect("login")


def _demo_hint(user: User) -> str:
    """DEBUG only: demo accounts share a published authenticator secret (docs/decisions.md); the page shows
    its current code so that a demo needs no phone. Never outside DEBUG."""
    if settings.DEBUG and mfa.secret_of(user) == DEMO_TOTP_SECRET:
        return mfa.current_code(DEMO_TOTP_SECRET)
    return ""


@require_http_methods(["GET", "POST"])
def login_verify(request: HttpRequest) -> HttpResponse:
    found = _pending(request)
    if found is None:
        return _restart(request, "登录已超时，请重新输入用户名和密码")
    user, state = found
    error = ""
    if request.method == "POST":
        result = mfa.verify(user=user, code=request.POST.get("code", ""))
        if result.ok:
            if result.recovery:
                messages.warning(
                    request,
                    f"您使用了恢复码登录，还剩 {result.remaining_codes} 个。请尽快在“账号与令牌”页重新绑定验证器或生成新的恢复码",
                )
            return _finish(request, user, second_factor=True, next_url=state["next"])
        # A wrong code counts like a wrong password (lockout by user name).
        user_login_failed.send(
            sender=__name__, credentials={"username": user.get_username()}, request=request
        )
        state["failures"] += 1
        request.session[PENDING] = state
        if state["failures"] >= MAX_CODE_FAILURES:
            return _restart(request, "验证码错误次数过多，请重新登录")
        error = "验证码不正确或已使用过，请输入验证器中当前显示的 6 位数字（或一个恢复码）"
    return render(
        request,
        "registration/login_verify.html",
        {"account": user, "error": error, "demo_code": _demo_hint(user)},
    )


@require_http_methods(["GET", "POST"])
def login_enrol(request: HttpRequest) -> HttpResponse:
    """A role that requires a second factor, without one yet: bind an authenticator before the first login."""
    found = _pending(request)
    if found is None:
        return _restart(request, "登录已超时，请重新输入用户名和密码")
    user, state = found
    secret = state.get("secret") or mfa.new_secret()
    state["secret"] = secret
    request.session[PENDING] = state
    error = ""
    if request.method == "POST":
        try:
            codes = mfa.enrol(user=user, secret=secret, code=request.POST.get("code", ""))
        except RECOVERABLE as exc:
            error = exc.message
        else:
            response = _finish(request, user, second_factor=True, next_url=state["next"])
            return render(
                request,
                "registration/recovery_codes.html",
                {"codes": codes, "continue_url": response["Location"], "page_title": "恢复码"},
            )
    return render(request, "registration/mfa_enrol.html", _enrol_context(user, secret, error))


def _enrol_context(user: User, secret: str, error: str) -> dict:
    uri = mfa.provisioning_uri(user, secret)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return {
        "account": user,
        "qr": mfa.qr_svg(uri),
        "secret": grouped,
        "error": error,
        "page_title": "绑定动态口令",
    }


# --- the account's own pages ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def account_mfa(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Enable (bind an authenticator), regenerate recovery codes, or switch off where allowed."""
    user = request.user
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action == "disable":
        try:
            mfa.disable(user=user)
        except RECOVERABLE as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已关闭动态口令")
        return redirect("account")
    if action == "codes":
        codes = mfa.regenerate_recovery_codes(user=user)
        return render(
            request,
            "registration/recovery_codes.html",
            {"codes": codes, "continue_url": reverse("account"), "page_title": "恢复码"},
        )
    if mfa.is_enrolled(user):
        return redirect("account")
    secret = request.session.get("jiuzhu_enrol_secret") or mfa.new_secret()
    request.session["jiuzhu_enrol_secret"] = secret
    error = ""
    if action == "enrol":
        try:
            codes = mfa.enrol(user=user, secret=secret, code=request.POST.get("code", ""))
        except RECOVERABLE as exc:
            error = exc.message
        else:
            request.session.pop("jiuzhu_enrol_secret", None)
            return render(
                request,
                "registration/recovery_codes.html",
                {"codes": codes, "continue_url": reverse("account"), "page_title": "恢复码"},
            )
    return render(request, "registration/mfa_enrol.html", _enrol_context(user, secret, error))


class PasswordChangeView(auth_views.PasswordChangeView):
    request: AuthenticatedHttpRequest  # the view requires a signed-in user
    success_url = reverse_lazy("password_change_done")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reason"] = passwords.change_reason(self.request.user)
        return context

    def form_valid(self, form):
        user = self.request.user
        with transaction.atomic():
            passwords.set_password(user, form.cleaned_data["new_password1"], temporary=False)
            home = authz.primary_membership(user)
            audit.record(
                actor=user,
                membership=home,
                action="auth.password_change",
                obj=user,
                area_code=home.area_code if home else "",
            )
        update_session_auth_hash(self.request, user)
        return redirect(self.get_success_url())
