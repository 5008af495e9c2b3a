"""Insert many new rows at the database's own speed: `COPY` on PostgreSQL, `executemany` on SQLite.

`bulk_create` builds one INSERT with a parameter per value: for long text the statement's
building and binding cost several times what the database itself takes to store the rows
(and under DEBUG, Django's query log quotes every value of it again). Here the rows go to
PostgreSQL with `COPY ... FROM STDIN` (psycopg's `cursor.copy`) and to SQLite with one
`executemany` of a plain INSERT. Neither returns ids, so they are taken first (PostgreSQL: the
table's sequence; SQLite: past the table's largest and its AUTOINCREMENT counter, under the
write lock the import's transaction holds) and written with the rows. Every other value is
what `save()` would write (each field's `pre_save` and `get_db_prep_save`, the documented
hooks `save()` uses), so defaults, `auto_now_add` and constraints behave as with
bulk_create. No signals are sent, as with bulk_create. An integrity error (a unique value
another transaction stored first) is raised as Django's IntegrityError.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, connections, models


def bulk_insert(objs: Sequence[models.Model], *, using: str = "default") -> None:
    """Insert new instances of one model, setting their primary keys."""
    if not objs:
        return
    connection = connections[using]
    meta = type(objs[0])._meta
    if connection.vendor not in ("postgresql", "sqlite"):
        type(objs[0])._default_manager.db_manager(using).bulk_create(objs)
    else:
        fields = [f for f in meta.concrete_fields if not f.generated]
        as_is = [_AS_IS.get(field.get_internal_type()) for field in fields]
        with connection.cursor() as cursor:
            for obj, pk in zip(objs, _new_ids(cursor, connection, meta, len(objs)), strict=True):
                obj.pk = pk
            rows = (_values(obj, fields, as_is, connection) for obj in objs)
            write = _copy if connection.vendor == "postgresql" else _executemany
            write(cursor, connection, meta, fields, rows)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using


# Fields whose database value is the Python value itself when it has this type: preparing it
# (get_db_prep_save) would hand back the same object, at ~3 µs a field and row.
_AS_IS = {
    **dict.fromkeys(("CharField", "TextField", "SlugField"), str),
    **dict.fromkeys(
        (
            "IntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
            "SmallIntegerField", "BigIntegerField", "AutoField", "BigAutoField",
            "ForeignKey", "OneToOneField",
        ),
        int,
    ),
}  # fmt: skip


def _values(
    obj: models.Model, fields: list[models.Field], as_is: list[type | None], connection: Any
) -> list[Any]:
    row = []
    for field, kind in zip(fields, as_is, strict=True):
        value = field.pre_save(obj, True)
        if kind is not None and (value is None or type(value) is kind):
            row.append(value)
        else:
            row.append(field.get_db_prep_save(value, connection))
    return row


def _new_ids(cursor: Any, connection: Any, meta: Any, count: int) -> list[int]:
    """`count` new primary keys for the model's table."""
    table = connection.ops.quote_name(meta.db_table)
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, meta.pk.column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]
    # SQLite, under the import transaction's write lock. AUTOINCREMENT never reuses an id,
    # even a deleted row's: start past its counter too.
    pk = connection.ops.quote_name(meta.pk.column)
    cursor.execute(
        f"SELECT MAX(COALESCE((SELECT MAX({pk}) FROM {table}), 0), "  # noqa: S608
        "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
        [meta.db_table],
    )
    (last,) = cursor.fetchone()
    return list(range(last + 1, last + 1 + count))


def _copy(
    cursor: Any, connection: Any, meta: Any, fields: list[models.Field], rows: Iterable[list[Any]]
) -> None:
    from psycopg import errors, sql

    copy = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(meta.db_table),
        sql.SQL(", ").join(sql.Identifier(f.column) for f in fields),
    )
    try:
        with cursor.copy(copy) as stream:
            for row in rows:
                stream.write_row(row)
    except errors.IntegrityError as exc:
        raise IntegrityError(*exc.args) from exc


def _executemany(
    cursor: Any, connection: Any, meta: Any, fields: list[models.Field], rows: Iterable[list[Any]]
) -> None:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    cursor.executemany(
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})",  # noqa: S608
        list(rows),
    )
