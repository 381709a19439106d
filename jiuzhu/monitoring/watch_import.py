"""比对 imports: a department's monthly file as a background job (core.jobs), shared by every source.

The upload is checked before parsing (core.tables), stored sealed, and read by the worker: every row checked,
the good ones matched in chunks — one query per chunk on the ID blind index, never the plaintext — against
the active members in the importer's scope; each match that the source's rule keeps becomes a monitoring
warning. `preview` writes nothing; `all` writes nothing if any row is bad; `good_only` skips the bad rows.
Writing is one short transaction at the end; importing the same file again makes no second warning."""

from __future__ import annotations

import gc
import hashlib
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import IO, Any

import xlsxwriter
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django_tasks import task

from jiuzhu.core import audit, bulk, clock, idnumber, jobs, params, tables
from jiuzhu.core.crypto.sealed import sealed_storage
from jiuzhu.core.dates import month_start
from jiuzhu.core.errors import Forbidden, NotFound, ValidationFailed
from jiuzhu.core.jurisdiction_codes import county_code, township_code
from jiuzhu.core.masking import mask_id_number
from jiuzhu.core.models import Job
from jiuzhu.monitoring.models.watch import MonitoringWarning, WarningCategory
from jiuzhu.monitoring.sources import ID_HEADERS, RECORD_HEADERS, Row, SourceLayout, layout_of
from jiuzhu.monitoring.watch_selectors import IMPORT_KIND, household_categories
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry.identity import id_indexes_many
from jiuzhu.registry.models import Member

MODES = ("preview", "all", "good_only")
CHUNK = 10_000  # rows matched at once (one query when the file is smaller than the registry in scope)
IN_MEMORY_MAX = 2_000_000  # members in scope matched in memory at most (their indexes: about 250 MB)
ERRORS_SHOWN = 2000  # on the job page; every bad row is in the workbook
BAD_ROWS_KEPT = 200_000  # cells of bad rows kept for the workbook (a file mostly bad is refused anyway)
MAX_AMOUNT = Decimal("1e11")
CENT = Decimal("0.01")


def import_start(*, by: User, source: str, upload: UploadedFile, mode: str = "preview") -> Job:
    """Store the upload and queue it (refused at once: an unknown source, a file that is not a table or too
    big). `mode` preview (the page's first step), or all / good_only (a platform pushing its file)."""
    membership = authz.require(by, Perm.DATA_IMPORT)
    layout = layout_of(source)
    if mode not in MODES:
        raise ValidationFailed("导入方式无效", field_errors={"mode": "应为 preview、all 或 good_only"})
    tables.check_table(upload.name or "", upload, what=f"{layout.label}比对文件")
    job = jobs.create(
        by=by,
        kind=IMPORT_KIND,
        area_code=membership.organisation.jurisdiction_id if membership else "",
        params={"source": layout.code, "filename": upload.name, "mode": mode},
        upload=upload,
    )
    jobs.enqueue(import_monitoring, job)
    return job


def import_commit(*, by: User, preview: Job, mode: str) -> Job:
    """Queue the writing of a previewed file: `all` (nothing if any row is bad) or `good_only`."""
    authz.require(by, Perm.DATA_IMPORT, preview.area_code or None)
    if mode not in MODES[1:] or preview.params.get("mode") != "preview" or preview.status != "done":
        raise ValidationFailed("请先完成校验，再选择导入方式")
    job = jobs.create(
        by=by,
        kind=IMPORT_KIND,
        area_code=preview.area_code,
        params={**preview.params, "mode": mode, "preview_job": preview.pk},
    )
    job.file.name = preview.file.name  # the same stored file, read and checked again
    job.save(update_fields=["file"])
    jobs.enqueue(import_monitoring, job)
    return job


@task()
def import_monitoring(job_id: int) -> None:
    jobs.run(job_id, _work)


# --- reading ----------------------------------------------------------------------------------------


