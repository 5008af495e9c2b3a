"""The login backend: Django's ModelBackend, with the role and permissions loaded with the user.

Every request of a logged-in user loads the user (the session names it), then checks a
permission (each view is behind one) and often the role (navigation, review rules). With
ModelBackend that is four queries: the user, its own permissions, its groups' permissions,
its group names. Here the user's row comes with all of that as subqueries, in one query,
and the caches ModelBackend and `roles.role_of` look for are filled from it, so the checks
that follow cost nothing. The answers are the same as ModelBackend's (a test compares them).

Superusers keep ModelBackend's own path: they hold every permission, which is not a
property of their rows.
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import router
from django.db.models import Exists, OuterRef, QuerySet, StringAgg, Subquery, Value
from django.db.models.functions import Concat

from .roles import ADMIN, EDITOR

# Codenames and app labels are identifiers: they hold no newline.
_SEPARATOR = "\n"
# Stands for the user id while the query is compiled (no user has it: ids are positive;
# it fits a 32-bit integer column).
_PLACEHOLDER = -2_013_265_921


def _joined(permissions: QuerySet[Permission]) -> Subquery:
    """The permissions as one "app_label.codename" string per line (NULL when none)."""
    name = Concat("content_type__app_label", Value("."), "codename")
    return Subquery(
        permissions.order_by()
        # A constant to group by: one row aggregating all of them.
        .annotate(_all=Value(1))
        .values("_all")
        .annotate(joined=StringAgg(name, Value(_SEPARATOR)))
        .values("joined")
    )


def with_access(users: QuerySet) -> QuerySet:
    """`users` with their role memberships and permissions, for `RoleBackend.remember`."""
    in_group = Group.objects.filter(user=OuterRef("pk"))
    return users.annotate(
        _is_admin_member=Exists(in_group.filter(name=ADMIN)),
        _is_editor_member=Exists(in_group.filter(name=EDITOR)),
        _user_perms=_joined(Permission.objects.filter(user=OuterRef("pk"))),
        _group_perms=_joined(Permission.objects.filter(group__user=OuterRef("pk"))),
    )


@functools.cache
def _user_query(alias: str) -> tuple[str, list[Any], int]:
    """The SQL of `with_access` for one user, compiled once per process and database.

    Building this queryset (four subqueries, an aggregate, a concatenation) took the ORM
    longer than running it; it runs on every request, so it is compiled once with a
    placeholder id, and each request passes its id in the placeholder's parameter slot.
    """
    users = get_user_model()._default_manager.using(alias)
    query = with_access(users.all()).filter(pk=_PLACEHOLDER).query
    sql, params = query.get_compiler(alias).as_sql()
    params = list(params)
    slots = [i for i, value in enumerate(params) if value == _PLACEHOLDER]
    assert len(slots) == 1, "the user id must appear once among the parameters"
    return sql, params, slots[0]


def _load_with_access(user_id: Any) -> Any:
    model = get_user_model()
    try:
        pk = model._meta.pk.to_python(user_id)
    except Exception:  # a session naming a malformed id: nobody
        return None
    sql, params, slot = _user_query(router.db_for_read(model))
    params = [*params[:slot], pk, *params[slot + 1 :]]
    return next(iter(model._default_manager.raw(sql, params)), None)


class RoleBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        user = _load_with_access(user_id)
        if user is None or not self.user_can_authenticate(user):
            return None
        self.remember(user)
        return user

    @staticmethod
    def remember(user: Any) -> None:
        """Fill the per-request caches from a user loaded through `with_access`."""
        if user.is_superuser:
            user._newsroom_role = ADMIN  # what roles.role_of says of a superuser
            return  # ModelBackend: every permission, from its own queries
        own = set(filter(None, (user._user_perms or "").split(_SEPARATOR)))
        groups = set(filter(None, (user._group_perms or "").split(_SEPARATOR)))
        user._user_perm_cache = own
        user._group_perm_cache = groups
        user._perm_cache = own | groups
        user._newsroom_role = (
            ADMIN if user._is_admin_member else EDITOR if user._is_editor_member else None
        )
