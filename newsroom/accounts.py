"""User accounts: creating editors and admins with a one-time random password, and the API
tokens users make for integrations (the secret likewise shown once)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher, make_password
from django.contrib.auth.models import AbstractUser, Group
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from . import roles
from .models import ApiToken

# Every token starts with this, so a leaked one is recognisable (e.g. by secret scanners).
TOKEN_PREFIX = "nrt_"  # noqa: S105 (a marker, not a secret)
TOKEN_NAME_MAX = 100
# A token's last use is recorded at most this often: not a database write per API request.
LAST_USED_PRECISION = timedelta(minutes=1)
# A generated password: 12 random bytes (96 bits), 16 characters to pass on.
GENERATED_PASSWORD_BYTES = 12
# PBKDF2 rounds for a generated password until its first login (generated_password_hash).
GENERATED_PASSWORD_ROUNDS = 10_000


def generate_password() -> str:
    """A random password to show once; the user changes it after logging in."""
    return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)


def generated_password_hash(password: str) -> str:
    """The stored hash of a password from generate_password: the default hasher, with few
    PBKDF2 rounds when that is the default (Django's), at full strength otherwise.

    PBKDF2's 1.5 million rounds slow down guessing a password a person chose; they took a
    web worker seconds per account (issue 18: the Team page answered in 5.4 s). A generated
    password has 96 random bits: at a trillion hashes a second, trying them all would take
    2.5 billion years with one round, and 10,000 rounds multiply that; the API tokens'
    secrets are kept the same way (one SHA-256). Django re-hashes it with the full rounds
    the first time it is checked (a login: PBKDF2's must_update), so it is stored at full
    strength from then on; any password a person sets is hashed as Django always does.
    """
    hasher = get_hasher()
    if isinstance(hasher, PBKDF2PasswordHasher):
        return hasher.encode(password, hasher.salt(), iterations=GENERATED_PASSWORD_ROUNDS)
    return make_password(password)


@transaction.atomic
def user_create(*, username: str, role: str, email: str = "") -> tuple[AbstractUser, str]:
    """Create a user in one role; return it with its password (shown once, never stored)."""
    if role not in roles.ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(roles.ROLES)}")
    password = generate_password()
    user = get_user_model().objects.create_user(
        username=username, email=email, password=None, is_staff=role == roles.ADMIN
    )
    user.password = generated_password_hash(password)
    user.save(update_fields=["password"])
    user.groups.add(Group.objects.get(name=role))
    return user, password


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@transaction.atomic
def api_token_create(
    *, user: Any, name: str, expires_in: timedelta | None = None
) -> tuple[ApiToken, str]:
    """Make an API token for `user`, valid for `expires_in` (None: until revoked); return it
    with its secret (shown once, stored hashed). A password change or deactivation of the
    user ends it too."""
    name = " ".join(name.split())
    if not name:
        raise ValueError("a token needs a name that says what uses it")
    if len(name) > TOKEN_NAME_MAX:
        raise ValueError(f"a token name can be at most {TOKEN_NAME_MAX} characters")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        secret_hash=_token_hash(secret),
        expires_at=timezone.now() + expires_in if expires_in else None,
        auth_stamp=user.get_session_auth_hash(),
    )
    return token, secret


def api_token_revoke(*, token: ApiToken) -> None:
    """Stop a token from authenticating; it stays listed, marked revoked, for the record."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def api_token_user(secret: str) -> Any | None:
    """The active user a live token's secret belongs to, or None; notes when it was used."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.active()
        .select_related("user")
        .filter(secret_hash=_token_hash(secret))
        # Read with the user, as the login backend does: its role and permissions then
        # come from the cache (newsroom.roles, "access stamp").
        .annotate(access_stamp=roles.access_stamp())
        .first()
    )
    if token is None or not constant_time_compare(
        token.auth_stamp, token.user.get_session_auth_hash()
    ):
        return None  # unknown, or its user's password changed since it was made
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    setattr(token.user, roles.STAMP_ATTRIBUTE, token.access_stamp)
    return token.user