@dataclass
class Columns:
    id: int
    on: int
    record: int | None
    amount: int | None
    note: int | None


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    return next((header.index(n) for n in names if n in header), None)


def columns_of(layout: SourceLayout, header: list[str]) -> Columns:
    header = [h.strip() for h in header]
    id_col, on_col = _find(header, ID_HEADERS), _find(header, layout.date_headers)
    cols = Columns(
        id=-1 if id_col is None else id_col,
        on=-1 if on_col is None else on_col,
        record=_find(header, RECORD_HEADERS),
        amount=_find(header, layout.amount_headers),
        note=_find(header, layout.note_headers),
    )
    missing = []
    if cols.id < 0:
        missing.append("身份证号")
    if cols.on < 0:
        missing.append(layout.date_headers[0])
    if cols.record is None and layout.single is None:
        missing.append("事项")
    if cols.amount is None and layout.amount_required:
        missing.append(layout.amount_headers[0])
    if missing:
        raise ValidationFailed(
            f"{layout.label}比对文件缺少列：{'、'.join(missing)}（格式见“文件格式说明”）",
            field_errors={"file": ["缺少列"]},
        )
    return cols


@lru_cache(maxsize=4096)  # a month's file holds a few dozen distinct dates
def parse_day(text: str) -> date | None:
    text = text.strip().replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-").rstrip("日")
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    parts = text[:10].split("-")
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2])) if len(parts) == 3 else None
    except ValueError:
        return None


def row_checker(layout: SourceLayout, cols: Columns, today: date) -> Callable[[int, list[str]], Row | str]:
    """The check of one row of this file: the row, or the reason it is bad (every problem of the row, in
    Chinese). Run for 10⁶ rows, so what is the same for every row is looked up here once. Cells come
    stripped from core.tables; the ID number is normalised once and the row carries it so to the index."""
    single, by_name, date_label = layout.single, layout.record_by_name, layout.date_headers[0]
    amount_label, amount_required = (
        layout.amount_headers[0] if layout.amount_headers else "",
        layout.amount_required,
    )
    id_col, on_col, record_col, amount_col, note_col = cols.id, cols.on, cols.record, cols.amount, cols.note
    normalise, id_problem = idnumber.normalise, idnumber.problem

    def check(line: int, row: list[str]) -> Row | str:
        width = len(row)
        problems = []
        number = normalise(row[id_col] if id_col < width else "")
        if (reason := id_problem(number, today)) is not None:
            problems.append(idnumber.refusal(number, reason))
        record = single
        name = row[record_col] if record_col is not None and record_col < width else ""
        if name:
            record = by_name.get(name)
            if record is None:
                problems.append(f"事项“{name[:20]}”应为：{'、'.join(by_name)}")
        elif record is None:
            problems.append("缺少事项")
        on = parse_day(row[on_col] if on_col < width else "")
        if on is None:
            problems.append(f"{date_label}无效")
        elif on > today:
            problems.append(f"{date_label}晚于今天")
        amount = None
        if text := (row[amount_col] if amount_col is not None and amount_col < width else "").replace(
            ",", ""
        ):
            try:
                amount = Decimal(text).quantize(CENT)
                if not amount.is_finite() or amount < 0 or amount >= MAX_AMOUNT:
                    raise InvalidOperation
            except InvalidOperation:
                problems.append(f"{amount_label}应为不小于零的金额")
                amount = None
        elif amount_required:
            problems.append(f"缺少{amount_label}")
        if problems or record is None or on is None:
            return "；".join(problems)
        note = row[note_col][:100] if note_col is not None and note_col < width else ""
        return Row(line, number, record, on, amount, note)

    return check


# --- matching ---------------------------------------------------------------------------------------


@dataclass
class Outcome:
    rows: int = 0
    errors: list[str] = field(default_factory=list)
    bad_rows: list[tuple[int, str, list[str]]] = field(default_factory=list)
    matched_people: int = 0
    warnings: list[dict[str, Any]] = field(default_factory=list)  # the fields of each warning to make


