from __future__ import annotations

from decimal import Decimal

from django import template

from jiuzhu.core import audit, clock, formtokens, masking
from jiuzhu.core.masking import mask_id_number, mask_name
from jiuzhu.core.money import fmt

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    return audit.action_label(action)


@register.filter
def yuan(value: Decimal | None) -> str:
    return fmt(value)


@register.filter
def masked_id(value: str | None) -> str:
    return mask_id_number(value)


@register.filter
def shown_birth(value) -> str:
    """A birth date as the mask rule allows it beside a masked ID: year and age (core.masking, PI1)."""
    return masking.shown_birth(value, clock.today())


@register.filter
def masked_name(value: str | None) -> str:
    return mask_name(value)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.simple_tag
def form_token() -> str:
    """The hidden one-time token of a create form (`core.formtokens`): put it beside `{% csrf_token %}`."""
    return formtokens.hidden_input()
