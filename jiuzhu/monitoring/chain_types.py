"""One assistance chain per household (一户一条救助链): every warning, verification, referral and assistance of
a household across categories and departments, in time order. Each part of the product that knows such facts
registers a source (at start-up); the chain page and the duplicate-need check read all of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from jiuzhu.registry.models import Household


@dataclass(frozen=True)
class ChainEntry:
    on: date
    kind: str  # "application", "assistance", "warning", "verification", "referral", "discovery", ...
    title: str  # Chinese, shown as is
    need: str = (
        ""  # the need met or found: "basic", "medical", "education", "housing", "employment", "emergency"
    )
    department: str = ""  # who acted: 民政, 医保, 教育, 住建, 人社, ... (Chinese)
    detail: str = ""
    url: str = ""
    amount: str = ""  # money, formatted, when the entry is assistance paid


ChainSource = Callable[[Household], list[ChainEntry]]

chain_sources: list[ChainSource] = []


def register_chain_source(fn: ChainSource) -> None:
    if fn not in chain_sources:
        chain_sources.append(fn)