class _Params:
    """Parameters per county, each looked up once per job."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.cache: dict[tuple[str, str], Any] = {}

    def getter(self, county: str):
        def get(key: str):
            if (key, county) not in self.cache:
                self.cache[(key, county)] = params.get(key, area_code=county, on=self.today)
            return self.cache[(key, county)]

        return get


def _dedup_key(source: str, row: Row, member_id: int) -> str:
    raw = f"{source}|{row.record.name}|{member_id}|{row.on.isoformat()}|{row.amount}"
    return hashlib.sha256(raw.encode()).hexdigest()


def reads_whole_scope(rows_expected: int, members_in_scope: Callable[[], int]) -> bool:
    """Whether to read the scope's indexes once: a file of at least a chunk, and no smaller than the scope's
    registry (its members counted only then)."""
    return rows_expected >= CHUNK and members_in_scope() <= min(rows_expected, IN_MEMORY_MAX)


class ScopeRegistry:
    """The active members in the importer's scope, found by ID blind index. A file at least as large as the
    scope's registry — the usual case: a department's file of the whole county against the county's
    registered people — reads the scope's indexes once (one query, streamed) and matches in memory; a
    smaller file asks the database, one query per chunk. Either way no query per row."""

    def __init__(self, user: User, rows_expected: int) -> None:
        self.members = (
            Member.objects.filter(is_active=True).filter(authz.scope_q(user, "area_code")).order_by()
        )
        self.by_index: dict[str, list[tuple[int, int, str]]] | None = None
        if reads_whole_scope(rows_expected, lambda: self.members.count()):
            by_index: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
            for index, pk, household_id, area in self.members.values_list(
                "id_index", "pk", "household_id", "area_code"
            ).iterator(chunk_size=20_000):
                by_index[index].append((pk, household_id, area))
            self.by_index = dict(by_index)

    def find(self, indexes: list[str]) -> list[tuple[int, list[tuple[int, int, str]]]]:
        """For each of `indexes` that is someone's: its position and the members (pk, household, area)."""
        known = self.by_index
        if known is None:
            wanted: Any = indexes
            if connection.vendor == "postgresql":
                # One array parameter instead of thousands of placeholders to build and parse.
                wanted = RawSQL("SELECT unnest(%s::varchar[])", [indexes])
            found: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
            for pk, index, household_id, area in self.members.filter(id_index__in=wanted).values_list(
                "pk", "id_index", "household_id", "area_code"
            ):
                found[index].append((pk, household_id, area))
            known = found
        return [(i, known[index]) for i, index in enumerate(indexes) if index in known]


def match_chunk(
    layout: SourceLayout, chunk: list[Row], registry: ScopeRegistry, job: Job, looked: _Params, out: Outcome
):
    """The chunk's blind indexes (every key set, one prepared key each) looked up at once, one query for the
    matched households' categories; the source's rule then decides which matches make a warning."""
    hits: dict[tuple[int, int], tuple[Row, int, int, str]] = {}  # (line, member): a person once per row
    for indexes in id_indexes_many([row.id_number for row in chunk]):  # every configured key set (rotation)
        for position, members in registry.find(indexes):
            row = chunk[position]
            for pk, household_id, area in members:
                hits[(row.line, pk)] = (row, pk, household_id, area)
    if not hits:
        return
    categories = household_categories(household_id for _, _, household_id, _ in hits.values())
    period = month_start(looked.today)
    now = clock.now()
    people = set()
    for row, pk, household_id, area in hits.values():
        category = categories[household_id]
        county = county_code(area)
        get = looked.getter(county)
        if not layout.rule(row, category != "none", get):
            continue
        people.add(pk)
        days = get(
            "monitoring.verify_days.death"
            if row.record.category == WarningCategory.DEATH
            else "monitoring.verify_days"
        )
        amount = f"，金额 {row.amount:,.2f} 元" if row.amount is not None else ""
        out.warnings.append(
            {  # fields only: the model rows are built when written (a preview builds none)
                "source": layout.code,
                "category": row.record.category,
                "record": row.record.name,
                "household_id": household_id,
                "member_id": pk,
                "area_code": area,
                "township_code": township_code(area),
                "county_code": county,
                "household_category": category,
                "event_on": row.on,
                "amount": row.amount,
                "detail": (
                    f"{layout.department}：{row.record.title or row.record.name}"
                    f"（{row.on:%Y-%m-%d}{amount}）{('，' + row.note) if row.note else ''}"
                )[:300],
                "period": period,
                "job_id": job.pk,
                "dedup_key": _dedup_key(layout.code, row, pk),
                "due_on": looked.today + timedelta(days=int(days)),
                "created_at": now,
            }
        )
    out.matched_people += len(people)


