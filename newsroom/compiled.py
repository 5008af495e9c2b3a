"""Querysets that every request runs, compiled to SQL once per process.

Under load (bench/load_bench.py, sampled with py-spy) a quarter of a request's time went
to building and compiling querysets, more than running them. The session and the user are
read on every request with the same query but for one value. A `KeyedQuery` compiles its
queryset once per database with a placeholder for that value, finds the placeholder's slot
among the parameters, and afterwards only puts each request's value in that slot. The rows
come back through `raw()`, so they are model instances with the usual field conversions.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.db import router
from django.db.models import Model, QuerySet


class KeyedQuery:
    """`build(key)`: a queryset of `model` that uses `key` once, e.g. `filter(pk=key)`.

    `placeholder` stands for the key while compiling: a value of the key's type that no
    real key takes (and that the database accepts: an int column refuses a huge int).
    """

    def __init__(self, model: type[Model], build: Callable[[Any], QuerySet], placeholder: Any):
        self.model, self.build, self.placeholder = model, build, placeholder

    @functools.cache  # noqa: B019 (instances are module-level constants: nothing leaks)
    def compiled(self, alias: str) -> tuple[str, tuple[Any, ...], int]:
        query = self.build(self.placeholder).using(alias).query
        sql, params = query.get_compiler(alias).as_sql()
        slots = [i for i, value in enumerate(params) if value == self.placeholder]
        if len(slots) != 1:
            raise ValueError(f"the key must appear once among the parameters, not {len(slots)}")
        return sql, tuple(params), slots[0]

    def first(self, key: Any) -> Any:
        """The first row for `key`, or None."""
        sql, params, slot = self.compiled(router.db_for_read(self.model))
        values = [*params[:slot], key, *params[slot + 1 :]]
        return next(iter(self.model._default_manager.raw(sql, values)), None)
