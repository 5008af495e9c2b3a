"""The two roles, as groups with permissions, and the checks views use.

An *editor* creates and annotates articles; an *admin* also reviews them and manages labels
and users. Roles are Django groups so that permissions stay data an operator can inspect.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q

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


def is_admin(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Admins review, manage labels and users: superusers and members of the admin group."""
    return user.is_authenticated and role_of(user) == ADMIN


def role_of(user: AbstractBaseUser) -> str | None:
    """The user's role name (admin wins over editor), or None for a user with no role."""
    # Cached on the user object: navigation and permission checks ask several times a request.
    if not hasattr(user, "_newsroom_role"):
        if user.is_superuser:
            role = ADMIN
        else:
            names = set(user.groups.values_list("name", flat=True))
            role = next((r for r in (ADMIN, EDITOR) if r in names), None)
        user._newsroom_role = role
    return user._newsroom_role
