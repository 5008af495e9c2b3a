from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from newsroom.accounts import user_create
from newsroom.roles import ADMIN, EDITOR

PASSWORD = "correct-horse-battery-staple"


def _user(username: str, role: str | None):
    if role is None:
        user = get_user_model().objects.create_user(username=username)
    else:
        user, _ = user_create(username=username, role=role)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def editor(db):
    return _user("erin", EDITOR)


@pytest.fixture
def other_editor(db):
    return _user("bo", EDITOR)


@pytest.fixture
def admin_user(db):
    return _user("ada", ADMIN)


@pytest.fixture
def no_role_user(db):
    return _user("nemo", None)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The real hasher is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
