"""Filters for official documents (available in every official template without `{% load %}`)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django import template

from jiuzhu.core.money import fmt

register = template.Library()


def _as_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


@register.filter
def cn_date(value) -> str:
    """2021-07-01 → 2021年7月1日 (GB/T 9704: dates in Arabic numerals)."""
    day = _as_date(value)
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


@register.filter
def cn_month(value) -> str:
    day = _as_date(value)
    return f"{day.year}年{day.month}月" if day else ""


@register.filter
def yuan(value: Decimal | str | None) -> str:
    if value in (None, ""):
        return ""
    return fmt(Decimal(str(value)))


@register.filter
def cn_list(values) -> str:
    """['低保', '特困'] → 低保、特困"""
    return "、".join(str(v) for v in values or [])
