"""One assistance chain per household (一户一条救助链): every registered chain source's entries for one household,
in time order, with the repeated-need check over them.

The check reads the chain itself, because what it compares comes from different departments and parts of the
product (民政's temporary aid, a 医保 answer to a referral the watch part records, …): two entries of kind
"assistance" meeting the same need within the period (parameter `monitoring.same_need_days`) are shown as a
warning on the chain. Within 民政 the same fact is also a set-based supervision rule (`register_rules`), which
lists every household in a scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from jiuzhu.archive.hooks import FileSection, SectionRow
from jiuzhu.core import clock, params
from jiuzhu.monitoring.chain_types import ChainEntry, chain_sources
from jiuzhu.registry.models import Household

NEED_LABELS = {
    "basic": "基本生活",
    "medical": "医疗",
    "education": "教育",
    "housing": "住房",
    "employment": "就业",
    "emergency": "急难（临时救助）",
}
KIND_LABELS = {
    "application": "申请",
    "decision": "审批",
    "assistance": "救助",
    "change": "待遇变更",
    "review": "定期核查",
    "discovery": "主动发现",
    "warning": "预警",
    "verification": "核实",
    "referral": "转介",
    "resolution": "处置",
}


# Within one day the steps of one matter follow each other: applied, found, decided; warned, verified, resolved,
# referred, helped; then what changed the benefit.
_DAY_ORDER = {
    kind: i
    for i, kind in enumerate(
        (
            "application",
            "discovery",
            "decision",
            "warning",
            "verification",
            "resolution",
            "referral",
            "assistance",
            "change",
            "review",
        )
    )
}


def chain_for(household: Household) -> list[ChainEntry]:
    """Every source's entries, oldest first; entries of one day in the order of the steps (`_DAY_ORDER`), then
    as the sources gave them."""
    entries: list[ChainEntry] = []
    for source in chain_sources:
        entries.extend(source(household))
    return sorted(entries, key=lambda e: (e.on, _DAY_ORDER.get(e.kind, len(_DAY_ORDER))))


@dataclass(frozen=True)
class RepeatedNeed:
    need: str
    first: ChainEntry
    second: ChainEntry

    @property
    def message(self) -> str:
        label = NEED_LABELS.get(self.need, self.need)
        days = (self.second.on - self.first.on).days
        who = (
            f"{self.first.department}、{self.second.department}"
            if self.first.department != self.second.department
            else self.first.department
        )
        return (
            f"{label}需求在 {days} 天内两次救助（{self.first.on:%Y-%m-%d} {self.first.title}；"
            f"{self.second.on:%Y-%m-%d} {self.second.title}；{who}），请核实是否重复救助"
        )


def same_need_days(household: Household) -> int:
    return params.get("monitoring.same_need_days", area_code=household.area_code, on=clock.today())


def repeated_needs(entries: list[ChainEntry], days: int) -> list[RepeatedNeed]:
    """Pairs of assistance entries meeting the same need within `days` of each other. Monthly basic-living
    payments are one continuing assistance, not repeats: entries for the need "basic" are left out."""
    out = []
    last: dict[str, ChainEntry] = {}
    for entry in entries:
        if entry.kind != "assistance" or not entry.need or entry.need == "basic":
            continue
        before = last.get(entry.need)
        if before is not None and entry.on - before.on <= timedelta(days=days):
            out.append(RepeatedNeed(entry.need, before, entry))
        last[entry.need] = entry
    return out


def household_file_section(user, household: Household) -> FileSection:
    """The chain as a section of the household file (一户一档): the page, its API and the archive download's
    index PDF carry every entry and any repeated need. The archive fetched the household through its scoped
    selector; the chain's sources read nothing outside the household."""
    entries = chain_for(household)
    days = same_need_days(household)
    return FileSection(
        key="chain",
        title="一户一条救助链",
        note=f"申请、审批、发放、预警、核实、转介和各部门救助；同一需求 {days} 天内两次救助时提示",
        warnings=[r.message for r in repeated_needs(entries, days)],
        rows=[
            SectionRow(
                on=e.on,
                kind=KIND_LABELS.get(e.kind, e.kind),
                title=e.title,
                department=e.department,
                amount=e.amount,
                detail=e.detail,
                url=e.url,
            )
            for e in entries
        ],
    )
