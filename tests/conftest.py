from __future__ import annotations

import io

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
def _empty_cache():
    # The cache may hold login-failure counts (LOGIN_FAILURES_STORE=cache, newsroom/throttle.py);
    # no test inherits another's. In the database (the default) they roll back with the test.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The real hasher is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tasks_run_immediately(settings):
    # Tests run background tasks in-process; tests of the real worker switch backends.
    # The queues stay the settings' own.
    immediate = "django.tasks.backends.immediate.ImmediateBackend"
    settings.TASKS = {"default": {**settings.TASKS["default"], "BACKEND": immediate}}


SEED_FIXTURE = "data/demo/articles.jsonl"


@pytest.fixture
def seed_article(db, django_capture_on_commit_callbacks):
    """The demo article, imported and analysed by the real spaCy model."""
    from django.core.management import call_command

    from newsroom.models import Article

    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=io.StringIO())
    return Article.objects.get()


@pytest.fixture
def reference_data(transactional_db):
    """Transactional tests flush what migrations seeded (roles, labels): put it back."""
    from django.contrib.auth.models import Group, Permission

    from annotations.models import Label
    from annotations.taxonomy import DEFAULT_LABELS
    from newsroom.roles import sync_role_groups

    sync_role_groups(Group, Permission)
    for order, fields in enumerate(DEFAULT_LABELS):
        Label.objects.update_or_create(slug=fields["slug"], defaults={**fields, "order": order})
