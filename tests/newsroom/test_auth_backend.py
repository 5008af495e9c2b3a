"""The login backend answers as ModelBackend does, from the user's one query."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from newsroom.auth_backend import RoleBackend
from newsroom.roles import ADMIN, EDITOR, role_of


def _fresh_model_backend_answers(user_id: int) -> tuple[set[str], set[str], set[str], str | None]:
    user = get_user_model().objects.get(pk=user_id)
    backend = ModelBackend()
    return (
        backend.get_user_permissions(user),
        backend.get_group_permissions(user),
        backend.get_all_permissions(user),
        role_of(user),
    )


def _role_backend_answers(user_id: int) -> tuple[set[str], set[str], set[str], str | None]:
    backend = RoleBackend()
    with CaptureQueriesContext(connection) as queries:
        user = backend.get_user(user_id)
        answers = (
            backend.get_user_permissions(user),
            backend.get_group_permissions(user),
            backend.get_all_permissions(user),
            role_of(user),
        )
    assert len(queries) == 1, [q["sql"] for q in queries]
    return answers


# `db` is named: the fixture is looked up at run time, and pytest-django orders database
# tests before transactional ones (which flush the role groups) by the fixtures it sees.
@pytest.mark.parametrize("fixture", ["editor", "admin_user", "no_role_user"])
def test_the_role_users_get_what_model_backend_gives_in_one_query(db, request, fixture):
    user = request.getfixturevalue(fixture)
    answers = _role_backend_answers(user.pk)
    assert answers == _fresh_model_backend_answers(user.pk)
    assert answers[3] == {"editor": EDITOR, "admin_user": ADMIN, "no_role_user": None}[fixture]
    if fixture != "no_role_user":
        assert "newsroom.view_article" in answers[2]


def test_a_users_own_permissions_and_several_groups_count(editor):
    editor.user_permissions.add(Permission.objects.get(codename="delete_label"))
    editor.groups.add(Group.objects.create(name="desk\nadmin"))  # a name that is not a role
    extra = Group.objects.create(name="researchers")
    extra.permissions.add(Permission.objects.get(codename="view_user"))
    editor.groups.add(extra)
    answers = _role_backend_answers(editor.pk)
    assert answers == _fresh_model_backend_answers(editor.pk)
    assert {"annotations.delete_label", "auth.view_user"} <= answers[2]
    assert answers[3] == EDITOR


def test_inactive_and_missing_users_are_not_loaded(editor):
    editor.is_active = False
    editor.save()
    assert RoleBackend().get_user(editor.pk) is None
    assert RoleBackend().get_user(10**9) is None


def test_superusers_keep_every_permission(db):
    root = get_user_model().objects.create_superuser("root", password="x")
    user = RoleBackend().get_user(root.pk)
    assert role_of(user) == ADMIN
    assert user.has_perm("auth.delete_group")  # a permission no role carries
    assert user.get_all_permissions() == _fresh_model_backend_answers(root.pk)[2]


def test_a_page_costs_no_permission_or_role_query(editor_client):
    with CaptureQueriesContext(connection) as queries:
        assert editor_client.get(reverse("article_list")).status_code == 200
    about_access = [q["sql"] for q in queries if "auth_group" in q["sql"]]
    assert len(about_access) == 1  # the session's query, which brings the user
    assert 'FROM "newsroom_user_session"' in about_access[0]


def test_a_malformed_user_id_loads_nobody(editor):
    assert RoleBackend().get_user("not-a-number") is None
    assert RoleBackend().get_user(str(editor.pk)).pk == editor.pk
