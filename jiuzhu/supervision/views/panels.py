"""Landing panels: the inspector's supervision overview and the township's supervision queue."""

from __future__ import annotations


def inspector_panel(request, membership):
    return None


def township_panel(request, membership):
    return None
