"""Set-based writes for big jobs (convention 8): COPY on PostgreSQL, bulk_create elsewhere."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import TypeVar

from django.db import connection, models

T = TypeVar("T")


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of `size` items (the last one shorter), taking from `items` as it goes: a stream of 10⁶ rows
    is never held at once."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """Primary keys for `count` new rows, taken from the table's sequence in one round trip."""
    if count == 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk, count],
        )
        return [row[0] for row in cursor.fetchall()]


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence], *, batch_size: int = 5000
) -> None:
    """Insert plain tuples (values in `columns` order, already in database form) without building model
    instances: COPY on PostgreSQL; elsewhere bulk_create from the same tuples."""
    if not rows:
        return
    if not is_postgres():
        model._default_manager.bulk_create(
            [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=batch_size
        )
        return
    meta = model._meta
    concrete = {f.name: f.column for f in meta.concrete_fields} | {
        f.attname: f.column for f in meta.concrete_fields
    }
    names = ", ".join(connection.ops.quote_name(concrete[c]) for c in columns)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {connection.ops.quote_name(meta.db_table)} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
