"""The request a signed-in view receives, as the type checker should see it.

Django types `request.user` as "a user or AnonymousUser"; behind `login_required` (pages) or the API's
authentication it is always a `User`, and services type their acting user (`by`) as such. Views annotate
`request: AuthenticatedHttpRequest` to say so once, instead of narrowing the user at every call. The htmx
middleware adds `request.htmx` to every request.
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from jiuzhu.orgs.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User  # narrower than HttpRequest's: login_required and the API guarantee it
    htmx: HtmxDetails
