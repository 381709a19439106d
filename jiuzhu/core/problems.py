"""Every problem of an input at once: a form shows them all beside their fields instead of one per attempt.

A service collects what is wrong with its input in a `Problems` and raises one `ValidationFailed` carrying
every message by field before anything is written. Amounts typed by staff are read here too, with the sanity
bound that catches a slip of the keyboard (an amount no assistance ever reaches).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.money import to_yuan

# Sanity bound against typing errors for an amount of assistance (applied for, decided, paid first).
MAX_AMOUNT = Decimal("10000000")


@dataclass
class Problems:
    """Collects every problem of an input before anything is written."""

    messages: list[str] = field(default_factory=list)
    fields: dict[str, list[str]] = field(default_factory=dict)

    def add(self, key: str, message: str, summary: str | None = None) -> None:
        self.fields.setdefault(key, []).append(message)
        self.messages.append(summary or message)

    @contextmanager
    def gather(self, key: str) -> Iterator[None]:
        """A check that raises `ValidationFailed` adds its problem under `key` instead of stopping there, so
        that every problem of the input is reported at once."""
        try:
            yield
        except ValidationFailed as exc:
            for message in exc.field_errors.get(key) or [exc.message]:
                self.add(key, message, exc.message)

    def raise_if_any(self, title: str = "填写的内容有误") -> None:
        if self.messages:
            raise ValidationFailed(f"{title}：" + "；".join(self.messages), field_errors=self.fields)


def optional_amount(
    value: object, label: str, problems: Problems, key: str = "amount", maximum: Decimal = MAX_AMOUNT
) -> Decimal | None:
    """An amount in yuan that may be left blank (None); a wrong one is added to `problems` (None too)."""
    if value in (None, ""):
        return None
    try:
        return to_yuan(value, label=label, maximum=maximum)
    except ValidationFailed as exc:
        problems.add(key, exc.message)
        return None
