"""User accounts: creating editors and admins with a one-time random password."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.db import transaction

from . import roles


def generate_password() -> str:
    """A random password to show once; the user changes it after logging in."""
    return secrets.token_urlsafe(12)


@transaction.atomic
def user_create(*, username: str, role: str, email: str = "") -> tuple[AbstractUser, str]:
    """Create a user in one role; return it with its password (shown once, never stored)."""
    if role not in roles.ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(roles.ROLES)}")
    password = generate_password()
    user = get_user_model().objects.create_user(
        username=username, email=email, password=password, is_staff=role == roles.ADMIN
    )
    user.groups.add(Group.objects.get(name=role))
    return user, password
