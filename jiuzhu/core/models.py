from __future__ import annotations

from django.conf import settings
from django.db import models

from jiuzhu.core import textlimits
from jiuzhu.core.crypto.sealed import sealed_storage


class AuditChain(models.Model):
    """Head of one hash chain. One chain per county keeps writers of different counties apart."""

    key = models.CharField(max_length=12, primary_key=True)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")

    class Meta:
        verbose_name = "审计链"

    def __str__(self) -> str:
        return f"{self.key}#{self.last_seq}"


class AuditEvent(models.Model):
    """Append-only trail written by every service. Each row carries the hash of the previous one."""

    chain = models.CharField(max_length=12)
    seq = models.BigIntegerField()
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=40, blank=True)
    organisation_id = models.BigIntegerField(null=True, blank=True)
    organisation_name = models.CharField(max_length=120, blank=True)
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    area_code = models.CharField(max_length=12, blank=True, db_index=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)
    ip = models.CharField(max_length=45, blank=True)
    channel = models.CharField(max_length=12, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # The keyed MAC that `hash` is ("sm3.1" = HMAC-SM3 under audit key 1); "" for events written before the
    # chain was keyed (plain SHA-256). See core.audit.
    mac_key = models.CharField(max_length=20, blank=True, default="")

    class Meta:
        verbose_name = "审计事件"
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique")]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["at"]),
            models.Index(fields=["action"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"


class CalendarYear(models.Model):
    """A year whose holidays and make-up days an administrator has loaded (P7)."""

    year = models.PositiveIntegerField(primary_key=True)
    loaded_at = models.DateTimeField()
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField("依据", max_length=200, blank=True)

    class Meta:
        verbose_name = "节假日年度"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年节假日安排"


class CalendarDay(models.Model):
    """A day that differs from Monday–Friday: a statutory holiday or a make-up working day (调休)."""

    date = models.DateField(primary_key=True)
    is_workday = models.BooleanField()
    name = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = "节假日/调休日"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_workday else '休息'} {self.name}"


class ParameterValue(models.Model):
    """One effective-dated value of a policy parameter for a jurisdiction (convention 7).

    `scope_code` is a jurisdiction code, or '' for the national default. Values are inherited
    downward: a township without its own value uses its county's, and so on up. Rows are never
    edited: a change adds a row; a row replaced for the same scope and date points to its successor.
    """

    key = models.CharField(max_length=80)
    scope_code = models.CharField(max_length=12, blank=True)
    effective_from = models.DateField()
    value = models.JSONField()
    source = models.CharField("依据", max_length=200, blank=True)
    reason = models.TextField(blank=True, max_length=textlimits.PARAGRAPH)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "政策参数值"
        indexes = [models.Index(fields=["key", "scope_code", "effective_from"])]
        ordering = ["key", "scope_code", "-effective_from", "-id"]

    def __str__(self) -> str:
        return f"{self.key}@{self.scope_code or '全国'} {self.effective_from}: {self.value}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "进行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class Job(models.Model):
    """A long-running piece of work (import, payroll, scan) with progress that pages can poll.

    Progress is written outside the work's own transaction, so other requests see it while it runs."""

    kind = models.CharField(max_length=40)
    status = models.CharField(max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED)
    area_code = models.CharField(max_length=12, db_index=True)
    params = models.JSONField(default=dict)
    # Uploads hold full ID or account numbers: sealed at rest, deleted after `files.retention_days` (PI1).
    file = models.FileField(upload_to="jobs/%Y/%m/", blank=True, storage=sealed_storage)
    phase = models.CharField(max_length=60, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The django-tasks result that runs it (its place in the queue) and the worker that took it.
    task_id = models.CharField(max_length=64, blank=True)
    task_path = models.CharField(max_length=200, blank=True)
    worker_id = models.CharField(max_length=64, blank=True)
    # Failed because its worker vanished or the database stayed unavailable, not because of its input:
    # starting it again can succeed.
    interrupted = models.BooleanField(default=False)

    class Meta:
        verbose_name = "后台任务"
        ordering = ["-id"]
        indexes = [models.Index(fields=["kind", "status"])]

    def __str__(self) -> str:
        return f"{self.kind}#{self.pk} {self.get_status_display()}"

    @property
    def percent(self) -> int:
        return (
            int(self.done * 100 / self.total) if self.total else (100 if self.status == JobStatus.DONE else 0)
        )

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class KeyRecord(models.Model):
    """The fingerprint of a key the data in this database is protected with: a data key set ("data",
    ref "sm4.2") or an audit MAC key ("audit", ref "audit.1"). The server refuses to start when the
    configured keys do not match the fingerprints stored here (core.crypto.keyrecords)."""

    kind = models.CharField(max_length=8)
    ref = models.CharField(max_length=20)
    fingerprint = models.CharField(max_length=32)
    registered_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "密钥指纹"
        ordering = ["kind", "-registered_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "ref"], name="key_record_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.ref} {self.fingerprint}"


class WorkerBeat(models.Model):
    """A background worker's heartbeat: written every few seconds while it lives (`core.worker`)."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    # Boot, pid and start tick of the process (Linux): a pid reused after a restart is not mistaken for it.
    process_key = models.CharField(max_length=80, blank=True)
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)  # the task it is running now

    class Meta:
        verbose_name = "后台任务处理程序"
        ordering = ["-beat_at"]

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"


class FormToken(models.Model):
    """A one-time token of a create form (`core.formtokens`): the first POST carrying it claims it and, once
    it succeeded, keeps where it led; a second POST with it (a double click, the back button and 保存 again)
    is sent there instead of creating the record twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64)
    path = models.CharField(max_length=300)
    result_url = models.CharField(max_length=300, blank=True)  # empty while the first POST runs
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "表单一次性令牌"
        constraints = [models.UniqueConstraint(fields=["user", "token"], name="formtoken_user_token_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.path}"
