"""Querysets that every request runs, compiled to SQL once: the one place that relies on
Django's private ORM internals, kept because no public API reaches the throughput.

Why (issue 14, docs/reliability.md "Prepared queries"): on the annotate page, building and
compiling a queryset costs Django 5 to 10 times what the database takes to answer it (the
article with its assignee count: 3.1 ms of CPU to build and compile, 0.3 ms to run from
compiled SQL). Without this module the load bench kept 0.74x the requests per second of the
code before the layering change, against a target of 0.95x.

How: a `PreparedQuery` builds its queryset once with a placeholder for each value that
changes from call to call (an id), compiles it, finds each placeholder's slot among the SQL
parameters, and afterwards only puts the call's values in those slots. Rows come back
through the queryset's own iterable (model instances, `select_related` objects,
annotations, `values_list()` tuples, the database's conversions), as if the queryset had
been built and compiled for the call. On PostgreSQL the identical SQL text lets psycopg
prepare it on each connection (settings: `server_side_binding`, `prepare_threshold`).

The private parts, all here (and the database session engine's `_get_session_from_db()`,
overridden in newsroom/sessions.py to read the session with its user): `QuerySet._query`,
`Query.get_compiler()`,
`SQLCompiler.as_sql()` (it also sets up what the iterables read) and the iterables' calling
`query.get_compiler()` and then `compiler.execute_sql()`, which calls `self.as_sql()`.
tests/newsroom/test_prepared.py pins the Django release these were checked against and
fails on an upgrade until someone has checked them again; it also compares each prepared
query's rows with those of its plain queryset.

Only values the ORM passes through unchanged can be placeholders (ids, a full-text search's
words): the first compile checks that each placeholder appears exactly once among the
parameters, or at least once for those named in `repeated` (the article list's viewer, whose
id both claim-count subqueries filter on).

Pages (`paged=True`, the article list): Django writes a slice's LIMIT and OFFSET into the SQL
text, so a sliced queryset would need one compile per page. A paged query's builder is given
`page`, a slice no real page has (PAGE_PLACEHOLDER), and slices the queryset with it where
the page belongs: the whole query, or a subquery that picks the page's rows. The compile
finds that one `LIMIT … OFFSET …` in the SQL and makes it `LIMIT %s OFFSET %s`, with the
call's `limit` and `offset` in its place among the parameters: the same text for every page
(tests/newsroom/test_prepared.py compares it with the SQL of the queryset sliced by hand).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections, router
from django.db.models import QuerySet

# Checked against this Django release (tests/test_prepared.py fails on any other).
CHECKED_DJANGO = (6, 1)
# Placeholders for ids: no row has them (ids are positive) and they fit a 32-bit column.
ID_PLACEHOLDER = -2_013_265_921
OTHER_ID_PLACEHOLDER = ID_PLACEHOLDER + 1
# A paged query's page while compiling: no list has this many rows, so no other number in
# the SQL is written as this LIMIT and OFFSET.
_PAGE_LIMIT, _PAGE_OFFSET = 1_234_567_891, 1_987_654_321
PAGE_PLACEHOLDER = slice(_PAGE_OFFSET, _PAGE_OFFSET + _PAGE_LIMIT)
_PAGE_SQL = f"LIMIT {_PAGE_LIMIT} OFFSET {_PAGE_OFFSET}"


def _shallow(instance: Any) -> Any:
    # copy.copy() would pickle a QuerySet, and pickling evaluates it.
    twin = object.__new__(type(instance))
    twin.__dict__.update(instance.__dict__)
    return twin


class _Compiled:
    def __init__(
        self,
        queryset: QuerySet,
        placeholders: dict[str, Any],
        repeated: frozenset[str],
        paged: bool,
    ):
        if paged and queryset.query.select_for_update:
            raise ValueError("a paged query is compiled without select_for_update")
        compiler = queryset.query.get_compiler(queryset.db)
        sql, params = compiler.as_sql()  # also sets up select, klass_info, annotations
        slots = {}
        for name, placeholder in placeholders.items():
            found = [i for i, value in enumerate(params) if value == placeholder]
            if len(found) != 1 and not (found and name in repeated):
                raise ValueError(
                    f"placeholder {name!r} must appear once among the parameters, "
                    f"not {len(found)} times: prepare only values the ORM passes unchanged"
                )
            slots[name] = found
        self.page_slot: int | None = None
        if paged:
            if sql.count(_PAGE_SQL) != 1:
                raise ValueError("a paged query's builder slices its queryset with `page` once")
            at = sql.index(_PAGE_SQL)
            # The page's two parameters go after those written before it (`%%` is a percent
            # sign, not a parameter).
            self.page_slot = sql[:at].replace("%%", "").count("%s")
            sql = sql[:at] + "LIMIT %s OFFSET %s" + sql[at + len(_PAGE_SQL) :]
        self.queryset, self.compiler, self.sql, self.paged = queryset, compiler, sql, paged
        self.params, self.slots = tuple(params), slots

    def run(self, values: dict[str, Any], page: tuple[int, int] | None) -> QuerySet:
        if values.keys() != self.slots.keys():
            raise TypeError(f"expected values for {sorted(self.slots)}, got {sorted(values)}")
        if (page is not None) != self.paged:
            raise TypeError("a paged query takes a limit and an offset, another query neither")
        params = list(self.params)
        for name, slots in self.slots.items():
            for slot in slots:
                params[slot] = values[name]
        if page is not None:
            params[self.page_slot : self.page_slot] = page
        sql_and_params = (self.sql, tuple(params))
        compiler = _shallow(self.compiler)
        # The calling thread's connection (Django's are per thread), never the one it was
        # compiled on: another thread's would open a pooled connection it never returns.
        compiler.connection = connections[self.queryset.db]
        compiler.as_sql = lambda *args, **kwargs: sql_and_params
        query = _shallow(self.queryset.query)
        query.get_compiler = lambda *args, **kwargs: compiler
        queryset = _shallow(self.queryset)
        queryset._query = query  # not the `query` setter: it would turn values_list() to dicts
        return queryset


class PreparedQuery:
    """`build(**placeholders)`: the queryset, using each placeholder once (e.g. `pk=key`), or
    at least once for the names in `repeated`. `paged`: rows are asked for a page at a time
    (`limit`, `offset`); `build` is also given `page`, a slice to apply once, to the whole
    queryset or to the subquery that picks the page.

    Instances are module-level constants (or kept in a module-level dict, one per shape of
    a query); the compiled form is kept per database alias and each call runs on the
    calling thread's connection.
    """

    def __init__(
        self,
        build: Callable[..., QuerySet],
        *,
        repeated: tuple[str, ...] = (),
        paged: bool = False,
        **placeholders: Any,
    ):
        self.build, self.placeholders = build, placeholders
        self.repeated, self.paged = frozenset(repeated), paged
        self.model: Any = None  # known after the first build
        self._by_alias: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def _build(self) -> QuerySet:
        page = {"page": PAGE_PLACEHOLDER} if self.paged else {}
        return self.build(**page, **self.placeholders)

    def _compiled(self, alias: str | None) -> _Compiled:
        built = None
        if alias is None:
            if self.model is None:
                built = self._build()
                self.model = built.model
            alias = router.db_for_read(self.model)
        compiled = self._by_alias.get(alias)
        if compiled is None:
            queryset = built if built is not None else self._build()
            compiled = _Compiled(
                queryset.using(alias), self.placeholders, self.repeated, self.paged
            )
            with self._lock:
                self._by_alias[alias] = compiled
        return compiled

    def rows(
        self,
        *,
        using: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        **values: Any,
    ) -> list[Any]:
        """The rows for these values, as the queryset would give them; a paged query's
        `limit` rows from `offset` on, as `queryset[offset : offset + limit]` would."""
        page = None if limit is None else (limit, offset)
        return list(self._compiled(using).run(values, page))

    def first(self, *, using: str | None = None, **values: Any) -> Any:
        """The first row for these values, or None."""
        rows = self.rows(using=using, **values)
        return rows[0] if rows else None
