"""The request of a signed-in staff member, for the type checker: there `request.user` is a `User`.

Django types `HttpRequest.user` as `User | AnonymousUser`. Pages behind `login_required` and API operations
behind the API's authentication (token or session) only ever see a signed-in user; they take this type, so
that passing `request.user` as `by` to a service checks."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from jiuzhu.orgs.models import User


class AuthedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails  # set by django_htmx's middleware
