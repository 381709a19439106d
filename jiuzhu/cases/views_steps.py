"""Pages of the workflow steps after acceptance (filled in by the workflow issue)."""

from __future__ import annotations

from django.http import HttpRequest


def step_context(request: HttpRequest, case) -> dict:
    return {}