@contextmanager
def _few_collections() -> Iterator[None]:
    """The cyclic garbage collector run less often while a file is read: 10⁶ rows make millions of small
    objects and none of them a cycle, yet each full collection walks every one still alive (the scope's
    registry, the warnings so far) — a third of the import's time at the default thresholds."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], 100_000), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def read_and_match(layout: SourceLayout, table: tables.Table, user: User, job: Job, today: date) -> Outcome:
    with _few_collections():
        return _read_and_match(layout, table, user, job, today)


def _read_and_match(layout: SourceLayout, table: tables.Table, user: User, job: Job, today: date) -> Outcome:
    header = next(table.rows, None)
    if header is None:
        raise ValidationFailed("文件是空的", field_errors={"file": ["空文件"]})
    cols = columns_of(layout, header)
    out = Outcome()
    looked = _Params(today)
    registry = ScopeRegistry(user, table.total - 1)
    check_row = row_checker(layout, cols, today)
    chunk: list[Row] = []
    for line, cells in enumerate(table.rows, start=2):
        if not any(cells):
            continue
        out.rows += 1
        checked = check_row(line, cells)
        if isinstance(checked, str):
            out.errors.append(f"第{line}行：{checked}")
            if len(out.bad_rows) < BAD_ROWS_KEPT:
                shown = [mask_id_number(c) if i == cols.id else c for i, c in enumerate(cells)]
                out.bad_rows.append((line, checked, shown))
            continue
        chunk.append(checked)
        if len(chunk) >= CHUNK:
            match_chunk(layout, chunk, registry, job, looked, out)
            chunk = []
            jobs.progress(job.pk, done=out.rows)
    if chunk:
        match_chunk(layout, chunk, registry, job, looked, out)
    out.bad_rows.insert(0, (0, "", list(header)))  # the header, for the workbook
    return out


# --- the job ----------------------------------------------------------------------------------------


def _work(job: Job) -> dict[str, Any]:
    layout = layout_of(job.params["source"])
    user = job.created_by
    if user is None:
        raise Forbidden("上传人的账号已不存在，未导入")
    today = clock.today()
    with job.file.open("rb") as fh:
        jobs.progress(job.pk, phase="读取文件")
        with tables.open_table(job.params["filename"], fh, what=f"{layout.label}比对文件") as table:
            jobs.progress(job.pk, total=max(table.total - 1, 0), done=0, phase="逐行校验并比对")
            out = read_and_match(layout, table, user, job, today)
    result: dict[str, Any] = {
        "source": layout.code,
        "rows": out.rows,
        "good_rows": out.rows - len(out.errors),
        "error_count": len(out.errors),
        "errors": out.errors[:ERRORS_SHOWN],
        "errors_truncated": len(out.errors) > ERRORS_SHOWN,
        "matched_people": out.matched_people,
        "warnings": len(out.warnings),
        "by_category": dict(Counter(WarningCategory(w["category"]).label for w in out.warnings)),
        "committed": None,
    }
    if out.errors:
        jobs.progress(job.pk, phase="整理错误行")
        result["errors_file"] = _save_error_workbook(job.pk, out.bad_rows)
    mode = job.params.get("mode")
    if mode == "preview":
        jobs.progress(job.pk, done=out.rows)
        return result
    if out.errors and mode != "good_only":
        result["committed"] = False
        return result
    jobs.progress(job.pk, phase="写入预警（全部成功或全部不写入）")
    result |= _write(job, user, layout, out)
    jobs.progress(job.pk, done=out.rows)
    return result


def _write(job: Job, user: User, layout: SourceLayout, out: Outcome) -> dict[str, Any]:
    """The new warnings in one transaction: those already made by an earlier import of the same records
    are left out (by `dedup_key`), then the rest written as plain rows (COPY on PostgreSQL) — building 10⁵
    model instances would take longer than matching 10⁶ rows."""
    membership = authz.membership_for(user, Perm.DATA_IMPORT, job.area_code or None)
    with transaction.atomic():
        if bulk.is_postgres():
            # Two imports of the same records at once: the second waits and then finds the first's.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('monitoring.warning.write'))")
        keys = list({w["dedup_key"]: None for w in out.warnings})
        existing: set[str] = set()
        for start in range(0, len(keys), CHUNK):
            existing |= set(
                MonitoringWarning.objects.filter(dedup_key__in=keys[start : start + CHUNK]).values_list(
                    "dedup_key", flat=True
                )
            )
        fresh = []
        for w in out.warnings:
            if w["dedup_key"] not in existing:
                existing.add(w["dedup_key"])  # the same record twice in one file: one warning
                fresh.append(w)
        already = len(keys) - len(fresh)
        if fresh:
            columns, defaults = _warning_columns(fresh[0])
            bulk.insert_rows(
                MonitoringWarning, columns, [(*(w[c] for c in fresh[0]), *defaults) for w in fresh]
            )
        audit.record(
            actor=user,
            membership=membership,
            area_code=job.area_code,
            action="monitoring.import",
            obj=job,
            after={
                "source": layout.code,
                "file": job.params.get("filename"),
                "rows": out.rows,
                "skipped": len(out.errors),
                "created": len(fresh),
                "already": already,
            },
        )
    return {"committed": True, "created": len(fresh), "already": already}


def _warning_columns(given: dict[str, Any]) -> tuple[list[str], tuple[Any, ...]]:
    """The columns of a new warning: the fields `match_chunk` fills, then every other required field with
    its default (status open, the verification and resolution left blank)."""
    rest = [
        f
        for f in MonitoringWarning._meta.concrete_fields
        if not f.primary_key and f.attname not in given and not f.null
    ]
    return [*given, *(f.attname for f in rest)], tuple(f.get_default() for f in rest)


def _save_error_workbook(job_id: int, bad_rows: list[tuple[int, str, list[str]]]) -> str:
    """Every bad row (as many as were kept): line, reasons, the cells as uploaded (ID numbers masked)."""
    with tempfile.TemporaryFile() as tmp:
        book = xlsxwriter.Workbook(tmp, {"constant_memory": True})
        bold = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
        sheet = book.add_worksheet("错误行")
        sheet.set_column(1, 1, 60)
        header = bad_rows[0][2] if bad_rows else []
        for col, text in enumerate(["行号", "错误说明", *header]):
            sheet.write_string(0, col, text, bold)
        for r, (line, reason, cells) in enumerate(bad_rows[1:], start=1):
            sheet.write_number(r, 0, line)
            sheet.write_string(r, 1, reason)
            for col, text in enumerate(cells, start=2):
                sheet.write_string(r, col, text or "")
        book.close()
        tmp.seek(0)
        stamp = clock.now().strftime("%Y/%m")
        return sealed_storage().save(f"jobs/{stamp}/monitoring-{job_id}-errors.xlsx", File(tmp))


def open_error_workbook(job: Job) -> tuple[IO[bytes], str]:
    name = (job.result or {}).get("errors_file")
    if job.status != "done" or not name or not sealed_storage().exists(name):
        raise NotFound("该任务没有错误行")
    return sealed_storage().open(name, "rb"), f"比对错误行-{job.params.get('filename', job.pk)}.xlsx"
