"""API of the low-income population register and of a household's assistance chain: the same selectors as
the pages. ID numbers come masked; the full number is `POST /members/{id}/reveal` (logged)."""

from datetime import date

from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from jiuzhu.api.schemas import Id, PageNumber, responses
from jiuzhu.monitoring import chain
from jiuzhu.monitoring import register_selectors as selectors
from jiuzhu.monitoring.models import Origin, RegisterCategory
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.registry import selectors as registry

router = Router(tags=["低收入人口与救助链"])


class RegisterEntryOut(Schema):
    id: int
    member_id: int
    household_id: int
    name: str
    id_masked: str
    category: RegisterCategory
    area_code: str
    township_code: str
    since: date
    valid_until: date | None
    origin: Origin
    origin_label: str
    case_id: int
    enrolment_id: int | None

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.member.name

    @staticmethod
    def resolve_id_masked(obj) -> str:
        return obj.member.id_masked


class RegisterFilterIn(Schema):
    category: RegisterCategory | None = None
    township: str = Field("", max_length=12, description="乡镇（街道）区划代码")
    village: str = Field("", max_length=12, description="村（社区）区划代码")
    origin: Origin | None = None


@router.get(
    "/register", response=responses(list[RegisterEntryOut], read_only=True), summary="查询低收入人口名册"
)
@paginate(PageNumber)
def register_list(request: AuthenticatedHttpRequest, f: Query[RegisterFilterIn]):
    return selectors.search_register(
        request.user,
        selectors.RegisterFilter(
            category=f.category or "", township=f.township, village=f.village, origin=f.origin or ""
        ),
    )


@router.get(
    "/register/{entry_id}", response=responses(RegisterEntryOut, read_only=True), summary="低收入人口详情"
)
def register_detail(request: AuthenticatedHttpRequest, entry_id: Id):
    return selectors.get_entry(request.user, entry_id)


class ChainEntryOut(Schema):
    on: date
    kind: str
    title: str
    need: str
    department: str
    detail: str
    url: str
    amount: str


class RepeatedNeedOut(Schema):
    need: str
    first_on: date
    second_on: date
    message: str


class ChainOut(Schema):
    household_id: int
    same_need_days: int
    entries: list[ChainEntryOut]
    repeated_needs: list[RepeatedNeedOut]


@router.get(
    "/households/{household_id}/chain",
    response=responses(ChainOut, read_only=True),
    summary="一户一条救助链（按时间排列，含重复救助提示）",
)
def household_chain(request: AuthenticatedHttpRequest, household_id: Id):
    household = registry.get_household(request.user, household_id)
    entries = chain.chain_for(household)
    days = chain.same_need_days(household)
    return {
        "household_id": household.pk,
        "same_need_days": days,
        "entries": entries,
        "repeated_needs": [
            {"need": r.need, "first_on": r.first.on, "second_on": r.second.on, "message": r.message}
            for r in chain.repeated_needs(entries, days)
        ],
    }
