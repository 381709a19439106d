"""An account with a temporary or expired password does nothing before changing it (PI2)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from jiuzhu.orgs import passwords

# What such a session may still reach: the change itself, logging out, the static files of those pages.
ALLOWED = ("/accounts/", "/static/", "/favicon.ico", "/healthz")


class PasswordPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Only a browser session is logged in here: an API token authenticates later, in the API, and passes.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(ALLOWED):
            reason = passwords.change_reason(user)
            if reason:
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"code": "password_change_required", "message": reason, "errors": {}}, status=403
                    )
                return redirect(reverse("password_change"))
        return self.get_response(request)
