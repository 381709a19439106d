"""Tags other apps' pages use to show issued documents (e.g. the delegation grant page)."""

from __future__ import annotations

from django import template

from jiuzhu.documents.selectors import delegation_letters_for_grant

register = template.Library()


@register.simple_tag(takes_context=True)
def delegation_letters(context, grant):
    """Delegation letters issued for the letter this grant belongs to, as the user may see them."""

    return delegation_letters_for_grant(context["request"].user, grant)
