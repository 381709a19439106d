"""Dynamic monitoring in the demo year (比对, 动态监测): each month a township imports one department's file
— checked in preview, then imported whole — and over the following days verifies every warning it made and
resolves it the way its facts call for: a new job reviewed and kept (its first months' wages are not
counted, N2), a large hospital bill referred to medical assistance and answered, a new disability
certificate taken up as an application, a registered house closed as no concern, a record that does not
hold after checking closed as such. The departments' files are made here from the register, as their
systems would send them."""

from __future__ import annotations

import io
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from jiuzhu.benefits.models import Enrolment
from jiuzhu.benefits.selectors import live_q
from jiuzhu.cases.demo import _u
from jiuzhu.console.demo_year import TOWNSHIPS, Life, Walk
from jiuzhu.console.demo_year_people import id_number_of
from jiuzhu.console.demo_year_steps import open_day
from jiuzhu.core import clock, params
from jiuzhu.core.exports import SafeCsvWriter
from jiuzhu.core.models import Job
from jiuzhu.monitoring import watch_import, watch_services
from jiuzhu.monitoring.models.watch import MonitoringWarning
from jiuzhu.registry.models import Member

# The month's department, in turn: its file's header, and the row a matched person gets.
SOURCES = ["renshe", "yibao", "canlian", "budongchan"]
# The warnings of imports this close to today are verified one, the others are still waiting.
RECENT_DAYS = 45
HEADERS = {
    "renshe": ["身份证号", "姓名", "事项", "起始日期", "月金额", "单位"],
    "yibao": ["身份证号", "姓名", "结算日期", "个人自付金额", "医疗机构"],
    "canlian": ["身份证号", "姓名", "事项", "发证日期", "残疾类别等级"],
    "budongchan": ["身份证号", "姓名", "登记日期", "坐落"],
}


def monitoring_month(walk: Walk, month: date) -> None:
    index = (month.year - walk.start.year) * 12 + month.month - walk.start.month
    if index < 2:
        return  # the departments' exchange starts once the county has people on its rolls
    source = SOURCES[index % len(SOURCES)]
    walk.later(_import_life(walk, open_day(month + timedelta(days=walk.rng.randrange(4, 10))), source))


def _people(walk: Walk, township: str, source: str) -> list[Member]:
    """Whom the department's file names: people on 低保 for income and hospital bills, others for a new
    disability certificate or a house."""
    enrolled = Enrolment.objects.filter(live_q(), township_code=township).values("household")
    members = Member.objects.filter(is_active=True, household__area_code__startswith=township[:9])
    members = (
        members.filter(household__in=enrolled)
        if source in ("renshe", "yibao")
        else members.exclude(household__in=enrolled)
    )
    pool = list(members.order_by("pk")[:200])
    return walk.rng.sample(pool, min(len(pool), 2))


def _row(walk: Walk, source: str, person: Member) -> list[str]:
    day = f"{clock.today() - timedelta(days=walk.rng.randrange(3, 20)):%Y-%m-%d}"
    number = id_number_of(person)
    if source == "renshe":
        return [number, person.name, "新增就业", day, f"{walk.rng.randrange(2200, 3200)}", "本地物流公司"]
    if source == "yibao":
        return [number, person.name, day, f"{walk.rng.randrange(15000, 40000)}", "双鸭山市人民医院"]
    if source == "canlian":
        return [number, person.name, "新办证", day, walk.rng.choice(["肢体二级", "视力一级", "智力二级"])]
    return [number, person.name, day, person.household.address]


def _file(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def _run(job: Job) -> Job:
    """The worker's run, now (a queued copy then finds the job done)."""
    watch_import.import_monitoring.call(job.pk)
    job.refresh_from_db()
    if job.status != "done":
        raise RuntimeError(f"demo monitoring import did not finish: {job.error}")
    return job


def _import_life(walk: Walk, day: date, source: str) -> Life:
    yield day
    townships = [t for t in sorted(TOWNSHIPS) if Enrolment.objects.filter(township_code=t).exists()]
    if not townships:
        return
    township = walk.rng.choice(townships)
    worker = _u(TOWNSHIPS[township]["worker"])
    people = _people(walk, township, source)
    if not people:
        return
    content = _file(HEADERS[source], [_row(walk, source, p) for p in people])
    name = f"{source}-{clock.today():%Y%m}.csv"
    preview = _run(
        watch_import.import_start(
            by=worker, source=source, upload=SimpleUploadedFile(name, content), mode="preview"
        )
    )
    done = _run(watch_import.import_commit(by=worker, preview=preview, mode="all"))
    walk.counts["monitoring_imports"] += 1
    warnings = list(MonitoringWarning.objects.filter(job=done).order_by("pk"))
    walk.counts["monitoring_warnings"] += len(warnings)
    recent = walk.end - clock.today() < timedelta(days=RECENT_DAYS)
    for n, warning in enumerate(warnings):
        if recent and n > 0:
            break  # still to be verified today: the township's queue is not empty when the demo opens
        yield open_day(walk.after(1, 5))
        _handle(walk, worker, warning, holds=n == 0 or walk.rng.random() < 0.7)


def _handle(walk: Walk, worker, warning: MonitoringWarning, *, holds: bool) -> None:
    """Verify, then resolve as the facts call for."""
    warning = watch_services.warning_verify(
        by=worker,
        warning=warning,
        method=walk.rng.choice(["visit", "phone", "records"]),
        on=clock.today(),
        note="经核实，部门数据属实" if holds else "经核实，系同名同号数据错误，本人情况无变化",
        confirmed=holds,
    )
    source = warning.source
    if not holds:
        watch_services.warning_close(by=worker, warning=warning, reason="部门数据有误，已反馈数据提供部门")
        resolution = "none"
    elif source == "renshe" and watch_services.adjustable_enrolment(warning) is None:
        watch_services.warning_close(
            by=worker, warning=warning, reason="该户未享受救助待遇，新就业收入已登记，无需调整"
        )
        resolution = "none"
    elif source == "renshe":
        exempt_months = params.get(
            "income.new_job_exempt_months", area_code=warning.county_code, on=clock.today()
        )
        watch_services.warning_adjust(
            by=worker,
            warning=warning,
            outcome="keep",
            findings=f"新就业收入按规定前 {exempt_months} 个月不计入家庭收入，维持原保障，到期后重新核算",
        )
        resolution = "adjust"
    elif source == "yibao":
        referral = watch_services.warning_refer(
            by=worker,
            warning=warning,
            need="medical",
            department="区医疗保障局",
            note="住院自付费用较高，转医疗救助",
            sent_on=clock.today(),
        )
        watch_services.referral_answer(
            by=worker,
            referral=referral,
            answer="已按规定给予医疗救助",
            answered_on=clock.today(),
            granted=True,
            amount=f"{walk.rng.randrange(8, 40) * 100}",
        )
        resolution = "refer"
    elif source == "canlian":
        kind = "dibao_rural" if warning.household.area_code[9:10] == "2" else "dibao_urban"
        watch_services.warning_enrol(
            by=worker,
            warning=warning,
            assistance_type=kind,
            applicant=None,
            reason="新办残疾人证，家庭困难，主动发现",
        )
        resolution = "enrol"
    else:
        watch_services.warning_close(by=worker, warning=warning, reason="唯一住房，不影响救助认定")
        resolution = "none"
    walk.counts[f"monitoring_resolved:{resolution}"] += 1
