"""Key fingerprints stored with the data, and the check that refuses to start with the wrong keys (密评).

Without it a wrong or rotated key is noticed only when a reveal fails with a 500 and an ID search silently
finds nothing. `problems()` compares the configured keys with the fingerprints in `KeyRecord`; the system
check (runserver, migrate, the worker, every management command that runs checks) and `jiuzhu.wsgi` (gunicorn)
refuse to start when it finds any.

A key set is registered when the database is migrated and when `crypto_rotate` starts writing with it; before
registering, a sample of the existing ciphertexts must open with it, so a database from before key records
cannot be adopted by the wrong key either.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.db.models import Count, F, Value
from django.db.models.functions import StrIndex, Substr

from jiuzhu.core import clock
from jiuzhu.core.crypto import columns, decrypt
from jiuzhu.core.crypto.local import split_ref
from jiuzhu.core.crypto.provider import provider
from jiuzhu.core.models import KeyRecord

log = logging.getLogger(__name__)

DATA, AUDIT = "data", "audit"
SAMPLE = 3


def _records():
    if KeyRecord._meta.db_table not in connection.introspection.table_names():
        return None
    return list(KeyRecord.objects.filter(retired_at__isnull=True))


def _samples(ref: str) -> list[tuple[columns.Column, str]]:
    """A few ciphertexts written with `ref`, from each encrypted table that exists yet."""
    found: list[tuple[columns.Column, str]] = []
    tables = set(connection.introspection.table_names())
    for column in columns.COLUMNS:
        model = column.model_class()
        if model._meta.db_table not in tables:
            continue
        prefixes = [f"{ref}:"] + (["v1:"] if ref == "aes.1" else [])
        for prefix in prefixes:
            rows = (
                model._default_manager.filter(**{f"{column.cipher}__startswith": prefix})
                .values_list(column.cipher, flat=True)
                .order_by()[:SAMPLE]
            )
            found.extend((column, token) for token in rows)
    return found


def _opens(ref: str) -> str:
    """ "" when the sample of ciphertexts under `ref` opens with the configured key; else what failed."""
    for column, token in _samples(ref):
        try:
            decrypt(token, purpose=column.purpose)
        except Exception as exc:  # noqa: BLE001 - any failure to open means the wrong key
            return f"{column.model}.{column.cipher} 的密文不能用配置的密钥版本 {ref} 解开（{type(exc).__name__}）"
    return ""


def problems() -> list[str]:
    """Why the configured keys do not fit the data in this database (empty when they do)."""
    try:
        records = _records()
    except DatabaseError:
        return []  # no database to compare with yet (it is checked again when the server starts)
    if records is None:
        return []  # not migrated yet
    p = provider()
    configured = {split_ref(ref)[1]: ref for ref in p.refs()}
    found: list[str] = []
    data_records = [r for r in records if r.kind == DATA]
    for record in data_records:
        suite, version = split_ref(record.ref)
        ref = configured.get(version)
        if ref is None:
            found.append(
                f"数据仍使用密钥版本 {version}（{suite}，指纹 {record.fingerprint}），但配置中没有该版本的密钥"
                "（JIUZHU_KEY_VERSION / JIUZHU_OLD_KEYS）"
            )
        elif ref != record.ref or p.fingerprint(ref) != record.fingerprint:
            found.append(
                f"配置的密钥版本 {version}（{ref}，指纹 {p.fingerprint(ref)}）与数据中记载的"
                f"（{record.ref}，指纹 {record.fingerprint}）不符：密钥配置错误或被更换"
            )
    if not data_records:
        reason = _opens(p.current_ref())
        if reason:
            found.append(reason)
    audit_configured = {split_ref(ref)[1] for ref in p.audit_refs()}
    for record in (r for r in records if r.kind == AUDIT):
        version = split_ref(record.ref)[1]
        if version not in audit_configured:
            found.append(f"审计日志仍使用审计密钥版本 {version}，但配置中没有该版本（JIUZHU_OLD_AUDIT_KEYS）")
        elif p.audit_fingerprint(version) != record.fingerprint:
            found.append(
                f"配置的审计密钥版本 {version}（指纹 {p.audit_fingerprint(version)}）与数据中记载的"
                f"（指纹 {record.fingerprint}）不符"
            )
    return found


def register_current() -> list[str]:
    """Record the fingerprints of the current data key set and audit key if they are new here. Returns the
    problems that prevented it (then nothing is recorded)."""
    found = problems()
    if found:
        return found
    p = provider()
    ref = p.current_ref()
    if not KeyRecord.objects.filter(kind=DATA, ref=ref).exists():
        reason = _opens(ref)
        if reason:
            return [reason]
        KeyRecord.objects.get_or_create(
            kind=DATA, ref=ref, defaults={"fingerprint": p.fingerprint(ref), "registered_at": clock.now()}
        )
    audit_ref = f"audit.{split_ref(p.audit_ref())[1]}"
    KeyRecord.objects.get_or_create(
        kind=AUDIT,
        ref=audit_ref,
        defaults={
            "fingerprint": p.audit_fingerprint(split_ref(audit_ref)[1]),
            "registered_at": clock.now(),
        },
    )
    return []


def retire_unused() -> list[str]:
    """After a rotation: mark data key sets no value uses any more as retired (they may then be removed from
    the configuration). Returns their references."""
    in_use = set(refs_in_use())
    retired = []
    for record in KeyRecord.objects.filter(kind=DATA, retired_at__isnull=True):
        if record.ref not in in_use and record.ref != provider().current_ref():
            record.retired_at = clock.now()
            record.save(update_fields=["retired_at"])
            retired.append(record.ref)
    return retired


def refs_by_column() -> dict[str, dict[str, int]]:
    """ "model.column" → key reference → number of values written with it (one GROUP BY per column)."""
    result: dict[str, dict[str, int]] = {}
    for column in columns.COLUMNS:
        model = column.model_class()
        cipher = F(column.cipher)
        rows = (
            model._default_manager.exclude(**{column.cipher: ""})
            .annotate(ref=Substr(cipher, 1, StrIndex(cipher, Value(":")) - 1))
            .values("ref")
            .annotate(n=Count("pk"))
            .order_by()
        )
        counts: dict[str, int] = {}
        for row in rows:
            ref = "aes.1" if row["ref"] == "v1" else row["ref"]
            counts[ref] = counts.get(ref, 0) + row["n"]
        result[f"{column.model}.{column.cipher}"] = counts
    return result


def refs_in_use() -> dict[str, int]:
    """Key reference → number of encrypted values written with it, over every encrypted column."""
    total: dict[str, int] = {}
    for counts in refs_by_column().values():
        for ref, n in counts.items():
            total[ref] = total.get(ref, 0) + n
    return total
