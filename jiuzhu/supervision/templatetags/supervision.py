"""Template filters of the supervision pages: a warning rule's name from its code."""

from __future__ import annotations

from django import template

from jiuzhu.supervision.rules import label_of

register = template.Library()


@register.filter
def rule_label(code: str) -> str:
    return label_of(code)
