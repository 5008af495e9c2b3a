"""Querysets that requests run again and again, compiled to SQL once per connection.

Under load (bench/load_bench.py, sampled with py-spy and cProfile) building and compiling
querysets took a request longer than the database took to answer them: the session, the
user and the annotate page's queries are the same on every request but for a value or two.
A `PreparedQuery` builds its queryset once with a placeholder for each such value, compiles
it, finds each placeholder's slot among the SQL parameters, and afterwards only puts each
call's values in those slots. The rows come back through the queryset's own iterable
(model instances, `select_related` objects, annotations, `values()` dicts, the database's
field conversions), exactly as if the queryset had been built and compiled for the call.

Only values that the ORM passes through unchanged can be placeholders (ids, keys, plain
strings): the first compile checks that each placeholder appears exactly once among the
parameters and refuses the query otherwise.

On PostgreSQL the SQL is also a prepared statement on each connection: planning the
session's query (its user's role and permissions are four subqueries) cost the server 0.9 ms
of CPU on every request, running it 0.08 ms. Django binds parameters on the client, which
makes every call a new text; these run through a server-binding psycopg cursor that asks
for preparation, beside Django's own cursors on the same connection. The connection's
`prepare_threshold` (settings) is set out of reach so that psycopg prepares nothing else on
its own. A migration that changes a prepared query's tables needs a restart of the app
server, as any deployment does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.db import connections, router
from django.db.models import QuerySet
from django.db.models.sql import Query
from django.db.models.sql.compiler import cursor_iter
from django.db.models.sql.constants import GET_ITERATOR_CHUNK_SIZE, MULTI

# Placeholders for ids: no row has them (ids are positive) and they fit a 32-bit column.
ID_PLACEHOLDER = -2_013_265_921
OTHER_ID_PLACEHOLDER = ID_PLACEHOLDER + 1


class _BoundQuery(Query):
    """A copy of the prepared query that hands out the call's compiler instead of compiling."""

    bound_compiler: Any = None

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        return self.bound_compiler


_prepared_compiler_classes: dict[type, type] = {}


def _prepared_class(compiler_class: type) -> type:
    """`compiler_class`, answering `as_sql()` with the stored SQL and the call's parameters."""
    if compiler_class not in _prepared_compiler_classes:

        def as_sql(self, *args, **kwargs):
            return self.prepared_sql, self.call_params

        def execute_sql(self, result_type=MULTI, chunked_fetch=False, chunk_size=None):
            if result_type != MULTI or self.connection.vendor != "postgresql":
                return compiler_class.execute_sql(
                    self, result_type, chunked_fetch, chunk_size or GET_ITERATOR_CHUNK_SIZE
                )
            return _execute_prepared(self, chunk_size or GET_ITERATOR_CHUNK_SIZE)

        _prepared_compiler_classes[compiler_class] = type(
            f"Prepared{compiler_class.__name__}",
            (compiler_class,),
            {"as_sql": as_sql, "execute_sql": execute_sql},
        )
    return _prepared_compiler_classes[compiler_class]


@functools.cache
def _preparing_cursor_class() -> type:
    import psycopg  # PostgreSQL only

    class PreparingCursor(psycopg.Cursor):
        """Server-side binding, and every query a prepared statement."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparingCursor


def _execute_prepared(compiler: Any, chunk_size: int) -> list[list[tuple]]:
    """The rows, as `SQLCompiler.execute_sql(MULTI)` returns them, from a prepared statement."""
    connection = compiler.connection
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = _preparing_cursor_class()(connection.connection)
    # Django's wrapper around it: the same error translation and query logging.
    cursor = connection._prepare_cursor(raw)
    try:
        cursor.execute(compiler.prepared_sql, compiler.call_params)
    except Exception:
        cursor.close()
        raise
    col_count = compiler.col_count if compiler.has_extra_select else None
    return list(
        cursor_iter(cursor, connection.features.empty_fetchmany_value, col_count, chunk_size)
    )


def _shallow(instance: Any, cls: type | None = None) -> Any:
    # copy.copy() would pickle a QuerySet, and pickling evaluates it.
    twin = object.__new__(cls or type(instance))
    twin.__dict__.update(instance.__dict__)
    return twin


class _Compiled:
    def __init__(self, queryset: QuerySet, placeholders: dict[str, Any]):
        compiler = queryset.query.get_compiler(queryset.db)
        # as_sql() also sets up what the iterables read: select, klass_info, annotations.
        sql, params = compiler.as_sql()
        slots = {}
        for name, placeholder in placeholders.items():
            found = [i for i, value in enumerate(params) if value == placeholder]
            if len(found) != 1:
                raise ValueError(
                    f"placeholder {name!r} must appear once among the parameters, "
                    f"not {len(found)} times: prepare only values the ORM passes unchanged"
                )
            slots[name] = found[0]
        compiler.prepared_sql = sql
        compiler.__class__ = _prepared_class(type(compiler))
        self.queryset, self.compiler = queryset, compiler
        self.params, self.slots = tuple(params), slots

    def run(self, values: dict[str, Any]) -> QuerySet:
        if values.keys() != self.slots.keys():
            raise TypeError(f"expected values for {sorted(self.slots)}, got {sorted(values)}")
        params = list(self.params)
        for name, slot in self.slots.items():
            params[slot] = values[name]
        compiler = _shallow(self.compiler)
        compiler.call_params = tuple(params)
        query = _shallow(self.queryset.query, _BoundQuery)
        query.bound_compiler = compiler
        queryset = _shallow(self.queryset)
        queryset._query = query
        return queryset


class PreparedQuery:
    """`build(**placeholders)`: the queryset, using each placeholder once (e.g. `pk=key`).

    Each placeholder stands for its value while compiling: a value of the right type that
    no real value takes and that the database accepts (an int column refuses a huge int).
    Instances are module-level constants; the compiled form is kept on each connection.
    """

    def __init__(self, build: Callable[..., QuerySet], **placeholders: Any):
        self.build, self.placeholders = build, placeholders
        self.model: Any = None  # known after the first build

    def _compiled(self, alias: str | None) -> _Compiled:
        built = None
        if alias is None:
            if self.model is None:
                built = self.build(**self.placeholders)
                self.model = built.model
            alias = router.db_for_read(self.model)
        cache = connections[alias].__dict__.setdefault("_newsroom_prepared", {})
        compiled = cache.get(self)
        if compiled is None:
            queryset = built if built is not None else self.build(**self.placeholders)
            compiled = cache[self] = _Compiled(queryset.using(alias), self.placeholders)
        return compiled

    def rows(self, *, using: str | None = None, **values: Any) -> list[Any]:
        """The rows for these values, as the queryset would give them."""
        return list(self._compiled(using).run(values))

    def first(self, *, using: str | None = None, **values: Any) -> Any:
        """The first row for these values, or None."""
        rows = self.rows(using=using, **values)
        return rows[0] if rows else None
