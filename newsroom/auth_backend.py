"""The login backend: Django's ModelBackend, with the role and permissions loaded with the user.

Every request of a logged-in user loads the user (the session names it), then checks a
permission (each view is behind one) and often the role (navigation, review rules). With
ModelBackend that is four queries: the user, its own permissions, its groups' permissions,
its group names. Here the user's row comes with all of that as subqueries, in one query,
and the caches ModelBackend and `roles.role_of` look for are filled from it, so the checks
that follow cost nothing. The answers are the same as ModelBackend's (a test compares them).

The session engine (newsroom.sessions) reads the user in the same query as the session; the
middleware here lets `get_user` take that user instead of querying again.

Superusers keep ModelBackend's own path: they hold every permission, which is not a
property of their rows.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.contrib import auth
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthMiddleware
from django.contrib.auth.models import Group, Permission
from django.db.models import Exists, OuterRef, QuerySet, StringAgg, Subquery, Value
from django.db.models.functions import Concat
from django.utils.functional import SimpleLazyObject

from .compiled import ID_PLACEHOLDER, PreparedQuery
from .roles import ADMIN, EDITOR

# Codenames and app labels are identifiers: they hold no newline.
_SEPARATOR = "\n"


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


# What `access_annotations` adds, which `RoleBackend.remember` reads.
ACCESS_FIELDS = ("_is_admin_member", "_is_editor_member", "_user_perms", "_group_perms")


def access_annotations(user: str) -> dict[str, Any]:
    """Role memberships and permissions of the user whose id is the outer field `user`."""
    in_group = Group.objects.filter(user=OuterRef(user))
    return {
        "_is_admin_member": Exists(in_group.filter(name=ADMIN)),
        "_is_editor_member": Exists(in_group.filter(name=EDITOR)),
        "_user_perms": _joined(Permission.objects.filter(user=OuterRef(user))),
        "_group_perms": _joined(Permission.objects.filter(group__user=OuterRef(user))),
    }


def with_access(users: QuerySet) -> QuerySet:
    """`users` with their role memberships and permissions, for `RoleBackend.remember`."""
    return users.annotate(**access_annotations("pk"))


def _one_user(pk: Any) -> QuerySet:
    return with_access(get_user_model()._default_manager.all()).filter(pk=pk)


# Building this queryset (four subqueries, an aggregate, a concatenation) took the ORM
# longer than running it: it is compiled once (newsroom.compiled).
_USER_WITH_ACCESS = PreparedQuery(_one_user, pk=ID_PLACEHOLDER)

# The session of the request whose user is being loaded (set by AuthenticationMiddleware).
_loading_for: ContextVar[Any] = ContextVar("newsroom_loading_for", default=None)


def _load_with_access(user_id: Any) -> Any:
    try:
        pk = get_user_model()._meta.pk.to_python(user_id)
    except Exception:  # a session naming a malformed id: nobody
        return None
    loaded = getattr(_loading_for.get(), "loaded_user", None)
    if loaded is not None and loaded.pk == pk:
        return loaded  # read with the session, in the same query
    return _USER_WITH_ACCESS.first(pk=pk)


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


def _user_of(request: Any) -> Any:
    """Django's `get_user`, able to take the user that the session's query read."""
    if not hasattr(request, "_cached_user"):
        token = _loading_for.set(request.session)
        try:
            request._cached_user = auth.get_user(request)
        finally:
            _loading_for.reset(token)
    return request._cached_user


class AuthenticationMiddleware(DjangoAuthMiddleware):
    """Django's, except that `request.user` comes through `_user_of`."""

    def process_request(self, request: Any) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _user_of(request))
