"""The two roles, as groups with permissions, and the checks views use.

An *editor* creates and annotates articles; an *admin* also reviews them and manages labels
and users. Roles are Django groups so that permissions stay data an operator can inspect.

A user's role and permission sets (`access_of`) are read on every request (each view is
behind a permission, navigation shows the role): they are kept in Django's cache, keyed by
the user and the current *access stamp* (`AccessStamp`, one row), so a request costs no
query for them. Any change that can alter anyone's role or permissions (group membership,
a user's or group's permissions, a group's name, a migration) writes a new random stamp
through the signals below. The default cache is per process; the stamp is in the database
and comes with the user's own query (newsroom.auth_backend), so every process sees the new
stamp on its next request and stops using its old entries at once. A change that bypasses
model signals (raw SQL, `QuerySet.update()` of groups) takes effect when entries expire,
after `ACCESS_CACHE_SECONDS`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.apps import AppConfig
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS
from django.db.models import CharField, F, Q, QuerySet, Subquery, Value
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

from .models import AccessStamp

EDITOR = "editor"
ADMIN = "admin"
ROLES = (EDITOR, ADMIN)

# (app_label, codename) granted to each role. Admins get the editor's set too.
EDITOR_PERMISSIONS = [
    ("newsroom", "view_article"),
    ("newsroom", "add_article"),
    ("newsroom", "change_article"),
    ("newsroom", "view_outlet"),
    ("newsroom", "add_outlet"),
    ("entities", "view_entitymention"),
    ("entities", "add_entitymention"),
    ("entities", "change_entitymention"),
    ("annotations", "view_label"),
    ("annotations", "view_claim"),
    ("annotations", "add_claim"),
    ("annotations", "change_claim"),
    ("annotations", "delete_claim"),
]
ADMIN_PERMISSIONS = [
    *EDITOR_PERMISSIONS,
    ("newsroom", "delete_article"),
    ("newsroom", "review_article"),
    ("newsroom", "change_outlet"),
    ("newsroom", "delete_outlet"),
    ("entities", "delete_entitymention"),
    ("annotations", "add_label"),
    ("annotations", "change_label"),
    ("annotations", "delete_label"),
    ("auth", "view_user"),
    ("auth", "add_user"),
    ("auth", "change_user"),
]
ROLE_PERMISSIONS = {EDITOR: EDITOR_PERMISSIONS, ADMIN: ADMIN_PERMISSIONS}


def sync_roles_migration(apps: Any, schema_editor: Any) -> None:
    """Migration step: (re)create the role groups with the permissions of every app so far."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; the roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    sync_role_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def sync_role_groups(group_model: Any, permission_model: Any) -> None:
    """Create the role groups and give each its permissions (idempotent).

    Takes the models as arguments so that migrations can pass their historical versions.
    Permissions of apps not migrated yet are skipped: each app's own migration re-syncs.
    """
    for role, wanted in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        q = Q(pk__in=[])
        for app, codename in wanted:
            q |= Q(content_type__app_label=app, codename=codename)
        group.permissions.set(permission_model.objects.filter(q))


# How long a cached answer may serve (a bound for changes that send no signal).
ACCESS_CACHE_SECONDS = 60
# The attribute under which newsroom.auth_backend reads the stamp with the user's row.
STAMP_ATTRIBUTE = "newsroom_access_stamp"
_STAMP_ROW = 1


@dataclass(frozen=True)
class Access:
    """A user's role and permissions ("app_label.codename"), as ModelBackend computes them."""

    role: str | None
    user_permissions: frozenset[str]
    group_permissions: frozenset[str]


def access_stamp() -> Subquery:
    """The current access stamp, as a subquery to annotate the user's query with."""
    return Subquery(AccessStamp.objects.filter(pk=_STAMP_ROW).values("version")[:1])


def renew_access_stamp(*, using: str = DEFAULT_DB_ALIAS, **_signal_kwargs: Any) -> None:
    """Signal receiver: retire every cached role and permission set, in every process."""
    # Random rather than counting up: a restored backup brings back an old stamp, and no
    # entry cached since then may match it.
    stamps = AccessStamp.objects.using(using)
    stamps.update_or_create(pk=_STAMP_ROW, defaults={"version": secrets.randbits(62)})


