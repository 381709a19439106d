"""Procedure profiles (DOMAIN §4): one process, configured per county and assistance type.

The profile a county uses is the policy parameter `procedure.profile` (effective-dated, inherited, and
overridable per category with `procedure.profile.<category>`); the case keeps the profile in force when it
was opened, so a later change never rewrites a running case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from jiuzhu.cases.models import Case
from jiuzhu.core import clock, params
from jiuzhu.core.params import Kind, ParamDef
from jiuzhu.core.types import Category, category_of

ALWAYS = "always"
DISPUTED = "disputed"  # only for cases marked disputed (尖山: 对没有争议的救助申请家庭，不再进行民主评议)
ON_OBJECTION = "on_objection"  # only when someone objects during the notice (聊城)


@dataclass(frozen=True)
class Profile:
    code: str
    name: str
    verify_before_apply: bool  # 聊城: 先核对、后申请
    review: str  # ALWAYS / DISPUTED / ON_OBJECTION
    file_with_bureau: bool  # 綦江: 审批结果报区民政局备案 before the notice (P5)
    source: str

    @property
    def review_label(self) -> str:
        return {
            ALWAYS: "每案进行民主评议",
            DISPUTED: "仅对有争议的申请进行民主评议",
            ON_OBJECTION: "仅在公示期有异议时进行民主评议",
        }[self.review]


PROFILES: dict[str, Profile] = {
    p.code: p
    for p in (
        Profile(
            "jianshan", "尖山流程（默认）", False, DISPUTED, False, "尖山区社会救助事项一级审批流程（附件1）"
        ),
        Profile(
            "liaocheng", "聊城流程：先核对后申请", True, ON_OBJECTION, False, "聊民发〔2019〕57号 二(一)(二)"
        ),
        Profile("qijiang", "綦江流程：审批结果报区民政局备案", False, ALWAYS, True, "綦江区实施方案 四"),
    )
}

params.register(
    ParamDef(
        "procedure.profile",
        "办理流程",
        Kind.TEXT,
        "",
        "§4",
        "本县（区）采用的审批流程；各类别可单独设置 procedure.profile.<类别>",
        group="办理程序",
        choices=tuple((p.code, p.name) for p in PROFILES.values()),
    ),
    *(
        ParamDef(
            f"procedure.profile.{c.value}",
            f"办理流程（{c.label}）",
            Kind.TEXT,
            "",
            "§4",
            "留空则沿用本县（区）办理流程",
            group="办理程序",
            choices=tuple((p.code, p.name) for p in PROFILES.values()),
        )
        for c in Category
    ),
)


def profile_for(county_code: str, assistance_type: str, on: date | None = None) -> Profile:
    on = on or clock.today()
    try:
        code = params.get(f"procedure.profile.{category_of(assistance_type)}", area_code=county_code, on=on)
    except params.MissingParameter:
        code = params.get("procedure.profile", area_code=county_code, on=on)
    return PROFILES[code]


def profile_of(case: Case) -> Profile:
    return PROFILES[case.profile]
