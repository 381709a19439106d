"""Re-encrypting and re-indexing every value under the current key set (`manage.py crypto_rotate`).

Set-based and resumable: each batch selects values not yet written with the current key set (their prefix
says so), computes the new ciphertext and index, and writes the batch with one UPDATE … FROM (VALUES …) in a
short transaction. A run that is stopped loses at most its open batch; the next run starts where it stopped,
because what is done no longer matches the selection. A value changed by a user meanwhile is left alone (the
UPDATE compares the old ciphertext): the user's write already used the current key set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction

from jiuzhu.core.crypto import columns, current_ref, decrypt, encrypt, index_under
from jiuzhu.core.crypto.sealed import reseal_if_needed, sealed_names

Progress = Callable[[str, int, int], None]  # (what, done, total)


@dataclass(frozen=True)
class ColumnResult:
    name: str
    rewritten: int
    skipped: int  # changed by someone else during the batch


def pending(column: columns.Column, ref: str | None = None):
    ref = ref or current_ref()
    model = column.model_class()
    return model._default_manager.exclude(**{column.cipher: ""}).exclude(
        **{f"{column.cipher}__startswith": f"{ref}:"}
    )


def _write(column: columns.Column, rows: list[tuple]) -> int:
    """rows: (pk, old cipher, new cipher[, new index]). Returns how many rows were updated."""
    qn = connection.ops.quote_name
    table = qn(column.table)
    width = 4 if column.index else 3
    values = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(rows))
    names = "v_id, v_old, v_new" + (", v_index" if column.index else "")
    sets = f"{qn(column.cipher)} = v.v_new" + (f", {qn(column.index)} = v.v_index" if column.index else "")
    sql = (  # a CTE names the VALUES columns on both SQLite and PostgreSQL
        f"WITH v({names}) AS (VALUES {values}) "  # noqa: S608 - names are ours, values bound
        f"UPDATE {table} SET {sets} FROM v "
        f"WHERE {table}.{qn('id')} = v.v_id AND {table}.{qn(column.cipher)} = v.v_old"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])
        return cursor.rowcount


def rotate_column(column: columns.Column, *, batch: int, progress: Progress) -> ColumnResult:
    ref = current_ref()
    name = f"{column.model}.{column.cipher}"
    total = pending(column, ref).count()
    done = skipped = 0
    last = 0
    progress(name, 0, total)
    while True:
        rows = list(
            pending(column, ref).filter(pk__gt=last).order_by("pk").values_list("pk", column.cipher)[:batch]
        )
        if not rows:
            break
        updates: list[tuple] = []
        for pk, token in rows:
            plain = decrypt(token, purpose=column.purpose)
            new = encrypt(plain, purpose=column.purpose)
            if column.index:
                updates.append((pk, token, new, index_under(ref, plain, purpose=column.purpose)))
            else:
                updates.append((pk, token, new))
        with transaction.atomic():
            written = _write(column, updates)
        done += written
        skipped += len(rows) - written
        last = rows[-1][0]
        progress(name, done + skipped, total)
    return ColumnResult(name, done, skipped)


def rotate_files(*, progress: Progress) -> int:
    names = [name for directory in columns.SEALED_DIRS for name in sealed_names(directory)]
    rewritten = 0
    progress("files", 0, len(names))
    for number, name in enumerate(names, start=1):
        rewritten += int(reseal_if_needed(name))
        progress("files", number, len(names))
    return rewritten
