"""The register as Excel in the national monitoring layout (columns in docs/monitoring-register.md).

Streamed by the shared writer (`core.exports.xlsx_response`) from a server-side cursor: the first bytes leave
at once, 10⁵–10⁶ rows take constant memory, and nothing is written to storage. ID numbers are masked as on
the page."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db import transaction
from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from jiuzhu.core import audit
from jiuzhu.core.exports import xlsx_response
from jiuzhu.core.jurisdiction_codes import pad
from jiuzhu.monitoring.models import RegisterEntry
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Jurisdiction, User
from jiuzhu.orgs.roles import Perm

HEADERS = [
    "序号",
    "省（自治区、直辖市）",
    "市（地、州、盟）",
    "县（市、区、旗）",
    "乡镇（街道）",
    "村（社区）",
    "户编号",
    "户主姓名",
    "姓名",
    "性别",
    "公民身份号码",
    "出生年份",
    "与户主关系",
    "人员类别",
    "城乡属性",
    "残疾类别",
    "残疾等级",
    "劳动能力",
    "患重特大疾病",
    "在学情况",
    "就业状况",
    "纳入日期",
    "认定有效期至",
    "救助类型",
    "月保障金额（元）",
    "来源",
    "来源说明",
]
CHUNK = 2000


def _chunks(rows: Iterable[RegisterEntry], size: int) -> Iterator[list[RegisterEntry]]:
    batch: list[RegisterEntry] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Names:
    """Jurisdiction names looked up once per chunk for the codes not seen yet."""

    def __init__(self) -> None:
        self.known: dict[str, str] = {}

    def load(self, codes: set[str]) -> None:
        wanted = codes - self.known.keys()
        if wanted:
            found = dict(Jurisdiction.objects.filter(code__in=wanted).values_list("code", "name"))
            self.known.update({c: found.get(c, "") for c in wanted})

    def __getitem__(self, code: str) -> str:
        return self.known.get(code, "")


def _levels(area_code: str) -> list[str]:
    return [pad(area_code[:n]) for n in (2, 4, 6, 9)] + [area_code]


def _row(n: int, e: RegisterEntry, names: _Names) -> list:
    m, h = e.member, e.household
    enrolment = e.enrolment
    return [
        n,
        *[names[c] for c in _levels(e.area_code)],
        h.pk,
        h.head_name,
        m.name,
        m.get_sex_display(),
        m.id_masked,
        m.birth_date.year,  # PI1: beside a masked ID number, the year only
        m.get_relation_display(),
        e.get_category_display(),
        h.get_urban_rural_display(),
        m.get_disability_display() if m.disability else "",
        m.disability_grade,
        m.get_work_ability_display(),
        m.serious_illness,
        m.get_schooling_display() if m.schooling else "",
        m.get_employment_display(),
        e.since,
        e.valid_until,
        enrolment.get_assistance_type_display() if enrolment else e.case.get_assistance_type_display(),
        enrolment.amount if enrolment else None,
        e.get_origin_display(),
        e.origin_label,
    ]


def register_rows(qs: QuerySet[RegisterEntry]) -> Iterator[list]:
    """The export's rows, read CHUNK at a time while the file is sent; place names once per chunk."""
    names = _Names()
    joined = qs.prefetch_related(None).select_related("member", "household", "enrolment", "case")
    n = 0
    for batch in _chunks(joined.iterator(chunk_size=CHUNK), CHUNK):
        names.load({c for e in batch for c in _levels(e.area_code)})
        for e in batch:
            n += 1
            yield _row(n, e, names)


def export_response(*, by: User, qs: QuerySet[RegisterEntry], filters: dict) -> StreamingHttpResponse:
    """The export as a streamed download (constant memory at any size, nothing written to storage), recorded
    in the audit trail first: a list of personal data leaves the system."""
    membership = authz.require(by, Perm.VIEW)
    with transaction.atomic():
        audit.record(
            actor=by,
            membership=membership,
            action="register.export",
            object_type="register",
            after=filters,
        )
    return xlsx_response("低收入人口", HEADERS, register_rows(qs))
