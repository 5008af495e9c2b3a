"""The two roles, as groups with permissions, and the checks views use.

An *editor* creates and annotates articles; an *admin* also reviews them and manages labels
and users. Roles are Django groups so that permissions stay data an operator can inspect.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

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
]
ADMIN_PERMISSIONS = [
    *EDITOR_PERMISSIONS,
    ("newsroom", "delete_article"),
    ("newsroom", "review_article"),
    ("newsroom", "change_outlet"),
    ("newsroom", "delete_outlet"),
    ("auth", "view_user"),
    ("auth", "add_user"),
    ("auth", "change_user"),
]
ROLE_PERMISSIONS = {EDITOR: EDITOR_PERMISSIONS, ADMIN: ADMIN_PERMISSIONS}


def sync_role_groups(group_model: Any, permission_model: Any) -> None:
    """Create the role groups and give each exactly its permissions (idempotent).

    Takes the models as arguments so that migrations can pass their historical versions.
    """
    for role, wanted in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        group.permissions.set(
            [
                permission_model.objects.get(content_type__app_label=app, codename=codename)
                for app, codename in wanted
            ]
        )


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