def _renew_on_m2m_change(action: str, **_signal_kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        renew_access_stamp()


def connect(app_config: AppConfig) -> None:
    """Connect what renews the access stamp (idempotent: each has a dispatch uid)."""
    user = get_user_model()
    for through in (user.groups.through, user.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(
            _renew_on_m2m_change, sender=through, dispatch_uid=f"newsroom.access.{through.__name__}"
        )
    for model in (Group, Permission):  # a group's name is a role; a permission's codename
        for signal, name in ((post_save, "save"), (post_delete, "delete")):
            uid = f"newsroom.access.{name}.{model.__name__}"
            signal.connect(renew_access_stamp, sender=model, dispatch_uid=uid)
    # Migrations change permissions through historical models, which send none of the above.
    post_migrate.connect(
        renew_access_stamp, sender=app_config, dispatch_uid="newsroom.access.migrate"
    )


def _names(permissions: QuerySet[Permission]) -> frozenset[str]:
    rows = permissions.values_list("content_type__app_label", "codename").order_by()
    return frozenset(f"{app_label}.{codename}" for app_label, codename in rows)


def _rows(queryset: QuerySet, kind: str, first: Any, second: Any) -> QuerySet:
    # Three text columns, so that the three sources are one UNION ALL (one round trip).
    text = CharField()
    return (
        queryset.order_by()
        .annotate(
            _kind=Value(kind, output_field=text),
            _first=first,
            _second=second,
        )
        .values_list("_kind", "_first", "_second")
    )


def _load_access(user: AbstractBaseUser) -> Access:
    if user.is_superuser:
        everything = _names(Permission.objects.all())  # ModelBackend's rule for superusers
        return Access(ADMIN, everything, everything)
    app_label, codename = F("content_type__app_label"), F("codename")
    rows = (
        _rows(Permission.objects.filter(user=user), "user", app_label, codename)
        .union(
            _rows(Permission.objects.filter(group__user=user), "group", app_label, codename),
            _rows(user.groups.all(), "role", Value("", output_field=CharField()), F("name")),
            all=True,
        )
        .order_by()  # else the union takes Permission's default ordering
    )
    found: dict[str, set[str]] = {"user": set(), "group": set(), "role": set()}
    for kind, first, second in rows:
        found[kind].add(second if kind == "role" else f"{first}.{second}")
    return Access(
        role=next((r for r in (ADMIN, EDITOR) if r in found["role"]), None),
        user_permissions=frozenset(found["user"]),
        group_permissions=frozenset(found["group"]),
    )


def access_cache_key(user: AbstractBaseUser, stamp: int | None) -> str:
    """Where the user's `Access` is cached under this stamp."""
    # is_superuser is in the key: it comes from the user's row, and saving that renews no
    # stamp (every login saves the row).
    return f"newsroom:access:{user.pk}:{int(user.is_superuser)}:{stamp}"


def access_of(user: AbstractBaseUser) -> Access:
    """The user's role and permission sets: from the cache, loaded on a miss."""
    # Also kept on the user object: one request asks several times.
    access = getattr(user, "_newsroom_access", None)
    if access is None:
        if hasattr(user, STAMP_ATTRIBUTE):
            stamp = getattr(user, STAMP_ATTRIBUTE)
        else:  # a user not loaded by the backend (e.g. just authenticated)
            stamp = AccessStamp.objects.filter(pk=_STAMP_ROW).values_list("version", flat=True)
            stamp = stamp.first()
        key = access_cache_key(user, stamp)
        access = cache.get(key)
        if access is None:
            access = _load_access(user)
            cache.set(key, access, ACCESS_CACHE_SECONDS)
        user._newsroom_access = access
    return access


def is_admin(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Admins review, manage labels and users: superusers and members of the admin group."""
    return user.is_authenticated and role_of(user) == ADMIN


def role_of(user: AbstractBaseUser) -> str | None:
    """The user's role name (admin wins over editor), or None for a user with no role."""
    if not user.is_authenticated:
        return None
    return access_of(user).role
